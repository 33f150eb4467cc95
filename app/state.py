"""Cached loaders and session state shared by the pages.

Heavy, shared objects (the settings, the road network, travel engines) are cached with
``st.cache_resource``; tables (communes, offices, matrices, coverage results) with
``st.cache_data``, keyed on plain values (the data folder, a profile name, a hash) so that a
rerun caused by a widget never rebuilds them. Everything the user changes (offices, speed
table, closures, jobs, the plan, candidate sites) lives in ``st.session_state`` under the
keys below.
"""

from __future__ import annotations

import hashlib
import importlib
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from data import tables
from data.bilingual import join
from data.settings import Settings

# Session-state keys (one place, so pages and tests agree).
OFFICES = "offices"  # GeoDataFrame the user uploaded/edited, or absent for the default
SPEED_TABLE = "speed_table"  # DataFrame, or absent for geo/speeds.csv
CLOSURES = "closures"  # DataFrame of closures (lat, lon, radius_m, valid_from, valid_to, reason)
JOBS = "jobs"  # DataFrame of jobs for the day
JOBS_SOURCE = "jobs_source"  # "simulated" or "user:<file name>"
JOBS_ERRORS = "jobs_errors"  # list of problem strings from the last rejected upload
PLAN = "plan"  # routing.result.Plan
PLAN_ORIGINAL = "plan_original"  # the solver's plan before manual edits
PLAN_EDIT_REPORT = "plan_edit_report"  # list of violation strings after the last manual edit
CANDIDATES = "candidates"  # DataFrame of candidate sites (name, lat, lon, source)
SITING = "siting"  # geo.siting result

#: Messages about the last action on a page (errors of a rejected upload, "saved" notes):
#: cleared when another page is opened and after a successful save, never carried along.
MESSAGES = (
    JOBS_ERRORS,
    "offices_errors",
    "offices_message",
    "closures_errors",
    "closures_message",
    "dsp_flash",
    "cov_flash",
)
_PAGE = "_current_page"


def enter_page(name: str) -> None:
    """Record that page ``name`` is shown; coming from another page clears :data:`MESSAGES`."""
    if st.session_state.get(_PAGE) != name:
        clear_messages()
    st.session_state[_PAGE] = name


def clear_messages() -> None:
    """Forget every message in :data:`MESSAGES` (the data they were about is kept)."""
    for k in MESSAGES:
        st.session_state.pop(k, None)


def flash(key: str, kind: str, text: str) -> None:
    """Keep one message (``kind`` success/info/warning/error) to show after the next rerun."""
    st.session_state[key] = (kind, text)


def show_flash(key: str) -> None:
    """Show and forget the message :func:`flash` kept under ``key``, if any."""
    kept_msg = st.session_state.pop(key, None)
    if kept_msg:
        kind, text = kept_msg
        getattr(st, kind)(text)


def optional_module(name: str) -> ModuleType | None:
    """Import ``name`` if it exists yet, else return None (pages degrade gracefully)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    """Return the app's settings, read once from the ``POSTPLAN_*`` environment variables."""
    return Settings.from_env()


def data_key(settings: Settings) -> str:
    """Return a plain string that identifies the data folder (cache key)."""
    return str(settings.data_dir)


@st.cache_data(show_spinner=False)
def load_layer(name: str, data_dir: str) -> gpd.GeoDataFrame:
    """Load one of ``data.layers``' layers (``communes``, ``province``, ``districts`` …).

    ``commune_points`` comes from :mod:`data.commune_points`, the one rule for them.
    """
    from data import commune_points, layers

    module = commune_points if name == "commune_points" else layers
    loader = getattr(module, f"load_{name}")
    return loader(get_settings())


@st.cache_data(show_spinner=False)
def default_offices(data_dir: str) -> gpd.GeoDataFrame:
    """Return the bundled default office registry."""
    from data.offices import default_offices as _default

    return _default(get_settings())


