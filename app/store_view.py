"""Tables and documents the pages show or save through the plan store (``data.store``).

Small, testable helpers: version histories as tables, the messages about names and
conflicting saves (worded from the store's records, in the page's language), and the
coverage scenario document (what the coverage page saves and reopens). Times are shown in
Vietnam time (Asia/Ho_Chi_Minh, UTC+7) as ``dd/mm/yyyy HH:MM``. Plan comparisons are in
:mod:`app.compare_view`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from app.i18n import fmt_datetime, t
from app.safe import md_t

#: Vietnam time (UTC+7, no daylight saving), the zone every time on the pages is shown in.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: ``format`` field of a saved coverage scenario.
SCENARIO_FORMAT = "postplan-coverage-scenario"

_SCENARIO_KEYS = ("cutoff_min", "profile", "office_kinds", "model", "k", "candidates")
_CANDIDATE_COLUMNS = ["site_id", "name", "lat", "lon", "source"]


def fmt_when(when: dt.datetime) -> str:
    """Format a stored (UTC) time as Vietnam time, ``dd/mm/yyyy HH:MM``."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return fmt_datetime(aware.astimezone(VN_TZ))


def object_label(info: Any) -> str:
    """One line naming a stored object: name, latest version, last author and time."""
    return f"{info.name} (v{info.version}, {info.updated_by}, {fmt_when(info.updated_at)})"


def name_taken(info: Any, *, kind_key: str) -> str:
    """Return the error (markdown, names escaped) shown when a name belongs to another object.

    Parameters
    ----------
    info
        The ``ObjectInfo`` holding the name.
    kind_key
        ``"dispatch.save_taken"`` or ``"coverage.scenario_taken"``.
    """
    return md_t(
        kind_key,
        name=info.name,
        id=info.id,
        version=info.version,
        author=info.updated_by,
        when=fmt_when(info.updated_at),
    )


def conflict_text(info: Any, *, opened: int, kind_key: str) -> str:
    """Return the error (markdown) shown when a newer version was saved since ``opened``.

    Worded from the store's record of the latest version (who, when in Vietnam time), in
    the page's language; nothing of the exception's English text is shown.

    Parameters
    ----------
    info
        The object's ``ObjectInfo`` as it is now (latest version).
    opened
        The version the page had opened.
    kind_key
        ``"dispatch.save_conflict"`` or ``"coverage.scenario_conflict"``.
    """
    return md_t(
        kind_key,
        name=info.name,
        version=info.version,
        author=info.updated_by,
        when=fmt_when(info.updated_at),
        opened=opened,
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
        The document is not a coverage scenario saved by the app, or a field has the wrong
        type (the message, in the page's language, names what is missing or wrong).
    """
    if not isinstance(doc, dict) or doc.get("format") != SCENARIO_FORMAT:
        raise ValueError(t("coverage.scenario_not_app"))
    missing = [k for k in _SCENARIO_KEYS if k not in doc]
    if missing:
        raise ValueError(t("coverage.scenario_lacks", keys=", ".join(missing)))
    bad = [k for k in ("cutoff_min", "k") if not _is_number(doc[k])]
    kinds = doc["office_kinds"]
    if not isinstance(kinds, list) or not all(isinstance(k_, str) for k_ in kinds):
        bad.append("office_kinds")
    cands = doc["candidates"] or []
    if not isinstance(cands, list) or not all(
        isinstance(c, dict) and _is_number(c.get("lat")) and _is_number(c.get("lon")) for c in cands
    ):
        bad.append("candidates")
    if bad:
        raise ValueError(t("coverage.scenario_bad_fields", keys=", ".join(bad)))
    out = dict(doc)
    out["candidates"] = pd.DataFrame(cands, columns=_CANDIDATE_COLUMNS)
    return out


def _is_number(value: Any) -> bool:
    """Tell whether ``value`` is a finite number (JSON numbers only, not text)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def audited_export(
    produce: Callable[[], bytes],
    store: Any,
    actor: Any,
    *,
    fmt: str,
    what: str,
    saved_ref: tuple[int, int, str] | None = None,
) -> Callable[[], bytes]:
    """Wrap a download's data callable so that each download is written to the audit log.

    Parameters
    ----------
    produce
        What the download button calls when clicked (returns the file's bytes).
    store, actor
        The plan store and the logged-in account (captured now: the click is served
        outside the page's run).
    fmt, what
        The file format and what is exported (``route_sheets``…), recorded with it.
    saved_ref
        ``(id, version, name)`` of the stored plan the download comes from, when saved.
    """

    def run() -> bytes:
        data = produce()
        store.record(
            "export",
            actor=actor,
            object_kind="plan",
            object_id=saved_ref[0] if saved_ref else None,
            object_name=saved_ref[2] if saved_ref else None,
            detail={"what": what, "format": fmt, "version": saved_ref[1] if saved_ref else None},
        )
        return data

    return run
