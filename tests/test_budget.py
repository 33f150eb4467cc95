"""Tests of data.budget: the command's clock, its phases and what it leaves the solver."""

from __future__ import annotations

import math
import time

import pytest

from data.budget import Clock
from data.errors import InputError


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
