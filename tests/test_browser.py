"""Real-browser test: the app in headless Debian Chromium through Playwright.

Starts ``streamlit run streamlit_app.py`` on a free port with ``POSTPLAN_TILES=none`` (no
tile server is contacted; Leaflet itself is served by the app from ``static/``), simulates
and plans a small day on the Dispatch page, and checks that the map draws the route lines.
Screenshots go to ``test-artifacts/``. Never runs ``playwright install``: it uses
``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package 'chromium'")
    port = _free_port()
    env = dict(os.environ, POSTPLAN_TILES="none", PYTHONUNBUFFERED="1")
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "streamlit-server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(
                "streamlit did not start within 60 s; see test-artifacts/streamlit-server.log"
            )
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _wait_idle(page: object, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' widget)."""
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )


def _set_number(page: object, label: str, value: int) -> None:
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.fill(str(value))
    box.press("Enter")
    _wait_idle(page)


def test_dispatch_plans_a_simulated_day_and_draws_routes(app_url: str, browser: object) -> None:
    """Simulating and planning a day in the browser draws route lines in the Leaflet map."""
    page = browser.new_page(viewport={"width": 1500, "height": 1900})  # type: ignore[attr-defined]
    page.goto(f"{app_url}/", wait_until="networkidle")  # Dispatch is the default page
    page.get_by_text("Điều phối tuyến trong ngày").wait_for(timeout=60_000)
    _wait_idle(page)
    _set_number(page, "Số việc mô phỏng", 12)
    _set_number(page, "Số bưu tá", 4)
    _set_number(page, "Thời gian tính (giây)", 2)
    page.get_by_role("button", name="Mô phỏng").click()
    _wait_idle(page)
    page.get_by_role("button", name="Lập tuyến").click()
    page.get_by_text("Bưu tá 1").first.wait_for(timeout=180_000)
    _wait_idle(page, 180_000)
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
        page.goto(f"{app_url}/{path}", wait_until="networkidle")
        _wait_idle(page, 180_000)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
        frame.locator(".leaflet-container").first.wait_for(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
