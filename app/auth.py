"""The login gate: nothing in the app is reachable without a logged-in account.

:func:`gate` runs first on every page (``streamlit_app.py``). It

* warns when the store is read-only (damaged or read-only database);
* on a database without any account, prints a one-time setup link with a random token on
  the server's console (as Jupyter does) and shows only a form that creates the first
  admin when opened with that link;
* otherwise shows the login form (wrong password, wait, lock and disabled messages), or
  the identity provider's button when ``.streamlit/secrets.toml`` configures ``[auth]``
  (Streamlit's ``st.login``, OIDC: the provider's e-mail maps to a local account);
* keeps the session token (server-side session, :mod:`data.logins`) in the browser
  session and in an HttpOnly cookie (:mod:`app.session_cookie`), so a reload or a new tab
  stays logged in for the session's lifetime; checks it on every run (expired or ended
  sessions go back to the login form, and their cookie is cleared), and puts the account
  in ``st.session_state`` for :func:`app.state.current_account`;
* draws who is logged in and a logout button in the sidebar; logging out (or a session
  expiring) ends the server-side session, clears the cookie and empties the browser
  session, so nothing opened passes to the next account.

:func:`resolve` (who is logged in, drawing nothing) runs before the menu is built from the
account's role (:mod:`app.navigation`); :func:`gate` then draws the forms and stops when
nobody is.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from typing import Any

import streamlit as st

from app import session_cookie as cookie
from app import state as ss
from app.i18n import current_lang
from app.labels import role_label
from data import accounts as acc
from data import logins
from data.accounts import token_sha256
from data.errors import InputError, LoginError, PostplanError

#: Texts of the gate (Vietnamese, English).
_TEXTS: dict[str, tuple[str, str]] = {
    "login_title": ("Đăng nhập", "Log in"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "password_again": ("Nhập lại mật khẩu", "Password again"),
    "display_name": ("Họ tên hiển thị", "Display name"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "oidc": ("Đăng nhập bằng tài khoản của tổ chức", "Log in with your organisation's account"),
    "wrong": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "throttled": ("Vui lòng chờ {s} giây rồi thử lại.", "Wait {s} s before trying again."),
    "locked": ("Tài khoản tạm khoá vì đăng nhập sai nhiều lần; thử lại sau {m} phút hoặc nhờ "
               "quản trị viên đặt lại mật khẩu.",
               "The account is locked after too many failed logins; try again in {m} min, or "
               "ask an admin to reset the password."),
    "disabled": ("Tài khoản đã bị vô hiệu hoá; hãy liên hệ quản trị viên.",
                 "This account is disabled; ask an admin."),
    "expired": ("Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
                "Your session has expired; log in again."),
    "unknown_identity": ("Tài khoản của tổ chức chưa được gắn với tài khoản postplan nào; hãy "
                         "nhờ quản trị viên thêm e-mail của bạn.",
                         "Your organisation's account is not mapped to a postplan account; "
                         "ask an admin to add your e-mail."),
    "setup_wait": ("Chưa có tài khoản nào. Hãy mở đường dẫn cài đặt một lần được in trên "
                   "màn hình dòng lệnh của máy chủ (hoặc chạy `postplan users add TÊN --role "
                   "admin`).",
                   "No account exists yet. Open the one-time setup link printed on the "
                   "server's console (or run `postplan users add NAME --role admin`)."),
    "setup_title": ("Tạo quản trị viên đầu tiên", "Create the first admin"),
    "setup_create": ("Tạo tài khoản", "Create the account"),
    "setup_mismatch": ("Hai lần nhập mật khẩu không khớp.", "The two passwords differ."),
    "logged_in_as": ("Đang đăng nhập: {name} ({role})", "Logged in: {name} ({role})"),
}


def _t(key: str, **fmt: Any) -> str:
    pair = _TEXTS[key]
    text = pair[1] if current_lang() == "en" else pair[0]
    return text.format(**fmt) if fmt else text


def login_message(error: LoginError) -> str:
    """Say why a login or session was refused, in the session's language."""
    if error.reason == "throttled":
        return _t("throttled", s=error.retry_after_s)
    if error.reason == "locked":
        return _t("locked", m=max(1, (error.retry_after_s + 59) // 60))
    return _t(error.reason) if error.reason in _TEXTS else str(error)


_SETUP_LOCK = threading.Lock()
#: The one-time setup token of each database URL, for this server process.
_SETUP_TOKENS: dict[str, str] = {}


def setup_token(database_url: str) -> str:
    """Return the one-time setup token of this server process, printing its link once.

    Parameters
    ----------
    database_url
        The store's URL (a new token per database).
    """
    with _SETUP_LOCK:
        token = _SETUP_TOKENS.get(database_url)
        if token is not None:
            return token
        token = _SETUP_TOKENS[database_url] = secrets.token_urlsafe(24)
    address = st.get_option("browser.serverAddress") or "localhost"
    port = st.get_option("browser.serverPort") or st.get_option("server.port") or 8501
    print(
        "\npostplan: no account exists yet. Open this one-time link to create the first "
        f"admin:\n    http://{address}:{port}/?setup={token}\n",
        flush=True,
    )
    return token


def announce_setup() -> None:
    """Print the setup link when the server starts on a database without any account."""
    from data.settings import Settings
    from data.store import Store

    settings = Settings.from_env()
    settings.user_dir.mkdir(parents=True, exist_ok=True)
    with Store(settings.database_url) as store:
        if not store.read_only and acc.count_accounts(store) == 0:
            setup_token(store.url)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _oidc_identity() -> dict[str, Any] | None:
    if not _oidc_configured():
        return None
    try:
        if st.user.is_logged_in:
            return dict(st.user.to_dict())
    except Exception:
        return None
    return None


#: Session keys kept across a logout (the language); everything else belongs to the account.
_KEEP = ("lang", "lang_toggle")


def forget_session() -> None:
    """Drop everything the logged-out (or expired) account had in this browser session.

    Opened plans, jobs and scenarios must not pass to whoever logs in next.
    """
    for key in list(st.session_state.keys()):
        if key not in _KEEP:
            del st.session_state[key]


#: Session keys: a cookie to set (its lifetime, s); the one-time code that sets it; a cookie
#: to clear; the sha256 of a cookie token that was logged out or refused (never tried again).
_COOKIE_SET = "auth_cookie_set"
_COOKIE_CODE = "auth_cookie_code"
_COOKIE_CLEAR = "auth_cookie_clear"
_COOKIE_DEAD = "auth_cookie_dead"


def _start(store: Any, session: logins.LoginSession) -> None:
    st.session_state[ss.AUTH_TOKEN] = session.token
    st.session_state[ss.AUTH_ACCOUNT] = session.account
    st.session_state[_COOKIE_SET] = logins.SESSION_TTL_S
    st.session_state.pop("auth_password", None)


def _end_cookie(token: str | None) -> None:
    """Forget this browser session, and have its cookie cleared and never tried again."""
    if st.session_state.get(ss.AUTH_TOKEN) or st.session_state.get(ss.AUTH_ACCOUNT):
        forget_session()  # (a refused cookie alone leaves the login form's fields be)
    if token:
        st.session_state[_COOKIE_DEAD] = token_sha256(token)
    st.session_state[_COOKIE_CLEAR] = True


def _cookie_frames() -> None:
    """Draw the hidden frame that sets or clears the session cookie, when one is due."""
    max_age_s = st.session_state.pop(_COOKIE_SET, None)
    token = st.session_state.get(ss.AUTH_TOKEN)
    if max_age_s is not None and token:
        st.session_state[_COOKIE_CODE] = cookie.issue_handoff(token, max_age_s=int(max_age_s))
    code = st.session_state.get(_COOKIE_CODE)
    if code and cookie.pending(code):
        cookie.set_cookie(code)
    elif code:
        del st.session_state[_COOKIE_CODE]
    if st.session_state.pop(_COOKIE_CLEAR, False):
        cookie.clear_cookie()


def _setup_form(store: Any) -> None:
    token = setup_token(store.url)
    given = str(st.query_params.get("setup", ""))
    if not given or not hmac.compare_digest(given, token):
        st.info(_t("setup_wait"))
        st.stop()
    st.subheader(_t("setup_title"))
    username = st.text_input(_t("username"), key="setup_user")
    display = st.text_input(_t("display_name"), key="setup_display")
    password = st.text_input(_t("password"), type="password", key="setup_password")
    again = st.text_input(_t("password_again"), type="password", key="setup_password2")
    if st.button(_t("setup_create"), key="setup_create", type="primary"):
        if password != again:
            st.error(_t("setup_mismatch"))
        else:
            try:
                acc.create_first_admin(store, username.strip().lower(), password=password,
                                       display_name=display.strip() or None)
                session = logins.login(store, username, password,
                                       delays_s=ss.get_settings().login_delays_s)
            except (InputError, PostplanError) as exc:
                st.error(str(exc))
            else:
                st.query_params.pop("setup", None)
                _start(store, session)
                st.rerun()
    _cookie_frames()
    st.stop()


def _login_form(store: Any, notice: str | None) -> None:
    st.subheader(_t("login_title"))
    if notice:
        st.warning(notice)
    if _oidc_configured() and st.button(_t("oidc"), key="auth_oidc"):
        st.login()
    username = st.text_input(_t("username"), key="auth_user")
    password = st.text_input(_t("password"), type="password", key="auth_password")
    if st.button(_t("login"), key="auth_login", type="primary"):
        try:
            session = logins.login(store, username, password,
                                   delays_s=ss.get_settings().login_delays_s)
        except LoginError as exc:
            st.error(login_message(exc))
        else:
            _start(store, session)
            st.rerun()
    _cookie_frames()
    st.stop()


def resolve() -> tuple[Any | None, str | None]:
    """Return (the logged-in account or None, why a session was refused or None).

    Draws nothing, so the menu can be built from the account's role before :func:`gate`
    draws anything. The session token comes from this browser session, else from the
    session cookie (a reload, a new tab); a refused one is forgotten and its cookie
    cleared on the next drawing.
    """
    store = ss.plan_store()
    token = st.session_state.get(ss.AUTH_TOKEN)
    if not token:
        kept = cookie.cookie_token()
        if kept and token_sha256(kept) != st.session_state.get(_COOKIE_DEAD):
            token = kept
    if not token:
        return None, None
    try:
        account = logins.session_account(store, token)
    except LoginError as exc:
        _end_cookie(token)
        return None, login_message(exc)
    st.session_state[ss.AUTH_TOKEN] = token
    st.session_state[ss.AUTH_ACCOUNT] = account
    return account, None


def gate(account: Any | None = None, notice: str | None = None) -> Any:
    """Return the logged-in account, or draw the setup / login form and stop the script.

    Parameters
    ----------
    account, notice
        What :func:`resolve` returned this run (resolved again when not given).
    """
    if account is None and notice is None:
        account, notice = resolve()
    store = ss.plan_store()
    if store.read_only:
        st.warning(store.read_only_reason)
    if account is not None:
        _cookie_frames()
        return account
    identity = _oidc_identity()
    if identity is not None:
        try:
            session = logins.oidc_login(store, identity)
        except LoginError as exc:
            st.error(login_message(exc))
            if st.button(_t("logout"), key="auth_oidc_logout"):
                st.logout()
            st.stop()
        else:
            _start(store, session)
            st.rerun()  # the menu of this run was built for nobody: build the role's
    try:
        nobody = acc.count_accounts(store) == 0
    except PostplanError as exc:  # an unreadable database: say so, open nothing
        st.error(str(exc))
        st.stop()
    if nobody:
        _setup_form(store)
    _login_form(store, notice)
    raise AssertionError("unreachable: the login form stops the script")


def sidebar(account: Any) -> None:
    """Show who is logged in and a logout button in the sidebar."""
    role = role_label(account.role)
    st.sidebar.text(_t("logged_in_as", name=account.display_name, role=role))
    if st.sidebar.button(_t("logout"), key="auth_logout"):
        token = st.session_state.get(ss.AUTH_TOKEN)
        if token:
            logins.logout(ss.plan_store(), token)  # the server-side session ends first
        _end_cookie(token)
        if _oidc_identity() is not None:
            st.logout()
        st.rerun()
