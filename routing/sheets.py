"""Courier route sheets: one row model, five formats (PDF, XLSX, GPX, GeoJSON, CSV).

A :class:`~routing.result.Plan` is turned once into :class:`RouteSheets` by
:func:`build_sheets` — one :class:`CourierSheet` per courier with one :class:`SheetRow` per
stop — and every format renders those same rows, so the paper sheet, the spreadsheet and
the phone's GPX never disagree. Every export carries the plan's provenance: a plan routed
on the proxy network says "ƯỚC TÍNH / ESTIMATED", one with simulated jobs says
"MÔ PHỎNG / SIMULATED"; simulated work is never presented as real.

Text is Vietnamese first (dd/mm/yyyy, 24-hour times) with English beside it, and is
normalised to Unicode NFC before it reaches any file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from data.errors import InputError, Problem
from data.tables import defuse_formulas, safe_csv_cell

if TYPE_CHECKING:
    import pandas as pd

    from routing.result import Plan

SheetFormat = Literal["pdf", "xlsx", "gpx", "geojson", "csv"]
#: Formats :func:`write_sheets` knows, in the order the CLI lists them.
FORMATS: tuple[SheetFormat, ...] = ("pdf", "xlsx", "gpx", "geojson", "csv")

#: Bilingual action labels by (stop kind, job kind); ``None`` job kind = any.
ACTION_LABELS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("start", None): ("Xuất phát", "Start"),
    ("end", None): ("Về bưu cục", "Return to office"),
    ("pickup", "dossier_pickup"): ("Nhận hồ sơ", "Collect dossier"),
    ("delivery", "dossier_pickup"): ("Nộp hồ sơ (một cửa)", "Hand in dossier"),
    ("pickup", "result_delivery"): ("Nhận kết quả (một cửa)", "Collect result"),
    ("delivery", "result_delivery"): ("Trả kết quả", "Deliver result"),
    ("pickup", "counter_transfer"): ("Nhận hồ sơ tại quầy", "Collect at counter"),
    ("delivery", "counter_transfer"): ("Giao hồ sơ", "Hand over dossiers"),
    ("visit", "delivery"): ("Giao", "Deliver"),
    ("visit", "pickup"): ("Nhận", "Collect"),
    ("pickup", None): ("Nhận", "Collect"),
    ("delivery", None): ("Giao", "Deliver"),
    ("visit", None): ("Ghé", "Visit"),
}

#: Bilingual names of job kinds (``routing.model.JOB_KINDS``).
JOB_KIND_LABELS: dict[str, tuple[str, str]] = {
    "dossier_pickup": ("Nhận hồ sơ → một cửa", "Dossier to one-stop shop"),
    "result_delivery": ("Trả kết quả → người dân", "Result to citizen"),
    "counter_transfer": ("Chuyển hồ sơ giữa bưu cục", "Counter transfer"),
    "delivery": ("Giao", "Delivery"),
    "pickup": ("Nhận", "Pickup"),
    "transfer": ("Chuyển", "Transfer"),
}

#: Bilingual vehicle names by courier profile.
VEHICLE_LABELS: dict[str, str] = {
    "motorbike": "Xe máy / Motorbike",
    "car": "Ô tô / Car",
    "walk": "Đi bộ / On foot",
}


def action_label(kind: str, job_kind: str | None) -> tuple[str, str]:
    """Vietnamese and English label of what the courier does at a stop.

    Parameters
    ----------
    kind
        The plan's stop kind (``start``, ``pickup``, ``delivery``, ``visit``, ``end``).
    job_kind
        The job's kind (``dossier_pickup``, ``result_delivery``, …) or None.
    """
    return ACTION_LABELS.get((kind, job_kind)) or ACTION_LABELS.get((kind, None)) or (kind, kind)


ESTIMATED_LABEL = "ƯỚC TÍNH / ESTIMATED"
SIMULATED_LABEL = "MÔ PHỎNG / SIMULATED"


def nfc(text: object) -> str:
    """Return ``text`` as a string normalised to Unicode NFC (``None`` becomes ``""``).

    Parameters
    ----------
    text
        Any value; non-strings are formatted with ``str``.
    """
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    return unicodedata.normalize("NFC", str(text))


def format_clock(seconds: float | None) -> str:
    """Format seconds after midnight as 24-hour ``HH:MM`` (empty for ``None``).

    Parameters
    ----------
    seconds
        Seconds since midnight of the plan's day; values past 24 h add ``(+1)``.
    """
    if seconds is None or (isinstance(seconds, float) and not math.isfinite(seconds)):
        return ""
    total_min = round(float(seconds) / 60.0)
    day, minute_of_day = divmod(total_min, 24 * 60)
    text = f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
    return text + (f" (+{day})" if day > 0 else "")


def format_duration(seconds: float) -> str:
    """Format a duration as ``H giờ MM`` (e.g. ``"3 giờ 05"``)."""
    total_min = round(float(seconds) / 60.0)
    return f"{total_min // 60} giờ {total_min % 60:02d}"


def format_vnd(amount: float | None) -> str:
    """Format a fee in đồng with Vietnamese thousands dots (``25.000 ₫``; empty for none)."""
    if amount is None or (isinstance(amount, float) and not math.isfinite(amount)):
        return ""
    return f"{round(amount):,}".replace(",", ".") + " ₫"


def google_maps_url(lat: float, lon: float) -> str:
    """Google Maps directions link to one point, driving (no API key needed)."""
    return (
        "https://www.google.com/maps/dir/?api=1"
        f"&destination={lat:.6f},{lon:.6f}&travelmode=driving"
    )


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870 ``geo:`` URI, opened by any map app on a phone."""
    return f"geo:{lat:.6f},{lon:.6f}"


