"""The PyVRP hang reproducer, the overflow guard that avoids it, and the hard deadline."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest

from data.budget import Clock, Progress
from data.errors import CancelledError, SolverError
from routing.problem_io import problem_from_dict
from routing.pyvrp_model import (
    COST_HEADROOM,
    LEGACY_UNREACHABLE,
    ModelBuilder,
    guarded_unreachable,
)
from routing.runner import DEADLINE_GRACE_S, run_pyvrp
from routing.solve import post_solve_reserve_s, run_margin_s, solve_matrix

REPRO = Path(__file__).parent / "data" / "pyvrp_overflow_hang.json"
#: Slack for process start-up and clean-up on a loaded two-core machine.
SLACK_S = 3.0


def _doc() -> dict[str, Any]:
    return json.loads(REPRO.read_text(encoding="utf-8"))


def _pyvrp_data(section: dict[str, Any]) -> Any:
    """Build the reproducer's ProblemData with PyVRP alone (as an upstream report would)."""
    from pyvrp import (
        Client,
        ClientGroup,
        Depot,
        Location,
        ProblemData,
        Shipment,
        VehicleType,
    )

    return ProblemData(
        locations=[Location(x, y) for x, y in section["locations"]],
        clients=[Client(c["location"], c["delivery"], c["pickup"], c["service_duration"],
                        c["tw_early"], c["tw_late"], 0, c["prize"], c["required"], c["group"])
                 for c in section["clients"]],
        depots=[Depot(d["location"]) for d in section["depots"]],
        vehicle_types=[VehicleType(**v) for v in section["vehicle_types"]],
        distance_matrices=[np.array(m, dtype=np.int64) for m in section["distance_matrices"]],
        duration_matrices=[np.array(m, dtype=np.int64) for m in section["duration_matrices"]],
        groups=[ClientGroup(g["clients"], g["required"]) for g in section["groups"]],
        shipments=[Shipment(s["pickup"][0], s["delivery"][0], *s["pickup"][1:],
                            *s["delivery"][1:], amount=s["amount"], prize=s["prize"],
                            required=s["required"]) for s in section["shipments"]],
    )


def _problem() -> tuple[Any, np.ndarray, np.ndarray]:
    doc = _doc()
    problem, _ = problem_from_dict(doc["problem"])
    return problem, np.array(doc["time_s"]), np.array(doc["length_m"])


def test_reproducer_never_returns_from_pyvrp_alone():
    """Upstream bug: PyVRP 0.14.1's search on the reproducer is still running at the deadline."""
    doc = _doc()
    data = _pyvrp_data(doc["pyvrp"])
    t0 = time.monotonic()
    out = run_pyvrp(data, seconds=1.0, seed=1, iterations=10,
                    max_penalty=doc["pyvrp"]["max_penalty"])
    assert out.stopped_by == "deadline" and out.routes is None
    assert time.monotonic() - t0 < 1.0 + DEADLINE_GRACE_S + SLACK_S


def test_hard_deadline_returns_the_best_plan_found_so_far():
    """A warm start reported before the hang comes back when the child is killed."""
    doc = _doc()
    data = _pyvrp_data(doc["pyvrp"])
    out = run_pyvrp(data, seconds=1.0, seed=1, max_penalty=doc["pyvrp"]["max_penalty"],
                    initial=())
    assert out.stopped_by == "deadline"
    assert out.routes == () and out.feasible


def test_solve_without_the_guard_returns_within_budget():
    """With the workaround disabled the hang is cut at the hard deadline: a clear error, fast."""
    problem, t, d = _problem()
    t0 = time.monotonic()
    with pytest.raises(SolverError, match="did not return within 3 s") as err:
        solve_matrix(problem, t, d, seconds=1.0, overflow_guard=False)
    assert time.monotonic() - t0 < 1.0 + DEADLINE_GRACE_S + SLACK_S
    assert "không trả kết quả" in err.value.message_vi


def test_overflow_guard_solves_the_reproducer():
    """The guarded model of the same problem finishes by itself, with a feasible plan."""
    problem, t, d = _problem()
    plan = solve_matrix(problem, t, d, seconds=1.0, iterations=200)
    assert plan.stopped_by == "iterations" and plan.feasible
    assert plan.iterations_done == 200
    # every carried dossier is delivered by the courier carrying it, nobody else
    for job in problem.jobs.values():
        if job.carried_by is not None:
            holders = [r.courier_id for r in plan.routes if job.job_id in r.job_ids]
            assert holders in ([job.carried_by], [])


