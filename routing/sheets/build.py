"""Plan → route sheets: the rows every format prints, with job details and communes.

:func:`build_sheets` takes what the plan carries (order, times, loads, legs, positions)
and adds what it does not — citizen, address, dossier, fee from a jobs table
(:func:`job_details`), commune names by code or by polygon — never inventing a value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from data.errors import InputError, Problem
from routing.sheets.model import CourierSheet, RouteSheets, SheetRow, UnassignedRow
from routing.sheets.text import VEHICLE_LABELS, nfc

if TYPE_CHECKING:
    import pandas as pd

    from routing.result import Plan

#: Optional per-job columns a jobs table may carry for the sheets (besides ``job_id``).
DETAIL_COLUMNS: tuple[str, ...] = (
    "name", "address", "commune_code", "commune_new", "commune_old",
    "dossier_code", "n_documents", "fee_vnd", "source",
)


@dataclass(frozen=True)
class JobDetails:
    """What a route sheet prints about a job that the plan itself does not carry.

    Parameters
    ----------
    name
        Citizen or organisation (the plan's stop label is used when empty).
    address
        Street address.
    commune_code
        The pre-2025 commune the job's address named: a GSO code (or, from a jobs file's
        ``commune`` column, a name), looked up in the commune table for both names. It
        wins over the commune the position falls in.
    commune_new, commune_old
        Commune names, when already known.
    dossier_code
        The dossier reference (mã hồ sơ).
    n_documents
        Number of documents in the dossier.
    fee_vnd
        Fee to collect from the citizen, in đồng.
    source
        ``user``, ``simulated``, …; overrides the plan's provenance for this job.
    """

    name: str = ""
    address: str = ""
    commune_code: str = ""
    commune_new: str = ""
    commune_old: str = ""
    dossier_code: str = ""
    n_documents: int | None = None
    fee_vnd: float | None = None
    source: str = ""


def job_details(jobs: pd.DataFrame) -> dict[str, JobDetails]:
    """Read :class:`JobDetails` from a jobs table keyed by ``job_id``.

    Parameters
    ----------
    jobs
        A table with a ``job_id`` column and any of ``DETAIL_COLUMNS``; other columns are
        ignored, missing ones left empty.

    Raises
    ------
    InputError
        When ``job_id`` is missing, or ``n_documents`` / ``fee_vnd`` are not numbers
        (every bad cell is listed).
    """
    import pandas as pd

    if "job_id" not in jobs.columns:
        raise InputError([Problem(
            "the jobs table has no 'job_id' column; route sheets join job details on it.",
            column="job_id")])
    problems: list[Problem] = []
    out: dict[str, JobDetails] = {}
    for i, rec in enumerate(jobs.to_dict("records")):
        row_no = i + 2
        values: dict[str, Any] = {}
        for col in DETAIL_COLUMNS:
            v = rec.get(col)
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                continue
            if col == "n_documents":
                try:
                    n = float(v)
                    if n < 0 or n != int(n):
                        raise ValueError
                    values[col] = int(n)
                except (TypeError, ValueError):
                    problems.append(Problem("number of documents must be a whole number ≥ 0.",
                                            row=row_no, column=col, value=str(v)))
            elif col == "fee_vnd":
                try:
                    fee = float(v)
                    if not math.isfinite(fee) or fee < 0:
                        raise ValueError
                    values[col] = fee
                except (TypeError, ValueError):
                    problems.append(Problem("fee must be a number of đồng ≥ 0, e.g. 25000.",
                                            row=row_no, column=col, value=str(v)))
            else:
                values[col] = nfc(v).strip()
        named = rec.get("commune")  # the import's column: the commune the address named
        if not values.get("commune_code") and isinstance(named, str) and named.strip():
            values["commune_code"] = nfc(named).strip()
        out[nfc(rec["job_id"])] = JobDetails(**values)
    if problems:
        raise InputError(problems, summary="The jobs table cannot fill the route sheets")
    return out


def commune_lookup(communes: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Map ``commune_code`` → (new 2025 name, old name) from ``data.layers.load_communes``.

    Parameters
    ----------
    communes
        A table with ``commune_code``, ``name`` and ``new_commune_name`` columns.
    """
    out: dict[str, tuple[str, str]] = {}
    has_new = "new_commune_name" in communes.columns
    for code, old, new in zip(
        communes["commune_code"].astype(str),
        communes["name"],
        communes["new_commune_name"] if has_new else [None] * len(communes),
        strict=True,
    ):
        out[code] = (nfc(new), nfc(old))
    return out


