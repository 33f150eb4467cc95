"""Real-browser test: the app in headless Debian Chromium through Playwright.

Starts ``streamlit run streamlit_app.py`` on a free port with ``POSTPLAN_TILES=none`` (no
tile server is contacted; Leaflet itself is served by the app from ``static/``), simulates
and plans a small day on the Dispatch page, and checks that the map draws the route lines.
Screenshots go to ``test-artifacts/``. Never runs ``playwright install``: it uses
``/usr/bin/chromium``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_utils import ARTIFACTS, chromium, log_in, running_app, set_number, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def test_dispatch_plans_a_simulated_day_and_draws_routes(app_url: str, browser: object) -> None:
    """Simulating and planning a day in the browser draws route lines in the Leaflet map."""
    page = browser.new_page(viewport={"width": 1500, "height": 1900})  # type: ignore[attr-defined]
    log_in(page, app_url)  # Dispatch is the default page
    page.get_by_text("Điều phối tuyến trong ngày").wait_for(timeout=60_000)
    wait_idle(page)
    set_number(page, "Số việc mô phỏng", 12)
    set_number(page, "Số bưu tá", 4)
    set_number(page, "Thời gian tính (giây)", 2)
    page.get_by_role("button", name="Mô phỏng").click()
    wait_idle(page)
    page.get_by_role("button", name="Lập tuyến").click()
    page.get_by_text("Bưu tá 1").first.wait_for(timeout=180_000)
    wait_idle(page, 180_000)
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    # route polylines are SVG paths in the overlay pane (leaflet-textpath adds hidden copies
    # under <defs> for the arrows: those are not counted)
    lines = frame.locator(".leaflet-overlay-pane svg > g > path.leaflet-interactive")
    lines.first.wait_for(timeout=60_000)
    assert lines.count() >= 1
    arrows = frame.locator(".leaflet-overlay-pane svg textPath")
    assert arrows.count() >= 1
    numbers = frame.locator(".stop-no")
    assert numbers.count() >= 1
    page.screenshot(path=str(ARTIFACTS / "dispatch.png"), full_page=True)


def test_data_and_coverage_pages_render(app_url: str, browser: object) -> None:
    """The Data and Coverage pages load in the browser and draw their maps."""
    page = browser.new_page(viewport={"width": 1500, "height": 1700})  # type: ignore[attr-defined]
    for path, name in (("data", "data.png"), ("coverage", "coverage.png")):
        log_in(page, app_url, path)  # a new page is a new session: it logs in again
        wait_idle(page, 180_000)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator(".leaflet-container").first.wait_for(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
