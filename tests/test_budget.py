"""Tests of data.budget: the command's clock, its phases and what it leaves the solver."""

from __future__ import annotations

import math
import time

import pytest

from data.budget import Best, Clock, Progress, Snapshot
from data.errors import CancelledError, InputError


def test_phases_add_up_in_the_order_they_ran() -> None:
    """A phase run twice adds its seconds; as_dict ends with the total."""
    clock = Clock()
    with clock.phase("matrix"):
        time.sleep(0.01)
    with clock.phase("solve"):
        pass
    with clock.phase("matrix"):
        time.sleep(0.01)
    out = clock.as_dict()
    assert list(out) == ["matrix", "solve", "total"]
    assert out["matrix"] >= 0.02 and out["total"] >= out["matrix"] + out["solve"]
    assert math.isinf(clock.remaining())


def test_the_solver_gets_what_the_limit_leaves() -> None:
    """left_for: the wanted seconds when they fit, else what is left after the reserve."""
    clock = Clock(10.0, started=time.perf_counter() - 4.0)  # 6 s left
    assert clock.left_for("the solver", reserve_s=1.0, wanted_s=3.0) == 3.0
    left = clock.left_for("the solver", reserve_s=1.0, wanted_s=30.0)
    assert 4.9 < left <= 5.0


def test_a_limit_already_spent_is_refused_with_the_figures() -> None:
    """Less than the minimum left: an InputError naming the limit, the spending and the fix."""
    clock = Clock(5.0, started=time.perf_counter() - 4.8)
    clock.timings["matrix"] = 4.0
    with pytest.raises(InputError, match=r"--time-limit 5 s leaves 0\.0 s for the solver "
                                         r"\(spent so far: matrix 4\.0 s; 1\.0 s kept") as exc:
        clock.left_for("the solver", reserve_s=1.0, wanted_s=10.0)
    assert "give at least --time-limit 7" in str(exc.value)
    assert "bộ giải" in exc.value.problems[0].message_vi


def test_exactly_the_minimum_is_enough() -> None:
    """Boundary: the limit leaving exactly the minimum is accepted (not refused)."""
    clock = Clock(100.0, started=time.perf_counter())
    left = clock.left_for("the solver", reserve_s=clock.remaining() - 0.5 - 1e-3,
                          wanted_s=10.0, minimum_s=0.5)
    assert left >= 0.5 - 1e-3


@pytest.mark.parametrize("bad", [0.0, -3.0, math.inf, math.nan])
def test_a_limit_must_be_positive_and_finite(bad: float) -> None:
    """Zero, negative, infinite or NaN limits are input errors in both languages."""
    with pytest.raises(InputError, match="--time-limit must be a positive number"):
        Clock(bad)


def test_progress_reports_the_phase_and_the_best_so_far() -> None:
    """A clock's phases and the solver's best reach its Progress; a snapshot is consistent."""
    progress = Progress()
    clock = Clock(progress=progress)
    assert progress.snapshot() == Snapshot("", None, 0, False)
    with clock.phase("matrix"):
        assert progress.snapshot().phase == "matrix"
    progress.found(Best(jobs_served=7, jobs_total=9, length_m=12_500.0, cost=42, iterations=30))
    progress.tick(55)
    snap = progress.snapshot()
    assert snap.best == Best(7, 9, 12_500.0, 42, 30)
    assert snap.iterations == 55 and not snap.cancelled


def test_a_cancelled_clock_refuses_its_next_phase() -> None:
    """After Cancel, entering a phase raises CancelledError and the phase does not run."""
    progress = Progress()
    clock = Clock(progress=progress)
    progress.cancel()
    ran = []
    with pytest.raises(CancelledError, match="Cancelled; the current plan is kept"), \
            clock.phase("solve"):
        ran.append(True)
    assert ran == [] and clock.cancelled() and progress.snapshot().cancelled


def test_a_limit_named_for_the_app_names_no_flag() -> None:
    """The app's clock words its refusal with the field's name, not as a command flag."""
    clock = Clock(5.0, started=time.perf_counter() - 4.8, limit_name="Time budget",
                  limit_name_vi="Thời gian tính")
    with pytest.raises(InputError, match="Time budget 5 s leaves") as exc:
        clock.left_for("the solver", reserve_s=1.0, wanted_s=10.0)
    problem = exc.value.problems[0]
    assert problem.column is None and problem.value is None
    assert problem.message_vi is not None
    assert problem.message_vi.startswith("Thời gian tính 5 giây chỉ còn")
    assert "hãy cho ít nhất Thời gian tính 7" in problem.message_vi
