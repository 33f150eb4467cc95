"""The road network as the app uses it: cached, with the user's speeds and closures applied.

``base_network`` is the network built (or read from the on-disk cache) by
``geo.network.cached_network``; ``routing_network`` applies the session's speed table and
the closures valid on the plan day; ``travel_engine`` prepares many-to-many queries on it.
All three are ``st.cache_resource`` (one shared object per key), keyed on plain values so a
widget rerun never rebuilds them.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import networkx as nx
import pandas as pd
import streamlit as st

from app import maps
from app import state as ss
from app.i18n import fmt_number, source_label, t
from data.errors import InputError, PostplanError
from data.settings import Settings

PROFILES = ("motorbike", "car", "walk")

#: Columns of the app's closures editor (a circle around a point, valid over a date range).
CLOSURE_COLUMNS = ("lat", "lon", "radius_m", "valid_from", "valid_to", "reason")


@st.cache_resource(show_spinner=False, max_entries=4)
def base_network(data_dir: str, profile: str) -> nx.MultiDiGraph:
    """Return the network for ``profile`` from ``geo.network.cached_network`` (disk-cached)."""
    from geo.network import cached_network

    return cached_network(ss.get_settings(), profile=profile)


@st.cache_resource(show_spinner=False, max_entries=8)
def routing_network(
    data_dir: str,
    profile: str,
    speed_hash: str,
    closures_hash: str,
    day_iso: str,
    _speed_table: pd.DataFrame | None = None,
    _closures: pd.DataFrame | None = None,
) -> nx.MultiDiGraph:
    """Return the network with the session's speed table and the closures valid on ``day_iso``.

    The hashes are the cache key; the underscored tables are not hashed (Streamlit skips
    arguments whose name starts with ``_``).
    """
    G = base_network(data_dir, profile)
    if _speed_table is not None:
        from geo.profiles import apply_profile, get_profile

        G = apply_profile(G, get_profile(profile, speed_table=_speed_table))
    if _closures is not None and len(_closures):
        G = apply_day_closures(G, _closures, dt.date.fromisoformat(day_iso))
    return G


def apply_day_closures(G: nx.MultiDiGraph, closures: pd.DataFrame, day: dt.date) -> nx.MultiDiGraph:
    """Apply the editor's closures (circles) through ``geo.closures`` and return a new graph."""
    gc = importlib.import_module("geo.closures")

    table = closures_for_geo(closures)
    return gc.apply_closures(G, table, day)


def closures_for_geo(closures: pd.DataFrame) -> Any:
    """Turn the editor's rows (lat, lon, radius_m, dates, reason) into ``geo.closures``' table."""
    import geopandas as gpd
    from shapely.geometry import Point

    gc = importlib.import_module("geo.closures")

    rows = closures.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    points = gpd.GeoDataFrame(
        rows.drop(columns=["lat", "lon"]),
        geometry=[Point(float(x), float(y)) for x, y in zip(rows["lon"], rows["lat"], strict=True)],
        crs="EPSG:4326",
    ).to_crs("EPSG:9216")
    points["geometry"] = [
        g.buffer(float(r) if pd.notna(r) and float(r) > 0 else 100.0)
        for g, r in zip(points.geometry, rows["radius_m"], strict=True)
    ]
    polygons = points.to_crs("EPSG:4326")
    maker = getattr(gc, "closures_from_frame", None) or getattr(gc, "read_closures", None)
    if maker is not None:
        return maker(polygons)
    return polygons


