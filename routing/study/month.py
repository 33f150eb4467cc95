"""A simulated month through the whole working-day loop, with its own ground truth.

For each working day of one post office (the study's demand, calendar and failure draws:
:mod:`routing.study.demand`, :func:`routing.study.tasks.draw_failures`):

1. the couriers on duty come from the roster (:func:`data.roster.on_duty`);
2. the day's list is the jobs carried to that day *from the store*
   (:func:`routing.dayloop.carried_for`) followed by the day's new jobs
   (:func:`routing.carryover.day_list`);
3. the list is planned (:func:`routing.study.tasks.plan_office_day`) and the plan saved as
   the office's dispatcher;
4. each courier "reports" every stop of their route through
   :func:`data.outcomes.record_outcome` as their own account — done, or failed with the
   drawn reason (a pair fails at its first stop) — some reports sent twice, as a phone
   does when an answer is lost;
5. the day is closed (:func:`routing.dayloop.close_stored_day`): what is left goes to the
   next working day's list with its history.

Beside the loop, the runner keeps its own ledger (:class:`MonthRun`) of what it simulated —
which job was done or failed on which day and why, every route's km and hours — so a report
built from the store can be compared with it figure by figure. Everything is labelled
simulated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from data.calendar import WorkCalendar
from data.errors import InputError
from data.outcomes import VN_TZ, Outcome, record_outcome
from routing.carryover import day_list
from routing.study.scenario import derive_seed
from routing.study.tasks import DayTask, draw_failures, plan_office_day

if TYPE_CHECKING:
    from data.access import Account
    from data.store import Store
    from routing.dayloop import StoredClose
    from routing.study.demand import Demand


@dataclass
class JobTruth:
    """What the simulation did with one job.

    Parameters
    ----------
    job_id, kind, commune_code
        The job and its citizen's pre-2025 commune ("" for transfers between offices).
    received, due
        The day it came in, its appointment date (or None).
    days
        Every day it was on the list: ``(day, outcome, reason, courier_id)`` with outcome
        ``done``, ``failed`` or ``unserved`` (courier "" when on no route).
    """

    job_id: str
    kind: str
    commune_code: str
    received: dt.date
    due: dt.date | None
    days: list[tuple[dt.date, str, str, str]] = field(default_factory=list)

    @property
    def done_on(self) -> dt.date | None:
        """The day it was done, or None."""
        return next((d for d, outcome, _, _c in self.days if outcome == "done"), None)


@dataclass(frozen=True)
class RouteTruth:
    """One route driven: its day, courier, office, planned km and hours."""

    day: dt.date
    courier_id: str
    office_id: str
    length_m: float
    duration_s: int


@dataclass
class MonthRun:
    """The month's ground truth and what the store said at each close.

    Parameters
    ----------
    office_id
        The post office.
    days
        The working days run.
    jobs
        Every job created, by id.
    routes
        Every route with stops.
    closes
        What each day's close stored.
    reports_sent, reports_repeated
        Stop reports sent, and how many were sent a second time (answered "already
        stored").
    absent
        Day → couriers absent (roster), with why.
    """

    office_id: str
    days: list[dt.date] = field(default_factory=list)
    jobs: dict[str, JobTruth] = field(default_factory=dict)
    routes: list[RouteTruth] = field(default_factory=list)
    closes: list[StoredClose] = field(default_factory=list)
    reports_sent: int = 0
    reports_repeated: int = 0
    absent: dict[dt.date, list[str]] = field(default_factory=dict)

    @property
    def left_at_end(self) -> tuple[str, ...]:
        """Jobs still open after the last close (carried to the day after the month)."""
        return tuple(p.job_id for p in self.closes[-1].closed.close.left) if self.closes \
            else ()


def _stop_time(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), VN_TZ) + dt.timedelta(seconds=int(seconds))


def run_month(store: Store, demand: Demand, *, office_id: str, days: Sequence[dt.date],
              roster: pd.DataFrame, registry: pd.DataFrame, G: Any,
              dispatcher: Account, couriers: Mapping[str, Account], fail_rate: float,
              seed: int, seconds: float = 20.0, iterations: int | None = 200,
              profile: str = "motorbike", calendar: WorkCalendar | None = None,
              resend_every: int = 7) -> MonthRun:
    """Run the office's working days through the loop (see the module docstring).

    Parameters
    ----------
    store
        The store the loop keeps its plans, reports, carried jobs and summaries in.
    demand
        Simulated jobs per office and day (:func:`routing.study.simulate_demand`).
    office_id
        The post office.
    days
        Its working days, in order.
    roster
        The courier roster (``data.roster``); the couriers on duty each day plan it.
    registry
        The office registry.
    G
        The road graph.
    dispatcher
        The office's dispatcher account (plans, closes).
    couriers
        ``courier_id`` → the courier's account (reports).
    fail_rate
        Chance a visited job fails (:func:`routing.study.tasks.draw_failures`).
    seed
        Seeds the solver and the failure draws.
    seconds, iterations
        Solver budget per day (with an iteration budget each day is reproducible).
    profile
        Couriers' vehicle.
    calendar
        Holidays and exceptions.
    resend_every
        Every n-th report is sent twice (0: never).

    Raises
    ------
    InputError
        The store's close disagrees with the ledger (a bug: nothing is hidden).
    """
    from data.roster import on_duty
    from routing.dayloop import carried_for, close_stored_day
    from routing.workday import couriers_from_roster

    run = MonthRun(office_id)
    fail_seed = derive_seed(seed, "fail")
    for day in days:
        run.days.append(day)
        duty = on_duty(roster, day, offices=registry, calendar=calendar)
        run.absent[day] = [f"{r['courier_id']}: {r['why_en']}"
                           for r in duty.absent.to_dict("records")]
        crew = couriers_from_roster(duty.on_duty, profile=profile)
        new = demand.new_jobs(office_id, day)
        for job in new:
            visit = next((v for _, v in job.visits if v.office_id is None), None)
            run.jobs[job.job_id] = JobTruth(
                job.job_id, job.kind, str(visit.commune_code or "") if visit else "", day,
                dt.date.fromisoformat(job.due_date) if job.due_date else None)
        carried = carried_for(store, actor=dispatcher, day=day, offices=[office_id])
        today = day_list(carried, new, day)
        task = DayTask(office_id=office_id, couriers=len(crew), day=day, block=0, index=0,
                       offices=demand.offices[office_id], new_jobs=tuple(new),
                       calendar=calendar, seconds=seconds, iterations=iterations,
                       seed=derive_seed(seed, "solve", office_id, day.toordinal()),
                       profile=profile, capacity=40, regular_work_s=8 * 3600,
                       fail_rate=fail_rate, fail_seed=fail_seed)
        planned = plan_office_day(task, today, G, crew=crew)
        if planned.plan is None:
            raise InputError(f"{day}: nothing was planned ({len(today)} jobs listed); the "
                             "simulated month needs an open office and jobs every day")
        plan = dataclasses.replace(planned.plan, routes=tuple(
            dataclasses.replace(r, courier_name=next((c.name for c in crew
                                                      if c.courier_id == r.courier_id), ""))
            for r in planned.plan.routes))
        saved = store.save_plan(plan, name=f"{office_id} {day.isoformat()}", actor=dispatcher)
        served = [j for r in plan.routes for j in r.job_ids]
        failed = draw_failures(served, day, fail_rate, fail_seed)
        for r in plan.routes:
            if not r.job_stops:
                continue
            run.routes.append(RouteTruth(day, r.courier_id, r.office_id, float(r.length_m),
                                         int(r.duration_s)))
            reported: set[str] = set()
            for s in r.job_stops:
                jid = str(s.job_id)
                if jid in failed and jid in reported:
                    continue  # the job failed at its first stop: its other one never happens
                reported.add(jid)
                o = Outcome(outcome_id=str(_uuid(seed, jid, s.kind, day)),
                            plan_id=saved.id, plan_version=saved.version, plan_date=day,
                            courier_id=r.courier_id, job_id=jid, role=s.kind,
                            status="failed" if jid in failed else "done",
                            reason=failed.get(jid),
                            at=_stop_time(day, s.arrival_s if jid in failed else s.departure_s),
                            lat=s.lat, lon=s.lon, accuracy_m=10.0 if s.lat is not None else None,
                            provenance="simulated")
                account = couriers[r.courier_id]
                record_outcome(store, o, actor=account)
                run.reports_sent += 1
                if resend_every and run.reports_sent % resend_every == 0:
                    _again, created = record_outcome(store, o, actor=account)
                    if created:
                        raise InputError(f"report {o.outcome_id} was stored twice")
                    run.reports_repeated += 1
        courier_of = {j: r.courier_id for r in plan.routes for j in r.job_ids}
        for p in today:
            truth = run.jobs[p.job_id]
            who = courier_of.get(p.job_id, "")
            if p.job_id in failed:
                truth.days.append((day, "failed", failed[p.job_id], who))
            elif p.job_id in served:
                truth.days.append((day, "done", "", who))
            else:
                truth.days.append((day, "unserved", planned.unserved.get(p.job_id,
                                                                          "not_planned"), who))
        stored_close = close_stored_day(store, plan, saved.id, actor=dispatcher,
                                        registry=registry, calendar=calendar)
        close = stored_close.closed.close
        expect_done = {j for j in served if j not in failed}
        if {d.job_id for d in close.done} != expect_done or \
                {p.job_id for p in close.left} != {p.job_id for p in today} - expect_done:
            raise InputError(f"{day}: the stored close disagrees with what was simulated")
        run.closes.append(stored_close)
    return run


def _uuid(seed: int, job_id: str, role: str, day: dt.date) -> uuid.UUID:
    """Return a reproducible report id (a phone makes a random one; a simulation must not)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"postplan:month/{seed}/{job_id}/{role}/{day}")


__all__ = ["JobTruth", "MonthRun", "RouteTruth", "run_month"]
