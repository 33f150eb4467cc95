"""The route-sheet model every format renders from: rows, courier sheets, the tabular record.

:class:`RouteSheets` (built once from a plan by :func:`routing.sheets.build_sheets`) holds
one :class:`CourierSheet` per courier with one :class:`SheetRow` per stop; the tabular
formats (CSV, XLSX, GeoJSON properties) share :data:`COLUMNS` and :func:`row_record`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from routing.sheets.text import (
    ESTIMATED_LABEL,
    JOB_KIND_LABELS,
    SIMULATED_LABEL,
    action_label,
    format_clock,
    geo_uri,
    google_maps_url,
    nfc,
)


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
    def network_label(self) -> str:
        """The road network as every format names it (``ƯỚC TÍNH / ESTIMATED (proxy)``, ``OSM``)."""
        return f"{ESTIMATED_LABEL} ({self.network_kind})" if self.is_estimated else "OSM"

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
        "network": sheets.network_label,
    }


def records(sheets: RouteSheets) -> list[dict[str, Any]]:
    """Every row of every courier as a tabular record (see :func:`row_record`)."""
    return [row_record(sheets, c, r) for c in sheets.couriers for r in c.rows]


__all__ = [
    "COLUMNS",
    "CourierSheet",
    "RouteSheets",
    "SheetRow",
    "UnassignedRow",
    "column_headers",
    "records",
    "row_record",
]
