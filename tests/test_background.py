"""Tests of app.background: one task per session, its result, its error, Cancel, shutdown."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app.background import Runner
from data.budget import Clock
from data.errors import CancelledError, InputError, SolverError


def _phased(release: threading.Event, *, answer: int = 42):
    """Work that enters phase ``matrix``, waits for ``release``, then phase ``solve``."""

    def work(clock: Clock) -> int:
        with clock.phase("matrix"):
            release.wait(10)
        with clock.phase("solve"):
            pass
        return answer

    return work


def test_a_task_runs_beside_the_caller_and_its_result_is_taken_once() -> None:
    """start returns at once; the phase shows while it runs; take gives the result once."""
    release = threading.Event()
    runner = Runner("lan")
    task = runner.start("plan", _phased(release), Clock(30.0))
    assert task is not None and task.running()
    deadline = time.monotonic() + 5
    while task.snapshot().phase != "matrix":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert runner.take() is None  # still running: nothing to take
    assert runner.busy()
    release.set()
    assert task.wait(5)
    taken = runner.take()
    assert taken is task and taken.result == 42 and taken.error is None
    assert runner.take() is None and runner.task is None
    assert set(task.clock.timings) == {"matrix", "solve"}
    assert task.elapsed_s() == task.ended_s


def test_never_two_tasks_at_once() -> None:
    """A second start while the first runs is refused; after it ended a new one may start."""
    release = threading.Event()
    runner = Runner()
    first = runner.start("plan", _phased(release), Clock())
    assert first is not None
    assert runner.start("replan", _phased(release, answer=1), Clock()) is None
    release.set()
    assert first.wait(5)
    second = runner.start("replan", _phased(release, answer=1), Clock())
    assert second is not None and second.wait(5)
    assert runner.take() is second and second.result == 1  # the first was not taken: dropped


def test_an_error_is_kept_for_the_page() -> None:
    """An exception in the work ends the task with that error and no result."""

    def refuse(clock: Clock) -> None:
        raise InputError("the jobs file has no rows")

    runner = Runner()
    task = runner.start("plan", refuse, Clock())
    assert task is not None and task.wait(5)
    taken = runner.take()
    assert taken is not None and taken.result is None
    assert isinstance(taken.error, InputError)
    assert "no rows" in str(taken.error)


def test_cancel_stops_the_work_at_its_next_phase() -> None:
    """Cancel while a phase runs: the next phase is refused with CancelledError."""
    release = threading.Event()
    runner = Runner()
    task = runner.start("plan", _phased(release), Clock())
    assert task is not None
    runner.cancel()
    release.set()
    assert task.wait(5)
    assert isinstance(task.error, CancelledError) and task.result is None
    assert task.snapshot().cancelled
    assert "solve" not in task.clock.timings


def test_shutdown_cancels_and_takes_no_new_task() -> None:
    """A session that ends cancels its task; the runner accepts nothing afterwards."""
    release = threading.Event()
    runner = Runner("minh")
    task = runner.start("replan", _phased(release), Clock())
    assert task is not None
    runner.shutdown()
    release.set()
    assert task.wait(5) and isinstance(task.error, CancelledError)
    assert runner.start("plan", _phased(release), Clock()) is None


@pytest.mark.parametrize("owner", ["", "lan"])
def test_the_thread_is_named_for_its_owner_and_ends(owner: str) -> None:
    """The worker thread is a daemon named after the action and the account; it ends."""
    release = threading.Event()
    runner = Runner(owner)
    task = runner.start("plan", _phased(release), Clock())
    assert task is not None
    names = [t.name for t in threading.enumerate() if t.name.startswith("postplan-plan-")]
    assert names == [f"postplan-plan-{owner or 'session'}"]
    release.set()
    assert task.wait(5)
    assert not [t for t in threading.enumerate() if t.name.startswith("postplan-plan-")]


# ---- with the real solver: its child process, progress, Cancel, the hard deadline --------


def _repro() -> tuple[Any, Any, Any]:
    """The small hang reproducer of tests/test_solve_deadline.py (a real PyVRP problem)."""
    from test_solve_deadline import _problem

    return _problem()


def _solving(problem: Any, t: Any, d: Any, *, seconds: float, **options: Any):
    """Background work that solves ``problem`` on the task's clock (a child process)."""
    from routing.solve import solve_matrix

    def work(clock: Clock) -> Any:
        return solve_matrix(problem, t, d, seconds=seconds, clock=clock, **options)

    return work


def _wait_for(task: Any, predicate: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate(task.snapshot()):
        assert task.running(), f"the task ended early: {task.error!r}"
        assert time.monotonic() < deadline, f"not reached within {timeout_s} s"
        time.sleep(0.05)


def test_a_real_solve_reports_its_best_so_far_then_its_plan() -> None:
    """The solver's child reports jobs served and km while it runs; the plan is taken once."""
    from test_solve_deadline import solver_children

    problem, t, d = _repro()
    runner = Runner("lan")
    task = runner.start("plan", _solving(problem, t, d, seconds=4.0), Clock(30.0))
    assert task is not None
    _wait_for(task, lambda s: s.phase == "solve" and s.best is not None, 20.0)
    best = task.snapshot().best
    assert best is not None and best.jobs_total == len(problem.jobs)
    assert 0 < best.jobs_served <= best.jobs_total and best.length_m > 0
    assert task.wait(30.0)
    taken = runner.take()
    assert taken is task and taken.error is None
    assert taken.result.routes and taken.result.jobs_total == len(problem.jobs)
    assert list(dict(taken.result.timings))[:2] == ["solve", "repair"]
    assert solver_children() == []


def test_cancel_kills_the_solvers_child_within_a_second_and_returns_nothing() -> None:
    """Cancel while the real search runs: no child is left, CancelledError, no result."""
    from test_solve_deadline import solver_children

    problem, t, d = _repro()
    runner = Runner()
    task = runner.start("replan", _solving(problem, t, d, seconds=60.0), Clock(90.0))
    assert task is not None
    _wait_for(task, lambda s: s.phase == "solve" and s.iterations > 0, 20.0)
    t0 = time.monotonic()
    runner.cancel()
    assert task.wait(3.0), "the task did not end within 3 s of Cancel"
    assert time.monotonic() - t0 < 1.5
    assert isinstance(task.error, CancelledError) and task.result is None
    assert solver_children() == []


def test_a_hanging_solver_in_the_background_ends_within_its_limit() -> None:
    """The reproducer with its workaround off never returns by itself: the task ends by
    its limit with a SolverError in both languages, and no child is left."""
    from test_solve_deadline import solver_children

    problem, t, d = _repro()
    runner = Runner()
    task = runner.start(
        "replan", _solving(problem, t, d, seconds=60.0, overflow_guard=False), Clock(6.0)
    )
    assert task is not None
    assert task.wait(6.0 + 3.0), "the task outlived its limit"
    assert isinstance(task.error, SolverError) and task.result is None
    assert task.error.message_vi and task.error.message_en
    assert task.elapsed_s() < 6.0 + 1.0
    assert solver_children() == []
