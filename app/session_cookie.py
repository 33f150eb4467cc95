"""A login that survives a reload: the session token in an HttpOnly cookie.

A Streamlit script cannot set a cookie (it talks to the browser over a websocket), and a
cookie set by JavaScript cannot be HttpOnly. Streamlit's documented way to answer HTTP
requests itself is ``st.App`` with extra routes (Streamlit ≥ 1.53; the maintainers point
to it in streamlit/streamlit#861 and plan a cookie API in #14730). ``streamlit_app.py``
declares ``app = st.App("streamlit_app.py", routes=routes())``, so ``streamlit run
streamlit_app.py`` serves these two routes beside the app:

``POST /_postplan/session`` ``{"code": …}``
    Exchanges a **one-time handoff code** for the cookie. After a login the page draws a
    hidden frame (:func:`handoff_html`) that posts the code; the route looks it up in this
    process's memory (valid :data:`HANDOFF_TTL_S` seconds, used once), and answers with
    ``Set-Cookie: postplan_session=<session token>; HttpOnly; SameSite=Strict; Path=/``
    (``Secure`` under HTTPS, also behind a proxy that sends ``X-Forwarded-Proto: https``),
    for as long as the session may last. The session token itself never reaches the
    page's JavaScript.
``POST /_postplan/logout``
    Answers with the cookie expired (``Max-Age=0``). The page posts it after a logout, or
    when the cookie's session has ended (the server-side session is ended first, so a
    cookie that stayed behind opens nothing).

Both refuse a request whose ``Origin`` is not the app's own host, or that is not JSON
(which a cross-site form cannot send without a CORS preflight). On every new browser
session (a reload, a new tab) :func:`cookie_token` reads the token back with
``st.context.cookies`` and the login gate checks it like any session token
(:func:`data.logins.session_account`: expired, ended or disabled sessions are refused).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

import streamlit as st

#: The cookie's name.
COOKIE = "postplan_session"
#: How long a handoff code can be exchanged, seconds.
HANDOFF_TTL_S = 60
#: Paths of the two routes.
SESSION_PATH = "/_postplan/session"
LOGOUT_PATH = "/_postplan/logout"

_LOCK = threading.Lock()
#: handoff code -> (session token, cookie lifetime in seconds, code's expiry as monotonic time)
_PENDING: dict[str, tuple[str, int, float]] = {}


def issue_handoff(token: str, *, max_age_s: int) -> str:
    """Remember ``token`` under a new one-time code and return the code.

    Parameters
    ----------
    token
        The session token (:class:`data.logins.LoginSession` ``.token``).
    max_age_s
        The cookie's lifetime (the session's remaining lifetime), seconds.
    """
    code = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _LOCK:
        for old in [c for c, (_, _, until) in _PENDING.items() if until < now]:
            del _PENDING[old]
        _PENDING[code] = (token, max(0, int(max_age_s)), now + HANDOFF_TTL_S)
    return code


def pending(code: str) -> bool:
    """Whether ``code`` is still waiting to be exchanged (not used, not expired)."""
    with _LOCK:
        found = _PENDING.get(code)
    return found is not None and found[2] >= time.monotonic()


def redeem(code: str) -> tuple[str, int] | None:
    """Return (token, cookie lifetime) for a live one-time ``code`` and forget it, or None."""
    with _LOCK:
        found = _PENDING.pop(code, None)
    if found is None or found[2] < time.monotonic():
        return None
    return found[0], found[1]


def cookie_token() -> str | None:
    """Return the session token the browser's cookie holds, if any (``st.context.cookies``)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (AppTest, bare mode)
        return None
    return value if isinstance(value, str) and value else None


def _frame(body: str) -> None:
    """Run ``body`` (our own script, no data in it) in a hidden same-origin frame."""
    with st.sidebar:
        st.iframe(f"<!doctype html><script>{body}</script>", height=1)


def set_cookie(code: str) -> None:
    """Draw the hidden frame that turns the one-time ``code`` into the session cookie.

    The frame's script holds only the random one-time code (no account data). Drawn with
    the same code on every run until the code is used (:func:`pending`), so a page that
    moves on at once (``st.switch_page``) still gets its cookie.
    """
    _frame(f"fetch({json.dumps(SESSION_PATH)}, {{method: 'POST', credentials: 'same-origin', "
           f"headers: {{'Content-Type': 'application/json'}}, "
           f"body: JSON.stringify({{code: {json.dumps(code)}}})}});")


def clear_cookie() -> None:
    """Draw the hidden frame that asks the server to expire the session cookie."""
    _frame(f"fetch({json.dumps(LOGOUT_PATH)}, {{method: 'POST', credentials: 'same-origin', "
           f"headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}});")


# --------------------------------------------------------------------------- routes


def _same_origin(request: Any) -> bool:
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if not origin or not host:
        return False
    return bool(origin.split("://", 1)[-1] == host)


def _secure(request: Any) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return bool(request.url.scheme == "https" or forwarded == "https")


def _json_request(request: Any) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return bool(kind == "application/json")


async def _session(request: Any) -> Any:
    from starlette.responses import Response

    if not (_same_origin(request) and _json_request(request)):
        return Response(status_code=403)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return Response(status_code=400)
    found = redeem(str(body.get("code", ""))) if isinstance(body, dict) else None
    if found is None:
        return Response(status_code=403)
    token, max_age_s = found
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE, token, max_age=max_age_s, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


async def _logout(request: Any) -> Any:
    from starlette.responses import Response

    if not (_same_origin(request) and _json_request(request)):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response


def routes() -> list[Any]:
    """Return the two Starlette routes for ``st.App(..., routes=routes())``."""
    from starlette.routing import Route

    return [Route(SESSION_PATH, _session, methods=["POST"]),
            Route(LOGOUT_PATH, _logout, methods=["POST"])]
