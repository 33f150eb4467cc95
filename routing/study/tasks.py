"""A study's tasks: pure functions of (inputs, seed) that a Dask worker runs.

Fleet study
    :func:`run_office_day` plans one post office's working day with a given number of
    couriers: yesterday's :class:`DayResult` carries the backlog in
    (:func:`routing.carryover.day_list`), the day goes through
    :func:`routing.workday.working_day` (calendar, closed offices) and
    :func:`routing.adapter.plan_day` on the road graph, simulated failures are drawn per
    job and day, and :func:`routing.carryover.close_day` says what is done and what goes
    to the next working day.
Siting sweep
    :func:`solve_siting_case` solves one (k, cutoff) case of a profile's siting problem.

Same inputs, same result: the seeds are derived from what a task is (office, day, job),
never from the process or the clock, and with an iteration budget the solver stops at
the same iteration on any worker (``stopped_by == "iterations"``). Wall times are
measured beside the results (:class:`DayResult` ``seconds``), not inside them.

PyVRP runs in a child process (:mod:`routing.runner`), so the worker process must be
allowed children: Dask's nanny starts workers as daemonic processes by default, which
cannot have any. :mod:`routing.study.engine` starts workers with
``distributed.worker.daemon = False`` and refuses a cluster whose workers are daemonic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data.calendar import WorkCalendar, office_day
from routing.carryover import DayClose, PendingJob, close_day, day_list
from routing.model import Job, PlanSettings
from routing.study.scenario import SIMULATED_FAILURES, derive_seed

_ENGINES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_ENGINES_LOCK = threading.Lock()


def engine_for(G: Any) -> Any:
    """Return a travel engine on ``G``, built once per graph object in this process.

    A Dask worker holds one copy of the scattered graph, so every task it runs reuses
    one engine (one thread: the worker's other cores belong to other workers).
    """
    from geo.matrix import TravelEngine

    with _ENGINES_LOCK:
        engine = _ENGINES.get(G)
        if engine is None:
            engine = TravelEngine(G, threads=1)
            _ENGINES[G] = engine
        return engine


@dataclass(frozen=True)
class DayTask:
    """One post office's working day with a given number of couriers.

    Parameters
    ----------
    office_id
        The post office (its couriers start and end there).
    couriers
        Couriers on duty.
    day, block, index
        The working day, its block and its position in the block.
    offices
        Registry rows the day needs (the post office first), as plain dicts.
    new_jobs
        Jobs received that day in the office's area.
    calendar
        Holidays and exceptions (None: Vietnam's public holidays).
    seconds, iterations, seed
        Solver time cap, iteration budget and seed.
    profile, capacity
        Couriers' vehicle and load.
    regular_work_s
        Normal working time; a route's time beyond it is overtime.
    fail_rate, fail_seed
        Chance that a visited stop fails, and the seed its draws derive from.
    """

    office_id: str
    couriers: int
    day: dt.date
    block: int
    index: int
    offices: tuple[dict[str, Any], ...]
    new_jobs: tuple[Job, ...]
    calendar: WorkCalendar | None
    seconds: float
    iterations: int | None
    seed: int
    profile: str
    capacity: int
    regular_work_s: int
    fail_rate: float
    fail_seed: int


@dataclass(frozen=True)
class DayMetrics:
    """What one office-day produced (every figure simulated).

    ``listed`` = ``carried`` + ``new``; every listed job ends ``done`` or ``left``
    (``failed`` and ``unserved`` are the left ones by cause). ``on_time`` / ``late`` split
    the done jobs that had an appointment date; ``late_left`` are left jobs already past
    theirs; ``overdue_carried`` are carried jobs that came in already late.
    """

    office_id: str
    couriers: int
    block: int
    index: int
    day: dt.date
    listed: int
    new: int
    carried: int
    done: int
    on_time: int
    late: int
    failed: int
    unserved: int
    left: int
    late_left: int
    flagged: int
    length_m: float
    work_s: int
    overtime_s: int
    routes: int
    stopped_by: str
    iterations_done: int

    def to_dict(self) -> dict[str, Any]:
        """Return the metrics as JSON-ready values (date ISO)."""
        out = dataclasses.asdict(self)
        out["day"] = self.day.isoformat()
        out["length_m"] = round(self.length_m, 1)
        return out


@dataclass(frozen=True)
class DayResult:
    """A task's result: the day's metrics, the backlog for the next day, and wall times.

    ``seconds`` (the whole task) and ``solve_s`` (the solver) are measurements, not
    results: :meth:`same_as` compares everything else.
    """

    metrics: DayMetrics
    left: tuple[PendingJob, ...]
    seconds: float = dataclasses.field(default=0.0, compare=False)
    solve_s: float = dataclasses.field(default=0.0, compare=False)


def draw_failures(served: list[str], day: dt.date, rate: float, seed: int) -> dict[str, str]:
    """Draw which served jobs fail (a draw per job and day, independent of the others).

    The one simulated-failure rule: the study and the simulated month
    (:mod:`routing.study.month`) both call it.
    """
    out: dict[str, str] = {}
    if rate <= 0:
        return out
    for jid in sorted(served):
        rng = np.random.default_rng(derive_seed(seed, jid, day.toordinal()))
        if rng.random() < rate:
            out[jid] = SIMULATED_FAILURES[int(rng.integers(len(SIMULATED_FAILURES)))]
    return out


_failures = draw_failures  # the name the study's tests know


@dataclass(frozen=True)
class OfficeDayPlan:
    """What planning one office-day gave.

    Parameters
    ----------
    plan
        The plan (None when the office is closed or the list is empty).
    unserved
        ``job_id`` → why the plan does not serve it (``office_closed``, the solver's code).
    solve_s
        Solver wall time (a measurement).
    """

    plan: Any
    unserved: dict[str, str]
    solve_s: float = dataclasses.field(default=0.0, compare=False)


def plan_office_day(task: DayTask, today: tuple[PendingJob, ...], G: Any, *,
                    crew: list[Any] | None = None) -> OfficeDayPlan:
    """Plan one office's day list (calendar, closed offices, solver) — no failures drawn.

    Parameters
    ----------
    task
        The office-day (offices, calendar, solver budget, couriers by count).
    today
        The day's list (:func:`routing.carryover.day_list`).
    G
        The road graph.
    crew
        The couriers on duty (default ``task.couriers`` couriers by count).
    """
    from routing.adapter import plan_day
    from routing.workday import couriers_by_count, working_day

    post = {str(k): v for k, v in task.offices[0].items()}
    if office_day(post, task.day, task.calendar).closed:
        return OfficeDayPlan(None, {p.job_id: "office_closed" for p in today})
    if not today:
        return OfficeDayPlan(None, {})
    if crew is None:
        crew = couriers_by_count([task.office_id], task.couriers, profile=task.profile,
                                 capacity=task.capacity)
    settings = PlanSettings(seconds=task.seconds, seed=task.seed,
                            iterations=task.iterations, plan_date=task.day.isoformat())
    wd = working_day(pd.DataFrame(list(task.offices)), [p.job for p in today], crew,
                     task.day, plan_settings=settings, calendar=task.calendar,
                     provenance="simulated")
    unserved = {u.job_id: u.code for u in wd.left_out}
    p = wd.problem
    if not p.jobs:
        return OfficeDayPlan(None, unserved)
    plan = plan_day(list(p.jobs.values()), list(p.couriers.values()),
                    list(p.offices.values()), G, plan_settings=p.settings,
                    provenance="simulated", engine=engine_for(G), geometry=False)
    plan = wd.complete(plan)
    unserved.update({u.job_id: u.code for u in plan.unassigned})
    return OfficeDayPlan(plan, unserved, plan.solve_time_s)


def run_office_day(task: DayTask, previous: DayResult | None, G: Any) -> DayResult:
    """Plan one office-day and carry what is left to the next (a pure task).

    Parameters
    ----------
    task
        What to plan.
    previous
        The same office's previous working day in the block (its ``left`` is carried), or
        None on a block's first day.
    G
        The road graph (``geo.network``), the same object for every task on a worker.

    Returns
    -------
    DayResult
    """
    t0 = time.perf_counter()
    carried = previous.left if previous is not None else ()
    today = day_list(carried, task.new_jobs, task.day)
    served: list[str] = []
    length_m, work_s, overtime_s, routes, stopped_by, iters = 0.0, 0, 0, 0, "", 0
    planned = plan_office_day(task, today, G)
    unserved = dict(planned.unserved)
    plan = planned.plan
    if plan is not None:
        used = [r for r in plan.routes if r.job_ids]
        served = [j for r in used for j in r.job_ids]
        length_m = float(sum(r.length_m for r in used))
        work_s = int(sum(r.duration_s for r in used))
        overtime_s = int(sum(max(0, r.duration_s - task.regular_work_s) for r in used))
        routes, stopped_by, iters = len(used), plan.stopped_by, plan.iterations_done
    failed = draw_failures(served, task.day, task.fail_rate, task.fail_seed)
    close: DayClose = close_day(today, task.day, served=served, failed=failed,
                                unserved=unserved)
    with_due = [d for d in close.done if d.due is not None]
    metrics = DayMetrics(
        office_id=task.office_id, couriers=task.couriers, block=task.block, index=task.index,
        day=task.day, listed=len(today), new=len(task.new_jobs), carried=len(carried),
        done=len(close.done), on_time=sum(1 for d in with_due if d.on_time),
        late=sum(1 for d in with_due if not d.on_time), failed=len(failed),
        unserved=len(close.left) - len(failed), left=len(close.left),
        late_left=len(close.late_left), flagged=len(close.flagged), length_m=length_m,
        work_s=work_s, overtime_s=overtime_s, routes=routes, stopped_by=stopped_by,
        iterations_done=iters)
    return DayResult(metrics, close.left, seconds=time.perf_counter() - t0,
                     solve_s=planned.solve_s)


@dataclass(frozen=True)
class SitingCase:
    """One case of a siting sweep and what it gave (``seconds`` is a measurement)."""

    profile: str
    cutoff_min: float
    k: int
    chosen: tuple[str, ...]
    share_before: float
    share_after: float
    objective: float
    status: str
    optimal: bool
    gap: float
    seconds: float = dataclasses.field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the case as JSON-ready values."""
        out = dataclasses.asdict(self)
        out["chosen"] = list(self.chosen)
        for key in ("objective", "gap"):
            out[key] = out[key] if np.isfinite(out[key]) else None
        return out


def solve_siting_case(problem: Any, *, profile: str, cutoff_min: float, k: int, model: str,
                      time_limit_s: float) -> SitingCase:
    """Solve one (k, cutoff) case of a profile's ``geo.siting.SitingProblem`` (a pure task)."""
    from geo.siting import solve_siting

    t0 = time.perf_counter()
    case = dataclasses.replace(problem, k=int(k), cutoff_s=float(cutoff_min) * 60.0)
    res = solve_siting(case, model, time_limit_s=time_limit_s)
    return SitingCase(profile=profile, cutoff_min=float(cutoff_min), k=int(k),
                      chosen=tuple(res.chosen), share_before=float(res.before.share_covered),
                      share_after=float(res.after.share_covered),
                      objective=float(res.objective), status=res.status,
                      optimal=bool(res.optimal), gap=float(res.gap),
                      seconds=time.perf_counter() - t0)


__all__ = [
    "DayMetrics",
    "DayResult",
    "DayTask",
    "OfficeDayPlan",
    "SitingCase",
    "draw_failures",
    "engine_for",
    "plan_office_day",
    "run_office_day",
    "solve_siting_case",
]
