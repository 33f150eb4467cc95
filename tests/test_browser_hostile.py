"""Hostile data in a real browser: names full of markup are shown as text, never run.

A jobs file, an office file, a saved plan (courier names, stop labels, job ids, reasons,
the plan's name and message, the display names of the accounts that saved it) and a saved
coverage scenario (candidate and chosen site names) carry ``<img onerror>``, ``<script>``,
``javascript:`` links, markdown links and template-literal breakouts. Every page is opened
in headless Chromium, every map tooltip is opened, and the test checks that no dialog
fired and that no injected element (an ``img`` with ``onerror``, a ``javascript:`` or
markdown link, a script holding the payload) exists in the page or in any of its frames,
while the payload is visible as text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from browser_utils import (
    ARTIFACTS,
    PASSWORD,
    USER,
    chromium,
    log_in,
    page_text,
    running_app,
    wait_idle,
)

from app.safe import WORD_JOINER
from app.store_view import scenario_document
from data.accounts import add_account, create_first_admin
from data.store import Store
from routing.result import CourierRoute, Plan, PlannedStop, UnassignedJob

pytestmark = pytest.mark.browser

#: Today in Vietnam: the day whose route a courier sees.
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()

IMG = "<img src=x onerror=alert('PWN-img')>"
SCRIPT = "<script>alert('PWN-script')</script>"
A_JS = "<a href=\"javascript:alert('PWN-a')\">PWN-a</a>"
MD_JS = "[PWN-md](javascript:alert('PWN-md'))"
MD_LINK = "[PWN-link](https://example.org)"
TEMPLATE = "${alert(`PWN-tpl`)}`+alert(`PWN-bt`)+`\\"
SVG = "</script><svg onload=alert('PWN-svg')>"
PAYLOADS = (IMG, SCRIPT, A_JS, MD_JS, MD_LINK, TEMPLATE, SVG)


def hostile(word: str, i: int) -> str:
    """A Vietnamese name with the ``i``-th payload in it."""
    return f"{word} {PAYLOADS[i % len(PAYLOADS)]}"


#: Elements that must never exist, and scripts that must never hold a raw payload.
INJECTED = """() => {
  const roots = [document];  // and every shadow root (the courier page's component)
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.shadowRoot) { roots.push(el.shadowRoot); walk(el.shadowRoot); }
  });
  walk(document);
  const hits = [];
  const bad = 'img[src="x"], [onerror], svg[onload], a[href^="javascript:" i], '
            + 'a[href*="example.org"]';
  for (const root of roots) {
    for (const el of root.querySelectorAll(bad)) hits.push(el.outerHTML.slice(0, 160));
    for (const s of root.querySelectorAll('script'))
      if (/alert\\(['`]PWN/.test(s.textContent))
        hits.push('script: ' + s.textContent.slice(0, 160));
  }
  return hits;
}"""

#: Open every tooltip and popup of every Leaflet map in a frame; return how many.
OPEN_TOOLTIPS = """() => {
  if (typeof L === 'undefined') return 0;
  let n = 0;
  for (const m of Object.values(window).filter(v => v instanceof L.Map)) {
    m.eachLayer(layer => {
      try { if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); n++; } }
      catch (e) {}
      try { if (layer.getPopup && layer.getPopup()) { layer.openPopup(); } } catch (e) {}
    });
  }
  return n;
}"""


def _stop(seq: int, kind: str, at_s: int, lat: float, lon: float, label: str,
          job: str | None = None) -> PlannedStop:
    return PlannedStop(sequence=seq, kind=kind, place_id=f"p{seq}{job}", label=label, lon=lon,
                       lat=lat, arrival_s=at_s, start_s=at_s, departure_s=at_s + 300,
                       waiting_s=0, service_s=300 if job else 0, load=0, leg_length_m=1500.0,
                       leg_time_s=180.0, job_id=job, job_kind=None if job is None
                       else "delivery", office_id="BC-X" if job is None else None)


def _route(cid: str, n: int, jobs: list[tuple[str, float, float]]) -> CourierRoute:
    stops = [_stop(0, "start", 27000, 14.35, 108.0, hostile("Bưu cục", n))]
    stops += [_stop(i, "visit", 27000 + 600 * i, lat, lon, hostile("Nhà", n + i), job)
              for i, (job, lat, lon) in enumerate(jobs, start=1)]
    stops.append(_stop(len(stops), "end", 27000 + 600 * len(stops), 14.35, 108.0,
                       hostile("Bưu cục", n)))
    return CourierRoute(courier_id=cid, office_id="BC-X", end_office_id="BC-X",
                        profile="motorbike", stops=tuple(stops), courier_name=hostile("Bưu tá", n))


def hostile_plan(moved: bool) -> dict[str, Any]:
    """Two couriers; in the second version the job J2 has moved to the other courier."""
    j1, j2, j3 = (f"J1{IMG}", 14.36, 108.01), (f"J2{MD_LINK}", 14.37, 108.02), (
        f"J3{TEMPLATE}", 14.38, 107.99)
    routes = (
        _route("C1", 0, [j1] if moved else [j1, j2]),
        _route("C2", 3, [j3, j2] if moved else [j3]),
    )
    plan = Plan(plan_date="2026-11-25", routes=routes,
                unassigned=(UnassignedJob(f"J4{SCRIPT}", "delivery", "no_room",
                                          hostile("hết chỗ", 2), hostile("no room", 2)),),
                network_kind="proxy", provenance="user", seed=1, seconds=1.0, jobs_total=4,
                couriers_total=2)
    names = {"C1": hostile("Bưu tá", 0), "C2": hostile("Bưu tá", 5)}
    return {**plan.to_dict(), "courier_names": names}


def hostile_scenario() -> dict[str, Any]:
    """A coverage scenario whose candidates and saved siting answer carry payloads."""
    candidates = pd.DataFrame({
        "site_id": ["new-1", "new-2"],
        "name": [hostile("Điểm", 0), hostile("Điểm", 4)],
        "lat": [14.95, 14.7], "lon": [107.75, 107.9], "source": ["user", "user"],
    })
    siting = {"model": hostile("mclp", 1), "chosen": ["new-1"],
              "chosen_sites": [{"site_id": "new-1", "name": hostile("Điểm", 5)}],
              "population_total": 1000.0, "population_covered_before": 500.0,
              "population_covered_after": 600.0}
    return scenario_document(cutoff_min=30, profile="motorbike",
                             office_kinds=["post_office", "one_stop_shop"], model="mclp", k=1,
                             candidates=candidates, siting=siting, network_kind="proxy")


OFFICES_CSV = (
    "office_id,name,kind,lat,lon,location_note\n"
    f"BC-X,\"{hostile('Bưu cục', 0)}\",post_office,14.35,108.0,\"{MD_LINK}\"\n"
    f"OSS-X,\"{hostile('Một cửa', 1)}\",one_stop_shop,14.66,107.9,\"{hostile('ghi chú', 6)}\"\n"
).encode()
JOBS_CSV = (
    "job_id,kind,lat,lon,label\n"
    f"J1,delivery,14.36,108.01,\"{hostile('Nhà', 0)}\"\n"
    f"J2,delivery,14.40,107.98,\"{hostile('Nhà', 5)}\"\n"
).encode()
BAD_JOBS_CSV = f"job_id,kind,lat,lon,label\nJ9,\"{MD_LINK}\",14.36,108.01,x\n".encode()
FILE_NAME = f"{MD_JS}{IMG}.csv"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    user_dir = Path(tmp_path_factory.mktemp("hostile")) / "user"
    user_dir.mkdir()
    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}") as store:
        # who saves is an account: usernames cannot carry markup, display names can (the
        # logged-in admin's is shown in the sidebar)
        root = create_first_admin(store, USER, password=PASSWORD,
                                  display_name=hostile("Quản trị", 1))
        lan = add_account(store, "lan", actor=root, role="admin", password=None,
                          display_name=hostile("Lan", 4))
        # the courier C1's route of today (saved first: the plan with two versions stays
        # the newest, the one Dispatch's picker offers first)
        today = {**hostile_plan(moved=False), "plan_date": TODAY}
        store.save_plan(today, name=hostile("Hôm nay", 6), actor=root)
        name = hostile("Kế hoạch", 0)
        store.save_plan(hostile_plan(moved=False), name=name, actor=root)
        store.save_plan(hostile_plan(moved=True), name=name, actor=lan,
                        expected_version=1, message=hostile("ghi chú", 3))
        store.save("coverage_scenario", hostile("Kịch bản", 2), hostile_scenario(),
                   actor=root)
        # a courier (C1) and a viewer of the figures
        add_account(store, "c1", actor=root, role="courier", password=PASSWORD,
                    courier_id="C1", display_name=hostile("Bưu tá", 1))
        add_account(store, "xem", actor=root, role="viewer", password=PASSWORD,
                    display_name=hostile("Người xem", 5))
    with running_app({"POSTPLAN_USER_DIR": str(user_dir)}, log_name="hostile-server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _go(page: Any, title: str) -> None:
    """Open a page from the sidebar (the session, and the offices uploaded in it, stay)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_idle(page, 300_000)


