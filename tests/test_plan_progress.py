"""Tests of app.plan_progress's wording of a plan that ended without a plan."""

from __future__ import annotations

import pytest

from app.plan_progress import error_message
from data.errors import CancelledError, InputError, Problem, SolverError


@pytest.mark.parametrize(("lang", "text"), [
    ("vi", "Đã huỷ lập tuyến. Kế hoạch đang có được giữ nguyên."),
    ("en", "Planning cancelled. The current plan is kept."),
])
def test_a_cancel_is_an_info_in_the_users_language(lang: str, text: str) -> None:
    """Cancel is no error: an info box saying the plan in use was kept."""
    assert error_message(CancelledError(), lang=lang) == ("info", text)


@pytest.mark.parametrize(("lang", "said", "kept"), [
    ("vi", "bộ giải dừng", "Kế hoạch đang có (nếu có) được giữ nguyên."),
    ("en", "the solver stopped", "The plan in use, if any, is kept."),
])
def test_a_solver_deadline_says_why_in_one_language_and_keeps_the_plan(
        lang: str, said: str, kept: str) -> None:
    """A SolverError shows only the page's language, then that the plan in use is kept."""
    error = SolverError("bộ giải dừng ở hạn cứng", "the solver stopped at its hard deadline")
    kind, text = error_message(error, lang=lang)
    assert kind == "error" and text.startswith(said) and text.endswith(kept)
    assert ("hard deadline" in text) == (lang == "en")


def test_bad_input_lists_its_problem_in_vietnamese() -> None:
    """An InputError (e.g. a budget too short) names the problem in the page's language."""
    error = InputError([Problem("budget too short", message_vi="thời gian quá ngắn")])
    kind, text = error_message(error, lang="vi")
    assert kind == "error" and "thời gian quá ngắn" in text and "budget too short" not in text