@dataclass(frozen=True)
class SheetRow:
    """One stop on a courier's sheet, exactly as every format prints it.

    Parameters
    ----------
    sequence
        0 for the start at the office, then 1, 2, … for the visits; the final return to the
        office has the next number.
    kind
        The plan's stop kind: ``start``, ``pickup``, ``delivery``, ``visit`` or ``end``.
    job_kind
        The job's kind (``dossier_pickup``, ``result_delivery``, …), empty for office rows.
    role
        ``pickup`` when the courier takes something on board here, ``delivery`` when it is
        handed over, ``office`` for the start and end.
    at_office
        True when the stop is at an office (then the receiver signs, not a citizen).
    job_id
        The job's id, empty for the office rows.
    name, address
        Who or what is visited and where.
    commune_new, commune_old
        The 2025 commune and the pre-2025 commune of the stop (empty when unknown).
    window_start_s, window_end_s
        Time window in seconds after midnight, or ``None``.
    arrival_s, departure_s, waiting_s
        Planned arrival, departure and waiting time (seconds).
    dossier_code, n_documents, fee_vnd
        Decision 45 fields: dossier reference, number of documents, and the fee to collect
        at this stop (only at a citizen's address; None at offices or when unknown).
    lat, lon
        WGS84 position.
    leg_length_m, leg_time_s
        Length and travel time of the leg that ends at this stop.
    load
        Dossiers carried after the stop, when the plan knows it.
    source
        Where the job came from (``user``, ``simulated``, …; ``office`` for office rows).
    approximate
        True when the position is a commune point, not the real address.
    """

    sequence: int
    kind: str
    job_kind: str
    role: str
    at_office: bool
    job_id: str
    name: str
    address: str
    commune_new: str
    commune_old: str
    window_start_s: float | None
    window_end_s: float | None
    arrival_s: float | None
    departure_s: float | None
    waiting_s: float
    dossier_code: str
    n_documents: int | None
    fee_vnd: float | None
    lat: float
    lon: float
    leg_length_m: float
    leg_time_s: float
    load: int | None
    source: str
    approximate: bool = False

    @property
    def kind_vi(self) -> str:
        """Vietnamese label of what the courier does here."""
        return action_label(self.kind, self.job_kind or None)[0]

    @property
    def kind_en(self) -> str:
        """English label of what the courier does here."""
        return action_label(self.kind, self.job_kind or None)[1]

    @property
    def window_text(self) -> str:
        """Time window as ``HH:MM–HH:MM`` (empty when open)."""
        if self.window_start_s is None and self.window_end_s is None:
            return ""
        return f"{format_clock(self.window_start_s)}–{format_clock(self.window_end_s)}"

    @property
    def commune_text(self) -> str:
        """New commune with the old one in brackets, e.g. ``Đăk Hà (cũ: TT Đắk Hà)``."""
        if self.commune_old and self.commune_old != self.commune_new:
            if self.commune_new:
                return f"{self.commune_new} (cũ: {self.commune_old})"
            return f"(cũ: {self.commune_old})"
        return self.commune_new

    @property
    def maps_url(self) -> str:
        """Google Maps navigation link to the stop."""
        return google_maps_url(self.lat, self.lon)

    @property
    def geo_uri(self) -> str:
        """``geo:`` URI of the stop."""
        return geo_uri(self.lat, self.lon)

    @property
    def is_visit(self) -> bool:
        """True for job stops, False for the office start and end."""
        return self.kind not in ("start", "end")


