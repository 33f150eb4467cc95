"""What only a browser shows: menus, expanders across reruns, cut-off figures, map layers.

Real Chromium (Playwright driving ``/usr/bin/chromium``) against ``streamlit run`` with no
tiles. A plan store in a temporary folder holds a saved plan whose second stop is at the
post office the route starts from, so the office icon and the stop share one spot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_utils import (
    ARTIFACTS,
    admin,
    chromium,
    log_in,
    map_frame,
    running_app,
    set_number,
    wait_idle,
)

from data.store import Store
from routing.result import CourierRoute, Plan, PlannedStop

pytestmark = pytest.mark.browser

OFFICE = (14.3497, 108.0005)  # Bưu điện tỉnh Kon Tum


def _stop(seq: int, kind: str, at_s: int, lat: float, lon: float, label: str,
          job: str | None = None) -> PlannedStop:
    return PlannedStop(sequence=seq, kind=kind, place_id=f"p{seq}", label=label, lon=lon,
                       lat=lat, arrival_s=at_s, start_s=at_s, departure_s=at_s + 300,
                       waiting_s=0, service_s=300 if job else 0, load=0, leg_length_m=1500.0,
                       leg_time_s=180.0, job_id=job, job_kind=None if job is None
                       else "delivery", office_id="BC-KT" if job is None else None)


def office_plan() -> Plan:
    """One courier: a citizen's house, then a delivery at the office it starts from."""
    lat, lon = OFFICE
    stops = (
        _stop(0, "start", 27000, lat, lon, "Bưu điện tỉnh Kon Tum"),
        _stop(1, "visit", 27600, 14.3601, 108.0112, "Nhà bà Hoa, 12 Lê Lợi", "J1"),
        _stop(2, "visit", 28500, lat, lon, "Quầy nhận hồ sơ tại bưu điện", "J2"),
        _stop(3, "end", 29000, lat, lon, "Bưu điện tỉnh Kon Tum"),
    )
    route = CourierRoute(courier_id="C1", office_id="BC-KT", end_office_id="BC-KT",
                         profile="motorbike", stops=stops, courier_name="Bưu tá Lan")
    return Plan(plan_date="2026-11-25", routes=(route,), unassigned=(), network_kind="proxy",
                provenance="user", seed=1, seconds=1.0, jobs_total=2, couriers_total=1)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    user_dir = Path(tmp_path_factory.mktemp("screens")) / "user"
    user_dir.mkdir()
    with Store(f"sqlite:///{user_dir / 'postplan.sqlite'}") as store:
        store.save_plan({**office_plan().to_dict(), "courier_names": {"C1": "Bưu tá Lan"}},
                        name="Tuyến quầy", actor=admin(store))
    with running_app({"POSTPLAN_USER_DIR": str(user_dir)}, log_name="screens-server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _open_saved_plan(page: Any) -> None:
    page.get_by_text("Mở kế hoạch đã lưu").click()
    wait_idle(page)
    page.get_by_role("button", name="Mở", exact=True).click()
    wait_idle(page)
    page.get_by_text("Đang xem kế hoạch đã lưu").wait_for(timeout=60_000)


def test_users_see_no_deploy_or_developer_menu(app_url: str, browser: Any) -> None:
    """The toolbar has no Deploy button and the menu no Rerun / Clear cache entries."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    log_in(page, app_url)
    page.get_by_text("Điều phối tuyến trong ngày").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    menu = page.locator('[data-testid="stMainMenu"]')
    if menu.count():
        menu.click()
        page.wait_for_timeout(500)
        items = page.locator('[data-testid="stMainMenuList"]').inner_text()
        for developer in ("Rerun", "Clear cache", "Deploy"):
            assert developer not in items
        page.keyboard.press("Escape")


def test_stop_at_its_office_stays_clickable_and_offline_map_has_a_base(
    app_url: str, browser: Any
) -> None:
    """A stop at the office the route starts from can be pointed at (the office icon lies
    beneath it); with no tiles, commune names, highways and offices are drawn, and no
    image the map asks for is missing (the office icon once made Leaflet fetch its default)."""
    page = browser.new_page(viewport={"width": 1500, "height": 1600})
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    log_in(page, app_url)
    _open_saved_plan(page)
    frame = map_frame(page)
    stop = frame.locator(".stop-no", has_text="2")
    stop.wait_for(timeout=60_000)
    stop.hover(timeout=5_000)  # fails when the office icon catches the pointer instead
    tooltip = frame.locator(".leaflet-tooltip", has_text="Quầy nhận hồ sơ tại bưu điện")
    tooltip.wait_for(timeout=5_000)
    assert frame.locator(".depot").count() == 1
    assert not [u for u in missing if "marker-icon" in u or "/vendor/" in u], missing
    assert frame.locator(".commune-label").count() == 102
    assert frame.locator(".commune-label", has_text="Phường Quang Trung").count() == 1
    assert frame.locator(".road-label", has_text="QL14").count() >= 1
    assert frame.locator(".route-legend", has_text="Bưu tá Lan").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dispatch-offline-base.png"), full_page=True)


def _open_details(page: Any, label: str) -> list[bool]:
    """Whether each expander whose title holds ``label`` is open."""
    return page.evaluate(
        """(label) => [...document.querySelectorAll('details')]
              .filter(d => d.querySelector('summary').innerText.includes(label))
              .map(d => d.open)""",
        label,
    )


def _selected_tabs(page: Any) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('[role=tab]')]
              .filter(t => t.getAttribute('aria-selected') === 'true')
              .map(t => t.innerText)"""
    )