def current_routing_network(profile: str, day: dt.date) -> nx.MultiDiGraph:
    """Return the routing network for this session (speeds and closures applied) on ``day``."""
    speed_hash, closures_hash, key = ss.network_cache_key()
    return routing_network(
        key,
        profile,
        speed_hash,
        closures_hash,
        day.isoformat(),
        _speed_table=st.session_state.get(ss.SPEED_TABLE),
        _closures=st.session_state.get(ss.CLOSURES),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def travel_engine(
    data_dir: str, profile: str, speed_hash: str, closures_hash: str, day_iso: str, _G: Any = None
) -> Any:
    """Return a ``geo.matrix.TravelEngine`` on the routing network of the same key."""
    from geo.matrix import TravelEngine

    return TravelEngine(_G, cache_dir=ss.get_settings().cache_dir / "cch")


def current_engine(profile: str, day: dt.date, G: nx.MultiDiGraph) -> Any:
    """Return the travel engine for this session's routing network on ``day``."""
    speed_hash, closures_hash, key = ss.network_cache_key()
    return travel_engine(key, profile, speed_hash, closures_hash, day.isoformat(), _G=G)


def network_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """``geo.network.network_summary`` when available, else the graph's own attributes."""
    try:
        from geo.network import network_summary as summary

        return dict(summary(G))
    except ImportError:
        return {
            "kind": G.graph.get("kind"),
            "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(),
        }


def is_proxy(kind: str | None) -> bool:
    """Tell whether the network kind involves the proxy (estimated) links."""
    return "proxy" in str(kind or "")


# ---------------------------------------------------------------------------------------
# Data page panels
# ---------------------------------------------------------------------------------------


def _speed_panel() -> None:
    st.header(t("data.speeds_title"))
    st.caption(t("data.speeds_hint"))
    try:
        from geo.profiles import load_speed_table
    except ImportError:
        st.info(t("common.not_ready", module="geo.profiles"))
        return
    table = st.session_state.get(ss.SPEED_TABLE)
    if table is None:
        table = load_speed_table()
    edited = st.data_editor(
        table,
        key="speed_editor",
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["highway", "surface"],
    )
    c1, c2, c3 = st.columns(3)
    if c1.button(t("common.apply"), key="speed_apply"):
        try:
            checked = load_speed_table(ss.to_csv_bytes(edited))
        except InputError as exc:
            st.error(
                t("common.problems", n=len(exc.problems))
                + "\n\n"
                + "\n".join(f"- {p}" for p in exc.problems)
            )
        else:
            st.session_state[ss.SPEED_TABLE] = checked
            st.success(t("data.speeds_applied"))
    if c2.button(t("common.reset"), key="speed_reset"):
        st.session_state.pop(ss.SPEED_TABLE, None)
        st.rerun()
    c3.download_button(
        t("common.download_csv"),
        data=ss.to_csv_bytes(edited),
        file_name="speeds.csv",
        mime="text/csv",
        key="speed_csv",
        on_click="ignore",
    )


def _closures_panel() -> None:
    st.header(t("data.closures_title"))
    st.caption(t("data.closures_hint"))
    table = st.session_state.get(ss.CLOSURES)
    if table is None:
        table = pd.DataFrame(
            {
                "lat": pd.Series(dtype=float),
                "lon": pd.Series(dtype=float),
                "radius_m": pd.Series(dtype=float),
                "valid_from": pd.Series(dtype="datetime64[ns]"),
                "valid_to": pd.Series(dtype="datetime64[ns]"),
                "reason": pd.Series(dtype=str),
            }
        )
    edited = st.data_editor(
        table,
        key="closures_editor",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "valid_from": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "valid_to": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "radius_m": st.column_config.NumberColumn(min_value=10, max_value=20_000, step=10),
        },
    )
    if st.button(t("common.apply"), key="closures_apply"):
        problems = closure_problems(edited)
        if problems:
            st.error(
                t("common.problems", n=len(problems))
                + "\n\n"
                + "\n".join(f"- {p}" for p in problems)
            )
        else:
            st.session_state[ss.CLOSURES] = edited.reset_index(drop=True)
            st.success(t("data.closures_applied", n=len(edited)))


def closure_problems(table: pd.DataFrame) -> list[str]:
    """Every problem in the closures editor's rows (row numbers as the table shows them)."""
    problems = []
    for i, row in table.reset_index(drop=True).iterrows():
        n = int(str(i)) + 1
        lat, lon = row.get("lat"), row.get("lon")
        if pd.isna(lat) or pd.isna(lon):
            problems.append(f"row {n}: lat and lon are required")
        elif not (13.5 <= float(lat) <= 15.8 and 107.0 <= float(lon) <= 109.0):
            problems.append(f"row {n}: ({lat}, {lon}) is outside Kon Tum; check lat/lon order")
        frm, to = row.get("valid_from"), row.get("valid_to")
        if pd.notna(frm) and pd.notna(to) and pd.Timestamp(to) < pd.Timestamp(frm):
            problems.append(f"row {n}: valid_to {to} is before valid_from {frm}")
    return problems


def _status_panel(settings: Settings) -> None:
    st.header(t("data.network_title"))
    profile = st.selectbox(t("data.speeds_profile"), PROFILES, key="network_profile")
    try:
        with st.spinner(t("dispatch.step_network")):
            G = current_routing_network(profile, dt.date.today())
    except ImportError:
        st.info(t("common.not_ready", module="geo.network"))
        return
    except PostplanError as exc:
        st.error(t("data.network_error", error=exc))
        return
    info = network_summary(G)
    kind = str(info.get("kind") or G.graph.get("kind"))
    if is_proxy(kind):
        st.warning(t("data.network_proxy_warning"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("data.network_kind"), source_label("proxy") if kind == "proxy" else kind)
    c2.metric(t("data.network_nodes"), fmt_number(int(info.get("nodes", G.number_of_nodes()))))
    c3.metric(t("data.network_edges"), fmt_number(int(info.get("edges", G.number_of_edges()))))
    km = info.get("km_by_source") or {}
    c4.metric(
        t("data.network_km"),
        ", ".join(f"{source_label(str(k))}: {fmt_number(float(v))}" for k, v in km.items()) or "—",
    )
    st.caption(f"{t('data.network_file')}: `{G.graph.get('source_file', '—')}`")
    if st.checkbox(t("data.show_network"), value=False, key="network_show"):
        m = maps.base_map(center=maps.KONTUM_CENTER, zoom=9)
        maps.add_network(m, G, name="network")
        maps.show_map(m, key="network_map", height=480)
        st.caption(t("data.network_legend"))


def network_status_panel(settings: Settings) -> None:
    """Draw the speed table editor, the closures table and the network status."""
    _speed_panel()
    _closures_panel()
    _status_panel(settings)
