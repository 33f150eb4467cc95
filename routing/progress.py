"""The day as it happens: each courier's progress from the outcomes, and re-plan inputs.

Pure functions of a plan and the stop outcomes couriers reported (:mod:`data.outcomes`):

* :func:`day_progress` — per courier: stops done, failed and left, the last report, and
  whether the courier is running late (the last report came later than planned, or the
  next stop's planned arrival has passed without a report);
* :func:`replan_inputs` — what :func:`routing.replan.replan` needs to plan the rest of the
  day from where couriers really are: which stops are done (reported done: yes; anything
  else: no), which jobs failed (taken out of today: they go to the next working day's list
  at the close), each courier's position (the phone's last position, else the last stop
  reported), and the clock.

The report that counts for a stop is :func:`data.outcomes.latest_by_stop`'s (the last by
the phone's time). Times of day are Vietnam time (UTC+7), as plans are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from data.outcomes import VN_TZ, Outcome, latest_by_stop

if TYPE_CHECKING:
    from routing.model import PlanningProblem
    from routing.result import Plan

#: A courier is running late once this far behind the plan.
LATE_AFTER_S = 15 * 60


def clock_s(at: dt.datetime) -> int:
    """Return a time as seconds since midnight, Vietnam time (the plans' clock)."""
    local = at.astimezone(VN_TZ)
    return local.hour * 3600 + local.minute * 60 + local.second


@dataclass(frozen=True)
class CourierProgress:
    """One courier's day so far.

    Parameters
    ----------
    courier_id
        The courier.
    stops
        Job stops on the route.
    done, failed
        Stops reported done, failed.
    left
        Stops without a report yet.
    failed_reasons
        Reason code → how many failed stops.
    last_at
        Phone time of the last report, or None.
    late_s
        How far behind the plan the courier is (0 when on time or ahead).
    next_job_id
        The first stop without a report (its job), or None when every stop is reported.
    """

    courier_id: str
    stops: int
    done: int
    failed: int
    left: int
    failed_reasons: Mapping[str, int] = field(default_factory=dict)
    last_at: dt.datetime | None = None
    late_s: int = 0
    next_job_id: str | None = None

    @property
    def running_late(self) -> bool:
        """True when the courier is :data:`LATE_AFTER_S` or more behind the plan."""
        return self.late_s >= LATE_AFTER_S

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        return {"courier_id": self.courier_id, "stops": self.stops, "done": self.done,
                "failed": self.failed, "left": self.left,
                "failed_reasons": dict(self.failed_reasons),
                "last_at": self.last_at.isoformat() if self.last_at else None,
                "late_s": self.late_s, "running_late": self.running_late,
                "next_job_id": self.next_job_id}


@dataclass(frozen=True)
class DayProgress:
    """Every courier's progress on a plan's day.

    Parameters
    ----------
    plan_date
        The day.
    couriers
        One entry per route with stops, in plan order.
    now_s
        The clock the lateness was judged at (None: from the reports only).
    """

    plan_date: str | None
    couriers: tuple[CourierProgress, ...]
    now_s: int | None = None

    @property
    def totals(self) -> tuple[int, int, int]:
        """``(done, failed, left)`` stops over every courier."""
        return (sum(c.done for c in self.couriers), sum(c.failed for c in self.couriers),
                sum(c.left for c in self.couriers))

    @property
    def late(self) -> tuple[CourierProgress, ...]:
        """Couriers running late."""
        return tuple(c for c in self.couriers if c.running_late)


def _stop_outcomes(plan: Plan, outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Outcome]:
    """Return the report that counts for each stop of this plan's day."""
    wanted = [o for o in outcomes if plan.plan_date is None
              or o.plan_date.isoformat() == plan.plan_date]
    return latest_by_stop(wanted)


def day_progress(plan: Plan, outcomes: Iterable[Outcome], *,
                 now: dt.datetime | None = None) -> DayProgress:
    """Each courier's progress on ``plan`` from the reported outcomes.

    Parameters
    ----------
    plan
        The plan being driven (the latest version: a re-plan keeps the done stops first).
    outcomes
        The day's reports (any plan version; the last per stop counts).
    now
        The current time (timezone-aware), to flag couriers whose next stop is overdue;
        None judges lateness from the reports only.
    """
    latest = _stop_outcomes(plan, outcomes)
    now_s = clock_s(now) if now is not None else None
    out: list[CourierProgress] = []
    for route in plan.routes:
        stops = route.job_stops
        if not stops:
            continue
        done = failed = 0
        reasons: dict[str, int] = {}
        last: Outcome | None = None
        late_s = 0
        next_job: str | None = None
        for s in stops:
            o = latest.get((str(s.job_id), s.kind))
            if o is None:
                if next_job is None:
                    next_job = s.job_id
                    if now_s is not None:
                        late_s = max(late_s, now_s - s.arrival_s)
                continue
            if o.status == "done":
                done += 1
            else:
                failed += 1
                reasons[str(o.reason)] = reasons.get(str(o.reason), 0) + 1
            if last is None or o.at >= last.at:
                last = o
                late_s = max(0, clock_s(o.at) - s.departure_s)
        out.append(CourierProgress(route.courier_id, len(stops), done, failed,
                                   len(stops) - done - failed, reasons,
                                   last.at if last else None, max(0, late_s), next_job))
    return DayProgress(plan.plan_date, tuple(out), now_s)


@dataclass(frozen=True)
class ReplanInputs:
    """What re-planning the rest of the day from the reports needs.

    Parameters
    ----------
    now_s
        Re-plan from this clock time.
    done
        ``(job_id, role)`` → True (reported done) or False, for every planned stop
        (``routing.replan.replan``'s ``done``).
    cancelled
        Jobs with a failed stop: out of today's plan, carried to the next working day.
    positions
        Courier → ``(lon, lat)`` of their phone's last reported position.
    """

    now_s: int
    done: Mapping[tuple[str, str], bool]
    cancelled: tuple[str, ...]
    positions: Mapping[str, tuple[float, float]]


def replan_inputs(plan: Plan, problem: PlanningProblem, outcomes: Iterable[Outcome], *,
                  now: dt.datetime) -> ReplanInputs:
    """Turn the reports into :func:`routing.replan.replan`'s inputs (see the module docstring).

    Parameters
    ----------
    plan
        The plan being driven.
    problem
        The day's problem (``routing.problem_io.problem_of(plan)``).
    outcomes
        The day's reports.
    now
        The current time (timezone-aware).
    """
    from routing.replan import stop_role

    latest = _stop_outcomes(plan, outcomes)
    done: dict[tuple[str, str], bool] = {}
    cancelled: list[str] = []
    positions: dict[str, tuple[float, float]] = {}
    last_at: dict[str, dt.datetime] = {}
    for route in plan.routes:
        for s in route.job_stops:
            if s.job_id is None or s.job_id not in problem.jobs:
                continue
            o = latest.get((s.job_id, s.kind))
            done[(s.job_id, stop_role(problem, s))] = o is not None and o.status == "done"
            if o is not None and o.status == "failed" and s.job_id not in cancelled:
                cancelled.append(s.job_id)
            if o is not None and o.has_position and (
                    route.courier_id not in last_at or o.at >= last_at[route.courier_id]):
                assert o.lon is not None and o.lat is not None
                positions[route.courier_id] = (float(o.lon), float(o.lat))
                last_at[route.courier_id] = o.at
    # a delivery reported done implies its pickup (the phone may have missed that tap)
    for (job_id, role), is_done in list(done.items()):
        if role == "delivery" and is_done and (job_id, "pickup") in done:
            done[(job_id, "pickup")] = True
    # a pair whose pickup failed is cancelled whole; its delivery cannot be done today
    return ReplanInputs(clock_s(now), done, tuple(cancelled), positions)


__all__ = [
    "LATE_AFTER_S",
    "CourierProgress",
    "DayProgress",
    "ReplanInputs",
    "clock_s",
    "day_progress",
    "replan_inputs",
]
