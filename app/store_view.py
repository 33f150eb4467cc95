"""Tables and documents the pages show or save through the plan store (``data.store``).

Small, testable helpers: version histories and comparisons as tables, a plan's key
totals, and the coverage scenario document (what the coverage page saves and reopens).
Times are shown in Vietnam time (UTC+7, no daylight saving) as ``dd/mm/yyyy HH:MM``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from app.i18n import fmt_number, t
from routing.result import Plan

#: Vietnam time (Indochina Time, UTC+7; Vietnam has no daylight saving).
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")

#: ``format`` field of a saved coverage scenario.
SCENARIO_FORMAT = "postplan-coverage-scenario"

_SCENARIO_KEYS = ("cutoff_min", "profile", "office_kinds", "model", "k", "candidates")
_CANDIDATE_COLUMNS = ["site_id", "name", "lat", "lon", "source"]


def fmt_when(when: dt.datetime) -> str:
    """Format a stored (UTC) time as Vietnam time, ``dd/mm/yyyy HH:MM``."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def object_label(info: Any) -> str:
    """One line naming a stored object: name, latest version, last author and time."""
    return f"{info.name} (v{info.version}, {info.updated_by}, {fmt_when(info.updated_at)})"


def name_taken(info: Any, *, kind_key: str) -> str:
    """Return the error shown when a name already belongs to another stored object.

    Parameters
    ----------
    info
        The ``ObjectInfo`` holding the name.
    kind_key
        ``"dispatch.save_taken"`` or ``"coverage.scenario_taken"``.
    """
    return t(
        kind_key,
        name=info.name,
        id=info.id,
        version=info.version,
        author=info.updated_by,
        when=fmt_when(info.updated_at),
    )


def history_table(versions: Iterable[Any]) -> pd.DataFrame:
    """Versions (oldest first) as a table: version, author, time, message."""
    rows = [
        {
            t("store.version"): f"v{v.version}",
            t("store.author"): v.author,
            t("store.time"): fmt_when(v.created_at),
            t("store.message"): v.message
            or (t("store.restored_from", version=v.restored_from) if v.restored_from else ""),
        }
        for v in versions
    ]
    columns = [t("store.version"), t("store.author"), t("store.time"), t("store.message")]
    return pd.DataFrame(rows, columns=columns)


def _short(value: Any, limit: int = 80) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes_table(comparison: Any) -> pd.DataFrame:
    """Tabulate the JSON paths that differ between two versions, with both values."""
    labels = {k: t(f"store.{k}") for k in ("added", "removed", "changed")}
    rows = [
        {
            t("store.path"): c.path,
            t("store.change"): labels.get(c.change, c.change),
            f"v{comparison.a.version}": _short(c.old),
            f"v{comparison.b.version}": _short(c.new),
        }
        for c in comparison.changes
    ]
    columns = [
        t("store.path"),
        t("store.change"),
        f"v{comparison.a.version}",
        f"v{comparison.b.version}",
    ]
    return pd.DataFrame(rows, columns=columns)


def plan_totals(data: Mapping[str, Any]) -> dict[str, float]:
    """Key totals of a stored plan: jobs assigned, km, couriers used, jobs unassigned.

    Parameters
    ----------
    data
        A stored plan's JSON (``Plan.to_dict()``, possibly with ``courier_names`` beside it).
    """
    plan = Plan.from_dict(dict(data))
    return {
        "jobs_assigned": plan.jobs_assigned,
        "km": plan.total_length_m / 1000.0,
        "couriers_used": sum(1 for r in plan.routes if r.job_stops),
        "unassigned": len(plan.unassigned),
    }


def totals_table(versions: Sequence[int], totals: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """Key totals of several plan versions side by side (one column per version)."""
    rows = [
        ("jobs_assigned", t("store.jobs_assigned"), 0),
        ("km", t("store.km"), 1),
        ("couriers_used", t("store.couriers_used"), 0),
        ("unassigned", t("store.unassigned"), 0),
    ]
    table: dict[str, list[str]] = {t("store.total"): [label for _k, label, _d in rows]}
    for version, figures in zip(versions, totals, strict=True):
        table[f"v{version}"] = [fmt_number(float(figures[k]), decimals=d) for k, _label, d in rows]
    return pd.DataFrame(table)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def scenario_document(
    *,
    cutoff_min: int,
    profile: str,
    office_kinds: Sequence[str],
    model: str,
    k: int,
    candidates: pd.DataFrame,
    siting: Mapping[str, Any] | None,
    network_kind: str,
) -> dict[str, Any]:
    """Build the JSON document of a coverage scenario.

    Parameters
    ----------
    cutoff_min, profile, office_kinds, model, k
        The page's settings.
    candidates
        The candidate sites the planner added (``site_id, name, lat, lon, source``).
    siting
        The last siting answer (``SitingPlan.to_dict()``: chosen ids, before/after
        figures), or None when no siting was run for these settings.
    network_kind
        ``proxy``, ``osm`` or ``osm+proxy``: travel times on a proxy network are estimates.
    """
    cands = pd.DataFrame(candidates).reindex(columns=_CANDIDATE_COLUMNS)
    records = [
        {
            "site_id": str(r["site_id"]),
            "name": str(r["name"]),
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
            "source": str(r["source"]) if isinstance(r["source"], str) else "user",
        }
        for r in cands.to_dict("records")
    ]
    siting_doc = None
    if siting is not None:
        siting_doc = json.loads(json.dumps({k_: _finite(v) for k_, v in siting.items()}))
    return {
        "format": SCENARIO_FORMAT,
        "cutoff_min": int(cutoff_min),
        "profile": str(profile),
        "office_kinds": [str(k_) for k_ in office_kinds],
        "model": str(model),
        "k": int(k),
        "candidates": records,
        "siting": siting_doc,
        "network_kind": str(network_kind),
        "population_source": "WorldPop 2020 (modelled estimate)",
    }


def scenario_from_document(doc: Any) -> dict[str, Any]:
    """Check a stored scenario document and return it with the candidates as a table.

    Raises
    ------
    ValueError
        The document is not a coverage scenario saved by the app (the message says what
        is missing).
    """
    if not isinstance(doc, dict) or doc.get("format") != SCENARIO_FORMAT:
        raise ValueError("this stored object is not a coverage scenario saved by the app")
    missing = [k for k in _SCENARIO_KEYS if k not in doc]
    if missing:
        raise ValueError(f"the scenario lacks {', '.join(missing)}")
    out = dict(doc)
    out["candidates"] = pd.DataFrame(doc["candidates"] or [], columns=_CANDIDATE_COLUMNS)
    return out
