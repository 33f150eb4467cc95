"""Run PyVRP where it can be stopped: a child process killed at a hard deadline (*solve*).

PyVRP checks its stopping criterion only between iterations, so a local search that never
returns (see README "Known issues") cannot be stopped from inside. :func:`run_pyvrp` solves
in a child process (multiprocessing ``forkserver`` where the platform has it, else
``spawn``: never ``fork``, which is unsafe in a threaded server such as Streamlit). The child
reports every improving feasible solution through a pipe as plain route lists
(PyVRP's ``on_best`` callback), so when the hard deadline passes the parent kills it and
still has the best solution found so far; the call always returns.

The child runs the same single search it would run in-process (one seed, one stopping
criterion), so an iteration budget reproduces its result exactly.

As with any ``multiprocessing`` code, a script that plans routes must keep its top-level
code under ``if __name__ == "__main__":`` (the ``postplan`` command, Streamlit and pytest
already do).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Seconds a run may take beyond its budget before the child is killed (small problems).
DEADLINE_GRACE_S = 2.0
#: Further grace per location: starting the child, PyVRP's neighbour lists and returning
#: the routes grow with the problem (about 1–2 s per 1,000 locations on a loaded core).
GRACE_PER_LOCATION_S = 2e-3


def grace_for(n_locations: int) -> float:
    """Seconds past its budget a run on ``n_locations`` locations may take before it is killed.

    The child stops its search ``grace - 1.5`` s (at least 0.5 s) before the kill, leaving
    the rest for PyVRP's set-up and for sending the routes back.
    """
    return DEADLINE_GRACE_S + GRACE_PER_LOCATION_S * max(0, int(n_locations))


def grace_before(hard_end: float | None, seconds: float, data: Any) -> float | None:
    """Return a run's grace: :func:`grace_for`, cut so that its kill falls before ``hard_end``.

    ``hard_end`` is a ``time.perf_counter()`` value by which the run must have returned
    (a command's ``--time-limit``); None keeps the usual grace.
    """
    if hard_end is None:
        return None
    usual = grace_for(int(getattr(data, "num_locations", 0)))
    return min(usual, max(0.3, hard_end - time.perf_counter() - seconds))

class SearchUntil:
    """PyVRP stopping criterion: stop once ``time.monotonic()`` reaches ``end``.

    Unlike ``pyvrp.stop.MaxRuntime``, whose clock starts at the search's first iteration,
    the time the child spent starting (receiving the data, PyVRP's neighbour lists, the
    initial solution) counts against it.
    """

    def __init__(self, end: float) -> None:
        self.end = float(end)

    def __call__(self, best_cost: float) -> bool:
        """Tell whether the search must stop (``best_cost`` is not used)."""
        return time.monotonic() >= self.end


#: A solution as plain data: per route, its vehicle type and its activities as
#: ``(pyvrp.ActivityType value, index)``, depots left out.
RouteList = tuple[tuple[int, tuple[tuple[int, int], ...]], ...]


@dataclass(frozen=True)
class RunOutcome:
    """What a solver run produced.

    Parameters
    ----------
    routes
        The best feasible solution found (or, when the search ended normally without one,
        the best infeasible one), or None when nothing was found before the deadline.
    feasible
        True when ``routes`` is feasible.
    iterations
        Search iterations done (the last count reported when the child was killed).
    runtime_s
        Wall time from the call to its return.
    stopped_by
        ``iterations`` (the budget), ``time`` (the time limit), ``deadline`` (killed at
        the hard deadline), ``cancelled`` (killed when ``stop_requested`` said so) or
        ``error`` (the child failed; ``message`` says why).
    message
        Details of an error, else "".
    """

    routes: RouteList | None
    feasible: bool
    iterations: int
    runtime_s: float
    stopped_by: str
    message: str = ""


def routes_of(solution: Any) -> RouteList:
    """Turn a ``pyvrp.Solution`` into a :data:`RouteList`."""
    out = []
    for route in solution.routes():
        acts = tuple((int(a.type.value), int(a.idx)) for a in route.schedule()
                     if not a.is_depot())
        out.append((int(route.vehicle_type()), acts))
    return tuple(out)


def solution_of(data: Any, routes: RouteList) -> Any:
    """Rebuild a ``pyvrp.Solution`` on ``data`` from a :data:`RouteList`."""
    from pyvrp import Route, Solution
    from pyvrp._pyvrp import Activity, ActivityType

    built = [Route(data, [Activity(ActivityType(t), i) for t, i in acts], vt)
             for vt, acts in routes if acts]
    return Solution(data, built)


def _main_spec() -> str:
    """Return the parent's main as ``path:…`` / ``name:…`` (see :mod:`routing.forkserver_main`)."""
    from multiprocessing import spawn

    data = spawn.get_preparation_data("postplan-pyvrp")
    if "init_main_from_name" in data:
        return f"name:{data['init_main_from_name']}"
    if "init_main_from_path" in data:
        return f"path:{data['init_main_from_path']}"
    return ""


def _context() -> Any:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        import os

        from routing.forkserver_main import ENV_MAIN

        ctx = mp.get_context("forkserver")
        # the server imports the caller's main module once (routing.forkserver_main works
        # around CPython's broken "__main__" preload), then PyVRP; each solve forks from
        # it in milliseconds instead of re-running the main script
        os.environ[ENV_MAIN] = _main_spec()
        ctx.set_forkserver_preload(["routing.forkserver_main", "routing.runner", "pyvrp"])
        return ctx
    return mp.get_context("spawn")


def _child(conn: Any, job: dict[str, Any]) -> None:  # pragma: no cover - runs in the child
    """Solve and report through ``conn`` (runs in the child process)."""
    try:
        from pyvrp import SolveParams, solve
        from pyvrp.IteratedLocalSearch import (
            IteratedLocalSearchCallbacks,
            IteratedLocalSearchParams,
        )
        from pyvrp.PenaltyManager import PenaltyParams
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        class Report(IteratedLocalSearchCallbacks):
            def __init__(self) -> None:
                self.iterations = 0
                self.last_tick = time.monotonic()

            def on_start(self, ils: Any) -> None:
                init = ils.initial_solution
                if init.is_feasible():
                    conn.send(("best", routes_of(init), 0))

            def on_iteration(self, curr: Any, cand: Any, best: Any, cost_eval: Any) -> None:
                self.iterations += 1
                now = time.monotonic()
                if now - self.last_tick > 0.5:
                    self.last_tick = now
                    conn.send(("tick", self.iterations))

            def on_best(self, best: Any) -> None:
                if best.is_feasible():
                    conn.send(("best", routes_of(best), self.iterations))

        data = job["data"]
        report = Report()
        params = SolveParams(ils=IteratedLocalSearchParams(callbacks=report),
                             penalty=PenaltyParams(max_penalty=job["max_penalty"]))
        seconds = max(0.01, min(job["seconds"], job["soft_deadline"] - time.monotonic()))
        # the search stops at the first of: its budget (counted from its first iteration),
        # the soft deadline and ``search_end`` (both wall-clock: the set-up counts), the
        # iteration budget
        criteria: list[Any] = [MaxRuntime(seconds), SearchUntil(
            min(job["soft_deadline"], job["search_end"] or job["soft_deadline"]))]
        if job["iterations"] is not None:
            criteria.insert(0, MaxIterations(job["iterations"]))
        stop = MultipleCriteria(criteria)
        initial = solution_of(data, job["initial"]) if job["initial"] is not None else None
        result = solve(data, stop, seed=job["seed"], collect_stats=False,
                       display=job["display"], params=params, initial_solution=initial)
        conn.send(("done", routes_of(result.best), bool(result.best.is_feasible()),
                   int(result.num_iterations)))
    except BaseException as exc:  # report anything, the parent decides
        with contextlib.suppress(Exception):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_pyvrp(data: Any, *, seconds: float, seed: int, iterations: int | None = None,
              max_penalty: float = 100_000.0, initial: RouteList | None = None,
              display: bool = False, grace_s: float | None = None,
              search_end: float | None = None,
              stop_requested: Callable[[], bool] | None = None,
              on_best: Callable[[RouteList, int], None] | None = None,
              on_tick: Callable[[int], None] | None = None) -> RunOutcome:
    """Solve ``data`` with PyVRP in a child process that cannot outlive its deadline.

    Parameters
    ----------
    data
        A ``pyvrp.ProblemData``.
    seconds
        Time budget of the search (measured in the child, from when it starts).
    seed
        PyVRP's seed.
    iterations
        Iteration budget, or None (time only). The search stops at whichever comes first.
    max_penalty
        PyVRP's penalty cap (``PenaltyParams.max_penalty``).
    initial
        A warm start as a :data:`RouteList`, or None.
    display
        Print PyVRP's progress (from the child).
    grace_s
        The child is killed ``seconds + grace_s`` after this call started (default
        :func:`grace_for` the problem's locations).
    search_end
        A ``time.monotonic()`` value at which the search stops whatever its budget left
        (None: only ``seconds``): the time the child takes to start — receiving the data,
        PyVRP's neighbour lists, the initial solution, seconds on a 5,000-job day — is
        then part of the budget instead of coming on top of it.
    stop_requested
        Polled about every 0.1 s; when it returns True the child is killed at once and
        the outcome is ``cancelled`` (the app's Cancel button).
    on_best, on_tick
        Called in this process with each improving feasible solution and the iteration
        count it was found at, and with the iteration count about twice a second (the
        app's progress panel).

    Returns
    -------
    RunOutcome
        Never raises for a solver that hangs or dies: the outcome says what happened and
        carries the best solution reported until then.
    """
    t0 = time.monotonic()
    if grace_s is None:
        grace_s = grace_for(int(getattr(data, "num_locations", 0)))
    hard = t0 + float(seconds) + float(grace_s)
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    job = {"data": data, "seconds": float(seconds), "seed": int(seed),
           "iterations": None if iterations is None else int(iterations),
           "max_penalty": float(max_penalty), "initial": initial, "display": bool(display),
           "soft_deadline": hard - max(0.5, float(grace_s) - 1.5),
           "search_end": None if search_end is None else float(search_end)}
    proc = ctx.Process(target=_child, args=(send, job), daemon=True,
                       name="postplan-pyvrp")
    try:
        proc.start()
    except (OSError, RuntimeError) as exc:
        send.close()
        recv.close()
        return RunOutcome(None, False, 0, time.monotonic() - t0, "error",
                          f"the solver process could not start ({exc}); a script that plans "
                          "routes must run its code under `if __name__ == \"__main__\":`")
    send.close()
    best: RouteList | None = None
    feasible = False
    count = 0
    stopped_by = "deadline"
    message = ""
    try:
        while True:
            left = hard - time.monotonic()
            if left <= 0:
                break
            if stop_requested is not None and stop_requested():
                stopped_by = "cancelled"
                break
            if not recv.poll(min(left, 0.1 if stop_requested is not None else 0.25)):
                if not proc.is_alive() and not recv.poll(0):
                    stopped_by, message = "error", (
                        f"the solver process ended without a result (exit code "
                        f"{proc.exitcode})")
                    break
                continue
            try:
                msg = recv.recv()
            except (EOFError, OSError):
                stopped_by, message = "error", (
                    f"the solver process ended without a result (exit code {proc.exitcode})")
                break
            if msg[0] == "best":
                best, feasible, count = msg[1], True, max(count, msg[2])
                if on_best is not None:
                    on_best(best, count)
            elif msg[0] == "tick":
                count = max(count, msg[1])
                if on_tick is not None:
                    on_tick(count)
            elif msg[0] == "done":
                _, routes, is_feasible, count = msg
                if is_feasible or best is None:
                    best, feasible = routes, is_feasible
                stopped_by = ("iterations" if iterations is not None and count >= iterations
                              else "time")
                break
            elif msg[0] == "error":
                stopped_by, message = "error", str(msg[1])
                break
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)
        recv.close()
    return RunOutcome(best, feasible, count, time.monotonic() - t0, stopped_by, message)


__all__ = [
    "DEADLINE_GRACE_S",
    "GRACE_PER_LOCATION_S",
    "RouteList",
    "RunOutcome",
    "SearchUntil",
    "grace_for",
    "routes_of",
    "run_pyvrp",
    "solution_of",
]