def current_offices() -> gpd.GeoDataFrame:
    """Return the offices in use: the user's uploaded/edited list, else the bundled default."""
    user = st.session_state.get(OFFICES)
    if user is not None:
        return user
    return default_offices(data_key(get_settings()))


def frame_hash(df: pd.DataFrame | None) -> str:
    """Return a stable content hash of a table (cache key for derived results)."""
    if df is None:
        return "none"
    plain = pd.DataFrame(df).drop(columns="geometry", errors="ignore")
    digest = hashlib.sha256(
        np.asarray(pd.util.hash_pandas_object(plain.astype(str), index=False)).tobytes()
    )
    digest.update(",".join(map(str, plain.columns)).encode())
    return digest.hexdigest()[:16]


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a UTF-8 byte-order mark, so Excel opens Vietnamese text correctly."""
    return tables.csv_bytes(df)


def to_xlsx_bytes(df: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """One-sheet XLSX of a table (geometry dropped, formula-like text kept as text)."""
    return tables.xlsx_bytes({sheet: df})


def network_cache_key() -> tuple[str, str, str]:
    """(speed table hash, closures hash, data folder): what the routing network depends on."""
    return (
        frame_hash(st.session_state.get(SPEED_TABLE)),
        frame_hash(st.session_state.get(CLOSURES)),
        data_key(get_settings()),
    )


def session_get(key: str, default: Any = None) -> Any:
    """``st.session_state.get`` with a default (typed helper for the pages)."""
    return st.session_state.get(key, default)


def mark_user_edits(before: pd.DataFrame, after: pd.DataFrame, *, id_column: str) -> pd.DataFrame:
    """Return ``after`` with ``source="user"`` on every row added or changed in the editor.

    A row whose position changed also gets ``location_note`` "edited in the app" so the
    provenance of every coordinate stays honest.
    """
    out = pd.DataFrame(after).copy().reset_index(drop=True)
    if "source" not in out.columns:
        out["source"] = "user"
    old = pd.DataFrame(before).set_index(id_column, drop=False) if len(before) else None
    compare = [c for c in out.columns if c not in ("source", "location_note")]
    for i, row in out.iterrows():
        rid = row.get(id_column)
        if old is None or rid not in old.index:
            out.loc[i, "source"] = "user"
            if "location_note" in out.columns:
                out.loc[i, "location_note"] = join("thêm trong ứng dụng", "added in the app")
            continue
        prev = old.loc[rid]
        if isinstance(prev, pd.DataFrame):  # duplicate ids: validation will report them
            continue
        if any(str(row[c]) != str(prev.get(c)) for c in compare if c in prev.index):
            out.loc[i, "source"] = "user"
            moved = any(str(row[c]) != str(prev.get(c)) for c in ("lat", "lon") if c in prev.index)
            if moved and "location_note" in out.columns:
                out.loc[i, "location_note"] = join("sửa trong ứng dụng", "edited in the app")
    return out


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Any:
    from data.store import Store

    return Store(url)


#: Session keys of the logged-in account and its session token (set by ``app/auth.py``).
AUTH_ACCOUNT = "auth_account"
AUTH_TOKEN = "auth_token"


def current_account() -> Any:
    """Return the logged-in account (``data.access.Account``), the ``actor`` of store calls.

    The login gate in ``streamlit_app.py`` runs before any page and stops the script
    when nobody is logged in, so a page always has one.
    """
    account = st.session_state.get(AUTH_ACCOUNT)
    if account is None:  # only reachable if a page runs without the gate
        st.stop()
    return account


def plan_store() -> Any:
    """Return the plan store (``data.store.Store``) named by the environment's settings.

    Read from the environment on each call (not the cached settings), so the store follows
    ``POSTPLAN_DB_URL`` / ``POSTPLAN_USER_DIR``; one ``Store`` per URL is shared.
    """
    settings = Settings.from_env()
    settings.user_dir.mkdir(parents=True, exist_ok=True)
    return _store(settings.database_url)
