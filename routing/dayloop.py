"""The working-day loop in the store: the day's carried jobs, and closing a day.

What :mod:`routing.dayclose` decides is kept in the plan store, under the acting account
(:mod:`data.access` checks every call):

* **carried jobs** — after a day is closed, the jobs left (failed or unserved) with their
  history are saved as a ``job_list`` document named ``carryover <next day> from <day>
  <offices>`` (format ``postplan-carryover``; it holds citizens' data, so it belongs to the
  plan's post offices and is audited when opened). :func:`carried_for` gathers every such
  document for a day and a set of offices: the day's list starts from them
  (:func:`routing.carryover.day_list`).
* **day summary** — the closed day's facts (``day_summary``, no personal data), what
  :mod:`routing.reports` adds up.

The next working day comes from the calendar (:mod:`data.calendar`): the first day after
the closed one on which one of the plan's post offices opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from data.calendar import WorkCalendar, offices_on
from data.errors import ConflictError, InputError
from data.outcomes import outcomes_for
from routing.carryover import PendingJob
from routing.dayclose import (
    ClosedDay,
    CommuneOf,
    DaySummary,
    close_plan_day,
    pending_from_dicts,
    pending_to_dict,
)

if TYPE_CHECKING:
    from data.access import Account
    from data.store import Store, StoredObject
    from routing.result import Plan

#: Format tag of a carried-jobs document.
CARRYOVER_FORMAT = "postplan-carryover"
#: How far ahead the next working day is looked for.
MAX_GAP_DAYS = 31


def offices_key(offices: Iterable[str]) -> str:
    """Return the offices as they appear in document names (sorted, joined by ``+``)."""
    return "+".join(sorted({str(o) for o in offices}))


def carryover_name(to_day: dt.date, from_day: dt.date, offices: Iterable[str]) -> str:
    """Name of the document carrying ``from_day``'s left jobs to ``to_day``."""
    return f"carryover {to_day.isoformat()} from {from_day.isoformat()} {offices_key(offices)}"


def summary_name(day: dt.date, offices: Iterable[str]) -> str:
    """Name of a closed day's summary."""
    return f"day {day.isoformat()} {offices_key(offices)}"


def next_working_day(registry: pd.DataFrame, office_ids: Iterable[str], day: dt.date,
                     calendar: WorkCalendar | None = None) -> dt.date:
    """Return the first day after ``day`` on which one of ``office_ids`` opens.

    Raises
    ------
    InputError
        None of them opens within :data:`MAX_GAP_DAYS` days (or none is in the registry).
    """
    wanted = {str(o) for o in office_ids}
    rows = registry[registry["office_id"].astype(str).isin(wanted)]
    for k in range(1, MAX_GAP_DAYS + 1):
        when = day + dt.timedelta(days=k)
        if any(not od.closed for od in offices_on(rows, when, calendar)):
            return when
    raise InputError(
        f"Không bưu cục nào trong {', '.join(sorted(wanted))} mở cửa trong {MAX_GAP_DAYS} ngày "
        f"sau {day:%d/%m/%Y}; kiểm tra giờ mở cửa và ngày nghỉ. / None of the offices "
        f"{', '.join(sorted(wanted))} opens within {MAX_GAP_DAYS} days after {day:%d/%m/%Y}; "
        "check their hours and exceptions.")


def carried_for(store: Store, *, actor: Account, day: dt.date,
                offices: Iterable[str]) -> tuple[PendingJob, ...]:
    """Return the jobs carried to ``day`` for offices among ``offices`` (with their history).

    Every ``carryover <day> …`` document ``actor`` may open whose offices are all among
    ``offices`` is read (and its opening audited: it holds citizens' data).
    """
    wanted = {str(o) for o in offices}
    prefix = f"carryover {day.isoformat()} from "
    out: list[PendingJob] = []
    for info in store.list_objects("job_list", actor=actor):
        if not info.name.startswith(prefix) or not set(info.offices) <= wanted:
            continue
        doc = store.get(info.id, actor=actor).data()
        if isinstance(doc, dict) and doc.get("format") == CARRYOVER_FORMAT:
            out.extend(pending_from_dicts(doc.get("jobs") or []))
    return tuple(out)


def _save(store: Store, kind: str, name: str, content: Any, *, actor: Account,
          offices: Sequence[str], message: str) -> StoredObject:
    """Save a new object or a new version of the one with that name (a day closed again)."""
    existing = store.find(kind, name, actor=actor)
    try:
        return store.save(kind, name, content, actor=actor, offices=offices, message=message,
                          expected_version=existing.version if existing else None)
    except ConflictError:  # saved meanwhile by another close of the same day: go on top
        now = store.find(kind, name, actor=actor)
        return store.save(kind, name, content, actor=actor, offices=offices, message=message,
                          expected_version=now.version if now else None)


