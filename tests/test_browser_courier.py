"""The courier's phone page in real Chromium at 360 × 800: taps stored exactly once, offline.

A courier logs in on a phone-sized screen and marks stops *done* / *failed*. Then the
connection goes: HTTP is cut (``context.set_offline``) and the app's websocket is closed and
refused (``page.route_web_socket``: Playwright's offline mode alone leaves websockets open).
The page says it is offline and lists the taps it keeps; when the connection is back they
are sent, and the store holds every tap exactly once. A tap made offline and still queued
when the page is reloaded is sent by the reloaded page; a tap already stored and sent again
is not stored twice. The browser shares a fixed position (``geolocation``) with the
courier's consent: the outcomes and the stop reports carry it. A stop named
``<img src=x onerror=alert(1)>`` shows as text. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_utils import ARTIFACTS, admin, chromium, running_app, wait_idle
from courier_fixtures import ADDRESS_J1, HOSTILE, courier_plan

from data import accounts as acc
from data.store import Store
from routing.result import Plan

pytestmark = pytest.mark.browser

COURIER, COURIER_PASSWORD = "bt01", "mật-khẩu-bưu-tá-01"
#: Where the phone says it is (Kon Tum city).
HERE = {"latitude": 14.3561, "longitude": 108.0121, "accuracy": 8}
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def todays_plan() -> Plan:
    """Courier BT01's day (:func:`courier_fixtures.courier_plan`), dated today."""
    return courier_plan(TODAY.isoformat())


@pytest.fixture(scope="module")
def user_dir() -> Iterator[Path]:
    """A store with the admin, courier BT01's account and today's saved plan."""
    folder = Path(tempfile.mkdtemp(prefix="postplan-courier-"))
    with Store(f"sqlite:///{folder / 'postplan.sqlite'}") as store:
        root = admin(store)
        acc.add_account(store, COURIER, actor=root, role="courier", password=COURIER_PASSWORD,
                        display_name="Nguyễn Văn Bưu", courier_id="BT01")
        store.save_plan(todays_plan(), name="Kế hoạch hôm nay", actor=root)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def app_url(user_dir: Path) -> Iterator[str]:
    with running_app({"POSTPLAN_USER_DIR": str(user_dir)}, log_name="courier-server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def stored(user_dir: Path) -> list[Any]:
    """Every outcome in the server's store for today (read as the admin)."""
    from data.outcomes import outcomes_for

    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}") as store:
        return outcomes_for(store, actor=admin(store), plan_date=TODAY)


def stop_reports(user_dir: Path) -> Any:
    """The courier page's stop reports (read as the admin)."""
    from data.stop_reports import courier_page_reports

    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}") as store:
        return courier_page_reports(store, actor=admin(store))


class Line:
    """The app's websocket, cut and restored on demand (Playwright's routing).

    ``mute_after_send``: the next message carrying taps (``"batch"``) reaches the server;
    the first answer that names one of its taps (the page's new list of stored taps), and
    everything after it, never reaches the phone (a lost answer) until :meth:`drop` takes
    the line down. Answers before it pass: the server's run needs them to go on.
    """

    def __init__(self) -> None:
        self.down = False
        self.mute_after_send = False
        self.muted = False
        self.answer_ids: set[bytes] = set()
        self.open: list[Any] = []

    def handle(self, ws: Any) -> None:
        if self.down:
            ws.close()
            return
        server = ws.connect_to_server()

        def to_server(message: Any) -> None:
            server.send(message)
            raw = message if isinstance(message, bytes) else str(message).encode()
            if self.mute_after_send and b'"batch"' in raw:
                self.mute_after_send = False
                self.answer_ids = set(re.findall(rb'"outcome_id"\s*:\s*"([0-9a-f-]{36})"', raw))

        def to_page(message: Any) -> None:
            raw = message if isinstance(message, bytes) else str(message).encode()
            if any(i in raw for i in self.answer_ids):
                self.muted = True
            if not self.muted:
                ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)  # set: the server's messages pass only through here
        self.open.append(ws)

    def drop(self) -> None:
        """Take the line down (the page's websocket closes; new ones are refused)."""
        self.down = True
        for ws in self.open:
            ws.close()
        self.open.clear()
        self.muted = False
        self.answer_ids = set()

    def cut(self, context: Any) -> None:
        self.down = True
        context.set_offline(True)
        for ws in self.open:
            ws.close()
        self.open.clear()

    def restore(self, context: Any) -> None:
        context.set_offline(False)
        self.down = False


