"""A dispatcher of office A never reaches office B's plan from the Dispatch page (AppTest):
not in the picker, not by a link ``?plan=ID`` (the store refuses and the page says so in its
language), not by values planted in the session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest_utils import ADMIN_PASSWORD, log_in, make_app, no_exception
from streamlit.testing.v1 import AppTest
from test_store import make_plan

from data import accounts as acc
from data.audit import list_audit
from data.settings import Settings
from data.store import Store

OFFICE_A, OFFICE_B = "po-23293", "po-23401"
SECRET = "Nhà riêng bí mật của văn phòng B"


def _plan_of(office: str, label: str) -> dict[str, object]:
    doc = json.loads(make_plan().to_json())
    route = doc["routes"][0]
    route.update(office_id=office, end_office_id=office)
    for stop in route["stops"]:
        if stop["office_id"]:
            stop["office_id"] = office
        else:
            stop["label"] = label
    return doc


def _shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("info", "warning", "error", "success", "markdown",
                                       "caption", "text", "title", "subheader")
             for e in at.get(kind)]
    parts += [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(parts)


@pytest.fixture
def dispatcher_a(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[AppTest, int, int]:
    """The app logged in as minh, dispatcher of office A; plans of A and B saved by admins."""
    at = make_app(monkeypatch, tmp_path)
    with Store.open(Settings.from_env()) as store:
        admin = acc.get_account(store, "admin")
        assert admin is not None
        acc.add_account(store, "minh", actor=admin, role="dispatcher", password=ADMIN_PASSWORD,
                        offices=[OFFICE_A])
        plan_a = store.save_plan(_plan_of(OFFICE_A, "Nhà của văn phòng A"), name="Kế hoạch A",
                                 actor=admin)
        plan_b = store.save_plan(_plan_of(OFFICE_B, SECRET), name="Kế hoạch B", actor=admin)
    log_in(at, "minh")
    at.run()
    at.switch_page("app/pages/dispatch.py").run()
    no_exception(at)
    return at, plan_a.id, plan_b.id


def _opened_by_minh(plan_id: int) -> list[int]:
    with Store.open(Settings.from_env()) as store:
        admin = acc.get_account(store, "admin")
        assert admin is not None
        return [e.object_id for e in list_audit(store, actor=admin, user="minh", action="open")
                if e.object_id == plan_id]


def test_the_picker_lists_only_the_dispatchers_own_office(
        dispatcher_a: tuple[AppTest, int, int]) -> None:
    """Only office A's plan is offered."""
    at, _, _ = dispatcher_a
    assert len(at.selectbox(key="dsp_saved_pick").options) == 1
    assert "Kế hoạch A" in at.selectbox(key="dsp_saved_pick").options[0]


def test_a_link_to_another_offices_plan_is_refused_in_the_pages_language(
        dispatcher_a: tuple[AppTest, int, int]) -> None:
    """/dispatch?plan=B: the store refuses, the page says why (Vietnamese, then English)."""
    at, plan_a, plan_b = dispatcher_a
    at.query_params["plan"] = str(plan_b)
    at.run()
    no_exception(at)
    errors = [e.value.replace("\\", "") for e in at.error]  # as read (markdown escapes off)
    assert any(e.startswith("Không được phép. Tài khoản") and "po-23401" in e
               and "Account" not in e for e in errors), errors
    assert SECRET not in _shown(at) and _opened_by_minh(plan_b) == []
    at.toggle(key="lang_toggle").set_value(True).run()
    at.query_params["plan"] = str(plan_b)
    at.run()
    assert any(e.startswith("Not allowed. Account") and "Tài khoản" not in e
               for e in (x.value.replace("\\", "") for x in at.error))
    at.query_params["plan"] = str(plan_a)  # the dispatcher's own plan opens from a link
    at.run()
    no_exception(at)
    assert "Nhà của văn phòng A" in json.dumps(at.session_state["plan"].to_dict(),
                                               ensure_ascii=False)
    assert _opened_by_minh(plan_a) == [plan_a]


def test_reruns_after_opening_a_plan_are_not_openings(
        dispatcher_a: tuple[AppTest, int, int]) -> None:
    """A plan opened from a link is audited once; the page's reruns open nothing more."""
    at, plan_a, _ = dispatcher_a
    at.query_params["plan"] = str(plan_a)
    at.run()
    no_exception(at)
    at.run()
    at.run()
    assert _opened_by_minh(plan_a) == [plan_a]


def test_values_planted_in_the_session_open_nothing(
        dispatcher_a: tuple[AppTest, int, int]) -> None:
    """A B plan id put in the page's session keys is ignored: nothing of B shown or opened."""
    at, _, plan_b = dispatcher_a
    at.session_state["dsp_open_next"] = plan_b
    at.session_state["dsp_pick_next"] = plan_b
    at.session_state["dsp_compare_of"] = (plan_b, 1, 1)
    at.run()
    no_exception(at)
    assert SECRET not in _shown(at) and _opened_by_minh(plan_b) == []
    assert "plan" not in at.session_state
