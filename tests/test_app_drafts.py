"""Drafts of the Dispatch page (app.drafts) under AppTest: the kept draft follows the plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_utils import (
    log_in,
    make_app,
    no_exception,
    open_page,
    plan_simulated_day,
)
from streamlit.testing.v1 import AppTest

from data import accounts
from data.drafts import load_draft
from data.settings import Settings
from data.store import Store


def _shown_jobs(at: AppTest) -> list[list[str]]:
    """The dossiers of each courier's route table, in the order the page shows them."""
    tables = [d.value for d in at.dataframe if "Đến lúc" in d.value.columns]
    return [[j for j in df["Mã hồ sơ"] if j] for df in tables]


def _kept_jobs() -> tuple[list[list[str]], str]:
    """The dossiers of each route of the plan in the stored draft, and the plan's notes."""
    with Store.open(Settings.from_env()) as store:
        admin = accounts.get_account(store, "admin")
        draft = load_draft(store, "dispatch", actor=admin, audit=False)
    assert draft is not None
    plan = draft.content["plan"]
    routes = [[s["job_id"] for s in r["stops"] if s["job_id"]] for r in plan["routes"]]
    return routes, str(plan.get("notes", ""))


def test_the_kept_draft_follows_the_plan_through_an_edit_and_its_undo(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A plan's JSON is kept once per plan, never for the next one: plan, Sửa tay, undo.

    The draft is written from JSON computed once per plan object; after each change the
    stored draft holds the routes the page shows, and a new session restores the edit.
    """
    at = plan_simulated_day(make_app(monkeypatch, tmp_path))
    planned = _shown_jobs(at)
    assert any(planned)
    kept, notes = _kept_jobs()
    assert kept == planned and "manually edited" not in notes

    # move the first stop listed (on the first route with stops) to another courier
    plan = at.session_state["plan"]
    first = next(r.courier_id for r in plan.routes if r.job_stops)
    target = next(c for c in at.session_state["dsp_problem"].couriers if c != first)
    at.number_input(key="dsp_edit_pos").set_value(1)
    at.selectbox(key="dsp_edit_to").set_value(target)
    at.button(key="dsp_edit_move").click().run()
    no_exception(at)
    edited = _shown_jobs(at)
    assert edited != planned
    assert sorted(j for r in edited for j in r) == sorted(j for r in planned for j in r)
    kept, notes = _kept_jobs()
    assert kept == edited and "manually edited" in notes

    again = open_page(log_in(AppTest.from_file(at._script_path, default_timeout=240)),
                      "dispatch")
    no_exception(again)
    assert _shown_jobs(again) == edited  # a restore brings the edit back, not the plan

    at.button(key="dsp_edit_undo").click().run()
    no_exception(at)
    assert _shown_jobs(at) == planned
    kept, notes = _kept_jobs()
    assert kept == planned and "manually edited" not in notes