def _upload(page: Any, index: int, name: str, data: bytes) -> None:
    box = page.locator('input[type="file"]').nth(index)
    box.wait_for(state="attached", timeout=180_000)  # a busy machine reruns slowly
    box.set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    wait_idle(page, 180_000)


def _check(page: Any, dialogs: list[str], where: str, *, maps: bool = True) -> None:
    """Open every map tooltip, then assert no dialog and no injected element anywhere."""
    opened = 0
    for _ in range(60 if maps else 0):  # a map's frame may still be loading after the rerun
        for frame in page.frames:
            try:
                opened += int(frame.evaluate(OPEN_TOOLTIPS))
            except Exception:  # a frame that went away while the page reran
                continue
        if opened:
            break
        page.wait_for_timeout(500)
    page.wait_for_timeout(1_000)
    hits = []
    for frame in page.frames:
        try:
            hits += frame.evaluate(INJECTED)
        except Exception:
            continue
    page.screenshot(path=str(ARTIFACTS / f"hostile-{where}.png"), full_page=True)
    assert dialogs == [], f"{where}: a dialog fired: {dialogs}"
    assert hits == [], f"{where}: injected elements: {hits}"
    assert opened > 0 or not maps, f"{where}: no map tooltip was opened"


def _plain(text: str) -> str:
    """Text as the user reads it (the invisible word joiners left out)."""
    return text.replace(WORD_JOINER, "")


