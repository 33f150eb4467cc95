"""Large days solved office by office, then as a whole (*solve*, issue 13 §1).

PyVRP is at its best on a few hundred stops; on a province-scale day (2,000–5,000 jobs,
100–300 couriers, every post office a depot) a single search spends its whole budget on a
few iterations. :func:`solve_by_office` splits such a day:

1. **groups** (:func:`make_groups`) — every job goes to the office closest by travel time
   (round trip from the office to its stops); an office whose couriers have too little
   working time for its jobs (an estimate) borrows whole couriers from the closest
   offices with time to spare, who drive over from their own office and back;
2. **sub-problems** — each office's couriers and jobs form a small
   :class:`~routing.model.PlanningProblem` over a sub-matrix of the day's matrices, solved
   by the injected ``solve_group`` (:func:`routing.solve.solve_matrix` without
   decomposition, its greedy repair included), with a share of the budget proportional to
   its jobs; every pair stop with several windows (the midday closure) is given one
   (:func:`pinned`), so each group is one search;
3. **merge** — the groups' routes are put together as one solution
   (:func:`routing.assemble.solution_on`) of the whole day's model, which was built
   before the groups with every several-window pair stop pinned as :func:`pinned` pins
   it (:func:`one_window_pins`), so the routes fit it as they are; and
4. **whole-day improvement** — PyVRP searches the whole day warm-started from the merged
   solution for whatever remains of the budget, so jobs and couriers can still cross
   office boundaries; the better of the two is kept.

``seconds`` is the wall time of the whole call (a few tenths over at most): the model's
build is timed before the groups are given their shares, what the merge and the
whole-day run's start will take is kept from those shares, and the whole-day search
stops at the end of the budget however long its child took to start.

The caller (:func:`routing.solve.solve_matrix`) continues from the returned solution
exactly as from a single search: the whole-day greedy repair, routes with exact lengths
and the reasons for every job left out. Small days (at most :data:`MIN_JOBS` jobs) and
days this split does not apply to (see :func:`not_decomposable`) keep the single search.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from data.errors import CancelledError, SolverError
from routing.assemble import chosen_windows, objective, solution_on, steps_of_route
from routing.model import Courier, Job, PlanningProblem, Visit, Window
from routing.pyvrp_model import ModelBuilder, usable_windows
from routing.reasons import best_insertion, simulate
from routing.result import Plan
from routing.runner import grace_before, routes_of, run_pyvrp, solution_of
from routing.timing import Step, end_place, initial_load_of, run_of, start_place

#: Days with more jobs than this (after the pre-screen) are decomposed by office.
MIN_JOBS = 400
#: Share of the budget kept for the whole-day improvement after the groups.
IMPROVE_SHARE = 0.2
#: Share of its couriers' shift time an office may be loaded with by :func:`make_groups`.
FILL = 0.85
#: Driving counted per job on top of its service time (seconds) by :func:`make_groups`.
TRAVEL_PER_JOB_S = 600.0
#: Share of a job's round trip from its office counted as driving by :func:`make_groups`.
TRIP_SHARE = 0.1
#: Seconds kept per job for merging the groups' routes into the whole day's model (the
#: model itself is built before the groups): 0.8 s for 5,000 jobs on this machine.
MERGE_S_PER_JOB = 2.5e-4
#: The whole-day PyVRP run's start in its child, per squared activity (clients + two per
#: pair): PyVRP's neighbour lists dominate it, 9 of the 11.7 s measured for 5,000 jobs
#: (about 10,000 activities), 1.4 s for 2,000.
START_S_PER_ACTIVITY2 = 1.2e-7
#: Seconds kept at the end of the budget for the whole-day run's routes to come back; its
#: child is killed ``RETURN_S + KILL_AFTER_S`` after its search was to end.
RETURN_S = 0.3
#: See :data:`RETURN_S`.
KILL_AFTER_S = 0.7
#: Shortest whole-day search worth starting (seconds); below it the merged plan is kept.
MIN_IMPROVE_S = 0.5
#: Shortest search a group is given (seconds); a group that could not get it (and its
#: start) before the merge is not solved.
MIN_GROUP_S = 0.2
#: Groups solved at the same time: one per core, at most two.
GROUP_WORKERS = min(2, os.cpu_count() or 1)
#: Most jobs in one group before it is cut into sectors (:func:`split_group`).
MAX_GROUP_JOBS = 250
#: Routes tried per left-out job by :func:`swap_in_valuable` (the closest ones).
ROUTES_PER_SWAP = 40

#: ``solve_group(problem, time_s, length_m, seconds=…, seed=…, iterations=…)`` → Plan.
GroupSolver = Callable[..., Plan]


@dataclass(frozen=True)
class Decomposed:
    """The whole day's solution found office by office (then improved as a whole).

    Parameters
    ----------
    builder, data, best
        The whole day's :class:`~routing.pyvrp_model.ModelBuilder`, its
        ``pyvrp.ProblemData`` and the solution (a ``pyvrp.Solution``).
    pins
        ``(job_id, role) → window`` of every pair stop with several windows.
    iterations
        PyVRP iterations done, groups and improvement together.
    stopped_by
        ``time``, ``iterations`` or ``deadline`` (some run was killed at its deadline).
    notes
        What was done, for the plan's notes.
    """

    builder: ModelBuilder
    data: Any
    best: Any
    pins: dict[tuple[str, str], Window]
    iterations: int
    stopped_by: str
    notes: tuple[str, ...]


def not_decomposable(problem: PlanningProblem, jobs: Sequence[Job], *,
                     min_jobs: int = MIN_JOBS) -> str | None:
    """Say why a day keeps the single search, or None when it is decomposed.

    A day is decomposed when it has more than ``min_jobs`` jobs, couriers at two or
    more offices, every courier starting and ending at its own office, and no job that is
    required or already carried by a courier (a re-plan keeps the single search).
    """
    if len(jobs) <= min_jobs:
        return f"{len(jobs)} jobs (at most {min_jobs})"
    if len({c.office_id for c in problem.couriers.values()}) < 2:
        return "couriers at one office only"
    for c in problem.couriers.values():
        if start_place(c) != end_place(c) or start_place(c) != f"office:{c.office_id}":
            return f"courier {c.courier_id} does not start and end at its office"
    for j in jobs:
        if j.required or j.carried_by is not None:
            return f"job {j.job_id} is required or carried"
    return None


@dataclass(frozen=True)
class Group:
    """One sub-problem: an office's jobs and the couriers who serve them.

    Parameters
    ----------
    office_id
        The office whose area the jobs are in (the closest office to each of them).
    couriers
        The office's own couriers (less any lent out) and couriers lent by other offices
        (who still start and end at their own office).
    jobs
        The jobs, in the day's order.
    """

    office_id: str
    couriers: tuple[Courier, ...]
    jobs: tuple[Job, ...]


def job_trips(problem: PlanningProblem, time_s: np.ndarray, jobs: Sequence[Job],
              offices: Sequence[str]) -> np.ndarray:
    """Mean round trip office → stop → office of every job (rows) from every office (columns).

    Unreachable legs give ``np.inf``.
    """
    index = problem.place_index()
    rows = np.array([index[f"office:{o}"] for o in offices], dtype=np.int64)
    trip = np.zeros((len(jobs), len(offices)))
    for k, job in enumerate(jobs):
        for role, _ in job.visits:
            place = index[problem.place_of(job, role)]
            trip[k] += time_s[rows, place] + time_s[place, rows]
        trip[k] /= len(job.visits)
    return trip


def make_groups(problem: PlanningProblem, time_s: np.ndarray, jobs: Sequence[Job], *,
                fill: float = FILL, travel_s: float = TRAVEL_PER_JOB_S,
                max_jobs: int = MAX_GROUP_JOBS) -> list[Group]:
    """Split a day into office groups: each job to its closest office, couriers lent to the busy.

    Parameters
    ----------
    problem
        The day (its couriers' offices are the groups).
    time_s
        Travel times over ``problem.places()`` (``np.inf`` unreachable).
    jobs
        The jobs to share out.
    fill
        Share of a courier's shift the estimate may fill with work.
    travel_s
        Driving counted per job on top of its service time.
    max_jobs
        Larger groups are cut into sectors around their office (:func:`split_group`).

    Returns
    -------
    list of Group
        One per office with couriers (in the couriers' order), or several when cut; every
        job and every courier is in exactly one group.

    Notes
    -----
    Every job goes to the office with the shortest mean round trip to its stops. An
    office's work is its jobs' service time plus ``travel_s`` and :data:`TRIP_SHARE` of
    their round trip each; what a courier offers
    is ``fill`` × their shift, less the round trip between their office and the group's
    when lent. Offices short of time borrow couriers, the largest shortfall first, from
    the closest offices that still have a whole courier's time to spare; a courier is not
    lent when the trip takes half the shift or more.
    """
    offices: list[str] = []
    own: dict[str, list[Courier]] = {}
    for c in problem.couriers.values():
        if c.office_id not in own:
            offices.append(c.office_id)
            own[c.office_id] = []
        own[c.office_id].append(c)
    trip = job_trips(problem, time_s, jobs, offices)
    closest = np.argmin(np.where(np.isfinite(trip), trip, np.inf), axis=1)
    service = np.array([sum(problem.service_of(v) for _, v in j.visits) for j in jobs],
                       dtype=float)
    need = np.zeros(len(offices))
    near = trip[np.arange(len(jobs)), closest]
    np.add.at(need, closest, service + travel_s + TRIP_SHARE * near)
    index = problem.place_index()
    rows = np.array([index[f"office:{o}"] for o in offices], dtype=np.int64)
    between = time_s[np.ix_(rows, rows)] + time_s[np.ix_(rows, rows)].T

    def offer(c: Courier, lent_to: int | None = None) -> float:
        shift = problem.shift_of(c)
        span = float(shift[1] - shift[0])
        if lent_to is None:
            return fill * span
        return fill * (span - float(between[offices.index(c.office_id), lent_to]))

    have = np.array([sum(offer(c) for c in own[o]) for o in offices])
    lent: dict[int, list[Courier]] = {k: [] for k in range(len(offices))}
    for k in np.argsort(-(need - have), kind="stable"):
        for lender in np.argsort(between[k], kind="stable"):
            if lender == k or not np.isfinite(between[k, lender]):
                continue
            while need[k] > have[k] and own[offices[lender]]:
                c = own[offices[lender]][-1]
                span = problem.shift_of(c)[1] - problem.shift_of(c)[0]
                if (have[lender] - offer(c) < need[lender]
                        or between[k, lender] >= span / 2):
                    break
                own[offices[lender]].pop()
                have[lender] -= offer(c)
                have[k] += offer(c, int(k))
                lent[int(k)].append(c)
            if need[k] <= have[k]:
                break
    by_office: dict[int, list[Job]] = {k: [] for k in range(len(offices))}
    for job, k in zip(jobs, closest, strict=True):
        by_office[int(k)].append(job)
    order = {c.courier_id: n for n, c in enumerate(problem.couriers.values())}
    groups = [Group(o, tuple(sorted([*own[o], *lent[k]], key=lambda c: order[c.courier_id])),
                    tuple(by_office[k])) for k, o in enumerate(offices)]
    return [part for g in groups for part in split_group(problem, g, max_jobs=max_jobs)]


def split_group(problem: PlanningProblem, group: Group, *, max_jobs: int = MAX_GROUP_JOBS
                ) -> list[Group]:
    """Cut a group of more than ``max_jobs`` jobs into sectors around its office (a sweep).

    The jobs are ordered by the bearing from the office to their first stop away from an
    office (their office stop when they have none), starting after the widest empty
    sector, and cut into ``ceil(jobs / max_jobs)`` runs of equal size (at most one per
    courier); the couriers are cut the same way, in their order. Returns ``[group]`` when
    there is nothing to cut.
    """
    k = min(-(-len(group.jobs) // max_jobs), len(group.couriers))
    if k <= 1:
        return [group]
    office = problem.offices[group.office_id]
    bearing = np.empty(len(group.jobs))
    for n, job in enumerate(group.jobs):
        away = [v for _, v in job.visits if v.office_id is None]
        v = away[0] if away else job.visits[0][1]
        at = problem.offices[v.office_id] if v.office_id is not None else v
        assert at.lon is not None and at.lat is not None
        bearing[n] = np.arctan2(float(at.lat) - office.lat, float(at.lon) - office.lon)
    order = np.argsort(bearing, kind="stable")
    gaps = np.diff(np.append(bearing[order], bearing[order[0]] + 2 * np.pi))
    order = np.roll(order, -(int(np.argmax(gaps)) + 1))
    jobs = np.array_split(order, k)
    couriers = np.array_split(np.arange(len(group.couriers)), k)
    return [Group(group.office_id, tuple(group.couriers[int(i)] for i in cs),
                  tuple(group.jobs[int(i)] for i in sorted(js)))
            for js, cs in zip(jobs, couriers, strict=True)]


def pinned(problem: PlanningProblem, job: Job) -> Job:
    """Give each several-window stop of a pair job one window (pickup first, delivery last).

    The rule :func:`routing.assemble.true_pins` applies to stops a first solve left out
    (collect in the morning, hand over in the afternoon); a group solved this way needs
    no first round on the windows' hull. Other jobs are returned unchanged.
    """
    if not job.is_pair:
        return job
    one: dict[str, Visit] = {}
    for role, v in job.visits:
        wins = sorted(usable_windows(problem.windows_of(v), problem.service_of(v)))
        one[role] = (replace(v, windows=(wins[0] if role == "pickup" else wins[-1],))
                     if len(wins) > 1 else v)
    return replace(job, pickup=one["pickup"], delivery=one["delivery"])


def one_window_pins(problem: PlanningProblem, jobs: Sequence[Job]
                    ) -> dict[tuple[str, str], Window]:
    """``(job_id, role) → window`` of every several-window pair stop, as :func:`pinned` gives it."""
    out: dict[tuple[str, str], Window] = {}
    for job in jobs:
        if not job.is_pair:
            continue
        one = pinned(problem, job)
        for (role, v), (_, w) in zip(job.visits, one.visits, strict=True):
            if w is not v:
                out[(job.job_id, role)] = w.windows[0]
    return out


def sub_problem(problem: PlanningProblem, couriers: Sequence[Courier], jobs: Sequence[Job], *,
                pin: bool = False) -> tuple[PlanningProblem, np.ndarray]:
    """One group's problem and the rows of the day's matrices its places are.

    Parameters
    ----------
    pin
        Give every several-window pair stop one window (:func:`pinned`).

    Returns
    -------
    tuple
        ``(problem, rows)``: same settings, provenance and offices; only these couriers
        and jobs; ``rows[i]`` is the day's matrix row of the sub-problem's place ``i``.
    """
    sub = PlanningProblem(problem.settings, problem.provenance, dict(problem.offices),
                          {c.courier_id: c for c in couriers},
                          {j.job_id: pinned(problem, j) if pin else j for j in jobs})
    index = problem.place_index()
    return sub, np.array([index[pl.place_id] for pl in sub.places()], dtype=np.int64)


def _feasible_steps(problem: PlanningProblem, route_steps: list[tuple[Courier, list[Step]]],
                    check_s: np.ndarray, index: dict[str, int]) -> int:
    """Empty every route that breaks a rule on ``check_s``; return how many were emptied."""
    dropped = 0
    for k, (courier, steps) in enumerate(route_steps):
        run = run_of(problem, courier, index, initial_load_of(problem, steps))
        if steps and not simulate(run, steps, check_s)[0]:
            route_steps[k] = (courier, [])
            dropped += 1
    return dropped


def _route_length(problem: PlanningProblem, courier: Courier, steps: Sequence[Step],
                  length_m: np.ndarray, index: dict[str, int]) -> float:
    seq = [index[start_place(courier)], *[st.place for st in steps], index[end_place(courier)]]
    return float(length_m[seq[:-1], seq[1:]].sum())


def swap_in_valuable(problem: PlanningProblem, route_steps: list[tuple[Courier, list[Step]]],
                     left_out: Sequence[Job], time_s: np.ndarray, length_m: np.ndarray,
                     index: dict[str, int], *, routes_per_job: int = ROUTES_PER_SWAP,
                     max_out: int = 3, until: float = np.inf) -> list[tuple[str, str]]:
    """Serve left-out jobs worth more than a served one by taking that one off its route.

    For every left-out job, most valuable first, the ``routes_per_job`` routes passing
    closest to its stops (travel time from any of their stops) are tried: first one less
    valuable job at a time (least valuable first) is taken off a route, then the 2, …,
    ``max_out`` less valuable jobs closest to the left-out one, and the left-out job is
    inserted at its cheapest feasible position (:func:`routing.reasons.best_insertion`);
    the first exchange that gains (value in minus value out minus the metres it adds) is
    made. ``route_steps`` is changed in place.

    Parameters
    ----------
    until
        A ``time.perf_counter()`` value after which no further job is tried.

    Returns
    -------
    list of tuple
        ``(job served now, job taken off)`` for every job taken off.
    """
    swaps: list[tuple[str, str]] = []
    for job in sorted(left_out, key=lambda j: -problem.prize_of(j)):
        if time.perf_counter() > until:
            break
        value = problem.prize_of(job)
        places = [index[problem.place_of(job, role)] for role, _ in job.visits]
        near = []
        for courier, steps in route_steps:
            rows = [index[start_place(courier)], *[st.place for st in steps]]
            near.append(float(np.min(time_s[np.ix_(rows, places)])))
        routes = [int(r) for r in np.argsort(near, kind="stable")[:routes_per_job]]
        for k, r in ((k, r) for k in range(1, max_out + 1) for r in routes):
            courier, steps = route_steps[r]
            cheap = {st.job_id for st in steps if st.job_id is not None
                     and problem.prize_of(problem.jobs[st.job_id]) < value}
            if len(cheap) < k:
                continue
            close = {v: float(np.min(time_s[np.ix_([st.place for st in steps
                                                    if st.job_id == v], places)]))
                     for v in cheap}
            ranked = sorted(cheap, key=lambda v: (problem.prize_of(problem.jobs[v]), close[v]))
            tries = ([[v] for v in ranked] if k == 1
                     else [sorted(cheap, key=lambda v: close[v])[:k]])
            before = _route_length(problem, courier, steps, length_m, index)
            made = None
            for out in tries:
                lost = sum(problem.prize_of(problem.jobs[v]) for v in out)
                rest = [st for st in steps if st.job_id not in out]
                ins = best_insertion(problem, job, [(courier, rest)], time_s, length_m, index)
                if ins is None:
                    continue
                added = _route_length(problem, courier, ins.steps, length_m, index) - before
                if value - lost - added > 0:
                    made = out, ins
                    break
            if made is not None:
                route_steps[r] = (courier, list(made[1].steps))
                swaps.extend((job.job_id, v) for v in made[0])
                break
    return swaps


def solve_by_office(problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray,
                    jobs: Sequence[Job], *, seconds: float, seed: int,
                    solve_group: GroupSolver, iterations: int | None = None,
                    overflow_guard: bool = True, min_jobs: int = MIN_JOBS,
                    workers: int = GROUP_WORKERS,
                    watch: Callable[[ModelBuilder, Any], dict[str, Any]] | None = None,
                    cancelled: Callable[[], bool] | None = None,
                    hard_end: float | None = None) -> Decomposed | None:
    """Solve a large day office by office, merge, and improve it as a whole.

    Parameters
    ----------
    problem
        The day (validated).
    time_s, length_m
        Its matrices over ``problem.places()``.
    jobs
        The jobs to plan (those the pre-screen kept).
    seconds
        Wall time of the whole call. The whole day's model is built first (and timed);
        the groups share what is left until ``IMPROVE_SHARE × seconds`` before the end,
        less the merge (:data:`MERGE_S_PER_JOB` per job), the whole-day run's start
        (:data:`START_S_PER_ACTIVITY2`) and :data:`RETURN_S`, in proportion
        to their jobs, ``workers`` at a time (each gets its share of what is left when it
        starts, less the overhead the last group took); the whole-day search then gets
        whatever truly remains, its start counted in (``search_end`` of
        :func:`~routing.runner.run_pyvrp`; its child is killed :data:`KILL_AFTER_S` after
        the end), and is skipped when that would not leave it :data:`MIN_IMPROVE_S`, or
        not planned at all (the groups get its share) when its start would take longer
        than ``IMPROVE_SHARE × seconds``.
    seed
        PyVRP's seed (group ``k`` uses ``seed + k``).
    solve_group
        Solves one group: ``solve_group(problem, time_s, length_m, seconds=…, seed=…,
        iterations=…)`` → :class:`~routing.result.Plan`, e.g.
        ``functools.partial(solve_matrix, decompose_above=None)``.
    iterations
        Iteration budget of each group's search and of the improvement (None: time only).
    overflow_guard
        Passed to the whole-day model (:class:`~routing.pyvrp_model.ModelBuilder`).
    min_jobs
        Days with at most this many jobs are not decomposed (:func:`not_decomposable`).
    workers
        Groups solved at the same time (each in its own PyVRP child process); the result
        does not depend on it when every search stops by its iteration budget.
    watch
        ``watch(builder, data)`` → keyword arguments of the whole-day
        :func:`~routing.runner.run_pyvrp` (the app's progress and Cancel hooks).
    cancelled
        Checked before each group; when it says so, :class:`~data.errors.CancelledError`.
    hard_end
        ``time.perf_counter()`` by which the whole solve must have returned (a command's
        ``--time-limit``): the budget is cut to what is left, and the whole-day run's child
        is killed before it.

    Raises
    ------
    CancelledError
        When ``cancelled`` (or the whole-day run's ``stop_requested``) said so.

    Returns
    -------
    Decomposed or None
        None when the day is not decomposed (:func:`not_decomposable`): the caller runs
        its single search.
    """
    if not_decomposable(problem, jobs, min_jobs=min_jobs) is not None:
        return None
    t0 = time.perf_counter()
    if hard_end is not None:
        seconds = min(seconds, max(0.5, hard_end - t0))
    end = t0 + seconds
    index = problem.place_index()
    s = problem.settings
    t_solver = np.ceil(time_s * s.time_scale - 1e-9) / s.time_scale
    groups = [g for g in make_groups(problem, time_s, jobs) if g.jobs and g.couriers]
    # the whole day's model first (its build is then part of what the groups' shares are
    # cut from): every several-window pair stop pinned as the groups pin it, so the
    # groups' routes fit it as they are
    pins = one_window_pins(problem, jobs)
    builder = ModelBuilder(problem, time_s, length_m, jobs, pins, overflow_guard=overflow_guard)
    data = builder.build()
    activities = data.num_clients + 2 * data.num_shipments
    start_s = START_S_PER_ACTIVITY2 * activities ** 2
    # a whole-day search that would get less time than its child takes to start is not
    # worth it: the groups get that time instead
    improve = iterations is not None or IMPROVE_SHARE * seconds >= start_s
    after_s = MERGE_S_PER_JOB * len(jobs) + (start_s + RETURN_S if improve else 0.0)
    group_end = end - (IMPROVE_SHARE * seconds if improve else 0.0) - after_s
    steps_of: dict[str, list[Step]] = {}
    iterations_done = 0
    stopped: set[str] = set()
    failed: list[str] = []
    late: list[int] = []
    lock = threading.Lock()
    shared = {"jobs_left": float(sum(len(g.jobs) for g in groups)), "overhead_s": 0.5}

    def run(k: int, group: Group) -> Plan | None:
        if cancelled is not None and cancelled():
            return None
        with lock:
            share = len(group.jobs) / shared["jobs_left"]
            shared["jobs_left"] -= len(group.jobs)
            overhead_s = shared["overhead_s"]
        if (iterations is None
                and time.perf_counter() + MIN_GROUP_S + overhead_s > end - after_s):
            # the groups before took far longer than their shares (a busy machine): this
            # one could not end before the merge, its jobs go to the whole-day search
            with lock:
                late.append(k)
            return None
        # the groups still to solve run ``workers`` at a time
        given = max(MIN_GROUP_S, min(1.0, workers * share) * (group_end - time.perf_counter())
                    - overhead_s)
        sub, rows = sub_problem(problem, group.couriers, group.jobs, pin=True)
        rows_ix = np.ix_(rows, rows)
        started = time.perf_counter()
        try:
            plan = solve_group(sub, time_s[rows_ix], length_m[rows_ix], seconds=given,
                               seed=seed + k, iterations=iterations)
        except SolverError:
            return None
        with lock:
            shared["overhead_s"] = max(0.2, time.perf_counter() - started - given)
        return plan

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        plans = list(pool.map(run, range(len(groups)), groups))
    if cancelled is not None and cancelled():
        raise CancelledError()
    groups_done = time.perf_counter()
    for k, (group, plan) in enumerate(zip(groups, plans, strict=True)):
        if plan is None:
            if k not in late:
                failed.append(group.office_id)
            continue
        iterations_done += plan.iterations_done
        stopped.add(plan.stopped_by)
        for route in plan.routes:
            steps_of[route.courier_id] = steps_of_route(problem, route, index)
    route_steps = [(c, steps_of.get(c.courier_id, [])) for c in problem.couriers.values()]
    dropped = _feasible_steps(problem, route_steps, t_solver, index)
    in_routes = {st.job_id for _, steps in route_steps for st in steps}
    swaps = swap_in_valuable(problem, route_steps,
                             [pinned(problem, j) for j in jobs if j.job_id not in in_routes],
                             t_solver, length_m, index,
                             until=end - after_s
                             - (IMPROVE_SHARE / 2 * seconds if improve else 0.0))
    chosen = chosen_windows(problem, route_steps, t_solver, index)
    best = solution_on(builder, data, route_steps, chosen) if chosen is not None else None
    if best is None:  # pragma: no cover - every route was checked just above
        return None
    served = sum(len(st) for _, st in route_steps)
    merged_s = time.perf_counter() - groups_done
    lent = sum(1 for g in groups for c in g.couriers if c.office_id != g.office_id)
    notes = []
    if failed:
        notes.append(f"no plan was found for the couriers of {', '.join(failed)} in their "
                     "share of the time; their jobs were left to the whole-day search")
    if late:
        offices = sorted({groups[k].office_id for k in late})
        notes.append(f"no time was left for the couriers of {', '.join(offices)} "
                     "(the groups before took longer than their shares); their jobs were "
                     "left to the whole-day search")
    if swaps:
        notes.append(f"{len({a for a, _ in swaps})} left-out job(s) served in place of "
                     f"{len(swaps)} less valuable one(s)")
    if dropped:
        notes.append(f"{dropped} group route(s) broke a window and were left to the "
                     "whole-day search")
    # the whole-day search gets what truly remains: its child's start counts against it
    # (``search_end``), and it is skipped when the start alone would use what is left
    left = end - time.perf_counter()
    whole = ("no time was left to improve it as a whole" if improve else
             f"not improved as a whole (its search would take less than its "
             f"{start_s:.0f} s start)")
    if improve and (left > start_s + RETURN_S + MIN_IMPROVE_S or iterations is not None):
        search_s = max(left - RETURN_S, 0.2)
        # killed soon after its search was to end (its start may have been slower than
        # estimated): the merged solution, or its best since, is kept
        grace_s = grace_before(hard_end, search_s, data)
        if iterations is None:
            grace_s = min(grace_s if grace_s is not None else np.inf, RETURN_S + KILL_AFTER_S)
        outcome = run_pyvrp(data, seconds=search_s, seed=seed,
                            iterations=iterations, max_penalty=builder.max_penalty,
                            grace_s=grace_s, search_end=time.monotonic() + search_s,
                            initial=routes_of(best) if served else None,
                            **(watch(builder, data) if watch is not None else {}))
        if outcome.stopped_by == "cancelled":
            raise CancelledError()
        iterations_done += outcome.iterations
        # a kill soon after the end of its budget is how a slow start is cut short here
        stopped.add("time" if outcome.stopped_by == "deadline" and iterations is None
                    else outcome.stopped_by)
        whole = f"then improved as a whole for {outcome.runtime_s:.1f} s"
        if outcome.routes is not None and outcome.feasible:
            better = solution_of(data, outcome.routes)
            if better.is_feasible() and objective(better) <= objective(best):
                best = better
    notes.insert(0, f"large day: solved office by office ({len(groups)} groups, {lent} "
                    f"courier(s) lent to busier offices, {len(jobs)} jobs) in "
                    f"{groups_done - t0:.1f} s, merged in {merged_s:.1f} s, {whole}")
    stopped_by = ("deadline" if stopped & {"deadline", "error"} else
                  "time" if "time" in stopped else "iterations")
    return Decomposed(builder, data, best, pins, iterations_done, stopped_by, tuple(notes))


__all__ = [
    "FILL",
    "GROUP_WORKERS",
    "IMPROVE_SHARE",
    "KILL_AFTER_S",
    "MAX_GROUP_JOBS",
    "MERGE_S_PER_JOB",
    "MIN_GROUP_S",
    "MIN_IMPROVE_S",
    "MIN_JOBS",
    "RETURN_S",
    "ROUTES_PER_SWAP",
    "START_S_PER_ACTIVITY2",
    "TRAVEL_PER_JOB_S",
    "TRIP_SHARE",
    "Decomposed",
    "Group",
    "GroupSolver",
    "job_trips",
    "make_groups",
    "not_decomposable",
    "one_window_pins",
    "pinned",
    "solve_by_office",
    "split_group",
    "sub_problem",
    "swap_in_valuable",
]