@dataclass(frozen=True)
class CourierSheet:
    """One courier's route sheet: header facts and the ordered rows.

    Parameters
    ----------
    courier_id, courier_name, vehicle
        Who rides and on what.
    office_name
        The office the route starts from.
    start_s, end_s
        Planned departure from and return to the office (seconds after midnight).
    distance_m, duration_s
        Route length and duration.
    rows
        Start row, one row per visit, end row.
    path_lonlat
        Polyline to draw as the route, in (lon, lat) pairs; straight segments between stops
        when the plan has no road geometry (``path_is_straight``).
    path_is_straight
        True when ``path_lonlat`` joins the stops by straight lines.
    """

    courier_id: str
    courier_name: str
    vehicle: str
    office_name: str
    start_s: float | None
    end_s: float | None
    distance_m: float
    duration_s: float
    rows: tuple[SheetRow, ...]
    path_lonlat: tuple[tuple[float, float], ...]
    path_is_straight: bool = True

    @property
    def visits(self) -> tuple[SheetRow, ...]:
        """Rows that are jobs (no office start or end)."""
        return tuple(r for r in self.rows if r.is_visit)

    @property
    def n_stops(self) -> int:
        """Number of job stops."""
        return len(self.visits)


@dataclass(frozen=True)
class UnassignedRow:
    """A job the plan could not serve, with the reason the solver gave.

    Parameters
    ----------
    job_id
        The job.
    name
        Citizen or label from the job details (empty when unknown).
    reason
        The solver's reason, Vietnamese / English.
    job_kind
        The job's kind (``dossier_pickup``, …).
    """

    job_id: str
    name: str
    reason: str
    job_kind: str = ""

    @property
    def kind_text(self) -> str:
        """Bilingual label of the job kind."""
        vi, en = JOB_KIND_LABELS.get(self.job_kind, (self.job_kind, self.job_kind))
        return f"{vi} / {en}" if vi != en else vi


