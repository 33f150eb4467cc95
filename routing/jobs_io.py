"""Reading a day's jobs from CSV or XLSX, with every row-level problem reported at once.

One row per job, read with the one reader and :data:`JOBS_SCHEMA` (headers matched without
case or accents; a few Vietnamese headers such as ``ma_viec``, ``vi_do`` are accepted):

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
    Packages (default 1), priority 1–3 (default 1), the legal appointment date for the
    result (*ngày hẹn trả kết quả*, ``YYYY-MM-DD`` or ``dd/mm/yyyy``; optional), address
    text, and provenance (default ``user``).
``received_date``
    The date the dossier was received (*ngày tiếp nhận*; optional, not after ``due_date``).
``approximate``
    ``true`` when lat/lon are not the real address (set automatically for a commune).
``phone``
    The citizen's phone number (the courier's page offers a call link); personal data.
``address_id``
    The post office's own key of the citizen's address, if it has one. Empty: made from
    ``label`` within ``commune`` (:func:`data.observations.address_key`) when the row gives
    an address text. Couriers' phones report positions per address, and a job placed at a
    commune point takes the position observed there (:mod:`routing.placement`).
``placed_by``
    ``given``, ``observed`` or ``approximate`` (how the position was placed; empty: from
    ``approximate``). Written by :func:`jobs_to_table`, so an export says which positions
    were observed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from data.errors import InputError
from data.hours import parse_windows
from data.settings import Settings
from data.table_reader import ReadLimits
from data.table_schema import CheckedTable, Column, TableSchema, frame_table, read_table
from routing.model import PLACEMENTS, Job, Visit

#: Kon Tum's bounding box with a margin (lon_min, lat_min, lon_max, lat_max).
KONTUM_BBOX = (107.2, 13.8, 108.7, 15.5)
_KINDS = {
    "dossier_pickup": ("nhan ho so", "thu gom ho so"),
    "result_delivery": ("tra ket qua", "phat ket qua"),
    "counter_transfer": ("chuyen ho so", "chuyen quay"),
    "delivery": ("phat", "giao"),
    "pickup": ("nhan", "thu gom"),
}

#: The jobs file, declared once (:mod:`data.table_schema`).
JOBS_SCHEMA = TableSchema(
    "jobs", "việc", "job",
    (
        Column("job_id", required=True, blank=False, unique=True, formula=False,
               headers=("ma_viec", "id"), vi="mã việc", hint_vi="đặt cho mỗi việc một mã riêng",
               hint_en="give every job a unique id"),
        Column("kind", "choice", required=True, blank=False,
               choices={**{k: k for k in _KINDS},
                        **{a: k for k, words in _KINDS.items() for a in words}},
               headers=("loai",), vi="loại việc"),
        Column("lat", "number", min=-180, max=180, headers=("vi_do", "latitude"), vi="vĩ độ",
               hint_vi="độ thập phân, ví dụ 14,35", hint_en="decimal degrees, e.g. 14.35"),
        Column("lon", "number", min=-180, max=180, headers=("kinh_do", "longitude", "lng"),
               vi="kinh độ", hint_vi="độ thập phân, ví dụ 108,00",
               hint_en="decimal degrees, e.g. 108.00"),
        Column("commune", headers=("xa",), vi="xã"),
        Column("office_id", headers=("ma_buu_cuc",), vi="mã bưu cục"),
        Column("to_office_id", vi="mã bưu cục nhận"),
        Column("windows", headers=("khung_gio",), vi="khung giờ"),
        Column("service_min", "number", min=0, max=480, headers=("phut_phuc_vu",),
               vi="phút phục vụ", hint_vi="số phút ở nhà dân, 0–480",
               hint_en="minutes at the citizen, 0–480"),
        Column("amount", "integer", default=1, min=1, max=1000, headers=("so_kien",),
               vi="số kiện", hint_vi="số kiện nguyên, ít nhất 1",
               hint_en="a whole number of packages, at least 1"),
        Column("priority", "integer", default=1, min=1, max=3, headers=("uu_tien",),
               vi="ưu tiên", hint_vi="1 (thường), 2 (cao) hoặc 3 (khẩn)",
               hint_en="1 (normal), 2 (high) or 3 (urgent)"),
        Column("due_date", "date", headers=("ngay_hen", "han", "ngay_hen_tra"), vi="ngày hẹn"),
        Column("received_date", "date", headers=("ngay_nhan", "ngay_tiep_nhan"),
               vi="ngày tiếp nhận"),
        Column("label", headers=("dia_chi", "nhan"), vi="địa chỉ"),
        Column("source", default="user", vi="nguồn"),
        Column("approximate", "bool", default=False, vi="vị trí gần đúng"),
        Column("phone", "code", headers=("so_dien_thoai", "dien_thoai", "sdt", "phone_number"),
               vi="số điện thoại"),
        Column("address_id", headers=("ma_dia_chi",), vi="mã địa chỉ"),
        Column("placed_by", "choice", choices={p: p for p in PLACEMENTS}, vi="cách đặt vị trí",
               hint_vi="given, observed hoặc approximate",
               hint_en="given, observed or approximate"),
    ),
)
#: Columns of a jobs table, in the template's order.
JOB_COLUMNS = JOBS_SCHEMA.names


def read_jobs_table(data: bytes | str | Path, *, filename: str | None = None,
                    settings: Settings | None = None) -> CheckedTable:
    """Read a jobs file with the one reader and check it against :data:`JOBS_SCHEMA`.

    ``settings`` set the row and size limits (``Settings.max_job_rows``, ``max_file_mb``);
    a longer file is refused at the first row past the limit.

    Raises
    ------
    InputError
        For file-level problems (the others are in the result's ``problems``).
    """
    name = filename or (Path(data).name if isinstance(data, str | Path) else "jobs.csv")
    limits = ReadLimits.from_settings(settings if settings is not None else Settings(),
                                      kind="jobs")
    return read_table(data, JOBS_SCHEMA, filename=name, limits=limits)


def jobs_from_table(table: CheckedTable | pd.DataFrame, *, settings: Settings,
                    office_ids: Iterable[str], source: str = "jobs") -> list[Job]:
    """Turn a jobs table into :class:`~routing.model.Job` objects, checking every row.

    Parameters
    ----------
    table
        A checked table (:func:`read_jobs_table`) or a DataFrame with :data:`JOB_COLUMNS`.
    settings
        Settings (for commune look-ups).
    office_ids
        Known office ids.
    source
        Name for the problems when a DataFrame is given.

    Raises
    ------
    InputError
        Listing every problem in every row (row numbers as a spreadsheet shows them).
    """
    from data.commune_points import find_commune
    from data.observations import address_key

    if isinstance(table, pd.DataFrame):
        table = frame_table(table, JOBS_SCHEMA, source=source)
    if not table.header_ok:
        table.raise_if_problems()
    offices = {str(o) for o in office_ids}
    jobs: list[Job] = []
    for row, cell in table.records():
        jid, kind = cell["job_id"], cell["kind"]
        lon = lat = None
        approximate = bool(cell["approximate"])
        label = cell["label"] or ""
        commune_code = None
        named = None
        if cell["commune"]:
            try:
                named = find_commune(cell["commune"], settings)
                commune_code = str(named["commune_code"])
            except InputError as exc:
                msg = str(exc.problems[0].message if exc.problems else exc)
                table.bad(row, "commune", f"không tìm thấy xã: {msg}", msg,
                          value=cell["commune"])
        if _given(table, row, "lat") or _given(table, row, "lon"):
            lat, lon = cell["lat"], cell["lon"]
            if table.row_ok(row, ("lat", "lon")):
                if lat is None or lon is None:
                    table.bad(row, "lat", "cần cả vĩ độ và kinh độ",
                              "give both lat and lon (decimal degrees, e.g. 14.35 and 108.00)",
                              value=f"{cell['lat']}, {cell['lon']}")
                else:
                    x0, y0, x1, y1 = KONTUM_BBOX
                    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
                        table.bad(row, "lat", f"vị trí {lat}, {lon} nằm ngoài Kon Tum; kiểm tra "
                                  "vĩ độ và kinh độ có bị đảo không",
                                  f"position {lat}, {lon} is outside Kon Tum; check that lat "
                                  "and lon are not swapped", value=f"{lat}, {lon}")
                        lat = lon = None
            else:
                lat = lon = None
        elif named is not None:
            lon, lat = float(named["point_lon"]), float(named["point_lat"])
            approximate = True
            label = label or str(named["name"])
        needs_address = kind in ("dossier_pickup", "result_delivery", "delivery", "pickup")
        if needs_address and lon is None and table.row_ok(row, ("lat", "lon", "commune")):
            table.bad(row, "lat", "không có vị trí: ghi vĩ độ và kinh độ, hoặc tên xã",
                      "no position: give lat and lon, or a commune name", value="")
        office, to_office = cell["office_id"] or "", cell["to_office_id"] or ""
        if kind in ("dossier_pickup", "result_delivery", "counter_transfer"):
            if not office:
                table.bad(row, "office_id", f"việc {kind} cần office_id (bộ phận một cửa hoặc "
                          "bưu cục)", f"a {kind} needs office_id (the one-stop shop or post "
                          "office)", value="")
            elif office not in offices:
                table.bad(row, "office_id", "bưu cục không có trong danh mục; sửa: dùng một "
                          "office_id của danh mục bưu cục", "unknown office; fix: use an "
                          "office_id from the office registry", value=office)
        if kind == "counter_transfer":
            if not to_office:
                table.bad(row, "to_office_id", "việc counter_transfer cần to_office_id",
                          "a counter_transfer needs to_office_id", value="")
            elif to_office not in offices:
                table.bad(row, "to_office_id", "bưu cục không có trong danh mục; sửa: dùng "
                          "một office_id của danh mục bưu cục", "unknown office; fix: use an "
                          "office_id from the office registry", value=to_office)
        windows: tuple[tuple[int, int], ...] = ()
        if cell["windows"]:
            try:
                windows = parse_windows(cell["windows"])
            except InputError as exc:
                p = exc.problems[0]
                table.bad(row, "windows", p.message_vi or p.message, p.message,
                          value=cell["windows"])
        if not table.row_ok(row):
            continue
        service_s = None if cell["service_min"] is None else round(cell["service_min"] * 60)
        due = cell["due_date"].isoformat() if cell["due_date"] else None
        received = cell["received_date"].isoformat() if cell["received_date"] else None
        if due is not None and received is not None and received > due:
            table.bad(row, "received_date", f"ngày tiếp nhận sau ngày hẹn {due}; sửa một trong "
                      "hai ngày", f"received after its appointment date {due}; fix one of the "
                      "two dates", value=received)
            continue
        common: dict[str, Any] = {"amount": int(cell["amount"]), "priority":
                                  int(cell["priority"]), "due_date": due,
                                  "received_date": received,
                                  "source": cell["source"] or "user"}
        placed_by = cell.get("placed_by") or ""
        approximate = approximate or placed_by == "approximate"
        # only "observed" adds to `approximate` (a commune point stays approximate)
        placed_by = "observed" if placed_by == "observed" and not approximate else ""
        addr = Visit(lon=lon, lat=lat, windows=windows, service_s=service_s, label=label,
                     approximate=approximate, commune_code=commune_code,
                     address_id=(cell.get("address_id")
                                 or address_key(cell["label"], commune_code)),
                     placed_by=placed_by, phone=str(cell.get("phone") or "").strip())
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
    table.raise_if_problems()
    return jobs


def _given(table: CheckedTable, row: int, column: str) -> bool:
    """Tell whether the file has a non-blank cell at ``row``/``column`` (valid or not)."""
    if column not in table.present:
        return False
    value = table.frame.at[row, column]
    return value is not None or not table.row_ok(row, (column,))


def read_jobs(data: bytes | str | Path, *, settings: Settings, office_ids: Iterable[str],
              filename: str | None = None) -> list[Job]:
    """Read and check a jobs file (.csv or .xlsx); see the module docstring for columns.

    Raises
    ------
    InputError
        With every row-level problem (row, column, value and how to fix it).
    """
    table = read_jobs_table(data, filename=filename, settings=settings)
    return jobs_from_table(table, settings=settings, office_ids=office_ids)


def jobs_to_table(jobs: Iterable[Job]) -> pd.DataFrame:
    """Write jobs back as a table with :data:`JOB_COLUMNS` (the import's inverse).

    ``commune`` holds the GSO code of the commune the address named (empty when none), so
    route sheets built with this table as ``details`` print that commune.
    """
    from data.hours import format_windows

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
            "received_date": j.received_date or "",
            "label": addr.label if addr else "", "source": j.source,
            "approximate": bool(addr.approximate) if addr else False,
            "phone": addr.phone if addr else "",
            "address_id": (addr.address_id or "") if addr else "",
            "placed_by": addr.placement if addr else "",
        })
    return pd.DataFrame(rows, columns=list(JOB_COLUMNS))