def _frames_text(page: Any) -> str:
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''"))
        except Exception:
            continue
    return _plain("\n".join(texts))


def test_hostile_names_are_shown_as_text_on_every_page(app_url: str, browser: Any) -> None:
    """Offices, jobs, a saved plan and a saved scenario full of markup: no script runs, no
    element or link is injected on Data, Dispatch and Coverage, and the names read as text."""
    page = browser.new_page(viewport={"width": 1500, "height": 2200})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, app_url)

    # ---- Data: the office file (names and notes on the map and in the table)
    _go(page, "Dữ liệu")
    _upload(page, 0, FILE_NAME, OFFICES_CSV)
    page.get_by_text("Đã nạp 2 bưu cục/điểm").wait_for(timeout=60_000)
    assert f"{MD_JS}{IMG}.csv" in _plain(page.locator('[data-testid="stMain"]').inner_text())
    _check(page, dialogs, "data")
    assert IMG in _frames_text(page)  # an office tooltip shows the name as text

    # ---- Dispatch: the jobs file, a rejected jobs file, the saved plan and its versions
    _go(page, "Điều phối")
    page.get_by_text("Nhập tệp (CSV/XLSX)").click()
    wait_idle(page)
    _upload(page, 0, FILE_NAME, JOBS_CSV)
    page.get_by_text("2 việc").wait_for(timeout=60_000)
    _upload(page, 0, "bad.csv", BAD_JOBS_CSV)
    error = page.locator('[data-testid="stAlertContentError"]').first
    error.wait_for(timeout=60_000)
    assert MD_LINK in _plain(error.inner_text())  # shown as typed, not as a link
    assert error.locator("a").count() == 0, error.inner_html()
    page.get_by_text("Mở kế hoạch đã lưu").click()
    wait_idle(page)
    page.get_by_role("button", name="Mở", exact=True).click()
    wait_idle(page, 180_000)
    page.get_by_text("Đang xem kế hoạch đã lưu").wait_for(timeout=60_000)
    page.get_by_role("button", name="So sánh", exact=True).click()
    wait_idle(page, 180_000)
    page.get_by_text("chuyển từ").first.wait_for(timeout=60_000)
    shown = _plain(page.locator('[data-testid="stMain"]').inner_text())
    assert hostile("Bưu tá", 5) in shown and hostile("Kế hoạch", 0) in shown
    _check(page, dialogs, "dispatch")
    assert TEMPLATE in _frames_text(page)  # a stop tooltip, as text

    # ---- Coverage: the saved scenario (candidate markers, the saved siting answer)
    _go(page, "Vùng phục vụ")
    page.get_by_text("Kịch bản đã lưu").click()
    wait_idle(page)
    page.get_by_role("button", name="Mở kịch bản").click()
    wait_idle(page, 300_000)
    page.get_by_text("Kết quả chọn điểm đã lưu").wait_for(timeout=120_000)
    shown = _plain(page.locator('[data-testid="stMain"]').inner_text())
    assert hostile("Điểm", 5) in shown, shown[-1500:]
    assert hostile("Kịch bản", 2) in shown, shown[-1500:]
    _check(page, dialogs, "coverage")
    assert hostile("Điểm", 0) in _frames_text(page)


