"""The courier page under AppTest: who may see it, a day without a route, the day's route."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apptest_utils import log_in, make_app, no_exception, open_page
from courier_fixtures import courier_plan
from store_utils import account

from data.settings import Settings
from data.store import Store

PASSWORD = "mật-khẩu-bưu-tá-01"
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _courier_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, plan_name: str | None):
    """The app logged in as courier BT01 (with today's plan saved as ``plan_name``)."""
    at = make_app(monkeypatch, tmp_path)
    with Store.open(Settings.from_env()) as store:
        account(store, "bt01", role="courier", courier_id="BT01", password=PASSWORD)
        if plan_name is not None:
            store.save_plan(courier_plan(TODAY.isoformat()), name=plan_name,
                            actor=account(store, "admin"))
    return log_in(at, "bt01", PASSWORD)


def test_the_page_is_for_couriers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another role's menu has no courier page at all (data.access.PAGE_RULES)."""
    at = make_app(monkeypatch, tmp_path)
    at.run()
    no_exception(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app/pages/courier.py")
    assert not at.get("bidi_component")


def test_a_day_without_a_route_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A courier without a saved plan today is told the dispatcher has to plan the day."""
    at = open_page(_courier_app(monkeypatch, tmp_path, plan_name=None), "courier")
    no_exception(at)
    assert any("Chưa có tuyến nào của bạn" in i.value for i in at.info)


def test_the_days_route_is_drawn_with_its_plan_named_as_text(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    """Today's route: the plan's name (markup in it escaped), the map and the stop list."""
    at = open_page(_courier_app(monkeypatch, tmp_path, plan_name="[bấm](https://x.org) **A**"),
                   "courier")
    no_exception(at)
    caption = next(c.value for c in at.caption if "Kế hoạch" in c.value)
    assert "\\[bấm\\]" in caption and "\\*\\*A\\*\\*" in caption  # shown as typed
    assert at.subheader[0].value == f"Tuyến của tôi — {TODAY:%d/%m/%Y}"
    assert len(at.get("bidi_component")) == 1
