"""What the pages call raw values and schema columns: one table per kind of code.

Files and the store speak in codes (``motorbike``, ``post_office``, ``optimal``, ``site_id``);
the pages show words in the session's language. Each table maps a code to a catalogue key
(marked with :func:`app.i18n.N_` so extraction keeps it); :func:`label` looks one up and
shows an unknown code as it is. :func:`column_config` names a frame's columns for
``st.dataframe``/``st.data_editor`` without renaming them (an editor must hand back the
file's columns), :func:`labelled` returns a copy for display only: codes turned into
words, ISO dates into dd/mm/yyyy, columns renamed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st

from app.i18n import KIND_KEYS, N_, SOURCE_KEYS, current_lang, fmt_date, t
from data.bilingual import part

#: Vehicle profile -> label key (``data.vehicles.PROFILE_NAMES``).
PROFILE_KEYS = {
    "motorbike": N_("profile.motorbike"),
    "moped": N_("profile.moped"),
    "car": N_("profile.car"),
    "walk": N_("profile.walk"),
}
#: Account role -> label key (``data.access.ROLES``).
ROLE_KEYS = {
    "admin": N_("role.admin"),
    "dispatcher": N_("role.dispatcher"),
    "planner": N_("role.planner"),
    "courier": N_("role.courier"),
    "viewer": N_("role.viewer"),
}
#: Siting model -> label key.
MODEL_KEYS = {
    "mclp": N_("coverage.model_mclp"),
    "pmedian": N_("coverage.model_pmedian"),
    "lscp": N_("coverage.model_lscp"),
}
#: Siting solver status -> label key (``geo.siting``; HiGHS' other words stay as they are).
STATUS_KEYS = {
    "optimal": N_("status.optimal"),
    "trivial": N_("status.trivial"),
    "time_limit": N_("status.time_limit"),
    "infeasible": N_("status.infeasible"),
}
#: Job kind -> label key (``routing.model``).
JOB_KIND_KEYS = {
    "dossier_pickup": N_("jobkind.dossier_pickup"),
    "result_delivery": N_("jobkind.result_delivery"),
    "counter_transfer": N_("jobkind.counter_transfer"),
    "delivery": N_("jobkind.delivery"),
    "pickup": N_("jobkind.pickup"),
    "transfer": N_("jobkind.transfer"),
}
#: OSM road class (``highway``) of the speed table -> label key.
HIGHWAY_KEYS = {
    "*": N_("highway.any"),
    "motorway": N_("highway.motorway"),
    "trunk": N_("highway.trunk"),
    "primary": N_("highway.primary"),
    "secondary": N_("highway.secondary"),
    "tertiary": N_("highway.tertiary"),
    "unclassified": N_("highway.unclassified"),
    "residential": N_("highway.residential"),
    "living_street": N_("highway.living_street"),
    "service": N_("highway.service"),
    "road": N_("highway.road"),
    "track": N_("highway.track"),
    "path": N_("highway.path"),
    "footway": N_("highway.footway"),
    "pedestrian": N_("highway.pedestrian"),
    "cycleway": N_("highway.cycleway"),
    "steps": N_("highway.steps"),
    "proxy_link": N_("highway.proxy_link"),
}
#: Road surface of the speed table -> label key.
SURFACE_KEYS = {
    "paved": N_("surface.paved"),
    "unpaved": N_("surface.unpaved"),
    "unknown": N_("surface.unknown"),
}
#: Bundled dataset (``data.catalogue``) -> label key.
DATASET_KEYS = {
    "communes": N_("dataset.communes"),
    "districts": N_("dataset.districts"),
    "commune_points": N_("dataset.commune_points"),
    "worldpop": N_("dataset.worldpop"),
    "pois": N_("dataset.pois"),
    "national_roads": N_("dataset.national_roads"),
    "sources": N_("dataset.sources"),
    "vietnamadminunits": N_("dataset.vietnamadminunits"),
}
#: How a stop's address was placed (``data.observations.PLACEMENTS``) → label key: the
#: sentence for tooltips and the courier's cards, and the short one of the map legend.
PLACEMENT_KEYS = {
    "given": N_("placement.given"),
    "observed": N_("placement.observed"),
    "approximate": N_("placement.approximate"),
}
PLACEMENT_SHORT_KEYS = {
    "given": N_("placement.short.given"),
    "observed": N_("placement.short.observed"),
    "approximate": N_("placement.short.approximate"),
}
#: Column of a file or store table -> header key (the same name means the same thing in
#: offices, jobs, closures, speed tables and siting results).
COLUMN_KEYS = {
    "office_id": N_("col.office_id"),
    "name": N_("col.name"),
    "kind": N_("col.kind"),
    "lat": N_("col.lat"),
    "lon": N_("col.lon"),
    "commune_code": N_("col.commune_code"),
    "commune": N_("col.commune"),
    "opening_hours": N_("col.opening_hours"),
    "source": N_("col.source"),
    "location_note": N_("col.location_note"),
    "highway": N_("col.highway"),
    "surface": N_("col.surface"),
    "motorbike_kph": N_("col.motorbike_kph"),
    "moped_kph": N_("col.moped_kph"),
    "car_kph": N_("col.car_kph"),
    "walk_kph": N_("col.walk_kph"),
    "closure_id": N_("col.closure_id"),
    "radius_m": N_("col.radius_m"),
    "valid_from": N_("col.valid_from"),
    "valid_to": N_("col.valid_to"),
    "reason": N_("col.reason"),
    "edges": N_("col.edges"),
    "wkt": N_("col.wkt"),
    "job_id": N_("col.job_id"),
    "to_office_id": N_("col.to_office_id"),
    "windows": N_("col.windows"),
    "service_min": N_("col.service_min"),
    "amount": N_("col.amount"),
    "priority": N_("col.priority"),
    "due_date": N_("col.due_date"),
    "label": N_("col.label"),
    "approximate": N_("col.approximate"),
    "site_id": N_("col.site_id"),
    "existing": N_("col.existing"),
    "chosen": N_("col.chosen"),
    "greedy_chosen": N_("col.greedy_chosen"),
    "road_id": N_("col.road_id"),
    "length_m": N_("col.length_m"),
    "observed_speed_kph": N_("col.observed_speed_kph"),
    "n_traces": N_("col.n_traces"),
    "note": N_("col.note"),
    "first_seen": N_("col.first_seen"),
    "last_seen": N_("col.last_seen"),
    "received_date": N_("col.received_date"),
    "phone": N_("col.phone"),
    "address_id": N_("col.address_id"),
    "placed_by": N_("col.placed_by"),
}


def label(keys: Mapping[Any, str], value: Any) -> str:
    """Return the label of ``value`` from one of the tables above (unknown: as it is)."""
    return t(keys[value]) if value in keys else str(value)


def profile_label(profile: str) -> str:
    """Vehicle profile in words (``motorbike`` → ``Xe máy``)."""
    return label(PROFILE_KEYS, profile)


def role_label(role: str) -> str:
    """Account role in words (``admin`` → ``quản trị viên``)."""
    return label(ROLE_KEYS, role)


def model_label(model: str) -> str:
    """Siting model in words."""
    return label(MODEL_KEYS, model)


def status_label(status: str) -> str:
    """Siting solver status in words (``optimal`` → ``tối ưu``)."""
    return label(STATUS_KEYS, status)


def job_kind_label(kind: str) -> str:
    """Job kind in words (dossier pickup, result delivery, …)."""
    return label(JOB_KIND_KEYS, kind)


def _as_date(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        if not value.strip():
            return ""
        try:
            return fmt_date(dt.date.fromisoformat(value.strip()[:10]))
        except ValueError:
            return value
    return fmt_date(pd.Timestamp(value).date())


def _note(value: Any) -> str:
    """Return the reader's half of a two-language note (:mod:`data.bilingual`)."""
    return "" if value is None or pd.isna(value) else part(str(value), current_lang())