@dataclass(frozen=True)
class RouteSheets:
    """Everything a set of route sheets prints, built once from a plan by :func:`build_sheets`.

    Parameters
    ----------
    day
        The plan's date.
    network_kind
        ``osm``, ``proxy`` or ``osm+proxy`` (from the plan).
    job_sources
        Sorted distinct job sources (``simulated``, ``user``, …).
    couriers
        One sheet per courier who has at least one stop.
    unassigned
        Jobs left out, with reasons.
    plan_id
        A short identifier of the plan (its hash), printed on every page.
    """

    day: dt.date | None
    network_kind: str
    job_sources: tuple[str, ...]
    couriers: tuple[CourierSheet, ...]
    unassigned: tuple[UnassignedRow, ...] = ()
    plan_id: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_estimated(self) -> bool:
        """True when travel times rest (partly) on the proxy network, not OSM roads."""
        return self.network_kind != "osm"

    @property
    def is_simulated(self) -> bool:
        """True when any job is simulated."""
        return "simulated" in self.job_sources

    @property
    def provenance_labels(self) -> tuple[str, ...]:
        """Warning labels every export prints (empty when the plan is real on OSM roads)."""
        labels = []
        if self.is_estimated:
            labels.append(f"{ESTIMATED_LABEL} network ({self.network_kind})")
        if self.is_simulated:
            labels.append(f"{SIMULATED_LABEL} jobs")
        return tuple(labels)

    @property
    def provenance_text(self) -> str:
        """One line describing network and jobs, always non-empty."""
        net = (
            f"Mạng đường / Road network: {ESTIMATED_LABEL} ({self.network_kind})"
            if self.is_estimated
            else "Mạng đường / Road network: OSM"
        )
        jobs = (
            f"Việc / Jobs: {SIMULATED_LABEL}"
            if self.is_simulated
            else f"Việc / Jobs: {', '.join(self.job_sources) or '—'}"
        )
        return f"{net} · {jobs}"

    @property
    def day_text(self) -> str:
        """The date as dd/mm/yyyy (empty when unknown)."""
        return self.day.strftime("%d/%m/%Y") if self.day else ""

    def summary(self) -> str:
        """One paragraph: date, couriers, stops, provenance."""
        n_stops = sum(c.n_stops for c in self.couriers)
        km = sum(c.distance_m for c in self.couriers) / 1000.0
        return (
            f"Route sheets {self.day_text or '(no date)'}: {len(self.couriers)} couriers, "
            f"{n_stops} stops, {km:.1f} km, {len(self.unassigned)} unassigned. "
            f"{self.provenance_text}"
        )


# --------------------------------------------------------------------------------------
# Tabular columns shared by CSV, XLSX and GeoJSON properties.
# --------------------------------------------------------------------------------------

#: (key, Vietnamese header, English header) of the tabular formats, in order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("courier", "Bưu tá", "Courier"),
    ("sequence", "STT", "Seq"),
    ("kind", "Loại", "Type"),
    ("job_id", "Mã việc", "Job id"),
    ("name", "Tên", "Name"),
    ("address", "Địa chỉ", "Address"),
    ("commune_new", "Xã/phường mới", "Commune (2025)"),
    ("commune_old", "Xã/phường cũ", "Commune (old)"),
    ("time_window", "Khung giờ", "Time window"),
    ("arrival", "Giờ đến", "Arrival"),
    ("departure", "Giờ đi", "Departure"),
    ("dossier_code", "Mã hồ sơ", "Dossier code"),
    ("n_documents", "Số giấy tờ", "Documents"),
    ("fee_vnd", "Phí thu (đồng)", "Fee to collect (VND)"),
    ("seal", "Niêm phong", "Seal"),
    ("signature", "Chữ ký", "Signature"),
    ("leg_km", "Km chặng", "Leg km"),
    ("lat", "Vĩ độ", "Latitude"),
    ("lon", "Kinh độ", "Longitude"),
    ("maps_url", "Chỉ đường", "Navigation link"),
    ("job_source", "Nguồn việc", "Job source"),
    ("network", "Mạng đường", "Road network"),
)


def column_headers() -> list[str]:
    """Bilingual headers ``"Tên / Name"`` of the tabular formats, in column order."""
    return [f"{vi} / {en}" for _, vi, en in COLUMNS]


def row_record(sheets: RouteSheets, courier: CourierSheet, row: SheetRow) -> dict[str, Any]:
    """Return the tabular record of one row, keyed by the ``COLUMNS`` keys.

    Parameters
    ----------
    sheets
        The whole set (for provenance).
    courier
        The courier the row belongs to.
    row
        The stop.
    """
    network = (
        f"{ESTIMATED_LABEL} ({sheets.network_kind})" if sheets.is_estimated else "OSM"
    )
    job_source = (
        SIMULATED_LABEL if row.source == "simulated" else nfc(row.source)
    )
    return {
        "courier": nfc(courier.courier_name),
        "sequence": row.sequence,
        "kind": f"{row.kind_vi} / {row.kind_en}",
        "job_id": nfc(row.job_id),
        "name": nfc(row.name),
        "address": nfc(row.address),
        "commune_new": nfc(row.commune_new),
        "commune_old": nfc(row.commune_old),
        "time_window": row.window_text,
        "arrival": format_clock(row.arrival_s),
        "departure": format_clock(row.departure_s),
        "dossier_code": nfc(row.dossier_code),
        "n_documents": row.n_documents,
        "fee_vnd": None if row.fee_vnd is None else round(row.fee_vnd),
        "seal": "",
        "signature": "",
        "leg_km": round(row.leg_length_m / 1000.0, 2),
        "lat": round(row.lat, 6),
        "lon": round(row.lon, 6),
        "maps_url": row.maps_url,
        "job_source": job_source,
        "network": network,
    }


