"""A new user's first day, following the README (Chromium + the command line).

The server starts on an empty database and prints the one-time setup link on its console;
the link's form creates the first admin (``lan``), who is then logged in; on the admin page
``lan`` adds a dispatcher (``minh``, office po-23293) and a courier (``an``, courier id BT01);
the dispatcher saves today's plan from the shell (``postplan plans save … --as minh``); the
courier logs in and sees only their route; the admin downloads the audit log; and
``postplan audit --json --as lan`` lists all of it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from browser_utils import ARTIFACTS, chromium, log_in, page_text, running_app, wait_idle
from test_browser_access import todays_plan

pytestmark = pytest.mark.browser

ADMIN_PW, MINH_PW, AN_PW = "mật-khẩu-của-lan", "mật-khẩu-của-minh", "mật-khẩu-của-an"
STOP = "Nhà bà Hoa, thôn 3"
#: The README's words for the first start (Accounts and the first start).
README_LINE = ("postplan: no account exists yet. Open this one-time link to create the first "
               "admin:")


def _postplan(env: dict[str, str], *args: str, stdin: str = "") -> dict[str, Any]:
    """Run the ``postplan`` command of this environment with ``--json``; its document."""
    done = subprocess.run([str(Path(sys.executable).parent / "postplan"), *args, "--json"],
                          input=stdin, capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def _setup_link(log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        found = re.search(r"\n    (http://\S+/\?setup=\S+)\n", text)
        if found:
            assert README_LINE in text
            return found.group(1)
        time.sleep(0.5)
    raise AssertionError(f"no setup link on the console: {log}")


def _pick(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the first select box labelled ``label``."""
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def _add_account(page: Any, user: str, role: str, password: str, *, office: str = "",
                 courier_id: str = "") -> None:
    """Fill the admin page's add form as a person would and submit it."""
    page.get_by_label("Tên đăng nhập", exact=True).first.fill(user)
    page.get_by_label("Họ tên hiển thị", exact=True).first.fill(user.title())
    _pick(page, "Vai trò", role)
    if office:
        box = page.get_by_label("Bưu cục (điều phối viên)", exact=True).first
        box.click()
        box.type(office)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
    if courier_id:
        page.get_by_label("Mã bưu tá (bưu tá)", exact=True).first.fill(courier_id)
    page.get_by_label("Mật khẩu", exact=True).first.fill(password)
    page.get_by_label("Nhập lại mật khẩu", exact=True).first.fill(password)
    page.get_by_role("button", name="Thêm tài khoản").click()
    wait_idle(page)
    page.get_by_text(f"Đã thêm tài khoản {user} ({role}).").wait_for(timeout=60_000)


def test_a_new_users_first_day(tmp_path: Path) -> None:
    """Setup link → first admin → dispatcher and courier on the admin page → the courier's
    route only → the audit log lists the logins, account creations, opening and export."""
    user_dir = tmp_path / "user"
    env = {**os.environ, "POSTPLAN_USER_DIR": str(user_dir), "POSTPLAN_TILES": "none"}
    env.pop("POSTPLAN_DB_URL", None)
    env.pop("POSTPLAN_AS", None)
    log_name = "walkthrough-server.log"
    with running_app({"POSTPLAN_USER_DIR": str(user_dir)}, log_name=log_name,
                     with_admin=False) as url, chromium() as browser:
        link = _setup_link(ARTIFACTS / log_name)
        admin = browser.new_page(viewport={"width": 1400, "height": 1600})
        admin.goto(url + "/?setup=" + link.split("?setup=", 1)[1], wait_until="networkidle")
        wait_idle(admin)
        admin.get_by_text("Tạo quản trị viên đầu tiên").wait_for(timeout=60_000)
        admin.get_by_label("Tên đăng nhập").fill("lan")
        admin.get_by_label("Họ tên hiển thị").fill("Nguyễn Thị Lan")
        admin.get_by_label("Mật khẩu", exact=True).fill(ADMIN_PW)
        admin.get_by_label("Nhập lại mật khẩu").fill(ADMIN_PW)
        admin.get_by_role("button", name="Tạo tài khoản").click()
        wait_idle(admin, 300_000)
        admin.screenshot(path=str(ARTIFACTS / "walkthrough-setup.png"), full_page=True)
        sidebar = admin.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Đang đăng nhập: Nguyễn Thị Lan (quản trị viên)").wait_for(
            timeout=120_000)

        sidebar.get_by_text("Quản trị", exact=True).click()
        wait_idle(admin)
        admin.screenshot(path=str(ARTIFACTS / "walkthrough-nav.png"), full_page=True)
        admin.get_by_text("Quản trị: tài khoản và nhật ký").wait_for(timeout=180_000)
        _add_account(admin, "minh", "điều phối viên", MINH_PW, office="Bưu cục Kon Tum")
        _add_account(admin, "an", "bưu tá", AN_PW, courier_id="BT01")
        admin.screenshot(path=str(ARTIFACTS / "walkthrough-admin.png"), full_page=True)

        plan_file = tmp_path / "today.json"
        plan_file.write_text(json.dumps(todays_plan("po-23293", {"BT01": STOP,
                                                                 "BT02": "Nhà người khác"})),
                             encoding="utf-8")
        saved = _postplan(env, "plans", "save", str(plan_file), "--name", "Kế hoạch hôm nay",
                          "--as", "minh")
        assert saved["ok"]

        courier = browser.new_page(viewport={"width": 420, "height": 1200})
        log_in(courier, url, user="an", password=AN_PW)
        courier.get_by_text(STOP).first.wait_for(timeout=120_000)
        shown = page_text(courier)  # the stop cards are drawn in the component's shadow root
        assert STOP in shown and "Nhà người khác" not in shown
        assert courier.locator('[data-testid="stSidebarNav"]').count() == 0
        courier.screenshot(path=str(ARTIFACTS / "walkthrough-courier.png"), full_page=True)

        admin.get_by_role("tab", name="Nhật ký truy cập").click()
        wait_idle(admin)
        with admin.expect_download() as got:
            admin.get_by_role("button", name="Tải nhật ký (CSV)").click()
        assert Path(got.value.path()).read_text(encoding="utf-8-sig").startswith("id,at,")

    entries = _postplan(env, "audit", "--as", "lan")["entries"]
    done = [(e["username"], e["action"], e["object_kind"], e["object_name"]) for e in entries]
    for wanted in [
        ("lan", "account_add", "account", "lan"),
        ("lan", "login", None, None),
        ("lan", "account_add", "account", "minh"),
        ("lan", "account_add", "account", "an"),
        ("minh", "save", "plan", "Kế hoạch hôm nay"),
        ("an", "login", None, None),
        ("an", "open", "plan", "Kế hoạch hôm nay"),
        ("lan", "export", "audit_log", "audit_log.csv"),
    ]:
        assert wanted in done, (wanted, done)
    assert done.index(("lan", "account_add", "account", "an")) < done.index(
        ("an", "open", "plan", "Kế hoạch hôm nay"))