@dataclass(frozen=True)
class StoredClose:
    """A day closed and kept in the store.

    Parameters
    ----------
    closed
        What the close decided.
    next_day
        The next working day the left jobs go to.
    carryover_id, summary_id
        The stored documents (carried jobs, day summary).
    outcomes
        How many reports the close used.
    """

    closed: ClosedDay
    next_day: dt.date
    carryover_id: int
    summary_id: int
    outcomes: int

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values (job ids and counts; no personal field)."""
        c = self.closed.close
        with_due = [d for d in c.done if d.due is not None]
        return {
            "day": c.day.isoformat(), "next_day": self.next_day.isoformat(),
            "done": len(c.done), "on_time": sum(1 for d in with_due if d.on_time),
            "late": sum(1 for d in with_due if not d.on_time), "left": len(c.left),
            "failed": sum(1 for p in c.left if p.attempts[-1].outcome == "failed"),
            "unserved": sum(1 for p in c.left if p.attempts[-1].outcome == "unserved"),
            "flagged": [{"job_id": p.job_id, "failures": p.failures,
                         "reasons": [a.reason for a in p.attempts if a.outcome == "failed"]}
                        for p in c.flagged],
            "left_jobs": [{"job_id": p.job_id, "attempts": len(p.attempts),
                           "last": p.attempts[-1].outcome, "reason": p.attempts[-1].reason,
                           "due": p.due.isoformat() if p.due else None}
                          for p in c.left],
            "outcomes": self.outcomes, "carryover_id": self.carryover_id,
            "summary_id": self.summary_id,
            "provenance": self.closed.summary.provenance,
        }


def close_stored_day(store: Store, plan: Plan, plan_id: int, *, actor: Account,
                     registry: pd.DataFrame, calendar: WorkCalendar | None = None,
                     commune_of: CommuneOf | None = None) -> StoredClose:
    """Close the day of a stored plan: read its reports and carried jobs, keep the result.

    Parameters
    ----------
    store
        The store.
    plan
        The plan's latest version.
    plan_id
        Its stored id (reports are about this plan).
    actor
        A dispatcher of the plan's offices, or an admin.
    registry
        The office registry (opening hours for the next working day).
    calendar
        Holidays and exceptions.
    commune_of
        ``(lon, lat) → commune code`` for addresses without one.

    Raises
    ------
    AccessDenied
        The actor may not write the plan's offices' jobs.
    InputError
        The plan has no date or problem; a job is twice on the list.
    """
    if plan.plan_date is None:
        raise InputError("the plan has no date; only a dated plan's day can be closed")
    day = dt.date.fromisoformat(plan.plan_date)
    offices = sorted({r.office_id for r in plan.routes})
    if not offices:
        raise InputError("the plan has no route, so it belongs to no post office; plan the "
                         "day with couriers first")
    reports = [o for o in outcomes_for(store, actor=actor, plan_date=day)
               if o.plan_id == plan_id]
    carried = carried_for(store, actor=actor, day=day, offices=offices)
    closed = close_plan_day(plan, reports, carried=carried, commune_of=commune_of)
    next_day = next_working_day(registry, offices, day, calendar)
    left = {"format": CARRYOVER_FORMAT, "plan_date": day.isoformat(), "from_day": day.isoformat(),
            "to_day": next_day.isoformat(), "offices": offices,
            "jobs": [pending_to_dict(p) for p in closed.close.left]}
    message = f"closed {day.isoformat()}: {len(closed.close.done)} done, " \
              f"{len(closed.close.left)} left"
    carry = _save(store, "job_list", carryover_name(next_day, day, offices), left,
                  actor=actor, offices=offices, message=message)
    summary = _save(store, "day_summary", summary_name(day, offices),
                    closed.summary.to_dict(), actor=actor, offices=offices, message=message)
    result = StoredClose(closed, next_day, carry.id, summary.id, len(reports))
    store.record("day_close", actor=actor, object_kind="plan", object_id=plan_id,
                 object_name=day.isoformat(),
                 detail={k: v for k, v in result.to_dict().items()
                         if k in ("day", "next_day", "done", "left", "outcomes")})
    return result


def summaries_between(store: Store, *, actor: Account, date_from: dt.date,
                      date_to: dt.date) -> list[DaySummary]:
    """Every closed day's summary ``actor`` may open with a day in ``[date_from, date_to]``."""
    out: list[DaySummary] = []
    for info in store.list_objects("day_summary", actor=actor):
        parts = info.name.split(" ")
        try:
            day = dt.date.fromisoformat(parts[1])
        except (IndexError, ValueError):
            continue
        if date_from <= day <= date_to:
            out.append(DaySummary.from_dict(store.get(info.id, actor=actor).data()))
    return sorted(out, key=lambda s: (s.day, s.offices))


__all__ = [
    "CARRYOVER_FORMAT",
    "StoredClose",
    "carried_for",
    "carryover_name",
    "close_stored_day",
    "next_working_day",
    "offices_key",
    "summaries_between",
    "summary_name",
]
