"""Re-planning a day in progress: keep what is done, start from where couriers are now.

:func:`replan` takes the plan being driven, the problem it was made from and the clock
time, and returns a new :class:`~routing.result.Plan` (the same type as a fresh plan):

- every stop whose service ended by ``now_s`` is *done* and kept as is (``status="done"``);
- a pair whose pickup is done but whose delivery is not is *carried*: only its delivery
  remains, and only the courier carrying it may make it;
- each courier starts again from its current position (given, or its last done stop) at
  ``now_s``, with its remaining working time;
- new jobs are inserted, cancelled jobs removed, jobs left out before are tried again;
- a *locked* courier keeps its remaining stops in the same order and times; its jobs are
  not touched.

Matrices are rebuilt for the new places through ``matrix_fn`` (e.g.
``lambda p: routing.solve.network_matrices(p, G, metric_crs=...)[:2]`` on a road graph,
or a Euclidean function in tests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from data.errors import InputError
from routing.model import Job, PlanningProblem
from routing.result import CourierRoute, Plan, PlannedStop, clock
from routing.solve import LegPath, solve_matrix

MatrixFn = Callable[[PlanningProblem], tuple[np.ndarray, np.ndarray]]


def replan(plan: Plan, problem: PlanningProblem, *, now_s: int, matrix_fn: MatrixFn,
           new_jobs: Iterable[Job] = (), cancelled: Iterable[str] = (),
           positions: Mapping[str, tuple[float, float]] | None = None,
           locked: Iterable[str] = (), seconds: float | None = None, seed: int | None = None,
           leg_path_fn: Callable[[PlanningProblem], LegPath] | None = None,
           network_kind: str | None = None) -> Plan:
    """Re-plan the rest of a day (see the module docstring).

    Parameters
    ----------
    plan
        The plan being driven.
    problem
        The problem it was made from.
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
    seconds, seed
        Solver budget and seed (default: the problem's).
    leg_path_fn
        Builds a ``leg_path`` callback for the new problem (route geometry).
    network_kind
        Recorded in the new plan (default: the old plan's).

    Returns
    -------
    Plan
        Done stops first (``status="done"``), then the new plan; locked routes unchanged.

    Raises
    ------
    InputError
        When a locked or positioned courier, or a cancelled job, is unknown.
    """
    positions = dict(positions or {})
    locked_ids = set(locked)
    cancel = set(cancelled)
    problems = [f"locked courier {c!r} is unknown" for c in locked_ids
                if c not in problem.couriers]
    problems += [f"position given for unknown courier {c!r}" for c in positions
                 if c not in problem.couriers]
    new_jobs = list(new_jobs)
    known = set(problem.jobs) | {j.job_id for j in new_jobs}
    problems += [f"cancelled job {j!r} is unknown" for j in cancel if j not in known]
    if problems:
        raise InputError("; ".join(problems), summary="Cannot re-plan")

    routes = {r.courier_id: r for r in plan.routes}
    done: dict[str, list[PlannedStop]] = {}
    done_roles: dict[tuple[str, str], str] = {}  # (job, role) -> courier
    for r in plan.routes:
        kept = [s for s in r.job_stops if s.departure_s <= now_s or s.status == "done"]
        done[r.courier_id] = kept
        for s in kept:
            assert s.job_id is not None
            job = problem.jobs[s.job_id]
            role = s.kind if s.kind in ("pickup", "delivery") else (
                "pickup" if job.pickup is not None else "delivery")
            done_roles[(s.job_id, role)] = r.courier_id

    new = PlanningProblem(problem.settings, provenance=problem.provenance)
    new.add_offices(problem.offices.values())
    for cid, c in problem.couriers.items():
        if cid in locked_ids and cid in routes:
            continue
        route = routes.get(cid)
        last = done[cid][-1] if route is not None and done.get(cid) else None
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
        done_here = [role for role in roles if (job.job_id, role) in done_roles]
        if len(done_here) == len(roles):
            continue
        if job.is_pair and done_here == ["pickup"]:
            carrier = done_roles[(job.job_id, "pickup")]
            if carrier in locked_ids:
                continue
            new.add_job(dataclasses.replace(job, pickup=None, carried_by=carrier,
                                            required=False))
        else:
            new.add_job(job)

    t, d = matrix_fn(new)
    fresh = solve_matrix(new, t, d, seconds=seconds, seed=seed,
                         network_kind=network_kind or plan.network_kind,
                         leg_path=leg_path_fn(new) if leg_path_fn else None)
    done_jobs = {j for j, _ in done_roles}
    total = len((set(problem.jobs) | {j.job_id for j in new_jobs}) - (cancel - done_jobs))
    return _merge(plan, fresh, done, routes, locked_ids, now_s, total)


def _merge(old: Plan, fresh: Plan, done: Mapping[str, Sequence[PlannedStop]],
           routes: Mapping[str, CourierRoute], locked: set[str], now_s: int,
           jobs_total: int) -> Plan:
    out: list[CourierRoute] = []
    fresh_routes = {r.courier_id: r for r in fresh.routes}
    order = [r.courier_id for r in old.routes] + [
        r.courier_id for r in fresh.routes if r.courier_id not in routes]
    for cid in order:
        old_r = routes.get(cid)
        if cid in locked and old_r is not None:
            stops = tuple(dataclasses.replace(s, status="done") if s.departure_s <= now_s
                          and s.kind not in ("start", "end") else s for s in old_r.stops)
            out.append(dataclasses.replace(old_r, stops=stops, locked=True))
            continue
        kept = list(done.get(cid, ()))
        new_r = fresh_routes.get(cid)
        if old_r is None and new_r is None:
            continue
        if not kept and new_r is not None:
            out.append(new_r)
            continue
        if not kept:
            continue
        assert old_r is not None
        head = [old_r.stops[0], *[dataclasses.replace(s, status="done") for s in kept]]
        geometry = list(old_r.geometry[:len(kept)]) if old_r.geometry else []
        if new_r is None:
            # nothing left to do: back to the office from the last done stop
            tail = [dataclasses.replace(old_r.stops[-1])]
            geometry += list(old_r.geometry[-1:]) if old_r.geometry else []
        else:
            tail = list(new_r.stops[1:])
            geometry += list(new_r.geometry)
        stops = tuple(dataclasses.replace(s, sequence=k) for k, s in enumerate(head + tail))
        out.append(dataclasses.replace(old_r, stops=stops, geometry=tuple(geometry),
                                       locked=False))
    return dataclasses.replace(
        fresh, routes=tuple(out), jobs_total=jobs_total,
        couriers_total=old.couriers_total,
        notes=(*fresh.notes, f"re-planned at {clock(now_s)}: "
               f"{sum(len(k) for k in done.values())} stop(s) done kept, "
               f"{len(locked)} route(s) locked"))


__all__ = ["MatrixFn", "replan"]
