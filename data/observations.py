"""Observations from the field, kept in the store: what couriers' phones and loggers saw.

One stored document (kind ``field_observations``) per import batch. A batch comes from one
*source* and holds plain tables; every row keeps the batch's *provenance* (``observed`` for
real traces and reports, ``simulated`` for the hidden-truth benchmark), so nothing simulated
can pass for measured.

Sources
-------
``gps_trace``
    GPS tracks (GPX/GeoJSON) cleaned and map-matched by :mod:`geo.field`: tables
    ``traces`` (one row per track), ``traversals`` (one row per network edge ridden from end
    to end, with its time of day and date), ``offroad`` (the points of stretches no edge
    explains, bracketed by the last/first on-network points, ``attach=True``) and
    ``trace_stops`` (where a track stood still).
``stop_report``
    Position and time recorded when a courier marks a stop done or failed (the courier
    page, later): table ``stop_reports`` (:data:`STOP_REPORT_COLUMNS`). Adding that source is
    one more :class:`ObservationBatch`; :func:`address_positions` already turns reports into
    an observed position per address with how many reports and their spread.

Times are seconds since the Unix epoch (UTC); dates and times of day are Vietnam time
(UTC+7, no daylight saving).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data.errors import InputError, Problem, StorageError

if TYPE_CHECKING:
    from data.access import Account
    from data.store import Store, StoredObject

#: Store kind of an observation batch.
OBSERVATIONS_KIND = "field_observations"
#: Document format tag.
FORMAT = "postplan-field-observations"
#: Where observations come from.
OBSERVATION_SOURCES = ("gps_trace", "stop_report")
#: Whether a batch was measured in the field or made by the simulator.
PROVENANCES = ("observed", "simulated")
#: Vietnam time: UTC+7 all year.
LOCAL_UTC_OFFSET_S = 7 * 3600

TRACE_COLUMNS = ("trace_id", "file", "track", "vehicle", "points", "points_kept",
                 "dropped_duplicate", "dropped_jump", "stops", "started_at", "ended_at",
                 "matched_m", "offroad_m")
TRAVERSAL_COLUMNS = ("trace_id", "u", "v", "key", "highway", "surface", "mountain",
                     "length_m", "entered_at", "exited_at", "travel_time_s", "speed_kph",
                     "date", "time_of_day_s", "vehicle", "fit_m", "fixes")
OFFROAD_COLUMNS = ("stretch_id", "trace_id", "seq", "lon", "lat", "time_s", "attach")
TRACE_STOP_COLUMNS = ("trace_id", "lon", "lat", "arrived_at", "left_at", "points")
STOP_REPORT_COLUMNS = ("courier_id", "job_id", "address_id", "status", "time_s", "lon",
                       "lat", "accuracy_m", "service_s")
#: Tables a batch may hold, with their columns.
TABLES: Mapping[str, tuple[str, ...]] = {
    "traces": TRACE_COLUMNS,
    "traversals": TRAVERSAL_COLUMNS,
    "offroad": OFFROAD_COLUMNS,
    "trace_stops": TRACE_STOP_COLUMNS,
    "stop_reports": STOP_REPORT_COLUMNS,
}
#: How a citizen's address was placed: coordinates given in the jobs file, the position
#: observed by couriers' phones at earlier stops there, or the commune point (approximate).
PLACEMENTS = ("given", "observed", "approximate")
#: Columns a table may lack (quality measures of traversals; empty when absent).
OPTIONAL_COLUMNS = frozenset({"fit_m", "fixes"})
#: The ``batch`` number of the courier page's stop reports (:func:`courier_page_reports`;
#: imported batches carry their store id, never 0).
COURIER_PAGE_BATCH = 0
ADDRESS_POSITION_COLUMNS = ("address_id", "lon", "lat", "n", "spread_m", "first_seen",
                            "last_seen", "placed_by")


def local_date_time(epoch_s: Any) -> tuple[np.ndarray, np.ndarray]:
    """Vietnam-time date (``yyyy-mm-dd`` text) and time of day (s) of epoch seconds."""
    t = np.asarray(epoch_s, dtype=float) + LOCAL_UTC_OFFSET_S
    day = np.floor(t / 86400.0)
    dates = pd.to_datetime(day * 86400.0, unit="s").strftime("%Y-%m-%d").to_numpy()
    return dates.astype(object), t - day * 86400.0


def address_key(label: str | None, commune_code: str | None = None) -> str | None:
    """Key of a citizen's address: its text within its commune, as a pseudonymous id.

    Case, accents, spacing and punctuation are ignored (``"Thôn 3, Đăk Rơ Wa"`` =
    ``"thon 3 dak ro wa"``); the commune's GSO code is part of the key, so the same text in
    two communes is two addresses. Stop reports and observed positions are kept under this
    key (a hash: they never hold the address itself).

    Parameters
    ----------
    label
        The address as the jobs file gives it; None or blank gives None (no key).
    commune_code
        The pre-2025 commune the address names, or None.

    Examples
    --------
    >>> address_key("Thôn 3, Đăk Rơ Wa", "23281") == address_key("thon 3  dak ro wa", "23281")
    True
    >>> address_key("  ") is None
    True
    """
    from data.names import name_tokens

    words = " ".join(name_tokens(label or ""))
    if not words:
        return None
    digest = hashlib.sha256(f"{commune_code or ''}|{words}".encode()).hexdigest()
    return f"addr-{digest[:20]}"


def empty_table(name: str) -> pd.DataFrame:
    """Return an empty table with the columns of ``name`` (one of :data:`TABLES`)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name]})


