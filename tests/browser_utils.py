"""Helpers for the real-browser tests (tests/test_browser*.py).

:func:`running_app` starts ``streamlit run streamlit_app.py`` on a free port of 127.0.0.1
with ``POSTPLAN_TILES=none`` (no tile server is contacted) and the repository's own
``.streamlit/config.toml``; :func:`chromium` launches Debian's ``/usr/bin/chromium``
through Playwright (never ``playwright install``). Every server gets a plan store with the
admin account :data:`USER` (password :data:`PASSWORD`); :func:`log_in` opens a page and
signs in through the app's login form (each new browser page is a new session).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
#: The admin account every test server has, and its password.
USER, PASSWORD = "admin", "mật-khẩu-trình-duyệt"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def admin(store: Any) -> Any:
    """Return the admin account :data:`USER` of ``store``, creating it as the first admin."""
    from data.accounts import create_first_admin, get_account

    found = get_account(store, USER)
    if found is not None:
        return found
    return create_first_admin(store, USER, password=PASSWORD, display_name="Quản trị viên")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(
    env: Mapping[str, str] | None = None, *, log_name: str = "streamlit-server.log",
    with_admin: bool = True,
) -> Iterator[str]:
    """Run the app in a child process and yield its URL; stop it afterwards.

    Parameters
    ----------
    env
        Extra environment variables (e.g. ``POSTPLAN_USER_DIR`` of a prepared store).
    log_name
        File in ``test-artifacts/`` that receives the server's output.
    with_admin
        Give the store the admin :data:`USER` first (False: a new, empty store).
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package 'chromium'")
    port = _free_port()
    full_env = dict(os.environ, POSTPLAN_TILES="none", PYTHONUNBUFFERED="1", **(env or {}))
    made_dir = None
    if not (env or {}).get("POSTPLAN_USER_DIR"):  # never the developer's own store
        made_dir = tempfile.mkdtemp(prefix="postplan-browser-")
        full_env["POSTPLAN_USER_DIR"] = made_dir
    full_env.pop("POSTPLAN_DB_URL", None)
    from data.store import Store

    if with_admin:
        with Store(f"sqlite:///{Path(full_env['POSTPLAN_USER_DIR']) / 'postplan.sqlite'}") as store:
            admin(store)
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / log_name).open("w")
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
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=full_env,
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
            pytest.fail(f"streamlit did not start within 60 s; see test-artifacts/{log_name}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Launch headless Debian Chromium through Playwright and close it afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def log_in(page: Any, url: str, path: str = "", *, user: str = USER,
           password: str = PASSWORD) -> None:
    """Open ``url``/``path`` and sign in as ``user`` through the login form.

    A new page of a new browser context (``browser.new_page()``) has no session cookie, so
    it starts at the login form; after the login the app shows the page the link named. A
    page whose context already logged in keeps that login (the session cookie): then only
    the page opens.
    """
    page.goto(f"{url}/{path}", wait_until="networkidle")
    wait_idle(page)
    page.wait_for_function(  # the login form, or the sidebar of a session already logged in
        "() => document.querySelector('input[aria-label=\"Tên đăng nhập\"]') || "
        "(document.querySelector('[data-testid=\"stSidebar\"]')?.innerText || '')"
        ".includes('Đang đăng nhập')", timeout=120_000)
    if page.get_by_label("Tên đăng nhập").count() == 0:
        return
    type_login(page, user, password)


def type_login(page: Any, user: str, password: str) -> None:
    """Fill the login form shown on ``page`` and press *Đăng nhập*.

    After a login at ``/`` the app moves on to the role's first page: this waits until it
    has (a wrong password stays on the form).
    """
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    wait_idle(page)
    if page.get_by_label("Tên đăng nhập").count() == 0:  # logged in
        page.wait_for_function("() => location.pathname !== '/'", timeout=120_000)
        wait_idle(page)


def wait_idle(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' widget)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )


#: The text of a document and of every shadow root in it (a v2 component, such as the courier
#: page's stop cards, draws inside one, which ``innerText`` of the page leaves out).
PAGE_TEXT = """() => {
  const out = [document.body ? document.body.innerText : ''];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.shadowRoot) { out.push(el.shadowRoot.textContent || ''); walk(el.shadowRoot); }
  });
  walk(document);
  return out.join('\\n');
}"""


def page_text(page: Any) -> str:
    """Everything every frame of ``page`` shows as text, shadow roots included."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate(PAGE_TEXT))
        except Exception:  # a frame that went away while the page reran
            continue
    return "\n".join(texts)


def set_number(page: Any, label: str, value: int) -> None:
    """Type ``value`` into the number input labelled ``label`` and let the app rerun."""
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)


def map_frame(page: Any, index: int = 0) -> Any:
    """The ``index``-th folium map (an st_folium component iframe) of the page."""
    return page.frame_locator('iframe[title="streamlit_folium.st_folium"]').nth(index)
