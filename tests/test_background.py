"""Tests of app.background: one task per session, its result, its error, Cancel, shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from app.background import Runner
from data.budget import Clock
from data.errors import CancelledError, InputError


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
