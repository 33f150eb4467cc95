"""Helpers for the Streamlit AppTest suites (tests/test_app_*.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from store_utils import account
from streamlit import config
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from data import accounts, logins
from data.settings import Settings
from data.store import Store

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
#: Password of the admin account ``admin`` that :func:`make_app` logs in.
ADMIN_PASSWORD = "mật-khẩu-thử-nghiệm"


class RecordingStorage(MemoryMediaFileStorage):
    """Media storage that remembers itself, so a test can read what a download serves."""

    instances: ClassVar[list[RecordingStorage]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingStorage.instances.append(self)


class RecordingManager(MediaFileManager):
    """Media manager that remembers itself, so deferred downloads can be run by a test."""

    instances: ClassVar[list[RecordingManager]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingManager.instances.append(self)


def make_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, logged_in: bool = True
             ) -> AppTest:
    """The app under AppTest: no tiles, downloads readable, a plan store in ``tmp_path``.

    With ``logged_in`` the store gets its first admin, ``admin`` (password
    :data:`ADMIN_PASSWORD`), logged in through the real login and session code; the
    session token is handed to the app as a browser session holds it.
    """
    monkeypatch.setenv("POSTPLAN_TILES", "none")
    # users see no error details (.streamlit/config.toml); a failing test shows them all
    config.set_option("client.showErrorDetails", "full")
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)
    RecordingStorage.instances.clear()
    RecordingManager.instances.clear()
    at = AppTest.from_file(APP, default_timeout=240)
    if logged_in:
        with Store.open(Settings.from_env()) as store:
            if accounts.count_accounts(store) == 0:
                accounts.create_first_admin(store, "admin", password=ADMIN_PASSWORD,
                                            display_name="Quản trị viên")
            elif accounts.get_account(store, "admin") is None:  # a test prepared the store
                account(store, "admin", password=ADMIN_PASSWORD)
        log_in(at)
    return at


def log_in(at: AppTest, username: str = "admin", password: str = ADMIN_PASSWORD) -> AppTest:
    """Open a session for ``username`` (real login) and give its token to ``at``'s browser."""
    with Store.open(Settings.from_env()) as store:
        session = logins.login(store, username, password)
    at.session_state["auth_token"] = session.token
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the app once, then switch to ``app/pages/<page>.py`` and run it."""
    at.run()
    at.switch_page(f"app/pages/{page}.py").run()
    return at


#: Keys of the Cancel buttons of the Dispatch page's live planning panels.
_CANCEL_KEYS = ("dsp_cancel_plan", "dsp_cancel_replan", "dsp_cancel_replan_reports")


def planning(at: AppTest) -> bool:
    """Tell whether the page shows a live planning panel (its Cancel button)."""
    return any(getattr(b, "key", None) in _CANCEL_KEYS for b in at.button)


def finish_planning(at: AppTest, *, timeout_s: float = 240) -> AppTest:
    """Rerun the page, as its progress panel's timer does, until the background plan ended.

    Planning and re-planning run beside the page (``app.plan_progress``); the browser
    reruns the panel every half second and the page picks up the result. AppTest has no timer,
    so the test reruns until the panel (its Cancel button) is gone.
    """
    deadline = time.monotonic() + timeout_s
    while planning(at):
        assert time.monotonic() < deadline, f"planning did not end within {timeout_s} s"
        time.sleep(0.25)
        at.run()
    return at


def plan_simulated_day(at: AppTest, *, n_jobs: int = 6, couriers: int = 2) -> AppTest:
    """Open Dispatch, simulate ``n_jobs`` jobs for ``couriers`` couriers and plan them.

    A 30 s budget capped at 300 iterations (a second or two here); the test reruns the
    page until the background plan has ended (:func:`finish_planning`).
    """
    at = open_page(at, "dispatch")
    no_exception(at)
    at.number_input(key="dsp_n_jobs").set_value(n_jobs)
    at.number_input(key="dsp_couriers").set_value(couriers)
    at.number_input(key="dsp_budget").set_value(30)
    at.number_input(key="dsp_iterations").set_value(300)
    at.button(key="dsp_simulate").click().run()
    no_exception(at)
    at.button(key="dsp_plan").click().run()
    finish_planning(at)
    no_exception(at)
    return at


def download(at: AppTest, key: str) -> tuple[str, bytes]:
    """(file name, bytes) served by the download button with widget key ``key``.

    A deferred download (``data`` a callable) is executed the way the server does when
    the user clicks it.
    """
    buttons = [b for b in at.get("download_button") if getattr(b, "key", None) == key]
    assert buttons, f"no download button with key {key!r}"
    proto = buttons[0].proto
    url = proto.url
    if proto.HasField("deferred_file_id"):  # data is a callable: run it as a click would
        url = RecordingManager.instances[-1].execute_deferred(proto.deferred_file_id)
    name = url.rsplit("/", 1)[-1]
    for storage in reversed(RecordingStorage.instances):
        try:
            f = storage.get_file(name)
        except Exception:
            continue
        return f.filename or name, bytes(f.content)
    raise AssertionError(f"download {key!r} ({url}) is not in the media storage")


def no_exception(at: AppTest) -> None:
    """Fail with the app's own traceback when the page raised."""
    assert not at.exception, "\n".join(
        str(e.value) + "\n" + "\n".join(e.stack_trace) for e in at.exception
    )
