"""Stop reports from the courier page: where the phone was when a stop was marked.

When a courier marks a stop *done* or *failed* on the phone and has agreed to share the
position, the outcome (:mod:`data.outcomes`) carries the phone's position. This module keeps
the field-observation side of it, one row per outcome in the ``stop_reports`` table
(migration ``0004``): the courier, the job, the stop's **address key**
(:func:`data.observations.address_key`, a hash: never the address), how the stop had been
placed when it was visited (given coordinates, observed, or the commune point), the planned
position, the phone's position, accuracy and time. No citizen's name, note or phone.

* :func:`record_stop_report` — written when an outcome with a position is stored (same
  access rule as the outcome: the courier's own route, a dispatcher's office, an admin);
  idempotent on ``outcome_id`` like the outcome itself.
* :func:`data.observations.courier_page_reports` reads them back as rows of the
  field-observation table (and :func:`data.observations.load_observations` counts them as
  one more ``stop_report`` batch).
* :func:`stop_report_table` — every stop report as the field-observation table
  (:data:`data.observations.STOP_REPORT_COLUMNS`, plus ``batch`` and ``provenance``),
  the courier page's rows together with imported ``stop_report`` batches; read by those
  who may read field observations (admins, dispatchers, planners).
* :func:`observed_positions` — the observed position of each address (median, count,
  spread: :func:`data.observations.address_positions`), what the next plan places
  approximate addresses at (:func:`routing.placement.place_jobs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from data.access import check_outcome
from data.db_models import Base
from data.observations import (
    COURIER_PAGE_BATCH,
    OBSERVATIONS_KIND,
    PLACEMENTS,
    STOP_REPORT_COLUMNS,
    ObservationBatch,
    address_positions,
    courier_page_reports,
)

if TYPE_CHECKING:
    from data.access import Account
    from data.outcomes import Outcome
    from data.store import Store

_REPORTS: Table = Base.metadata.tables["stop_reports"]


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None


def record_stop_report(store: Store, outcome: Outcome, stop: Mapping[str, Any], *,
                       actor: Account) -> bool:
    """Keep the position of a stored outcome as a stop report, once per ``outcome_id``.

    Parameters
    ----------
    store
        The store.
    outcome
        The outcome as :func:`data.outcomes.record_outcome` returned it (stored: it has
        ``office_id``); one without a position is not a report.
    stop
        The planned stop it is about (a stored plan's stop: ``address_id``, ``placed_by``
        or ``approximate``, ``lon``, ``lat``).
    actor
        Who sent the outcome.

    Returns
    -------
    bool
        True when a report was written now; False for an outcome without a position or
        one already kept.

    Raises
    ------
    AccessDenied
        As for the outcome: not the courier's own route, not the dispatcher's office.
    """
    check_outcome(actor, "outcomes.record", office_id=outcome.office_id,
                  courier_id=outcome.courier_id)
    if not outcome.has_position:
        return False
    placed = str(stop.get("placed_by") or "")
    if placed not in PLACEMENTS:
        placed = "approximate" if stop.get("approximate") else "given"
    values = {
        "outcome_id": outcome.outcome_id, "plan_date": outcome.plan_date,
        "office_id": outcome.office_id or "", "courier_id": outcome.courier_id,
        "job_id": outcome.job_id, "role": outcome.role,
        "address_id": (str(stop["address_id"]) if stop.get("address_id") else None),
        "placed_by": placed, "status": outcome.status, "at": outcome.at,
        "lon": float(outcome.lon), "lat": float(outcome.lat),  # type: ignore[arg-type]
        "accuracy_m": _float(outcome.accuracy_m),
        "planned_lon": _float(stop.get("lon")), "planned_lat": _float(stop.get("lat")),
        "provenance": outcome.provenance, "recorded_at": datetime.now(UTC),
    }
    with store.read_transaction() as conn:
        if conn.execute(select(_REPORTS.c.outcome_id).where(
                _REPORTS.c.outcome_id == outcome.outcome_id)).first() is not None:
            return False
    try:
        with store.write_transaction() as conn:
            conn.execute(_REPORTS.insert().values(**values))
    except IntegrityError:  # the same outcome sent twice at once: the first one won
        return False
    return True


def stop_report_table(store: Store, *, actor: Account,
                      provenance: str | None = "observed") -> pd.DataFrame:
    """Every stop report: the courier page's and those of imported ``stop_report`` batches.

    Parameters
    ----------
    store
        The store.
    actor
        An account that may read field observations.
    provenance
        ``observed`` (default: what the field measured), ``simulated``, or None for both.
    """
    parts = [courier_page_reports(store, actor=actor, provenance=provenance)]
    for info in store.list_objects(kind=OBSERVATIONS_KIND, actor=actor):
        obj = store.get(info.id, actor=actor)
        if obj.meta.get("source") != "stop_report":
            continue
        if provenance is not None and obj.meta.get("provenance") != provenance:
            continue
        batch = ObservationBatch.from_document(obj.data())
        frame = batch.table("stop_reports").copy()
        if len(frame):
            frame["batch"] = info.id
            frame["provenance"] = batch.provenance
            parts.append(frame)
    parts = [p for p in parts if len(p)]
    if not parts:
        return courier_page_reports(store, actor=actor, provenance=provenance).iloc[0:0]
    return pd.concat(parts, ignore_index=True)


def observed_positions(store: Store, *, actor: Account, metric_crs: str,
                       max_accuracy_m: float | None = 100.0) -> pd.DataFrame:
    """Return the observed position of each address (``address_id``, lon, lat, n, spread_m).

    What couriers' phones reported at the stops of each address
    (:func:`stop_report_table`, observed only), reduced by
    :func:`data.observations.address_positions`; reports without an address key are left
    out. An account that may not read field observations gets an empty table (a plan is
    then made from the jobs' own positions).
    """
    from data.errors import AccessDenied

    try:
        reports = stop_report_table(store, actor=actor, provenance="observed")
    except AccessDenied:
        reports = pd.DataFrame(columns=list(STOP_REPORT_COLUMNS))
    return address_positions(reports, metric_crs=metric_crs, max_accuracy_m=max_accuracy_m)


__all__ = [
    "COURIER_PAGE_BATCH",
    "courier_page_reports",
    "observed_positions",
    "record_stop_report",
    "stop_report_table",
]