def value_labels(*, kinds: Mapping[str, str] = KIND_KEYS) -> dict[str, Callable[[Any], str]]:
    """Column -> function that shows its values (``kinds``: office or job kinds)."""
    return {
        "kind": lambda v: label(kinds, v),
        "source": lambda v: label(SOURCE_KEYS, v),
        "highway": lambda v: label(HIGHWAY_KEYS, v),
        "surface": lambda v: label(SURFACE_KEYS, v),
        "profile": profile_label,
        "vehicle": profile_label,
        "role": role_label,
        "due_date": _as_date,
        "received_date": _as_date,
        "placed_by": lambda v: label(PLACEMENT_SHORT_KEYS, v) if v else "",
        "valid_from": _as_date,
        "valid_to": _as_date,
        "first_seen": _as_date,
        "last_seen": _as_date,
        "note": _note,
        "location_note": _note,
    }


def column_label(column: str) -> str:
    """Header of a file/store column (unknown: as it is)."""
    return label(COLUMN_KEYS, column)


def column_config(
    frame: pd.DataFrame,
    overrides: Mapping[str, Any] | None = None,
    *,
    kinds: Mapping[str, str] = KIND_KEYS,
) -> Mapping[Literal["_index"] | str, Any]:
    """``column_config`` naming every column of ``frame`` in the session's language.

    Columns keep their names (an editor must return the file's columns). A column of codes
    (``kind``, ``source``, ``highway``, ``surface``) is shown as words through a read-only
    select box; ``overrides`` (``st.column_config`` objects, e.g. an editable select box
    with its own ``format_func``) replace the default and get the header when they have
    none.
    """
    tables = {"kind": kinds, "source": SOURCE_KEYS, "highway": HIGHWAY_KEYS,
              "surface": SURFACE_KEYS}  # fmt: skip
    config: dict[str, Any] = {}
    for col in frame.columns:
        name = str(col)
        header = column_label(name)
        if overrides and name in overrides:
            conf = dict(overrides[name])
            conf["label"] = conf.get("label") or header
        elif name in tables:
            keys = tables[name]
            options = list(dict.fromkeys([*keys, *frame[name].dropna().astype(str)]))
            conf = dict(
                st.column_config.SelectboxColumn(
                    header,
                    options=options,
                    format_func=functools.partial(label, keys),
                    disabled=True,
                )
            )
        else:
            conf = dict(st.column_config.Column(header))
        config[name] = conf
    return config