def test_hostile_names_on_the_admin_courier_and_viewer_pages(app_url: str, browser: Any) -> None:
    """Display names, plan names and stop labels full of markup on the admin page (accounts,
    audit log), the courier's route and the viewer's figures: nothing runs or is injected."""
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1500, "height": 1800})
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, app_url, "admin")
    page.get_by_text("Quản trị: tài khoản và nhật ký").wait_for(timeout=60_000)
    assert hostile("Quản trị", 1) in _plain(  # the logged-in admin, shown as typed
        page.locator('[data-testid="stSidebar"]').inner_text())
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Chọn tài khoản").first
    picker.click()
    options = _plain("\n".join(page.locator('[role="option"]').all_inner_texts()))
    assert hostile("Lan", 4) in options and hostile("Bưu tá", 1) in options
    page.keyboard.press("Escape")
    _check(page, dialogs, "admin-accounts", maps=False)
    page.get_by_role("tab", name="Nhật ký truy cập").click()
    wait_idle(page)
    with page.expect_download() as got:
        page.get_by_role("button", name="Tải nhật ký (CSV)").click()
    exported = Path(got.value.path()).read_text(encoding="utf-8-sig")
    assert hostile("Kế hoạch", 0).replace('"', '""') in exported  # the saved plan's name
    _check(page, dialogs, "admin-audit", maps=False)

    courier = browser.new_page(viewport={"width": 420, "height": 1500})
    courier.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(courier, app_url, user="c1", password=PASSWORD)
    courier.get_by_text(hostile("Nhà", 1)).first.wait_for(timeout=120_000)
    wait_idle(courier)
    shown = _plain(page_text(courier))
    assert hostile("Nhà", 1) in shown and hostile("Hôm nay", 6) in shown, shown[-800:]
    assert hostile("Nhà", 4) not in shown  # C2's stop: another courier's route
    _check(courier, dialogs, "courier", maps=False)

    viewer = browser.new_page(viewport={"width": 1500, "height": 1200})
    viewer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(viewer, app_url, user="xem", password=PASSWORD)
    viewer.get_by_text("Số liệu các kế hoạch").wait_for(timeout=60_000)
    assert hostile("Người xem", 5) in _plain(
        viewer.locator('[data-testid="stSidebar"]').inner_text())
    _check(viewer, dialogs, "viewer", maps=False)
