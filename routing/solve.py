"""Solving a planning problem with PyVRP: the core door on matrices (*solve*).

Core door
    :func:`solve_matrix` takes a :class:`~routing.model.PlanningProblem` and travel-time
    and length matrices over ``problem.places()`` and returns a :class:`~routing.result.Plan`.
Adapter door
    :func:`routing.adapter.plan_day` snaps positions on a road graph, builds the matrices
    and calls :func:`solve_matrix` (``plan_day``, ``network_matrices``,
    ``network_leg_path`` and ``NetworkMatrices`` are still importable from here).

The layers follow PyVRP's Model → solve → Result: :mod:`routing.pyvrp_model` builds the
PyVRP data, :mod:`routing.runner` runs the search in a child process that cannot outlive
its deadline, :mod:`routing.assemble` reads solutions back into routes, and this module
orchestrates:

1. jobs no courier could serve are explained before solving (:mod:`routing.reasons`);
2. the model is solved (a large day office by office first, then as a whole:
   :mod:`routing.decompose`); when a pair's stop has several windows (the midday closure)
   it is first solved on the hull of its windows, the routes are replayed with the real windows
   (:func:`routing.assemble.true_pins`), every such stop is pinned to the window it falls
   in, and the model is solved again warm-started — so the final plan respects the
   closure exactly;
3. a greedy repair inserts any left-out job whose cheapest feasible insertion costs less
   than it is worth; the result is re-checked by PyVRP;
4. every job still left out gets its reason.

Budgets: ``PlanSettings.seconds`` bounds the search (60 % to the first round when there is
a second); ``PlanSettings.iterations`` (optional) bounds it by iterations, which makes the
plan reproducible (see :class:`~routing.result.Plan`). The hard deadline
(``seconds`` + :data:`routing.runner.DEADLINE_GRACE_S` per round) is never passed: a solver
that does not return is killed, and the best plan found until then is returned
(``stopped_by="deadline"``) — or :class:`~data.errors.SolverError` when there is none.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from data.budget import Best, Clock
from data.errors import CancelledError, InputError, SolverError
from routing.assemble import (
    LegPath,
    chosen_windows,
    courier_routes,
    objective,
    solution_from_steps,
    solution_on,
    steps_of_route,
    translate,
    true_pins,
)
from routing.decompose import MIN_JOBS, pinned, solve_by_office
from routing.model import Courier, Job, PlanningProblem, Window
from routing.problem_io import problem_to_dict
from routing.pyvrp_model import ModelBuilder
from routing.reasons import best_insertion, insertion_reason, prescreen
from routing.result import Plan, UnassignedJob
from routing.runner import (
    DEADLINE_GRACE_S,
    GRACE_PER_LOCATION_S,
    RunOutcome,
    grace_before,
    grace_for,
    routes_of,
    run_pyvrp,
    solution_of,
)
from routing.timing import Step


def _pyvrp_version() -> str:
    from importlib.metadata import version
    return f"pyvrp {version('pyvrp')}"


def hash_array(a: np.ndarray) -> str:
    """sha256 of an array's float64 bytes (a plan's ``input_hashes``)."""
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()


def _check_matrices(problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    n = len(problem.places())
    t = np.asarray(time_s, dtype=np.float64)
    d = np.asarray(length_m, dtype=np.float64)
    problems = []
    for name, a in (("time_s", t), ("length_m", d)):
        if a.shape != (n, n):
            problems.append(f"{name} has shape {a.shape}; it must be ({n}, {n}), one row and "
                            "column per place of problem.places()")
        elif np.any(a[np.isfinite(a)] < 0) or np.any(np.isnan(a)):
            problems.append(f"{name} has negative or NaN entries; use np.inf for unreachable")
    if problems:
        raise InputError(problems[0] if len(problems) == 1 else "; ".join(problems),
                         summary="The matrices do not match the problem")
    return t, d



def _watch(clock: Clock, builder: ModelBuilder, data: Any) -> dict[str, Any]:
    """``run_pyvrp``'s progress hooks for a clock that carries a ``Progress`` (else none).

    An improving solution is turned into jobs served and km at most every 0.4 s (the
    latest one is kept and reported on the next tick), so a fast stream of improvements
    never slows the runner's loop.
    """
    progress = clock.progress
    if progress is None:
        return {}
    pending: list[tuple[Any, int]] = []
    last = [0.0]
    total = len(builder.problem.jobs)

    def report() -> None:
        routes, iterations = pending.pop()
        pending.clear()
        last[0] = time.monotonic()
        sol = solution_of(data, routes)
        found, served, _ = courier_routes(builder, sol, data, None)
        progress.found(Best(len(served), total, float(sum(r.length_m for r in found)),
                            int(objective(sol)), int(iterations)))

    def on_best(routes: Any, iterations: int) -> None:
        pending.append((routes, iterations))
        if time.monotonic() - last[0] >= 0.4:
            report()

    def on_tick(iterations: int) -> None:
        progress.tick(iterations)
        if pending and time.monotonic() - last[0] >= 0.4:
            report()

    return {"stop_requested": progress.cancelled, "on_best": on_best, "on_tick": on_tick}


def _route_steps(problem: PlanningProblem, builder: ModelBuilder, routes: Sequence[Any],
                 index: dict[str, int]) -> list[tuple[Courier, list[Step]]]:
    by_courier = {r.courier_id: r for r in routes}
    out: list[tuple[Courier, list[Step]]] = []
    for c in builder.couriers:
        r = by_courier.get(c.courier_id)
        out.append((c, steps_of_route(problem, r, index) if r else []))
    return out


def _no_plan(outcome: RunOutcome, seconds: float) -> SolverError:
    if outcome.stopped_by == "error":
        return SolverError(
            f"Bộ giải gặp lỗi và không tìm được kế hoạch ({outcome.message}). Kế hoạch đang "
            "có được giữ nguyên; hãy thử lại, nếu vẫn lỗi hãy báo cho quản trị.",
            f"The solver failed before it found any plan ({outcome.message}). The current "
            "plan is kept; try again, and report it if it fails again.")
    limit = seconds + max(DEADLINE_GRACE_S, outcome.runtime_s - seconds)
    return SolverError(
        f"Bộ giải không trả kết quả trong {limit:.0f} giây nên đã bị dừng, và chưa tìm được "
        "kế hoạch nào. Kế hoạch đang có được giữ nguyên; hãy thử lại với ít công việc hơn "
        "hoặc thời gian lâu hơn.",
        f"The solver did not return within {limit:.0f} s and was stopped before it found any "
        "plan. The current plan is kept; try again with fewer jobs or a longer time budget.")


def solve_matrix(problem: PlanningProblem, time_s: np.ndarray, length_m: np.ndarray, *,
                 seconds: float | None = None, seed: int | None = None,
                 iterations: int | None = None, network_kind: str = "matrix",
                 leg_path: LegPath | None = None, extra_hashes: dict[str, str] | None = None,
                 display: bool = False, network_profile: str | None = None,
                 overflow_guard: bool = True, clock: Clock | None = None,
                 decompose_above: int | None = MIN_JOBS) -> Plan:
    """Solve a planning problem on given matrices (the core door).

    Parameters
    ----------
    problem
        The problem (validated here).
    time_s, length_m
        Travel time and length between every pair of ``problem.places()``; ``np.inf`` for
        unreachable. Lengths are metres on a road network, instance units on a benchmark.
    seconds, seed, iterations
        Override ``problem.settings.seconds`` / ``seed`` / ``iterations``.
    network_kind
        What the matrices came from (recorded in the plan).
    leg_path
        Optional ``(from_place, to_place) -> [(lon, lat), ...]`` giving each leg's geometry
        along the network.
    extra_hashes
        Further input hashes to record (e.g. the graph's).
    display
        Print PyVRP's progress.
    network_profile
        The road network's vehicle profile, recorded with the problem the plan carries.
    overflow_guard
        Keep PyVRP's costs within int64 (:mod:`routing.pyvrp_model`); False only to
        reproduce the upstream hang in a test.
    clock
        The command's :class:`~data.budget.Clock`: phases ``solve``, ``repair``,
        ``reasons`` and ``routes`` are timed on it, and with a limit the solver gets
        ``min(seconds, what the limit leaves)`` after reserving
        :func:`post_solve_reserve_s` and :func:`run_margin_s`; its child process is killed
        at the latest when only :func:`post_solve_reserve_s` is left, so the whole command
        ends within the limit even when the solver hangs. The plan records ``seconds``
        actually given and the clock's ``timings``. When the clock carries a
        :class:`~data.budget.Progress`, each phase and the solver's best so far are
        reported on it, and its Cancel stops the solver at once.
    decompose_above
        A day with more jobs than this (after the pre-screen) is solved office by office
        first (:mod:`routing.decompose`; default :data:`routing.decompose.MIN_JOBS`); None
        keeps one search on the whole day.

    Returns
    -------
    Plan
        Routes, unassigned jobs with reasons, totals, provenance, the budgets and what
        stopped the search, and the problem itself. A partial plan is a normal result.

    Raises
    ------
    InputError
        When the problem is inconsistent or the matrices do not match it.
    SolverError
        When the solver was stopped at its hard deadline (or failed) before it found any
        plan; the message says so in Vietnamese and English.
    CancelledError
        When the clock's progress was cancelled (no plan is returned).
    """
    problem.validate()
    changes: dict[str, Any] = {}
    if seconds is not None:
        changes["seconds"] = float(seconds)
    if seed is not None:
        changes["seed"] = int(seed)
    if iterations is not None:
        changes["iterations"] = int(iterations)
    if changes:
        problem = problem.with_settings(**changes)
    clock = clock if clock is not None else Clock()
    hard_end: float | None = None  # perf_counter() by which the solver must have returned
    if clock.limit_s is not None:
        after = post_solve_reserve_s(len(problem.jobs))
        given = clock.left_for("the solver", wanted_s=float(problem.settings.seconds),
                               reserve_s=after + run_margin_s(len(problem.places())))
        problem = problem.with_settings(seconds=given)
        hard_end = clock.started + clock.limit_s - after
    s = problem.settings
    t, d = _check_matrices(problem, time_s, length_m)
    index = problem.place_index()
    clock.enter("solve")
    phase_start = clock.elapsed()
    solve_started = time.perf_counter()

    unassigned: list[UnassignedJob] = []
    solvable: list[Job] = []
    length_unit = 1000.0 if s.distance_scale == 1.0 else 1.0
    screened: dict[Any, Any] = {}
    for job in problem.jobs.values():
        why = None if job.required else prescreen(problem, job, t, index, cache=screened)
        if why is None:
            solvable.append(job)
        else:
            unassigned.append(why)

    t0 = time.perf_counter()
    pins: dict[tuple[str, str], Window] = {}
    notes: list[str] = []
    budget = float(s.seconds)
    progress = clock.progress
    # the pre-screen is part of the solve: a large day's decomposed solve gets the rest
    grouped = (solve_by_office(problem, t, d, solvable,
                               seconds=max(0.5, budget - (t0 - solve_started)), seed=s.seed,
                               solve_group=functools.partial(solve_matrix,
                                                             decompose_above=None,
                                                             overflow_guard=overflow_guard),
                               iterations=s.iterations, overflow_guard=overflow_guard,
                               min_jobs=decompose_above,
                               watch=functools.partial(_watch, clock),
                               cancelled=progress.cancelled if progress is not None else None,
                               hard_end=hard_end)
               if decompose_above is not None else None)
    if grouped is not None:
        builder, data, best = grouped.builder, grouped.data, grouped.best
        pins = grouped.pins
        notes.extend(grouped.notes)
        stopped_by, iterations_done = grouped.stopped_by, grouped.iterations
        if stopped_by == "deadline":
            notes.append("a solver run was stopped at its hard deadline: this is the best "
                         "plan found by then")
    else:
        builder, data, best, stopped_by, iterations_done = _solve_whole(
            problem, t, d, solvable, pins, notes, overflow_guard=overflow_guard,
            display=display, clock=clock, hard_end=hard_end)
    solve_time = time.perf_counter() - t0
    phase_start = _lap(clock, "solve", phase_start)
    clock.enter("repair")

    routes, served, feasible = courier_routes(builder, best, data, None)
    route_steps = _route_steps(problem, builder, routes, index)
    # greedy repair: insert every left-out job whose cheapest feasible insertion (with the
    # real windows, waiting through the closure) costs less than it is worth
    added = 0
    frames: dict[Any, Any] = {}
    # the solver's own times (whole units, rounded up as routing.pyvrp_model does), so an
    # insertion found feasible here is feasible for PyVRP too
    t_solver = np.ceil(t * s.time_scale - 1e-9) / s.time_scale
    for job in sorted((j for j in solvable if j.job_id not in served),
                      key=lambda j: -problem.prize_of(j)):
        if clock.remaining() < 0.5 * post_solve_reserve_s(len(problem.jobs)):
            notes.append("the greedy repair was cut short by the time limit")
            break
        # a large day's model pins every several-window pair stop as its groups did: the
        # job inserted the same way fits that model, which then need not be rebuilt
        ins = best_insertion(problem, pinned(problem, job) if grouped is not None else job,
                             route_steps, t_solver, d, index, cache=frames)
        if ins is None or ins.added_length > problem.prize_of(job):
            continue
        courier = route_steps[ins.route][0]
        route_steps[ins.route] = (courier, list(ins.steps))
        added += 1
    if added:
        # the routes on the model already built when every stop fits it as it is (no
        # several-window pair stop on its hull, each pair stop in its pinned window), else
        # on a model rebuilt with the windows the routes serve them in
        chosen = (chosen_windows(problem, route_steps, t_solver, index)
                  if not builder.multi_pair_steps else None)
        on_model = (solution_on(builder, data, route_steps, chosen)
                    if chosen is not None else None)
        repaired = ((builder, data, on_model) if on_model is not None else
                    solution_from_steps(problem, builder, pins, route_steps, t, d, solvable,
                                        index, check_s=t_solver))
        if repaired is not None:
            builder, data, best = repaired
            notes.append(f"{added} left-out job(s) inserted by a final greedy repair")
    phase_start = _lap(clock, "repair", phase_start)
    clock.enter("routes")
    routes, served, feasible = courier_routes(builder, best, data, leg_path)
    phase_start = _lap(clock, "routes", phase_start)
    clock.enter("reasons")
    route_steps = _route_steps(problem, builder, routes, index)
    frames = {}
    for job in solvable:
        if job.job_id not in served:
            unassigned.append(insertion_reason(problem, job, route_steps, t, d, index,
                                               length_unit=length_unit, cache=frames))
    _lap(clock, "reasons", phase_start)
    hashes = problem.fingerprint()
    hashes["time_s"] = hash_array(t)
    hashes["length_m"] = hash_array(d)
    if extra_hashes:
        hashes.update(extra_hashes)
    order = {j: i for i, j in enumerate(problem.jobs)}
    unassigned.sort(key=lambda u: order[u.job_id])
    return Plan(
        plan_date=s.plan_date, routes=tuple(routes), unassigned=tuple(unassigned),
        network_kind=network_kind, provenance=problem.provenance, seed=s.seed,
        seconds=s.seconds, input_hashes=tuple(sorted(hashes.items())),
        settings=s.as_items(), solver=_pyvrp_version(), solve_time_s=solve_time,
        feasible=feasible, objective=int(objective(best)),
        couriers_total=len(problem.couriers), jobs_total=len(problem.jobs),
        notes=tuple(notes), iterations=s.iterations,
        iterations_done=iterations_done, stopped_by=stopped_by,
        problem=problem_to_dict(problem, network_profile=network_profile),
        timings=tuple(clock.as_dict().items()),
    )


def _solve_whole(problem: PlanningProblem, t: np.ndarray, d: np.ndarray,
                 solvable: Sequence[Job], pins: dict[tuple[str, str], Window],
                 notes: list[str], *, overflow_guard: bool, display: bool, clock: Clock,
                 hard_end: float | None) -> tuple[ModelBuilder, Any, Any, str, int]:
    """One PyVRP search on the whole day (two rounds for several-window pair stops).

    Fills ``pins`` and ``notes``; returns ``(builder, data, best, stopped_by, iterations)``.
    """
    s = problem.settings
    t0 = time.perf_counter()
    builder = ModelBuilder(problem, t, d, solvable, pins, overflow_guard=overflow_guard)
    data = builder.build()
    budget = float(s.seconds)
    two_rounds = bool(builder.multi_pair_steps)
    first_it = s.iterations
    if two_rounds and s.iterations is not None:
        first_it = max(1, math.ceil(0.6 * s.iterations))
    first_s = 0.6 * budget if two_rounds else budget
    outcome = run_pyvrp(data, seconds=first_s, seed=s.seed,
                        iterations=first_it, max_penalty=builder.max_penalty,
                        display=display, grace_s=grace_before(hard_end, first_s, data),
                        **_watch(clock, builder, data))
    outcomes = [outcome]
    if outcome.stopped_by == "cancelled":
        raise CancelledError()
    if outcome.routes is None:
        raise _no_plan(outcome, budget)
    best = solution_of(data, outcome.routes)
    if two_rounds and outcome.stopped_by not in ("deadline", "error"):
        # One repair round: replay each route with the real (split) windows, waiting
        # through the midday gap where needed, pin every multi-window pair stop to the
        # window it falls in, and re-solve warm-started.
        pins.update(true_pins(builder, best))
        second = ModelBuilder(problem, t, d, solvable, pins, overflow_guard=overflow_guard)
        data2 = second.build()
        warm = translate(builder, best, second, data2)
        remaining = max(budget - (time.perf_counter() - t0), 0.2)
        again = run_pyvrp(data2, seconds=remaining, seed=s.seed + 1,
                          iterations=(None if s.iterations is None
                                      else max(1, s.iterations - (first_it or 0))),
                          max_penalty=second.max_penalty, initial=routes_of(warm),
                          display=display, grace_s=grace_before(hard_end, remaining, data2),
                          **_watch(clock, second, data2))
        if again.stopped_by == "cancelled":
            raise CancelledError()
        outcomes.append(again)
        if again.routes is not None:
            builder, data, best = second, data2, solution_of(data2, again.routes)
            notes.append(f"midday closure: {len(pins)} pair stop(s) with several windows "
                         "pinned to one opening period after a first solve on their hull")
    stopped_by = next((o.stopped_by for o in outcomes if o.stopped_by in ("deadline", "error")),
                      "time" if any(o.stopped_by == "time" for o in outcomes)
                      else "iterations")
    if stopped_by in ("deadline", "error"):
        notes.append(f"the solver was stopped at its hard deadline ({budget:.1f} s + "
                     f"{grace_for(len(problem.places())):.1f} s): this is the best plan it "
                     "had found by then"
                     if stopped_by == "deadline" else
                     f"the solver's second round failed ({outcomes[-1].message}); this is "
                     "the first round's plan")
        stopped_by = "deadline"
    return builder, data, best, stopped_by, sum(o.iterations for o in outcomes)


def run_margin_s(n_locations: int) -> float:
    """Seconds a solver run normally takes beyond its search budget (start, set-up, return).

    What a time limit keeps for it besides :func:`post_solve_reserve_s`; its child process
    gets the rest of the limit as its grace (see :func:`routing.runner.grace_for`), so a
    hanging search is killed before the limit, never after it.
    """
    return 1.0 + GRACE_PER_LOCATION_S * max(0, int(n_locations))


def post_solve_reserve_s(n_jobs: int) -> float:
    """Seconds kept after the solver for repair, reasons, routes and writing.

    Measured on the 2,000-job Kon Tum day (``benchmarks/day.py``): about 1.5 ms per job
    on an idle core; twice that is kept, plus half a second.
    """
    return 0.5 + 0.003 * n_jobs


def _lap(clock: Clock, name: str, since: float) -> float:
    """Add the seconds since ``since`` (``clock.elapsed()``) to phase ``name``; return now."""
    now = clock.elapsed()
    clock.timings[name] = clock.timings.get(name, 0.0) + now - since
    return now


__all__ = ["LegPath", "hash_array", "post_solve_reserve_s", "run_margin_s", "solve_matrix"]