def test_open_expanders_and_tabs_stay_open_across_reruns(app_url: str, browser: Any) -> None:
    """The job list stays open when a new day is simulated; 'Sửa tay' and the chosen
    courier's tab stay as they were when a stop is moved and the move is undone."""
    page = browser.new_page(viewport={"width": 1500, "height": 1900})
    log_in(page, app_url)
    set_number(page, "Số việc mô phỏng", 6)
    set_number(page, "Số bưu tá", 2)
    set_number(page, "Thời gian tính (giây)", 1)
    page.get_by_role("button", name="Mô phỏng").click()
    wait_idle(page)
    page.get_by_text("Danh sách việc", exact=True).click()
    wait_idle(page)
    assert _open_details(page, "Danh sách việc") == [True]
    set_number(page, "Số việc mô phỏng", 7)
    page.get_by_role("button", name="Mô phỏng").click()
    page.get_by_text("7 việc (mô phỏng)").wait_for(timeout=60_000)
    wait_idle(page)
    assert _open_details(page, "Danh sách việc") == [True], "the job list closed"

    page.get_by_role("button", name="Lập tuyến").click()
    page.get_by_role("tab").nth(1).wait_for(timeout=180_000)
    wait_idle(page, 180_000)
    page.get_by_role("tab").nth(1).click()
    wait_idle(page)
    assert _selected_tabs(page) == ["Bưu tá 2"]
    page.get_by_text("Sửa tay", exact=True).click()
    wait_idle(page)
    move = page.get_by_role("button", name="Chuyển", exact=True)
    move.wait_for(timeout=10_000)
    move.click()
    page.get_by_text("Đã chuyển").or_(page.get_by_text("Vi phạm sau khi sửa")).first.wait_for(
        timeout=120_000
    )
    wait_idle(page)
    page.wait_for_timeout(2_000)
    assert _open_details(page, "Sửa tay") == [True], "the manual-edit expander collapsed"
    assert _selected_tabs(page) == ["Bưu tá 2"], "the courier's tab was left"
    page.get_by_role("button", name="Hoàn tác sửa tay").click()
    wait_idle(page)
    page.wait_for_timeout(2_000)
    assert _open_details(page, "Sửa tay") == [True]
    assert _open_details(page, "Danh sách việc") == [True]


def test_network_figures_are_not_cut_off(app_url: str, browser: Any) -> None:
    """Every metric on the Data page shows its whole value (no ellipsis)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1800})
    log_in(page, app_url, "data")
    wait_idle(page, 180_000)
    page.get_by_text("Tổng km đường").wait_for(timeout=120_000)
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
              .flatMap(el => [el, ...el.querySelectorAll('*')])
              .filter(el => el.scrollWidth > el.clientWidth + 1)
              .map(el => el.textContent)"""
    )
    assert cut == []
    assert page.get_by_text("Tệp nguồn: ``").count() == 0
    page.screenshot(path=str(ARTIFACTS / "data-network.png"), full_page=True)