def labelled(frame: pd.DataFrame, *, kinds: Mapping[str, str] = KIND_KEYS) -> pd.DataFrame:
    """Return a copy of ``frame`` for display: codes and dates in words, columns renamed."""
    out = frame.copy()
    shows = value_labels(kinds=kinds)
    for col in out.columns:
        if str(col) in shows:
            out[col] = out[col].map(shows[str(col)])
    return out.rename(columns={c: column_label(str(c)) for c in out.columns})


def keep_stored_notes(
    edited: pd.DataFrame,
    *,
    shown: pd.DataFrame,
    stored: pd.DataFrame,
    id_column: str,
    column: str = "location_note",
) -> pd.DataFrame:
    """Put the stored two-language note back where the editor's half was left unchanged.

    The editor shows one language of a ``"Vietnamese / English"`` note
    (:func:`data.bilingual.part`); a row whose shown note the user did not touch keeps the
    note as stored, a changed or new note is kept as typed.
    """
    if column not in edited.columns or column not in stored.columns:
        return edited
    ids = shown[id_column].astype(str)
    shown_by_id = dict(zip(ids, shown[column].astype(str), strict=True))
    stored_by_id = dict(zip(stored[id_column].astype(str), stored[column], strict=True))
    out = edited.copy()
    for i, row in out.iterrows():
        rid = str(row[id_column])
        if rid in shown_by_id and str(row[column]) == shown_by_id[rid]:
            out.at[i, column] = stored_by_id[rid]
    return out