def phone(browser: Any) -> tuple[Any, Any, Line, list[str]]:
    """A 360 × 800 touch phone sharing HERE, its page, its line, and the dialogs it saw."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2,
                                  permissions=["geolocation"], geolocation=HERE,
                                  locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    line = Line()
    page.route_web_socket(re.compile(r".*/_stcore/stream.*"), line.handle)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return context, page, line, dialogs


def log_in_courier(page: Any, url: str | None = None) -> None:
    """Sign in as the courier (at ``url``/courier, or where the page is) and wait for the list.

    A page whose login survived the reload shows the list straight away.
    """
    if url is not None:
        page.goto(f"{url}/courier", wait_until="networkidle")
    login = page.get_by_label("Tên đăng nhập")
    page.locator(".pp-stop").or_(login).first.wait_for(timeout=120_000)
    if not login.count():
        page.locator(".pp-stop").nth(5).wait_for(timeout=120_000)
        return
    wait_idle(page)
    page.get_by_label("Tên đăng nhập").fill(COURIER)
    page.get_by_label("Mật khẩu").fill(COURIER_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator(".pp-stop").nth(5).wait_for(timeout=120_000)


def card(page: Any, key: str) -> Any:
    return page.locator(f'[data-stop="{key}"]')


def mark_done(page: Any, key: str, *, receiver: str, fee: int) -> None:
    c = card(page, key)
    c.locator('[data-action="done"]').click()
    c.get_by_label("Tên người nhận").fill(receiver)
    c.get_by_label("Phí đã thu (đồng)").fill(str(fee))
    c.get_by_role("button", name="Lưu").click()


def mark_failed(page: Any, key: str, *, reason: str, note: str = "") -> None:
    c = card(page, key)
    c.locator('[data-action="failed"]').click()
    c.locator(f'[data-reason="{reason}"]').click()
    if note:
        c.get_by_label("Ghi chú").fill(note)
    c.get_by_role("button", name="Lưu").click()


def status(page: Any) -> Any:
    return page.locator(".pp-status")


def wait_state(page: Any, state: str, timeout_ms: int = 60_000) -> None:
    page.locator(f'.pp-status[data-state="{state}"]').wait_for(timeout=timeout_ms)


def stored_facts(user_dir: Path) -> list[Any]:
    """Today's outcomes without personal fields: a read that writes nothing (not audited)."""
    from data.outcomes import outcome_facts

    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}", migrate=False) as store:
        return outcome_facts(store, actor=admin(store), date_from=TODAY, date_to=TODAY)


def wait_stored(page: Any, user_dir: Path, n: int, timeout_s: float = 60.0) -> list[Any]:
    """Every outcome of today once there are ``n``, or at ``timeout_s``.

    It waits with ``page.wait_for_timeout``, not ``time.sleep``: the line's handlers
    (:class:`Line`) forward the page's messages only while Playwright runs, so a sleeping
    test would hold the tap back from the server.
    """
    import time

    deadline = time.monotonic() + timeout_s
    while len(stored_facts(user_dir)) < n and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    return stored(user_dir)


