"""The app's login gate (AppTest): first-admin setup link, login, lock, logout, expiry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apptest_utils import ADMIN_PASSWORD, make_app, no_exception
from streamlit.testing.v1 import AppTest

from data import accounts as acc
from data import logins
from data.audit import list_audit
from data.settings import Settings
from data.store import Store


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "warning", "error", "success", "markdown", "text")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def _store() -> Store:
    return Store.open(Settings.from_env())


def test_first_start_prints_a_setup_link_that_creates_the_first_admin(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """No account: only a notice; the console link's token opens the form; then logged in."""
    at = make_app(monkeypatch, tmp_path, logged_in=False)
    at.run()
    no_exception(at)
    assert "server's console" in _texts(at) or "dòng lệnh của máy chủ" in _texts(at)
    assert [h.value for h in at.subheader] == []  # no page is reachable
    assert not at.sidebar.button
    link = re.search(r"http://\S+/\?setup=(\S+)", capsys.readouterr().out)
    assert link, "the setup link is printed on the console"
    at.query_params["setup"] = "wrong-token"
    at.run()
    assert not [t for t in at.text_input if t.key == "setup_user"]
    at.query_params["setup"] = link.group(1)
    at.run()
    at.text_input(key="setup_user").set_value("lan")
    at.text_input(key="setup_display").set_value("Nguyễn Thị Lan")
    at.text_input(key="setup_password").set_value("mật-khẩu-quản-trị")
    at.text_input(key="setup_password2").set_value("mật-khẩu-quản-trị")
    at.button(key="setup_create").click().run()
    no_exception(at)
    assert "Nguyễn Thị Lan (quản trị viên)" in _texts(at)
    assert [b for b in at.button if b.key == "auth_logout"]
    with _store() as store:
        lan = acc.get_account(store, "lan")
        assert lan is not None and lan.role == "admin"
        assert [e.action for e in list_audit(store, actor=lan)] == ["account_add", "login"]


def test_login_wrong_password_lock_and_logout(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    """Wrong password and lock are said; a login opens the pages; logout ends the session."""
    at = make_app(monkeypatch, tmp_path, logged_in=True)
    at.session_state["auth_token"] = ""  # a browser without a session
    at.run()
    at.text_input(key="auth_user").set_value("admin")
    at.text_input(key="auth_password").set_value("sai-mật-khẩu")
    at.button(key="auth_login").click().run()
    assert "Sai tên đăng nhập hoặc mật khẩu." in [e.value for e in at.error]
    with _store() as store:  # four more failures, spaced as the growing delay asks
        now = datetime.now(UTC)
        for wait in (1, 2, 4, 8):
            now += timedelta(seconds=wait)
            with pytest.raises(logins.LoginError):
                logins.login(store, "admin", "sai", now=now)
    at.text_input(key="auth_password").set_value(ADMIN_PASSWORD)
    at.button(key="auth_login").click().run()
    assert any("tạm khoá" in e.value for e in at.error)
    with _store() as store:
        admin = acc.get_account(store, "admin")
        assert admin is not None
        acc.reset_password(store, "admin", ADMIN_PASSWORD, actor=admin)  # an admin unlocks
    at.button(key="auth_login").click().run()
    no_exception(at)
    token = at.session_state["auth_token"]
    assert "Quản trị viên (quản trị viên)" in _texts(at)
    at.session_state["dsp_saved_ref"] = (1, 1, "Kế hoạch của quản trị")  # something opened
    at.button(key="auth_logout").click().run()
    assert [t for t in at.text_input if t.key == "auth_user"]
    assert "dsp_saved_ref" not in at.session_state  # nothing passes to the next account
    with _store() as store, pytest.raises(logins.LoginError, match="expired"):
        logins.session_account(store, token)


def test_an_expired_session_goes_back_to_the_login_form(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """A session older than its lifetime is refused with a message; nothing else shows."""
    at = make_app(monkeypatch, tmp_path, logged_in=True)
    with _store() as store:
        old = logins.login(store, "admin", ADMIN_PASSWORD,
                        now=datetime.now(UTC) - timedelta(seconds=logins.SESSION_TTL_S + 60))
    at.session_state["auth_token"] = old.token
    at.run()
    no_exception(at)
    assert "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại." in [w.value for w in at.warning]
    assert [t for t in at.text_input if t.key == "auth_user"]
    assert [h.value for h in at.subheader] == ["Đăng nhập"]  # the form, and no page
    assert not [b for b in at.button if b.key == "auth_logout"]