@dataclass(frozen=True)
class ObservationBatch:
    """One import of field observations, ready to store.

    Parameters
    ----------
    source
        One of :data:`OBSERVATION_SOURCES`.
    provenance
        ``observed`` or ``simulated``.
    tables
        Tables by name (keys of :data:`TABLES`); each must have that table's columns.
    files
        What was read: ``{"name", "sha256", ...}`` per file (empty for reports).
    vehicle
        The vehicle the traces were ridden with (``motorbike``, ``car``, ``walk``).
    notes
        Free lines kept with the batch (cleaning and matching counts, parameters).
    """

    source: str
    provenance: str
    tables: Mapping[str, pd.DataFrame] = field(repr=False)
    files: tuple[Mapping[str, Any], ...] = ()
    vehicle: str = "motorbike"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.source not in OBSERVATION_SOURCES:
            problems.append(Problem(f"source must be one of {', '.join(OBSERVATION_SOURCES)}",
                                    column="source", value=self.source))
        if self.provenance not in PROVENANCES:
            problems.append(Problem(f"provenance must be one of {', '.join(PROVENANCES)}",
                                    column="provenance", value=self.provenance))
        for name, frame in self.tables.items():
            if name not in TABLES:
                problems.append(Problem(f"unknown table; use {', '.join(TABLES)}",
                                        column="tables", value=name))
                continue
            missing = [c for c in TABLES[name]
                       if c not in frame.columns and c not in OPTIONAL_COLUMNS]
            if missing:
                problems.append(Problem(f"table {name} lacks {', '.join(missing)}",
                                        column=name))
        if problems:
            raise InputError(problems, summary="observation batch rejected")

    def table(self, name: str) -> pd.DataFrame:
        """Return the table ``name`` (empty with the right columns when the batch has none)."""
        frame = self.tables.get(name)
        return empty_table(name) if frame is None else frame

    @property
    def digest(self) -> str:
        """sha256 identifying what was read (the files' hashes, else the tables)."""
        h = hashlib.sha256(self.source.encode())
        if self.files:
            for f in sorted(str(f.get("sha256", "")) for f in self.files):
                h.update(f.encode())
        else:
            for name in sorted(self.tables):
                h.update(name.encode())
                h.update(pd.util.hash_pandas_object(self.tables[name], index=False)
                         .to_numpy().tobytes())
        return h.hexdigest()

    def default_name(self) -> str:
        """Stable store name: the same files imported twice get the same name."""
        label = "GPS" if self.source == "gps_trace" else "stops"
        sim = " SIMULATED" if self.provenance == "simulated" else ""
        return f"{label}{sim} {self.digest[:16]}"

    def to_document(self) -> dict[str, Any]:
        """JSON-ready document (tables as pandas table-schema JSON)."""
        from data.store import table_to_json

        return {
            "format": FORMAT, "version": 1, "source": self.source,
            "provenance": self.provenance, "vehicle": self.vehicle,
            "files": [dict(f) for f in self.files], "notes": list(self.notes),
            "tables": {name: json.loads(table_to_json(frame.reset_index(drop=True)))
                       for name, frame in self.tables.items()},
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> ObservationBatch:
        """Rebuild a batch from :meth:`to_document`'s output."""
        from data.store import table_from_stored

        if doc.get("format") != FORMAT:
            raise StorageError("this stored object is not a field-observation batch")
        tables = {name: table_from_stored(json.dumps(t)) for name, t in doc["tables"].items()}
        return cls(source=str(doc["source"]), provenance=str(doc["provenance"]),
                   tables=tables, files=tuple(doc.get("files", ())),
                   vehicle=str(doc.get("vehicle", "motorbike")),
                   notes=tuple(doc.get("notes", ())))


def save_batch(store: Store, batch: ObservationBatch, *, actor: Account,
               name: str | None = None, message: str = "") -> StoredObject:
    """Store a batch; the same files imported again are refused, nothing is counted twice.

    Raises
    ------
    InputError
        When a batch of the same files (same name) is already stored.
    """
    name = name or batch.default_name()
    existing = store.find(OBSERVATIONS_KIND, name, actor=actor)
    if existing is not None:
        raise InputError([Problem(
            f"các tệp này đã được nhập ngày {existing.created_at:%d/%m/%Y} (#{existing.id}); "
            f"không lưu lại để khỏi đếm hai lần / these files were already imported on "
            f"{existing.created_at:%Y-%m-%d} (#{existing.id}); nothing was saved so that "
            "nothing is counted twice", value=name)], summary="import refused")
    counts = {k: len(v) for k, v in batch.tables.items()}
    meta = {"source": batch.source, "provenance": batch.provenance,
            "vehicle": batch.vehicle, "digest": batch.digest, **{f"rows_{k}": n
                                                                 for k, n in counts.items()}}
    return store.save(OBSERVATIONS_KIND, name, batch.to_document(), actor=actor,
                      message=message, meta=meta)


@dataclass(frozen=True)
class Observations:
    """Every stored observation batch, its tables concatenated.

    Each table gains ``batch`` (store id) and ``provenance`` columns.
    """

    batches: pd.DataFrame
    tables: Mapping[str, pd.DataFrame] = field(repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """Return the concatenated table ``name`` (empty with its columns when none)."""
        frame = self.tables.get(name)
        if frame is None:
            frame = empty_table(name)
            frame["batch"] = pd.Series(dtype=int)
            frame["provenance"] = pd.Series(dtype=object)
        return frame

    @property
    def provenance(self) -> str:
        """``observed``, ``simulated``, ``observed+simulated`` or ``none``."""
        kinds = sorted(set(self.batches["provenance"])) if len(self.batches) else []
        return "+".join(kinds) if kinds else "none"

    def summary(self) -> str:
        """One line: batches and rows per table."""
        rows = ", ".join(f"{k} {len(v):,}" for k, v in self.tables.items())
        return f"{len(self.batches)} batch(es) ({self.provenance}): {rows or 'no rows'}"


def combine_batches(batches: Sequence[tuple[int, ObservationBatch]]) -> Observations:
    """Concatenate batches (``(id, batch)`` pairs) into one :class:`Observations`."""
    rows = []
    parts: dict[str, list[pd.DataFrame]] = {}
    for ident, batch in batches:
        rows.append({"batch": ident, "source": batch.source, "provenance": batch.provenance,
                     "vehicle": batch.vehicle, "files": len(batch.files),
                     **{f"rows_{k}": len(v) for k, v in batch.tables.items()}})
        for name, frame in batch.tables.items():
            if len(frame):
                part = frame.copy()
                part["batch"] = ident
                part["provenance"] = batch.provenance
                parts.setdefault(name, []).append(part)
    tables = {name: pd.concat(p, ignore_index=True) for name, p in parts.items()}
    return Observations(batches=pd.DataFrame(rows, columns=["batch", "source", "provenance",
                                                            "vehicle", "files"]
                                             if not rows else None),
                        tables=tables)


def _epoch_s(when: Any) -> float:
    if when.tzinfo is None:  # SQLite gives back naive UTC times
        when = when.replace(tzinfo=UTC)
    return float(when.timestamp())


def courier_page_reports(store: Store, *, actor: Account,
                         provenance: str | None = None) -> pd.DataFrame:
    """Return the courier page's stop reports as rows of the field-observation table.

    Columns :data:`~data.observations.STOP_REPORT_COLUMNS` plus ``outcome_id``,
    ``plan_date``, ``placed_by``, ``planned_lon``, ``planned_lat``, ``batch`` (=
    :data:`COURIER_PAGE_BATCH`) and ``provenance``; ``time_s`` is epoch seconds (UTC).
    The rows are written by :func:`data.stop_reports.record_stop_report`.

    Raises
    ------
    AccessDenied
        A role that may not read field observations (couriers, viewers).
    """
    from sqlalchemy import select

    from data.access import check_document
    from data.db_models import Base

    reports = Base.metadata.tables["stop_reports"]
    check_document(actor, "read", OBSERVATIONS_KIND)
    query = select(reports).order_by(reports.c.at, reports.c.outcome_id)
    if provenance is not None:
        query = query.where(reports.c.provenance == provenance)
    with store.read_transaction() as conn:
        rows = conn.execute(query).all()
    extra = ["outcome_id", "plan_date", "placed_by", "planned_lon", "planned_lat", "batch",
             "provenance"]
    out = [{
        "courier_id": r.courier_id, "job_id": r.job_id, "address_id": r.address_id,
        "status": r.status, "time_s": _epoch_s(r.at), "lon": r.lon, "lat": r.lat,
        "accuracy_m": r.accuracy_m, "service_s": None, "outcome_id": r.outcome_id,
        "plan_date": r.plan_date.isoformat(), "placed_by": r.placed_by,
        "planned_lon": r.planned_lon, "planned_lat": r.planned_lat,
        "batch": COURIER_PAGE_BATCH, "provenance": r.provenance,
    } for r in rows]
    return pd.DataFrame(out, columns=[*STOP_REPORT_COLUMNS, *extra])


def load_observations(store: Store, *, actor: Account,
                      provenance: str | None = None) -> Observations:
    """Read every stored batch (optionally only ``observed`` or ``simulated`` ones).

    The stop reports of the courier page (:mod:`data.stop_reports`) come as one more
    ``stop_report`` batch, number :data:`COURIER_PAGE_BATCH` (0).
    """
    found = []
    for info in store.list_objects(kind=OBSERVATIONS_KIND, actor=actor):
        obj = store.get(info.id, actor=actor)
        if provenance is not None and obj.meta.get("provenance") != provenance:
            continue
        found.append((info.id, ObservationBatch.from_document(obj.data())))
    found.sort(key=lambda item: item[0])
    reports = courier_page_reports(store, actor=actor, provenance=provenance)
    for prov in sorted(set(reports["provenance"])):
        part = reports[reports["provenance"] == prov]
        found.insert(0, (COURIER_PAGE_BATCH, ObservationBatch(
            source="stop_report", provenance=prov,
            tables={"stop_reports": part.drop(columns=["batch", "provenance"])},
            notes=("courier page",))))
    return combine_batches(found)


def address_positions(reports: pd.DataFrame, *, metric_crs: str,
                      max_accuracy_m: float | None = 100.0) -> pd.DataFrame:
    """Observed position of each address from the stop reports made there.

    The position is the coordinate-wise median of the reports (in ``metric_crs``), robust
    to a few wild fixes; ``spread_m`` is the median distance of the reports from it.

    Parameters
    ----------
    reports
        Stop reports (:data:`STOP_REPORT_COLUMNS`; ``accuracy_m`` may be empty).
    metric_crs
        Projected CRS for distances (``Settings.metric_crs``).
    max_accuracy_m
        Reports whose phone-stated accuracy is worse than this are left out (None: keep).

    Returns
    -------
    pandas.DataFrame
        :data:`ADDRESS_POSITION_COLUMNS`, one row per address with at least one usable
        report; ``placed_by="observed"``.
    """
    from pyproj import Transformer

    cols = list(ADDRESS_POSITION_COLUMNS)
    if reports is None or not len(reports):
        return pd.DataFrame(columns=cols)
    frame = reports.dropna(subset=["address_id", "lon", "lat"])
    if max_accuracy_m is not None and "accuracy_m" in frame.columns:
        acc = pd.to_numeric(frame["accuracy_m"], errors="coerce")
        frame = frame[acc.isna() | (acc <= max_accuracy_m)]
    if not len(frame):
        return pd.DataFrame(columns=cols)
    to_m = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    to_ll = Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
    x, y = to_m.transform(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    work = pd.DataFrame({"address_id": frame["address_id"].astype(str).to_numpy(), "x": x,
                         "y": y, "t": pd.to_numeric(frame["time_s"], errors="coerce")})
    out = []
    for address, g in work.groupby("address_id", sort=True):
        cx, cy = float(np.median(g["x"])), float(np.median(g["y"]))
        spread = float(np.median(np.hypot(g["x"] - cx, g["y"] - cy)))
        lon, lat = to_ll.transform(cx, cy)
        first = g["t"].min()
        last = g["t"].max()
        out.append({"address_id": address, "lon": float(lon), "lat": float(lat),
                    "n": len(g), "spread_m": spread,
                    "first_seen": _iso(first), "last_seen": _iso(last),
                    "placed_by": "observed"})
    return pd.DataFrame(out, columns=cols)


def _iso(epoch: Any) -> str:
    if epoch is None or pd.isna(epoch):
        return ""
    return datetime.fromtimestamp(float(epoch), tz=UTC).isoformat(timespec="seconds")


__all__ = [
    "ADDRESS_POSITION_COLUMNS",
    "COURIER_PAGE_BATCH",
    "LOCAL_UTC_OFFSET_S",
    "OBSERVATIONS_KIND",
    "OBSERVATION_SOURCES",
    "OFFROAD_COLUMNS",
    "OPTIONAL_COLUMNS",
    "PLACEMENTS",
    "PROVENANCES",
    "STOP_REPORT_COLUMNS",
    "TABLES",
    "TRACE_COLUMNS",
    "TRACE_STOP_COLUMNS",
    "TRAVERSAL_COLUMNS",
    "ObservationBatch",
    "Observations",
    "address_key",
    "address_positions",
    "combine_batches",
    "courier_page_reports",
    "empty_table",
    "load_observations",
    "local_date_time",
    "save_batch",
]