def test_taps_are_stored_once_through_a_lost_connection(app_url: str, browser: Any,
                                                        user_dir: Path) -> None:
    """Online taps are stored at once; offline ones wait, are listed, and are sent once."""
    context, page, line, dialogs = phone(browser)
    log_in_courier(page, app_url)
    assert page.locator(".pp-stop").count() == 6  # the office, four stops, the office
    page.get_by_role("button", name="Đồng ý ghi vị trí").click()
    page.locator('[data-consent="yes"]').wait_for()
    page.screenshot(path=str(ARTIFACTS / "courier-360.png"), full_page=True)

    # online: each tap is stored at once
    mark_done(page, "delivery:J1", receiver="Trần Thị Nhận", fee=25000)
    card(page, "delivery:J1").locator('[data-state="stored"]').wait_for(timeout=60_000)
    mark_failed(page, "pickup:J2", reason="not_home")
    card(page, "pickup:J2").locator('[data-state="stored"]').wait_for(timeout=60_000)
    wait_state(page, "ok")
    assert len(stored(user_dir)) == 2

    # the connection drops: the page says so and keeps the taps
    line.cut(context)
    wait_state(page, "off", 30_000)
    mark_done(page, "delivery:J3", receiver="Lê Văn Ba", fee=0)
    mark_failed(page, "delivery:J4", reason="other", note="Nhà khoá cửa, hàng xóm không biết")
    wait_state(page, "off")
    assert "Mất kết nối" in status(page).inner_text()
    assert "2 lần bấm" in status(page).inner_text()
    assert page.locator(".pp-queue li.pp-waiting").count() == 2
    assert card(page, "delivery:J3").locator('[data-state="queued"]').count() == 1
    page.screenshot(path=str(ARTIFACTS / "courier-offline-360.png"), full_page=True)
    page.wait_for_timeout(3000)
    assert len(stored(user_dir)) == 2  # nothing reached the server

    # back online: the queue empties and every tap is stored exactly once
    line.restore(context)
    wait_state(page, "ok", 90_000)
    assert page.locator(".pp-queue li").count() == 0
    found = wait_stored(page, user_dir, 4)
    assert len(found) == 4 and len({o.outcome_id for o in found}) == 4
    by_stop = {o.stop: o for o in found}
    assert set(by_stop) == {("J1", "delivery"), ("J2", "pickup"), ("J3", "delivery"),
                            ("J4", "delivery")}
    j1, j2, j4 = by_stop["J1", "delivery"], by_stop["J2", "pickup"], by_stop["J4", "delivery"]
    assert (j1.status, j1.receiver_name, j1.fee_vnd) == ("done", "Trần Thị Nhận", 25000)
    assert (j2.status, j2.reason) == ("failed", "not_home")
    assert (j4.reason, j4.note) == ("other", "Nhà khoá cửa, hàng xóm không biết")
    assert all(o.courier_id == "BT01" and o.actor == COURIER for o in found)
    for o in found:  # the phone's position, with the courier's consent
        assert (o.lat, o.lon, o.accuracy_m) == pytest.approx((14.3561, 108.0121, 8))
    reports = stop_reports(user_dir)
    assert sorted(reports["job_id"]) == ["J1", "J2", "J3", "J4"]
    row = reports.set_index("job_id").loc["J1"]
    assert (row["address_id"], row["placed_by"]) == (ADDRESS_J1, "approximate")
    assert (row["lat"], row["lon"]) == pytest.approx((14.3561, 108.0121))
    assert dialogs == []
    context.close()


def test_a_tap_whose_answer_is_lost_is_stored_once(app_url: str, browser: Any,
                                                  user_dir: Path) -> None:
    """The server stores a tap, the answer never reaches the phone; the resend is not stored
    again, and the tap leaves the phone's queue."""
    context, page, line, dialogs = phone(browser)
    log_in_courier(page, app_url)
    wait_state(page, "ok", 60_000)  # the page has heard the server: a tap is sent at once
    before = stored(user_dir)
    line.mute_after_send = True
    mark_failed(page, "delivery:J3", reason="wrong_address")
    after = wait_stored(page, user_dir, len(before) + 1)
    assert len(after) == len(before) + 1  # the server stored it, the phone did not hear
    line.drop()
    new = next(o for o in after if o.outcome_id not in {b.outcome_id for b in before})
    page.locator(".pp-queue li.pp-waiting").wait_for()
    line.restore(context)
    wait_state(page, "ok", 90_000)
    assert page.locator(".pp-queue li").count() == 0
    page.wait_for_timeout(2000)
    again = stored(user_dir)
    assert len(again) == len(after)
    assert [o.outcome_id for o in again].count(new.outcome_id) == 1
    assert card(page, "delivery:J3").locator('[data-state="stored"]').inner_text().startswith(
        "Không thành công")
    assert dialogs == []
    context.close()