def _named_commune(text: str, communes: pd.DataFrame,
                   by_code: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``{text: (new, old)}`` for a commune a jobs table names in words; {} if unknown."""
    from data.names import pick_commune

    try:
        code = str(pick_commune(text, communes)["commune_code"])
    except (InputError, KeyError):
        return {}
    return {text: by_code[code]} if code in by_code else {}


def _communes_at(
    points: Sequence[tuple[float, float]], communes: Any,
) -> list[tuple[str, str] | None]:
    """Return (new, old) commune names of each (lon, lat) by polygon, None outside all."""
    import geopandas as gpd
    from shapely.geometry import Point

    from data.settings import GEO_CRS

    if not points:
        return []
    if communes.crs is None:
        raise InputError([Problem("the commune layer has no CRS; load it with "
                                 "data.layers.load_communes (EPSG:4326).", column="geometry")])
    pts = gpd.GeoDataFrame(
        {"i": range(len(points))},
        geometry=[Point(x, y) for x, y in points], crs=GEO_CRS,
    )
    cols = [c for c in ("name", "new_commune_name") if c in communes.columns]
    layer = communes[[*cols, "geometry"]].to_crs(GEO_CRS)
    joined = gpd.sjoin(pts, layer, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].sort_values("i")
    out: list[tuple[str, str] | None] = []
    for rec in joined.to_dict("records"):
        old = rec.get("name")
        if old is None or (isinstance(old, float) and math.isnan(old)):
            out.append(None)
        else:
            out.append((nfc(rec.get("new_commune_name")), nfc(old)))
    return out


def build_sheets(
    plan: Plan,
    *,
    details: Mapping[str, JobDetails] | pd.DataFrame | None = None,
    communes: pd.DataFrame | None = None,
    courier_names: Mapping[str, str] | None = None,
    office_names: Mapping[str, str] | None = None,
) -> RouteSheets:
    """Turn a plan into route sheets: one :class:`CourierSheet` per route.

    The plan gives the order, times, loads, legs and positions; what it does not carry
    (citizen name, address, commune, dossier code, documents, fee) comes from ``details``
    when given, and each stop's commune from ``communes`` by code or, failing that, by the
    polygon the stop lies in. Missing facts print as empty cells, never as made-up values.

    Parameters
    ----------
    plan
        A solved :class:`routing.result.Plan` with WGS84 positions.
    details
        Per-job details: a mapping ``job_id -> JobDetails`` or a jobs table
        (see :func:`job_details`).
    communes
        The commune layer (``data.layers.load_communes``): ``commune_code``, ``name``,
        ``new_commune_name`` and polygons in EPSG:4326.
    courier_names
        ``courier_id -> display name`` (the id is printed when missing).
    office_names
        ``office_id -> name`` (the start stop's label is used when missing).

    Raises
    ------
    InputError
        When a stop has no longitude/latitude (a benchmark plan on a plane cannot be
        printed as a map sheet), or ``details`` is a malformed table.
    """
    if details is None:
        info: Mapping[str, JobDetails] = {}
    elif isinstance(details, Mapping):
        info = details
    else:
        info = job_details(details)
    by_code = commune_lookup(communes) if communes is not None else {}
    for det in info.values():  # a commune named in words (jobs file): its code's names
        if det.commune_code and det.commune_code not in by_code and communes is not None:
            by_code.update(_named_commune(det.commune_code, communes, by_code))
    names = dict(courier_names or {})
    offices = dict(office_names or {})

    problems = [
        Problem(f"stop {s.sequence} of courier {r.courier_id} has no longitude/latitude; "
                "route sheets need WGS84 positions (a benchmark plane plan cannot be "
                "printed).", column="lon/lat", value=s.place_id)
        for r in plan.routes for s in r.stops if s.lon is None or s.lat is None
    ]
    if problems:
        raise InputError(problems, summary="The plan cannot be printed as route sheets")

    # communes by polygon for stops whose job details give none
    need: list[tuple[float, float]] = []
    for r in plan.routes:
        for s in r.stops:
            d = info.get(s.job_id or "") if s.office_id is None else None
            if not (d and (d.commune_new or d.commune_old or d.commune_code in by_code)):
                need.append((float(s.lon), float(s.lat)))  # type: ignore[arg-type]
    spatial: dict[tuple[float, float], tuple[str, str] | None] = {}
    if communes is not None and "geometry" in getattr(communes, "columns", ()):
        uniq = list(dict.fromkeys(need))
        spatial = dict(zip(uniq, _communes_at(uniq, communes), strict=True))

    sheets = []
    for route in plan.routes:
        rows = []
        for s in route.stops:
            lon, lat = float(s.lon), float(s.lat)  # type: ignore[arg-type]
            at_office = s.office_id is not None
            d = info.get(s.job_id or "", JobDetails()) if s.job_id else JobDetails()
            if at_office:
                name = offices.get(s.office_id or "", s.label)
                address = ""
            else:
                name = d.name or s.label
                address = d.address if d.address else ("" if name == s.label else s.label)
            # the commune the job's address named; an office stop is at the office
            new, old = ("", "") if at_office else (d.commune_new, d.commune_old)
            if not (new or old or at_office) and d.commune_code in by_code:
                new, old = by_code[d.commune_code]
            if not (new or old):
                found = spatial.get((lon, lat))
                if found:
                    new, old = found
            role = (
                "office" if s.kind in ("start", "end")
                else "pickup" if s.kind == "pickup" or (s.kind == "visit" and s.amount > 0)
                else "delivery"
            )
            source = (
                "office" if s.job_id is None
                else d.source or ("simulated" if plan.provenance == "simulated"
                                  else plan.provenance)
            )
            window = s.window
            rows.append(SheetRow(
                sequence=s.sequence, kind=s.kind, job_kind=s.job_kind or "", role=role,
                at_office=at_office, job_id=s.job_id or "", name=nfc(name),
                address=nfc(address), commune_new=nfc(new), commune_old=nfc(old),
                window_start_s=None if window is None else float(window[0]),
                window_end_s=None if window is None else float(window[1]),
                arrival_s=None if s.kind == "start" else float(s.arrival_s),
                departure_s=None if s.kind == "end" else float(s.departure_s),
                waiting_s=float(s.waiting_s), dossier_code=d.dossier_code,
                n_documents=d.n_documents, fee_vnd=None if at_office else d.fee_vnd,
                lat=lat, lon=lon,
                leg_length_m=float(s.leg_length_m), leg_time_s=float(s.leg_time_s),
                load=int(s.load), source=source, approximate=bool(s.approximate),
            ))
        path = tuple((float(x), float(y)) for leg in route.geometry for x, y in leg)
        straight = len(path) < 2
        if straight:
            path = _straight_path(rows)
        start_label = route.stops[0].label if route.stops else ""
        sheets.append(CourierSheet(
            courier_id=route.courier_id,
            courier_name=nfc(names.get(route.courier_id) or route.courier_name
                             or route.courier_id),
            vehicle=VEHICLE_LABELS.get(route.profile, nfc(route.profile)),
            office_name=nfc(offices.get(route.office_id, start_label)),
            start_s=float(route.start_s), end_s=float(route.end_s),
            distance_m=float(route.length_m), duration_s=float(route.duration_s),
            rows=tuple(rows), path_lonlat=path, path_is_straight=straight,
        ))

    sources = {r.source for c in sheets for r in c.rows if r.source != "office"}
    if not sources and plan.provenance:
        sources = {"simulated" if plan.provenance == "simulated" else plan.provenance}
    unassigned = tuple(
        UnassignedRow(job_id=u.job_id, name=nfc(info.get(u.job_id, JobDetails()).name),
                      reason=nfc(f"{u.text_vi} / {u.text_en}"), job_kind=u.job_kind)
        for u in plan.unassigned
    )
    day = dt.date.fromisoformat(plan.plan_date) if plan.plan_date else None
    plan_id = hashlib.sha256(plan.to_json().encode("utf-8")).hexdigest()[:10]
    return RouteSheets(
        day=day, network_kind=plan.network_kind, job_sources=tuple(sorted(sources)),
        couriers=tuple(sheets), unassigned=unassigned, plan_id=plan_id,
        notes=tuple(nfc(n) for n in plan.notes),
    )


def _straight_path(rows: Sequence[SheetRow]) -> tuple[tuple[float, float], ...]:
    return tuple((r.lon, r.lat) for r in rows)


__all__ = ["DETAIL_COLUMNS", "JobDetails", "build_sheets", "commune_lookup", "job_details"]
