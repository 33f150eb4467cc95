"""Logins and roles in a real browser (headless Chromium).

A wrong password is said; five in a row lock the account (the server runs with
``POSTPLAN_LOGIN_DELAYS_S=0,0,0,0`` so the test does not wait 15 s); a login survives a
reload (HttpOnly session cookie) and a logout does not; a courier's menu is their own route
and nothing else (another courier's stops are nowhere, ``/dispatch`` is not theirs); a
dispatcher of office A finds only A's plans in the picker and is refused B's by a link.
(Values planted in the session are tried in ``tests/test_app_office_scope.py``.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_utils import (
    ARTIFACTS,
    chromium,
    log_in,
    page_text,
    running_app,
    type_login,
    wait_idle,
)
from test_store import make_plan

from data.accounts import add_account, create_first_admin
from data.store import Store

pytestmark = pytest.mark.browser

PASSWORD = "mật-khẩu-của-mọi-người"
OFFICE_A, OFFICE_B = "po-23293", "po-23401"
MINE, OTHERS, B_SECRET = "Nhà ông An số 1", "Nhà bí mật của BT02", "Nhà riêng văn phòng B"
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()


def todays_plan(office: str, routes: dict[str, str]) -> dict[str, Any]:
    """Today's plan at ``office``: one route per courier id, its job stop labelled."""
    doc = json.loads(make_plan().to_json())
    template = doc["routes"][0]
    doc["routes"] = []
    for courier_id, label in routes.items():
        route = json.loads(json.dumps(template))
        route.update(courier_id=courier_id, office_id=office, end_office_id=office)
        for stop in route["stops"]:
            if stop["office_id"]:
                stop["office_id"] = office
            else:
                stop["label"] = label
        doc["routes"].append(route)
    doc["plan_date"] = TODAY
    return doc


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The app with an admin, two dispatchers, two couriers, a viewer and plans of A and B."""
    user_dir = Path(tmp_path_factory.mktemp("access")) / "user"
    user_dir.mkdir()
    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}") as store:
        root = create_first_admin(store, "lan", password=PASSWORD, display_name="Nguyễn Thị Lan")
        for name, role, extra in (
            ("minh", "dispatcher", {"offices": [OFFICE_A]}),
            ("hoa", "dispatcher", {"offices": [OFFICE_B]}),
            ("an", "courier", {"courier_id": "BT01"}),
            ("binh", "courier", {"courier_id": "BT02"}),
            ("khoa", "viewer", {}),
        ):
            add_account(store, name, actor=root, role=role, password=PASSWORD,
                        display_name=name.title(), **extra)  # type: ignore[arg-type]
        store.save_plan(todays_plan(OFFICE_A, {"BT01": MINE, "BT02": OTHERS}), name="Kế hoạch A",
                        actor=root)
        plan_b = store.save_plan(todays_plan(OFFICE_B, {"BT09": B_SECRET}), name="Kế hoạch B",
                                 actor=root)
    env = {"POSTPLAN_USER_DIR": str(user_dir), "POSTPLAN_LOGIN_DELAYS_S": "0,0,0,0"}
    with running_app(env, log_name="access-server.log", with_admin=False) as url:
        yield url, plan_b.id


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _main(page: Any) -> str:
    return str(page.locator('[data-testid="stMain"]').inner_text())


def _menu(page: Any) -> list[str]:
    """The page titles of the sidebar menu (none when the menu is not drawn)."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    if nav.count() == 0:
        return []
    links = nav.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    return [t.strip().splitlines()[-1] for t in links]  # (the icon's name comes first offline)


def _everything(page: Any) -> str:
    return page_text(page)


