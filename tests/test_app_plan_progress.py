"""Dispatch planning in the background (app.plan_progress) under AppTest: what the page shows."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from apptest_utils import finish_planning, make_app, no_exception, open_page, planning
from streamlit.testing.v1 import AppTest

from app.plan_work import ACTION_EXTRA_S

#: Slack for AppTest's reruns (every 0.25 s) and a loaded two-core machine.
SLACK_S = 4.0


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    return make_app(monkeypatch, tmp_path)


def _day(app: AppTest, *, n_jobs: int, budget_s: int, iterations: int) -> AppTest:
    at = open_page(app, "dispatch")
    at.number_input(key="dsp_n_jobs").set_value(n_jobs)
    at.number_input(key="dsp_couriers").set_value(2)
    at.number_input(key="dsp_budget").set_value(budget_s)
    at.number_input(key="dsp_iterations").set_value(iterations)
    at.button(key="dsp_simulate").click().run()
    no_exception(at)
    return at


def _shown(at: AppTest) -> str:
    """The markdown, captions and progress bars' texts the page shows."""
    bars = [e.proto.text for e in at.get("progress")]
    return " ".join([*(e.value for e in [*at.markdown, *at.caption]), *bars])


def _route_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if "Đến lúc" in d.value.columns]


def _summary(at: AppTest) -> list[str]:
    return [s.value for s in at.success if " km" in s.value]


def _until_solving(at: AppTest, timeout_s: float = 120.0) -> None:
    """Rerun (as the panel's timer does) until the panel says the solver is searching."""
    deadline = time.monotonic() + timeout_s
    while "Đang giải bài toán tuyến" not in _shown(at):
        assert planning(at), "the work ended before its search began"
        assert time.monotonic() < deadline, "the search did not start"
        time.sleep(0.25)
        at.run()


def test_a_plan_runs_in_the_background_and_its_routes_appear(app: AppTest) -> None:
    """The click returns at once with a live panel; the page stays usable; the routes come.

    The search is bounded by a 10 s budget and an iteration cap it cannot reach, so the
    work is still running when the click's run ends, however fast the machine.
    """
    at = _day(app, n_jobs=8, budget_s=10, iterations=1_000_000)
    at.button(key="dsp_plan").click().run()
    no_exception(at)
    assert planning(at), "no progress panel after the click"
    assert at.button(key="dsp_plan").disabled  # never two plans at once
    assert re.search(r"[\d,]+ / [\d,]+ giây", _shown(at)), _shown(at)
    assert not _route_tables(at)  # nothing yet
    at.expander(key="dsp_jobs_exp")  # the page is all there while it plans …
    at.number_input(key="dsp_n_jobs").set_value(9).run()  # … and answers a widget
    no_exception(at)
    finish_planning(at)
    no_exception(at)
    assert not planning(at)
    tables = _route_tables(at)
    assert tables and all(t["Đến lúc"].str.fullmatch(r"\d\d:\d\d").all() for t in tables)
    assert any(c.value.startswith("Thời gian đã dùng:") and " giây" in c.value
               for c in at.caption)
    assert not at.button(key="dsp_plan").disabled


def test_cancel_keeps_the_plan_in_use_and_says_so(app: AppTest) -> None:
    """Cancel during the search: the panel goes, the page says so, the old routes stay."""
    at = _day(app, n_jobs=8, budget_s=30, iterations=300)
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    before_tables = [t.to_dict() for t in _route_tables(at)]
    before_summary = _summary(at)
    assert before_tables and before_summary
    at.number_input(key="dsp_budget").set_value(120)
    at.number_input(key="dsp_iterations").set_value(1_000_000).run()  # a long search
    at.button(key="dsp_plan").click().run()
    _until_solving(at)
    t0 = time.monotonic()
    at.button(key="dsp_cancel_plan").click().run()
    finish_planning(at, timeout_s=10)
    no_exception(at)
    assert time.monotonic() - t0 < 5.0
    assert [i.value for i in at.info if "huỷ" in i.value] == [
        "Đã huỷ lập tuyến. Kế hoạch đang có được giữ nguyên."]
    assert _summary(at) == before_summary
    assert [t.to_dict() for t in _route_tables(at)] == before_tables


def test_a_replan_returns_within_its_budget_with_the_new_plan(app: AppTest) -> None:
    """Re-plan from 10:00 with a 6 s budget and an iteration cap it cannot reach: the page
    has the new plan within the budget and its margin (ACTION_EXTRA_S), and says so."""
    at = _day(app, n_jobs=12, budget_s=30, iterations=300)
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    at.number_input(key="dsp_budget").set_value(6)
    at.number_input(key="dsp_iterations").set_value(1_000_000).run()
    t0 = time.monotonic()
    at.button(key="dsp_replan").click().run()
    assert planning(at), [e.value for e in [*at.error, *at.warning, *at.success, *at.info]]
    finish_planning(at, timeout_s=6 + ACTION_EXTRA_S + SLACK_S + 10)
    no_exception(at)
    assert time.monotonic() - t0 < 6 + ACTION_EXTRA_S + SLACK_S
    assert any(s.value.startswith("Đã lập lại từ 10:00") for s in [*at.success, *at.warning])
    spent = next(c.value for c in at.caption if c.value.startswith("Thời gian đã dùng:"))
    found = re.search(r"tổng ([\d,]+) / ([\d,]+) giây", spent)
    assert found is not None, spent
    total, limit = (float(g.replace(",", ".")) for g in found.groups())
    assert 6.0 <= total <= limit <= 6.0 + ACTION_EXTRA_S + 1.0
    assert _route_tables(at)
