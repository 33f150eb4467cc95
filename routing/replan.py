"""Re-planning a day in progress: keep what is done, start from where couriers are now.

:func:`replan` takes the plan being driven, the problem it was made from (default: the one
the plan carries) and the clock time, and returns a new :class:`~routing.result.Plan` (the
same type as a fresh plan):

- every stop whose service ended by ``now_s`` is *done* and kept as is (``status="done"``),
  unless ``done`` says otherwise for that stop (a dispatcher's report);
- a pair whose pickup is done but whose delivery is not is *carried*: only its delivery
  remains, and only the courier carrying it may make it;
- each courier starts again from its current position (given, or its last done stop) at
  ``now_s``, with its remaining working time;
- new jobs are inserted, cancelled jobs removed, jobs left out before are tried again;
- a *locked* courier keeps its remaining stops in the same order and times; its jobs are
  not touched.

Matrices are rebuilt for the new places through ``matrix_fn`` (e.g.
``lambda p: routing.adapter.network_matrices(p, G)[:2]`` on a road graph, or a Euclidean
function in tests). The new plan carries the day's problem (the original one, with new
jobs added and cancelled ones removed) and ``replanned_at_s``, so it can be edited by hand
(:mod:`routing.edit`) and re-planned again.

When the solver is stopped at its hard deadline without any plan,
:class:`~data.errors.SolverError` propagates: the caller keeps the plan it had.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from data.budget import Clock
from data.errors import InputError, Problem
from routing.assemble import LegPath
from routing.model import Job, PlanningProblem
from routing.problem_io import problem_of, problem_to_dict
from routing.result import CourierRoute, Plan, PlannedStop
from routing.result import clock as clock_text
from routing.solve import solve_matrix

MatrixFn = Callable[[PlanningProblem], tuple[np.ndarray, np.ndarray]]
#: (job_id, role) with role ``pickup`` or ``delivery``.
StopKey = tuple[str, str]


def stop_role(problem: PlanningProblem, stop: PlannedStop) -> str:
    """Return which of its job's stops a planned stop is (``pickup`` or ``delivery``)."""
    if stop.kind in ("pickup", "delivery"):
        return stop.kind
    assert stop.job_id is not None
    return "delivery" if problem.jobs[stop.job_id].pickup is None else "pickup"


@dataclasses.dataclass(frozen=True)
class Remaining:
    """The rest of a day: what is done, and the problem still to solve.

    Parameters
    ----------
    problem
        Couriers at their current positions with their remaining time, the jobs (or the
        parts of them) still to do.
    done
        Courier → the stops already done, in route order.
    done_by
        ``(job_id, role)`` of every done stop → the courier who did it.
    locked
        Couriers whose remaining route is kept.
    """

    problem: PlanningProblem
    done: dict[str, list[PlannedStop]]
    done_by: dict[StopKey, str]
    locked: frozenset[str]


