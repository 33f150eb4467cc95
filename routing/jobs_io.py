"""Reading a day's jobs from CSV or XLSX, with every row-level problem reported at once.

One row per job. Columns (Vietnamese headers are not used; the template has these names):

``job_id``
    Unique id (required).
``kind``
    ``dossier_pickup``, ``result_delivery``, ``counter_transfer``, ``delivery`` or
    ``pickup`` (required).
``lat``, ``lon``
    The citizen's address in WGS84 — or leave them empty and give ``commune``.
``commune``
    A pre-2025 commune name (accents optional), a 2025 name or a GSO code. Without lat/lon
    the job is placed at the commune point (:func:`data.commune_points.find_commune`, the
    one rule for commune points) and marked approximate. With lat/lon it only records which
    commune the address names. Either way the route sheets print this commune.
``office_id``
    The one-stop shop (``dossier_pickup``, ``result_delivery``) or the post office the
    dossiers are taken from (``counter_transfer``).
``to_office_id``
    Where a ``counter_transfer`` goes.
``windows``
    The citizen's windows, e.g. ``08:00-11:00,13:30-16:30`` (empty: the courier's shift).
``service_min``
    Service minutes at the citizen (empty: 10).
``amount``, ``priority``, ``due_date``, ``label``, ``source``
    Packages (default 1), priority 1–3 (default 1), ``YYYY-MM-DD``, address text, and
    provenance (default ``user``).
``approximate``
    ``true`` when lat/lon are not the real address (set automatically for a commune).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from data.errors import InputError, Problem
from data.settings import Settings
from routing.model import JOB_KINDS, Job, Visit, parse_windows

#: Columns of a jobs table, in the template's order.
JOB_COLUMNS = ("job_id", "kind", "lat", "lon", "commune", "office_id", "to_office_id",
               "windows", "service_min", "amount", "priority", "due_date", "label", "source",
               "approximate")
REQUIRED_COLUMNS = ("job_id", "kind")
#: Kon Tum's bounding box with a margin (lon_min, lat_min, lon_max, lat_max).
KONTUM_BBOX = (107.2, 13.8, 108.7, 15.5)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _finite(text: str) -> float:
    """Parse a finite number; ``inf``, ``nan`` and overflowing text raise ValueError."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def read_jobs_table(data: bytes | str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read a jobs file (.csv UTF-8 or .xlsx) into a table of text cells.

    Raises
    ------
    InputError
        When the file cannot be read or a required column is missing.
    """
    if isinstance(data, str | Path):
        path = Path(data)
        filename = filename or path.name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc}") from None
    else:
        raw = data
    name = filename or "jobs"
    try:
        if name.lower().endswith((".xlsx", ".xlsm")):
            df = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False,
                               na_values=[""])
        else:
            # keep text such as "nan" or "NA" as written, so it is reported, not blanked
            df = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig",
                             keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise InputError(f"{name}: cannot be read as a table ({exc}); save it as UTF-8 CSV "
                         "or .xlsx", summary=f"{name} was rejected") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError([Problem(f"column {c!r} is missing; add it (see the template "
                                  f"columns {', '.join(JOB_COLUMNS)})", column=c, source=name)
                          for c in missing], summary=f"{name} was rejected")
    return df


def jobs_from_table(df: pd.DataFrame, *, settings: Settings, office_ids: Iterable[str],
                    source: str = "jobs") -> list[Job]:
    """Turn a jobs table into :class:`~routing.model.Job` objects, checking every row.

    Parameters
    ----------
    df
        Table with :data:`JOB_COLUMNS` (missing optional columns are empty).
    settings
        Settings (for commune look-ups).
    office_ids
        Known office ids.
    source
        File name for the problems.

    Raises
    ------
    InputError
        Listing every problem in every row (row numbers as a spreadsheet shows them).
    """
    from data.commune_points import find_commune

    offices = set(office_ids)
    problems: list[Problem] = []
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for k, (_, rec) in enumerate(df.iterrows()):
        row = k + 2  # header is row 1
        cell = {c: _text(rec.get(c)) for c in JOB_COLUMNS}
        before = len(problems)

        def bad(column: str, message: str, cell: dict[str, str] = cell, row: int = row) -> None:
            problems.append(Problem(message, row=row, column=column,
                                    value=cell.get(column, ""), source=source))

        jid, kind = cell["job_id"], cell["kind"].lower()
        if not jid:
            bad("job_id", "job_id is empty; give every job a unique id")
        elif jid in seen:
            bad("job_id", f"job_id repeats row {seen[jid]}; ids must be unique")
        else:
            seen[jid] = row
        if kind not in JOB_KINDS or kind == "transfer":
            bad("kind", "unknown kind; use dossier_pickup, result_delivery, counter_transfer, "
                        "delivery or pickup")
        # position
        lon = lat = None
        approximate = False
        label = cell["label"]
        commune_code = None
        named = None
        if cell["commune"]:
            try:
                named = find_commune(cell["commune"], settings)
                commune_code = str(named["commune_code"])
            except InputError as exc:
                bad("commune", str(exc.problems[0].message if exc.problems else exc))
        if cell["lat"] or cell["lon"]:
            approximate = cell["approximate"].lower() in ("true", "1", "yes", "x")
            try:
                lat, lon = _finite(cell["lat"]), _finite(cell["lon"])
                x0, y0, x1, y1 = KONTUM_BBOX
                if not (x0 <= lon <= x1 and y0 <= lat <= y1):
                    bad("lat", f"position {lat}, {lon} is outside Kon Tum; check that lat "
                               "and lon are not swapped")
                    lat = lon = None
            except ValueError:
                bad("lat", "lat/lon must be decimal degrees, e.g. 14.35 and 108.00")
        elif named is not None:
            lon, lat = float(named["point_lon"]), float(named["point_lat"])
            approximate = True
            label = label or str(named["name"])
        needs_address = kind in ("dossier_pickup", "result_delivery", "delivery", "pickup")
        if needs_address and lon is None and not any(
                p.row == row and p.column in ("lat", "commune") for p in problems):
            bad("lat", "no position: give lat and lon, or a commune name")
        # offices
        office, to_office = cell["office_id"], cell["to_office_id"]
        if kind in ("dossier_pickup", "result_delivery", "counter_transfer"):
            if not office:
                bad("office_id", f"a {kind} needs office_id (the one-stop shop or post office)")
            elif office not in offices:
                bad("office_id", "unknown office; use an office_id from the office registry")
        if kind == "counter_transfer":
            if not to_office:
                bad("to_office_id", "a counter_transfer needs to_office_id")
            elif to_office not in offices:
                bad("to_office_id", "unknown office; use an office_id from the office registry")
        # numbers
        windows: tuple[tuple[int, int], ...] = ()
        if cell["windows"]:
            try:
                windows = parse_windows(cell["windows"])
            except InputError as exc:
                bad("windows", f"{exc.problems[0].message}")
        service_s = None
        if cell["service_min"]:
            try:
                service_s = round(_finite(cell["service_min"]) * 60)
                if service_s < 0:
                    raise ValueError
            except ValueError:
                bad("service_min", "service_min must be a non-negative number of minutes")
        amount = 1
        if cell["amount"]:
            try:
                amount = int(_finite(cell["amount"]))
                if amount < 1:
                    raise ValueError
            except ValueError:
                bad("amount", "amount must be a whole number of packages, at least 1")
        priority = 1
        if cell["priority"]:
            try:
                priority = int(_finite(cell["priority"]))
                if priority not in (1, 2, 3):
                    raise ValueError
            except ValueError:
                bad("priority", "priority must be 1 (normal), 2 (high) or 3 (urgent)")
        due = cell["due_date"] or None
        if due:
            try:
                due = date.fromisoformat(due[:10]).isoformat()
            except ValueError:
                bad("due_date", "due_date must be YYYY-MM-DD")
        if len(problems) > before:
            continue
        common: dict[str, Any] = {"amount": amount, "priority": priority, "due_date": due,
                                  "source": cell["source"] or "user"}
        addr = Visit(lon=lon, lat=lat, windows=windows, service_s=service_s, label=label,
                     approximate=approximate, commune_code=commune_code)
        if kind == "dossier_pickup":
            jobs.append(Job(jid, kind, addr, Visit(office_id=office), **common))
        elif kind == "result_delivery":
            jobs.append(Job(jid, kind, Visit(office_id=office), addr, **common))
        elif kind == "counter_transfer":
            jobs.append(Job(jid, kind, Visit(office_id=office), Visit(office_id=to_office),
                            **common))
        elif kind == "delivery":
            jobs.append(Job(jid, kind, None, addr, **common))
        else:
            jobs.append(Job(jid, kind, addr, None, **common))
    if problems:
        raise InputError(problems, summary=f"{source}: {len(problems)} problem(s) in the jobs")
    return jobs


def read_jobs(data: bytes | str | Path, *, settings: Settings, office_ids: Iterable[str],
              filename: str | None = None) -> list[Job]:
    """Read and check a jobs file (.csv or .xlsx); see the module docstring for columns.

    Raises
    ------
    InputError
        With every row-level problem (row, column, value and how to fix it).
    """
    name = filename or (Path(data).name if isinstance(data, str | Path) else "jobs")
    df = read_jobs_table(data, filename=name)
    return jobs_from_table(df, settings=settings, office_ids=office_ids, source=name)


def jobs_to_table(jobs: Iterable[Job]) -> pd.DataFrame:
    """Write jobs back as a table with :data:`JOB_COLUMNS` (the import's inverse).

    ``commune`` holds the GSO code of the commune the address named (empty when none), so
    route sheets built with this table as ``details`` print that commune.
    """
    from routing.model import format_windows

    rows = []
    for j in jobs:
        addr = next((v for _, v in j.visits if v.office_id is None), None)
        offices = [v.office_id for _, v in j.visits if v.office_id is not None]
        rows.append({
            "job_id": j.job_id, "kind": j.kind,
            "lat": addr.lat if addr else None, "lon": addr.lon if addr else None,
            "commune": (addr.commune_code or "") if addr else "",
            "office_id": offices[0] if offices else "",
            "to_office_id": offices[1] if len(offices) > 1 else "",
            "windows": format_windows(addr.windows) if addr and addr.windows else "",
            "service_min": (addr.service_s / 60 if addr and addr.service_s is not None else None),
            "amount": j.amount, "priority": j.priority, "due_date": j.due_date or "",
            "label": addr.label if addr else "", "source": j.source,
            "approximate": bool(addr.approximate) if addr else False,
        })
    return pd.DataFrame(rows, columns=list(JOB_COLUMNS))