def test_wrong_password_then_lock(app: tuple[str, int], browser: Any) -> None:
    """A wrong password says so; the 5th in a row locks; then even the right one is refused."""
    url, _ = app
    page = browser.new_page()
    log_in(page, url, user="khoa", password="sai-mật-khẩu")
    page.screenshot(path=str(ARTIFACTS / "access-wrong.png"))
    page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.").wait_for(timeout=30_000)
    for _ in range(4):
        type_login(page, "khoa", "sai-mật-khẩu")
    locked = page.locator('[data-testid="stAlertContentError"]')
    assert "Tài khoản tạm khoá vì đăng nhập sai nhiều lần" in locked.inner_text()
    type_login(page, "khoa", PASSWORD)
    assert "Tài khoản tạm khoá" in page.locator('[data-testid="stAlertContentError"]').inner_text()
    assert _menu(page) == [] and "Đang đăng nhập" not in _everything(page)
    page.screenshot(path=str(ARTIFACTS / "access-locked.png"))


def test_a_login_survives_a_reload_and_a_logout_does_not(app: tuple[str, int],
                                                         browser: Any) -> None:
    """The session cookie is HttpOnly and Strict; reload keeps the login; logout ends it."""
    url, _ = app
    context = browser.new_context()
    page = context.new_page()
    log_in(page, url, "data", user="minh", password=PASSWORD)
    page.wait_for_timeout(1_000)  # the hidden frame posts the one-time code
    cookie = next(c for c in context.cookies() if c["name"] == "postplan_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "postplan_session" not in page.evaluate("document.cookie")  # no script can read it
    page.reload(wait_until="networkidle")
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Đang đăng nhập: Minh (điều phối viên)" in sidebar
    assert _menu(page) == ["Điều phối", "Dữ liệu", "Báo cáo"]
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
    wait_idle(page)
    page.wait_for_timeout(1_000)
    assert "postplan_session" not in [c["name"] for c in context.cookies()]
    page.reload(wait_until="networkidle")
    wait_idle(page)
    assert page.get_by_label("Tên đăng nhập").is_visible()
    assert "Đang đăng nhập" not in page.locator('[data-testid="stSidebar"]').inner_text()
    context.close()


def test_a_courier_sees_only_their_own_route(app: tuple[str, int], browser: Any) -> None:
    """The courier's page lists their stops; no menu, nothing of the other courier's route."""
    url, _ = app
    page = browser.new_page()
    log_in(page, url, user="an", password=PASSWORD)
    page.get_by_text(MINE).first.wait_for(timeout=120_000)
    wait_idle(page)
    assert _menu(page) == []  # one page: nothing else in the navigation
    assert MINE in _everything(page) and OTHERS not in _everything(page)
    page.screenshot(path=str(ARTIFACTS / "access-courier.png"), full_page=True)
    for path in ("dispatch", "data", "admin", "reports"):  # pages of other roles
        page.goto(f"{url}/{path}", wait_until="networkidle")
        wait_idle(page)
        text = _everything(page)
        assert OTHERS not in text and B_SECRET not in text, path
        assert "Mở kế hoạch đã lưu" not in text and "Quản trị: tài khoản" not in text, path
        assert OTHERS not in text, path
        assert _menu(page) == [], path


def test_a_dispatcher_of_office_a_cannot_reach_office_bs_plan(app: tuple[str, int],
                                                               browser: Any) -> None:
    """The picker offers only A's plan; a link to B's plan is refused with the reason."""
    url, plan_b = app
    page = browser.new_page()
    log_in(page, url, "dispatch", user="minh", password=PASSWORD)
    page.get_by_text("Mở kế hoạch đã lưu").click()
    wait_idle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Kế hoạch").last.click()
    options = page.locator('[role="option"]').all_inner_texts()
    assert len(options) == 1 and "Kế hoạch A" in options[0], options
    page.keyboard.press("Escape")
    page.goto(f"{url}/dispatch?plan={plan_b}", wait_until="networkidle")  # still logged in
    wait_idle(page)
    refusal = page.locator('[data-testid="stAlertContentError"]').first
    refusal.wait_for(timeout=60_000)
    assert "Không được phép. Tài khoản 'minh' (điều phối bưu cục po-23293)" in \
        refusal.inner_text()
    assert B_SECRET not in _everything(page)
    page.screenshot(path=str(ARTIFACTS / "access-dispatcher-refused.png"), full_page=True)