def remaining(plan: Plan, problem: PlanningProblem, *, now_s: int,
              new_jobs: Iterable[Job] = (), cancelled: Iterable[str] = (),
              positions: Mapping[str, tuple[float, float]] | None = None,
              locked: Iterable[str] = (), done: Mapping[StopKey, bool] | None = None
              ) -> Remaining:
    """Split a plan at ``now_s`` into what is done and the problem still to solve.

    Parameters are those of :func:`replan`.

    Raises
    ------
    InputError
        Listing every unknown courier, job or stop, and every delivery marked done whose
        pickup is not.
    """
    positions = dict(positions or {})
    locked_ids = frozenset(locked)
    cancel = set(cancelled)
    overrides = dict(done or {})
    new_jobs = list(new_jobs)
    problems = [Problem(f"locked courier {c!r} is unknown; use a courier id of the plan",
                        column="locked", value=c,
                        message_vi=f"không có bưu tá {c!r} để giữ tuyến; dùng mã bưu tá "
                                   "của kế hoạch") for c in sorted(locked_ids)
                if c not in problem.couriers]
    problems += [Problem(f"position given for unknown courier {c!r}", column="courier_id",
                         value=c, message_vi=f"vị trí cho bưu tá không có: {c!r}")
                 for c in sorted(positions) if c not in problem.couriers]
    known = set(problem.jobs) | {j.job_id for j in new_jobs}
    problems += [Problem(f"cancelled job {j!r} is unknown", column="job_id", value=j,
                         message_vi=f"không có việc {j!r} để hủy")
                 for j in sorted(cancel) if j not in known]
    in_plan = {(s.job_id, stop_role(problem, s)) for r in plan.routes for s in r.job_stops
               if s.job_id is not None and s.job_id in problem.jobs}
    problems += [Problem(f"stop {j} ({role}) is not in the plan; give a job id and role of "
                         "a planned stop", column="job_id", value=j,
                         message_vi=f"điểm {j} ({role}) không có trong kế hoạch")
                 for j, role in sorted(overrides) if (j, role) not in in_plan]
    routes = {r.courier_id: r for r in plan.routes}
    done_stops: dict[str, list[PlannedStop]] = {}
    done_by: dict[StopKey, str] = {}
    for r in plan.routes:
        kept = []
        for s in r.job_stops:
            if s.job_id is None or s.job_id not in problem.jobs:
                continue
            key = (s.job_id, stop_role(problem, s))
            is_done = overrides.get(key, s.status == "done" or s.departure_s <= now_s)
            if is_done:
                kept.append(s)
                done_by[key] = r.courier_id
        done_stops[r.courier_id] = kept
    for job_id, role in sorted(done_by):
        job = problem.jobs[job_id]
        if role == "delivery" and job.is_pair and (job_id, "pickup") not in done_by:
            problems.append(Problem(f"job {job_id}: its delivery is marked done but its "
                                    "pickup is not; mark both done, or neither",
                                    column="status", value=job_id,
                                    message_vi=f"việc {job_id}: điểm giao đã xong nhưng điểm "
                                               "nhận chưa; đánh dấu cả hai là xong, hoặc cả "
                                               "hai là chưa"))
    if problems:
        raise InputError(problems, summary="Cannot re-plan")

    new = PlanningProblem(problem.settings, provenance=problem.provenance)
    new.add_offices(problem.offices.values())
    for cid, c in problem.couriers.items():
        if cid in locked_ids and cid in routes:
            continue
        route = routes.get(cid)
        last = done_stops[cid][-1] if route is not None and done_stops.get(cid) else None
        shift = problem.shift_of(c)
        start_s = max(now_s, shift[0], last.departure_s if last else 0)
        pos = positions.get(cid)
        if pos is None and last is not None and last.lon is not None and last.lat is not None:
            pos = (last.lon, last.lat)
        max_work = c.max_work_s if c.max_work_s is not None else shift[1] - shift[0]
        if route is not None and last is not None:
            max_work = max(0, max_work - (start_s - route.start_s))
        new.add_courier(dataclasses.replace(
            c, start_lon=pos[0] if pos else c.start_lon, start_lat=pos[1] if pos else c.start_lat,
            start_s=start_s, max_work_s=max_work))
    locked_jobs = {s.job_id for cid in locked_ids if cid in routes
                   for s in routes[cid].job_stops}
    for job in [*problem.jobs.values(), *new_jobs]:
        if job.job_id in cancel or job.job_id in locked_jobs:
            continue
        roles = [role for role, _ in job.visits]
        done_here = [role for role in roles if (job.job_id, role) in done_by]
        if len(done_here) == len(roles):
            continue
        if job.is_pair and done_here == ["pickup"]:
            carrier = done_by[(job.job_id, "pickup")]
            if carrier in locked_ids:
                continue
            new.add_job(dataclasses.replace(job, pickup=None, carried_by=carrier,
                                            required=False))
        else:
            new.add_job(job)
    return Remaining(new, done_stops, done_by, locked_ids)


def replan(plan: Plan, problem: PlanningProblem | None = None, *, now_s: int,
           matrix_fn: MatrixFn, new_jobs: Iterable[Job] = (), cancelled: Iterable[str] = (),
           positions: Mapping[str, tuple[float, float]] | None = None,
           locked: Iterable[str] = (), seconds: float | None = None, seed: int | None = None,
           iterations: int | None = None, done: Mapping[StopKey, bool] | None = None,
           leg_path_fn: Callable[[PlanningProblem], LegPath] | None = None,
           network_kind: str | None = None, network_profile: str | None = None,
           clock: Clock | None = None) -> Plan:
    """Re-plan the rest of a day (see the module docstring).

    Parameters
    ----------
    plan
        The plan being driven.
    problem
        The problem it was made from; default: the one the plan carries
        (:func:`routing.problem_io.problem_of`).
    now_s
        Clock time (seconds since midnight).
    matrix_fn
        Builds ``(time_s, length_m)`` over a problem's ``places()``.
    new_jobs
        Jobs that came in since.
    cancelled
        Ids of jobs to drop (if not done).
    positions
        Courier id → ``(lon, lat)`` where the courier is now; default: its last done
        stop (or its start office when nothing is done yet).
    locked
        Couriers whose remaining route is kept unchanged.
    seconds, seed, iterations
        Solver budget, seed and iteration budget (default: the problem's).
    done
        ``(job_id, role)`` → True (done) or False (not done), overriding "served before
        ``now_s``" for those stops.
    leg_path_fn
        Builds a ``leg_path`` callback for the new problem (route geometry).
    network_kind
        Recorded in the new plan (default: the old plan's).
    network_profile
        The road network's profile (default: the one the plan's problem records).
    clock
        The action's :class:`~data.budget.Clock`: phase ``matrix`` here, the solver's in
        :func:`~routing.solve.solve_matrix`, which gets what its limit leaves (and stops
        when its progress is cancelled).

    Returns
    -------
    Plan
        Done stops first (``status="done"``), then the new plan; locked routes unchanged.

    Raises
    ------
    InputError
        When a locked or positioned courier, a cancelled job or a stop in ``done`` is
        unknown, a delivery is done before its pickup, or the plan carries no problem.
    SolverError
        When the solver stopped at its hard deadline without any plan.
    CancelledError
        When the clock's progress was cancelled.
    """
    if problem is None:
        problem, stored_profile = problem_of(plan)
        network_profile = network_profile or stored_profile
    elif network_profile is None and plan.problem is not None:
        network_profile = plan.problem.get("network_profile")
    new_jobs = list(new_jobs)
    cancel = set(cancelled)
    rest = remaining(plan, problem, now_s=now_s, new_jobs=new_jobs, cancelled=cancel,
                     positions=positions, locked=locked, done=done)
    clock = clock if clock is not None else Clock()
    with clock.phase("matrix"):
        t, d = matrix_fn(rest.problem)
        leg = leg_path_fn(rest.problem) if leg_path_fn else None
    fresh = solve_matrix(rest.problem, t, d, seconds=seconds, seed=seed, iterations=iterations,
                         network_kind=network_kind or plan.network_kind, leg_path=leg,
                         clock=clock)
    done_jobs = {j for j, _ in rest.done_by}
    day = PlanningProblem(problem.settings, provenance=problem.provenance,
                          offices=dict(problem.offices), couriers=dict(problem.couriers))
    for job in [*problem.jobs.values(), *new_jobs]:
        if job.job_id not in cancel or job.job_id in done_jobs:
            day.add_job(job)
    if fresh.problem is not None:
        # the budgets the re-plan was solved with, on the day's problem it carries
        day.settings = dataclasses.replace(
            day.settings, seconds=fresh.seconds, seed=fresh.seed, iterations=fresh.iterations)
    total = len(day.jobs)
    merged = _merge(plan, fresh, rest, now_s, total, day)
    return dataclasses.replace(merged, replanned_at_s=int(now_s),
                               problem=problem_to_dict(day, network_profile=network_profile))