def test_taps_queued_at_a_reload_are_sent_by_the_reloaded_page(app_url: str, browser: Any,
                                                               user_dir: Path) -> None:
    """A tap still on the phone when the page reloads is sent by the reloaded page."""
    context, page, line, dialogs = phone(browser)
    log_in_courier(page, app_url)
    before = stored(user_dir)
    line.cut(context)
    wait_state(page, "off", 30_000)
    mark_done(page, "delivery:J4", receiver="Chủ nhà", fee=15000)  # came back: done now
    page.locator(".pp-queue li.pp-waiting").wait_for()
    key = f"postplan.courier.v1.{COURIER}.{TODAY.isoformat()}"
    queued = json.loads(page.evaluate(f"localStorage.getItem({json.dumps(key)})"))
    assert len(queued) == 1
    # HTTP back, the websocket still refused: the old page cannot send; reload it
    context.set_offline(False)
    page.reload(wait_until="load")
    line.down = False
    log_in_courier(page)
    wait_state(page, "ok", 90_000)
    after = wait_stored(page, user_dir, len(before) + 1)
    assert len(after) == len(before) + 1
    new = next(o for o in after if o.outcome_id == queued[0]["outcome_id"])
    assert (new.job_id, new.status, new.fee_vnd) == ("J4", "done", 15000)
    assert card(page, "delivery:J4").locator('[data-state="stored"]').inner_text().startswith(
        "Đã xong")
    assert json.loads(page.evaluate(f"localStorage.getItem({json.dumps(key)})")) == []
    assert dialogs == []
    context.close()


def test_hostile_stop_name_is_text_and_links_are_built_from_numbers(app_url: str,
                                                                     browser: Any) -> None:
    """``<img src=x onerror=…>`` as a stop name shows as text; call and map links are safe."""
    context, page, _line, dialogs = phone(browser)
    log_in_courier(page, app_url)
    hostile = card(page, "pickup:J2")
    assert hostile.locator(".pp-label").inner_text() == HOSTILE
    assert page.locator("img[src='x']").count() == 0
    j1 = card(page, "delivery:J1")
    assert j1.get_by_role("link", name="Gọi").get_attribute("href") == "tel:0905123456"
    assert j1.get_by_role("link", name="Chỉ đường").get_attribute("href") == \
        "geo:14.380200,108.060100"
    assert "destination=14.380200,108.060100" in \
        j1.get_by_role("link", name="Google Maps").get_attribute("href")
    assert "gần đúng" in j1.locator(".pp-detail").inner_text()
    assert card(page, "delivery:J3").get_by_role("link", name="Gọi").count() == 0  # no phone
    for button in page.locator(".pp-stop .pp-btn").all()[:6]:  # large touch targets
        box = button.bounding_box()
        assert box is not None and box["height"] >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    page.wait_for_timeout(1000)
    assert dialogs == []
    context.close()


def test_refused_taps_and_other_days_taps_stay_in_sight(app_url: str, browser: Any,
                                                        user_dir: Path) -> None:
    """A tap the server refuses is listed with its reason; another day's queue is named."""
    context, page, _line, dialogs = phone(browser)
    log_in_courier(page, app_url)
    key = f"postplan.courier.v1.{COURIER}.{TODAY.isoformat()}"
    other = f"postplan.courier.v1.{COURIER}.2026-01-05"
    bad = {"outcome_id": "3f0c6f5e-8d0c-4c71-9b35-2d4c4d7e9a01", "stop": "delivery:J9",
           "job_id": "J9", "role": "delivery", "status": "done", "reason": None, "note": "",
           "receiver_name": "", "fee_vnd": None, "at": f"{TODAY.isoformat()}T10:00:00+07:00",
           "plan_id": 1, "plan_version": 1, "plan_date": TODAY.isoformat(), "queued": 1,
           "lat": None, "lon": None, "accuracy_m": None}
    page.evaluate("([k, v, o, w]) => { localStorage.setItem(k, v); localStorage.setItem(o, w); }",
                  [key, json.dumps([bad]), other, json.dumps([{**bad, "outcome_id": "x"}])])
    before = len(stored(user_dir))
    refused = page.locator(f'.pp-queue li.pp-refused[data-outcome="{bad["outcome_id"]}"]')
    refused.wait_for(timeout=60_000)  # sent on the next ping, refused by the server
    assert "J9" in refused.locator(".pp-why").inner_text()
    wait_state(page, "off")
    assert "từ chối" in status(page).inner_text()
    assert page.locator('[data-other-days="05/01/2026"]').count() == 1
    assert len(stored(user_dir)) == before
    assert len(json.loads(page.evaluate(f"localStorage.getItem({json.dumps(key)})"))) == 1
    assert dialogs == []
    context.close()