def test_guarded_unreachable_keeps_costs_in_int64():
    """The unreachable value times the cap times every leg stays below 2**62, above the day."""
    u, cap = guarded_unreachable(2.4e7, 700, 36_000, 300_000)
    assert u * cap * 700 < COST_HEADROOM
    assert u > 2 * (36_000 + 300_000)
    assert cap == 2.4e7


def test_guarded_unreachable_small_cap_keeps_legacy_value():
    """With PyVRP's default cap and a small problem the old 2**40 is already safe and kept."""
    u, cap = guarded_unreachable(100_000.0, 10, 36_000, 50_000)
    assert (u, cap) == (LEGACY_UNREACHABLE, 100_000.0)


def test_guarded_unreachable_lowers_the_cap_when_it_must():
    """When no unreachable value fits under the cap, the cap is lowered instead."""
    u, cap = guarded_unreachable(1e15, 1000, 10**9, 10**9)
    assert u == 2 * (10**9 + 10**9 + 1)
    assert cap < 1e15 and u * cap * 1000 <= COST_HEADROOM


def test_a_failing_child_is_reported_not_raised():
    """Data the child cannot solve comes back as an error outcome with the reason, at once."""
    t0 = time.monotonic()
    out = run_pyvrp(object(), seconds=5.0, seed=1)
    assert out.stopped_by == "error" and out.routes is None
    assert "Error" in out.message
    assert time.monotonic() - t0 < 5.0


def test_search_end_counts_the_childs_start_in_the_budget():
    """Asked for 30 s with its search to end 1 s from now, a run returns in about 1 s, with
    the solution found by then (its start, then its search, both inside that second)."""
    problem, t, d = _problem()
    builder = ModelBuilder(problem, t, d, list(problem.jobs.values()), {})
    data = builder.build()
    t0 = time.monotonic()
    out = run_pyvrp(data, seconds=30.0, seed=1, max_penalty=builder.max_penalty,
                    search_end=t0 + 1.0)
    assert out.stopped_by == "time" and out.routes is not None
    assert time.monotonic() - t0 < 1.0 + SLACK_S


def solver_children() -> list[psutil.Process]:
    """The solver processes this process runs (children of its multiprocessing forkserver)."""
    out = []
    for child in psutil.Process().children():
        try:
            if "forkserver" in " ".join(child.cmdline()):
                out += child.children(recursive=True)
        except psutil.NoSuchProcess:
            continue
    return out


def test_a_time_limit_kills_a_hanging_solver_before_the_limit():
    """With the whole command's limit, a search that never returns is killed within it."""
    problem, t, d = _problem()
    clock = Clock(6.0)
    with pytest.raises(SolverError):
        solve_matrix(problem, t, d, seconds=60.0, overflow_guard=False, clock=clock)
    assert clock.elapsed() < 6.0
    assert solver_children() == []


def test_a_time_limit_leaves_the_solver_all_but_the_work_after_it():
    """The solver is given the limit less the post-solve work and one run's margin only."""
    problem, t, d = _problem()
    clock = Clock(20.0)
    plan = solve_matrix(problem, t, d, seconds=60.0, iterations=200, clock=clock)
    reserve = post_solve_reserve_s(len(problem.jobs)) + run_margin_s(len(problem.places()))
    assert 20.0 - reserve - 1.0 < plan.seconds <= 20.0 - reserve
    assert list(dict(plan.timings))[:2] == ["solve", "repair"]


def test_cancel_kills_the_solver_at_once_and_returns_no_plan():
    """Cancel during the search: the child is killed within a second, CancelledError, no child."""
    problem, t, d = _problem()
    progress = Progress()
    clock = Clock(progress=progress)
    timer = threading.Timer(2.0, progress.cancel)
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(CancelledError):
            solve_matrix(problem, t, d, seconds=30.0, clock=clock)
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 2.0 + 1.0
    assert solver_children() == []
    snap = progress.snapshot()
    assert snap.phase == "solve" and snap.cancelled
    assert snap.best is not None and snap.best.jobs_total == len(problem.jobs)
    assert 0 < snap.best.jobs_served <= len(problem.jobs) and snap.best.length_m > 0