def _normalise(day: PlanningProblem, stop: PlannedStop) -> PlannedStop:
    """Give a re-planned stop the day problem's place and kind (a carried job is a pair)."""
    if stop.job_id is None or stop.job_id not in day.jobs:
        return stop
    job = day.jobs[stop.job_id]
    role = stop.kind if stop.kind in ("pickup", "delivery") else (
        "pickup" if job.pickup is not None and stop.amount > 0 else "delivery")
    kind = role if job.is_pair else stop.kind
    place = day.place_of(job, role)
    return dataclasses.replace(stop, kind=kind, place_id=place)


def _merge(old: Plan, fresh: Plan, rest: Remaining, now_s: int, jobs_total: int,
           day: PlanningProblem) -> Plan:
    out: list[CourierRoute] = []
    routes = {r.courier_id: r for r in old.routes}
    fresh_routes = {r.courier_id: r for r in fresh.routes}
    order = [r.courier_id for r in old.routes] + [
        r.courier_id for r in fresh.routes if r.courier_id not in routes]
    for cid in order:
        old_r = routes.get(cid)
        if cid in rest.locked and old_r is not None:
            stops = tuple(dataclasses.replace(s, status="done") if s.departure_s <= now_s
                          and s.kind not in ("start", "end") else s for s in old_r.stops)
            out.append(dataclasses.replace(old_r, stops=stops, locked=True))
            continue
        kept = list(rest.done.get(cid, ()))
        new_r = fresh_routes.get(cid)
        if old_r is None and new_r is None:
            continue
        if not kept and new_r is not None:
            stops = (new_r.stops[0], *(_normalise(day, s) for s in new_r.stops[1:]))
            out.append(dataclasses.replace(new_r, stops=stops))
            continue
        if not kept:
            continue
        assert old_r is not None
        head = [old_r.stops[0], *[dataclasses.replace(s, status="done") for s in kept]]
        prefix = list(old_r.job_stops[:len(kept)]) == kept
        geometry: list[tuple[tuple[float, float], ...]] = (
            list(old_r.geometry[:len(kept)]) if old_r.geometry and prefix else [])
        if new_r is None:
            # nothing left to do: back to the office from the last done stop
            tail = [dataclasses.replace(old_r.stops[-1])]
            geometry += list(old_r.geometry[-1:]) if geometry else []
        else:
            tail = [_normalise(day, s) for s in new_r.stops[1:]]
            geometry += list(new_r.geometry) if geometry else []
        stops_t = tuple(dataclasses.replace(s, sequence=k)
                        for k, s in enumerate(head + tail))
        if len(geometry) != len(stops_t) - 1:
            geometry = []
        out.append(dataclasses.replace(old_r, stops=stops_t, geometry=tuple(geometry),
                                       locked=False))
    return dataclasses.replace(
        fresh, routes=tuple(out), jobs_total=jobs_total,
        couriers_total=old.couriers_total,
        notes=(*fresh.notes, f"re-planned at {clock_text(now_s)}: "
               f"{sum(len(k) for k in rest.done.values())} stop(s) done kept, "
               f"{len(rest.locked)} route(s) locked"))


__all__ = ["MatrixFn", "Remaining", "StopKey", "remaining", "replan", "stop_role"]
