"""The web app's speed as a user meets it: cold start, a 200-job day, and panning.

Three measurements, each repeated ``--repeat`` times (median and worst reported):

``cold_start``
    A fresh ``streamlit run streamlit_app.py`` process (the road network already cached on
    disk by an earlier run, as after installation) until the Dispatch page is usable in
    headless Chromium: the "Mô phỏng" (simulate) button is on screen. Split into server
    start (until ``/_stcore/health`` answers) and first page render.
``plan_200``
    In the same browser, simulate the default day (200 jobs, 25 couriers at every post
    office, default 10 s budget) and press "Lập tuyến" (plan) until the route map has drawn
    its lines. Side by side in the same run, the routing layer's own adapter door
    ``routing.simulate.plan_kontum`` on the same day (no UI) gives the floor; the ratio is
    the app's overhead.
``pan``
    After planning, drag the map and zoom twice: the number of script reruns this triggers
    (counted by Streamlit's "running" indicator) must be 0 — panning never reruns a plan.

Targets (issue 6): cold start ≤ 10 s with the network cached; 200-job plan ≤ 30 s.

    .venv/bin/python benchmarks/app.py            # table
    .venv/bin/python benchmarks/app.py --json     # one JSON document
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, POSTPLAN_TILES="none")
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait_health(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("streamlit did not start")


def _idle(page: Any, timeout_ms: int = 300_000) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )


def measure_app(repeat: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    starts, renders, colds, plans, reruns = [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(repeat):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            proc = _start_server(port)
            try:
                _wait_health(url)
                t1 = time.perf_counter()
                page = browser.new_page(viewport={"width": 1500, "height": 1900})
                page.goto(url + "/")
                page.get_by_role("button", name="Mô phỏng").wait_for(timeout=60_000)
                t2 = time.perf_counter()
                starts.append(t1 - t0)
                renders.append(t2 - t1)
                colds.append(t2 - t0)
                _idle(page)
                page.get_by_role("button", name="Mô phỏng").click()
                _idle(page)
                t3 = time.perf_counter()
                page.get_by_role("button", name="Lập tuyến").click()
                frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
                frame.locator(".leaflet-overlay-pane svg > g > path.leaflet-interactive").first \
                    .wait_for(timeout=300_000)
                _idle(page)
                plans.append(time.perf_counter() - t3)
                if i == 0:
                    reruns.append(_count_pan_reruns(page))
                    page.screenshot(path=str(ROOT / "test-artifacts" / "bench-dispatch-200.png"),
                                    full_page=True)
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    return {"server_start_s": starts, "first_render_s": renders, "cold_start_s": colds,
            "plan_200_s": plans, "pan_reruns": reruns}


def _count_pan_reruns(page: Any) -> int:
    """Drag and zoom the route map; count how often Streamlit shows it is running."""
    page.evaluate(
        "window.__runs = 0; new MutationObserver(() => {"
        " if (document.querySelector('[data-testid=\"stStatusWidget\"]')) window.__runs++; })"
        ".observe(document.body, {subtree: true, childList: true});"
    )
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    box = iframe.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 60, steps=8)
    page.mouse.up()
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(800)
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(2500)
    return int(page.evaluate("window.__runs"))


def measure_floor(repeat: int) -> dict[str, Any]:
    """The routing layer's own end-to-end day (simulate, network, matrices, solve), no UI."""
    from data.settings import Settings
    from routing.simulate import plan_kontum

    settings = Settings.from_env()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan_kontum(settings, simulate=200, plan_date="2026-11-25", seconds=10.0, seed=1,
                    couriers=25)
        out.append(time.perf_counter() - t0)
    return {"plan_kontum_200_s": out}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    # warm the on-disk network cache once, as an installed app would have it
    from data.settings import Settings
    from geo.network import cached_network

    cached_network(Settings.from_env(), profile="motorbike")
    app = measure_app(args.repeat)
    floor = measure_floor(args.repeat)
    med = {k: statistics.median(v) for k, v in {**app, **floor}.items() if v}
    worst = {k: max(v) for k, v in {**app, **floor}.items() if v}
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "repeat": args.repeat,
        "median": med,
        "worst": worst,
        "ratio_app_to_floor": med["plan_200_s"] / med["plan_kontum_200_s"],
        "targets": {"cold_start_s": 10.0, "plan_200_s": 30.0, "pan_reruns": 0},
        "raw": {**app, **floor},
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"App benchmark ({args.repeat} runs; median / worst)")
    rows = [
        ("server start (s)", "server_start_s", None),
        ("first Dispatch render (s)", "first_render_s", None),
        ("cold start to usable Dispatch (s)", "cold_start_s", 10.0),
        ("200-job day in the app, click to map (s)", "plan_200_s", 30.0),
        ("same day, routing.simulate.plan_kontum, no UI (s)", "plan_kontum_200_s", None),
        ("reruns caused by panning/zooming", "pan_reruns", 0),
    ]
    for label, key, target in rows:
        tgt = "" if target is None else f"  (target ≤ {target:g})"
        print(f"  {label:<52} {med[key]:7.2f} / {worst[key]:7.2f}{tgt}")
    print(f"  app / floor for the 200-job day: {result['ratio_app_to_floor']:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