def records(sheets: RouteSheets) -> list[dict[str, Any]]:
    """Every row of every courier as a tabular record (see :func:`row_record`)."""
    return [row_record(sheets, c, r) for c in sheets.couriers for r in c.rows]


# --------------------------------------------------------------------------------------
# Renderers (bytes, so the app can offer downloads; write_sheets saves them).
# --------------------------------------------------------------------------------------


def to_csv(sheets: RouteSheets) -> bytes:
    """All couriers' rows as CSV, UTF-8 with BOM so Excel shows Vietnamese correctly.

    The provenance is in every row (``Nguồn việc`` and ``Mạng đường`` columns), so a CSV
    cut from a simulated plan still says so. Text cells that a spreadsheet would run as a
    formula (starting with ``= + - @``) get a leading ``'``.
    """
    buf = io.StringIO(newline="")
    keys = [k for k, _, _ in COLUMNS]
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(column_headers())
    for rec in records(sheets):
        writer.writerow([safe_csv_cell(rec[k]) for k in keys])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: RouteSheets) -> bytes:
    """Render a workbook: a summary sheet, then one sheet per courier (CSV columns).

    The summary sheet names the date, each courier's totals, the unassigned jobs and the
    provenance; each courier sheet ends with the provenance line too.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    bold = Font(bold=True)
    warn = Font(bold=True, color="B00020")
    head_fill = PatternFill("solid", fgColor="FFE8A8")
    ws.append(["Phiếu lộ trình bưu tá / Courier route sheets"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Ngày / Date", sheets.day_text])
    ws.append(["Kế hoạch / Plan", sheets.plan_id])
    ws.append(["Nguồn dữ liệu / Provenance", sheets.provenance_text])
    ws["B4"].font = warn if sheets.provenance_labels else bold
    for label in sheets.provenance_labels:
        ws.append(["Cảnh báo / Warning", label])
        ws.cell(row=ws.max_row, column=2).font = warn
    ws.append([])
    summary_head = [
        "Bưu tá / Courier", "Phương tiện / Vehicle", "Bưu cục / Office",
        "Xuất phát / Start", "Về / End", "Km", "Giờ / Hours", "Số điểm / Stops",
    ]
    ws.append(summary_head)
    for cell in ws[ws.max_row]:
        cell.font = bold
        cell.fill = head_fill
    for c in sheets.couriers:
        ws.append([
            nfc(c.courier_name), nfc(c.vehicle), nfc(c.office_name),
            format_clock(c.start_s), format_clock(c.end_s),
            round(c.distance_m / 1000.0, 1), round(c.duration_s / 3600.0, 2), c.n_stops,
        ])
    if sheets.unassigned:
        ws.append([])
        ws.append(["Chưa phân công / Unassigned", "Loại / Kind", "Tên / Name",
                   "Lý do / Reason"])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for u in sheets.unassigned:
            ws.append([nfc(u.job_id), u.kind_text, nfc(u.name), nfc(u.reason)])
    for col, width in zip("ABCDEFGH", (28, 24, 30, 12, 12, 8, 10, 10), strict=True):
        ws.column_dimensions[col].width = width

    keys = [k for k, _, _ in COLUMNS]
    widths = {"name": 28, "address": 30, "commune_new": 20, "commune_old": 20,
              "maps_url": 40, "network": 26, "job_source": 20, "kind": 22}
    used: set[str] = {ws.title}
    for c in sheets.couriers:
        sheet = wb.create_sheet(_sheet_title(c, used))
        sheet.append(column_headers())
        for cell in sheet[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r in c.rows:
            rec = row_record(sheets, c, r)
            sheet.append([rec[k] for k in keys])
            link_cell = sheet.cell(row=sheet.max_row, column=keys.index("maps_url") + 1)
            link_cell.hyperlink = rec["maps_url"]
        sheet.freeze_panes = "A2"
        for i, key in enumerate(keys, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = widths.get(key, 12)
    # nothing here is a formula: text such as "=HYPERLINK(...)" from a jobs file stays text
    defuse_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(courier: CourierSheet, used: set[str]) -> str:
    r"""Return an Excel-safe, unique sheet title (≤ 31 characters, none of ``[]:*?/\\``)."""
    bad = set("[]:*?/\\")
    raw = nfc(courier.courier_name or courier.courier_id)
    base = "".join("_" if ch in bad else ch for ch in raw)
    base = base.strip() or "Courier"
    title = base[:31]
    n = 2
    while title in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def to_gpx(sheets: RouteSheets) -> bytes:
    """GPX 1.1 for OsmAnd / Organic Maps: a route per courier and a waypoint per visit.

    Route points follow the stop order (office → visits → office). Waypoint names start
    with the courier's initials and the sequence (``"A-03 UBND xã …"``); the description
    carries arrival, window, dossier and fee. The provenance is in the metadata
    description and in each route's description.
    """
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "postplan"
    gpx.name = nfc(f"Phiếu lộ trình {sheets.day_text}".strip())
    gpx.description = nfc(sheets.provenance_text)
    for c in sheets.couriers:
        route = gpxpy.gpx.GPXRoute(
            name=nfc(c.courier_name),
            description=nfc(
                f"{c.vehicle} · {c.office_name} · {format_clock(c.start_s)}–"
                f"{format_clock(c.end_s)} · {c.distance_m / 1000.0:.1f} km · "
                f"{sheets.provenance_text}"
            ),
        )
        for r in c.rows:
            route.points.append(
                gpxpy.gpx.GPXRoutePoint(
                    latitude=r.lat, longitude=r.lon,
                    name=nfc(f"{r.sequence:02d} {r.name}"),
                    description=_point_description(r),
                )
            )
        gpx.routes.append(route)
        for r in c.visits:
            wpt = gpxpy.gpx.GPXWaypoint(
                latitude=r.lat, longitude=r.lon,
                name=nfc(f"{_initials(c.courier_name)}-{r.sequence:02d} {r.name}"),
                description=_point_description(r),
                symbol="Flag, Blue" if r.role == "pickup" else "Flag, Green",
                type=r.job_kind or r.kind,
            )
            wpt.comment = nfc(r.address)
            gpx.waypoints.append(wpt)
    return gpx.to_xml(prettyprint=True).encode("utf-8")


def _initials(name: str) -> str:
    parts = [p for p in nfc(name).split() if p]
    return "".join(p[0] for p in parts).upper() or "X"


def _point_description(r: SheetRow) -> str:
    bits = [f"{r.kind_vi} / {r.kind_en}", f"đến {format_clock(r.arrival_s)}"]
    if r.window_text:
        bits.append(f"khung {r.window_text}")
    if r.commune_text:
        bits.append(r.commune_text)
    if r.dossier_code:
        bits.append(f"hồ sơ {r.dossier_code}")
    if r.n_documents is not None:
        bits.append(f"{r.n_documents} giấy tờ")
    if r.fee_vnd:
        bits.append(f"thu {format_vnd(r.fee_vnd)}")
    if r.source == "simulated":
        bits.append(SIMULATED_LABEL)
    return nfc(" · ".join(bits))


def to_geojson(sheets: RouteSheets) -> bytes:
    """Render a GeoJSON FeatureCollection (EPSG:4326): stops as points, routes as lines.

    Point properties are the tabular record (``COLUMNS`` keys) plus ``feature`` = ``stop``;
    line properties are the courier's totals plus ``feature`` = ``route`` and
    ``straight_lines`` (True when drawn stop to stop). The collection's top-level
    ``provenance`` member and every feature's ``network`` / ``job_source`` say what is
    estimated or simulated.
    """
    features: list[dict[str, Any]] = []
    for c in sheets.couriers:
        features.append({
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[round(x, 6), round(y, 6)] for x, y in c.path_lonlat],
            },
            "properties": {
                "feature": "route",
                "courier": nfc(c.courier_name),
                "courier_id": nfc(c.courier_id),
                "vehicle": nfc(c.vehicle),
                "office": nfc(c.office_name),
                "start": format_clock(c.start_s),
                "end": format_clock(c.end_s),
                "distance_km": round(c.distance_m / 1000.0, 3),
                "duration_h": round(c.duration_s / 3600.0, 3),
                "n_stops": c.n_stops,
                "straight_lines": c.path_is_straight,
                "network": _network_label(sheets),
                "job_source": SIMULATED_LABEL if sheets.is_simulated
                else ", ".join(sheets.job_sources),
            },
        })
        for r in c.rows:
            props = {"feature": "stop", **row_record(sheets, c, r)}
            props.pop("seal")
            props.pop("signature")
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                "properties": props,
            })
    doc = {
        "type": "FeatureCollection",
        "name": nfc(f"route_sheets_{sheets.day.isoformat() if sheets.day else 'plan'}"),
        "date": sheets.day_text,
        "plan_id": sheets.plan_id,
        "provenance": sheets.provenance_text,
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _network_label(sheets: RouteSheets) -> str:
    return f"{ESTIMATED_LABEL} ({sheets.network_kind})" if sheets.is_estimated else "OSM"


def to_pdf(sheets: RouteSheets) -> bytes:
    """Render the printable Vietnamese PDF (see :mod:`routing.sheets_pdf`)."""
    from routing.sheets_pdf import render_pdf

    return render_pdf(sheets)


_RENDERERS = {
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "gpx": to_gpx,
    "geojson": to_geojson,
    "csv": to_csv,
}


def render(sheets: RouteSheets, fmt: str) -> bytes:
    """Render ``sheets`` in one format and return the file's bytes.

    Parameters
    ----------
    sheets
        Built by :func:`build_sheets`.
    fmt
        One of ``FORMATS``.

    Raises
    ------
    InputError
        When ``fmt`` is not a known format.
    """
    key = str(fmt).lower().lstrip(".")
    if key not in _RENDERERS:
        raise InputError([Problem(
            f"unknown route-sheet format; use one of {', '.join(FORMATS)}.",
            column="format", value=str(fmt),
        )])
    return _RENDERERS[key](sheets)


def sheet_filename(sheets: RouteSheets, fmt: str) -> str:
    """Default file name, e.g. ``route_sheets_2026-11-25.pdf``."""
    stem = f"route_sheets_{sheets.day.isoformat()}" if sheets.day else "route_sheets"
    return f"{stem}.{str(fmt).lower().lstrip('.')}"


def write_sheets(
    sheets: RouteSheets, out_dir: str | Path, *, formats: Iterable[str] = ("pdf",),
) -> list[Path]:
    """Write the sheets in each format into ``out_dir`` (created) and return the paths.

    Parameters
    ----------
    sheets
        Built by :func:`build_sheets`.
    out_dir
        Folder to write into; created when missing.
    formats
        Formats to write (see ``FORMATS``).
    """
    fmts = list(formats)
    blobs = [(fmt, render(sheets, fmt)) for fmt in fmts]  # validate all before writing
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, blob in blobs:
        path = out / sheet_filename(sheets, fmt)
        path.write_bytes(blob)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------
# Plan → rows
# --------------------------------------------------------------------------------------


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
    import hashlib

    plan_id = hashlib.sha256(plan.to_json().encode("utf-8")).hexdigest()[:10]
    return RouteSheets(
        day=day, network_kind=plan.network_kind, job_sources=tuple(sorted(sources)),
        couriers=tuple(sheets), unassigned=unassigned, plan_id=plan_id,
        notes=tuple(nfc(n) for n in plan.notes),
    )


def _straight_path(rows: Sequence[SheetRow]) -> tuple[tuple[float, float], ...]:
    return tuple((r.lon, r.lat) for r in rows)
