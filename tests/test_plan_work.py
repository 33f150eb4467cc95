"""Tests of app.plan_work's action clock: the budget, its margin, the network's load."""

from __future__ import annotations

import time

import pytest

from app.plan_work import ACTION_EXTRA_S, action_clock, network_phase
from data.errors import InputError


def test_the_action_is_bounded_by_the_budget_and_its_margin() -> None:
    """A 10 s budget gives the whole action 10 + ACTION_EXTRA_S seconds."""
    clock = action_clock(10)
    assert clock.limit_s == 10 + ACTION_EXTRA_S
    assert clock.left_for("the solver", reserve_s=1.0, wanted_s=10.0) == 10.0


def test_loading_the_network_is_not_charged_to_the_budget() -> None:
    """The seconds phase ``network`` took are added to the limit (a first load only)."""
    clock = action_clock(10)

    def slow_network() -> tuple[str, str]:
        time.sleep(0.3)
        return "G", "engine"

    assert network_phase(clock, slow_network) == ("G", "engine")
    spent = clock.timings["network"]
    assert spent >= 0.3
    assert clock.limit_s == pytest.approx(10 + ACTION_EXTRA_S + spent)
    assert clock.left_for("the solver", reserve_s=ACTION_EXTRA_S - 0.1, wanted_s=10.0) == 10.0


def test_too_short_a_budget_names_the_users_field_and_figure() -> None:
    """The refusal names "Thời gian tính", the figure typed (not the inner limit) and a fix."""
    clock = action_clock(2)
    with pytest.raises(InputError, match=r"Time budget 2 s leaves") as caught:
        clock.left_for("the solver", reserve_s=9.0, wanted_s=2.0)
    vi = caught.value.problems[0].text("vi")
    assert vi.startswith("Thời gian tính 2 giây chỉ còn 0.0 giây cho bộ giải")
    assert vi.endswith("hãy cho ít nhất Thời gian tính 5")  # 9 + 0.5 - 5, rounded up

