"""The session cookie's routes: a one-time code becomes an HttpOnly cookie; logout clears it.

The handlers run on real Starlette requests (the ASGI scope a browser's request makes);
the browser side (login, reload, logout) is in ``tests/test_browser_access.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request

from app import session_cookie as sc


def _request(path: str, body: Any, *, origin: str | None = "http://127.0.0.1:8501",
             content_type: str = "application/json", scheme: str = "http",
             forwarded: str | None = None) -> Request:
    headers = [(b"host", b"127.0.0.1:8501"), (b"content-type", content_type.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if forwarded is not None:
        headers.append((b"x-forwarded-proto", forwarded.encode()))
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers,
             "scheme": scheme, "server": ("127.0.0.1", 8501), "query_string": b""}
    return Request(scope, receive)


def _call(handler: Any, request: Request) -> Any:
    return asyncio.run(handler(request))


def _set_cookie(response: Any) -> str:
    return str(response.headers.get("set-cookie", ""))


def test_a_handoff_code_becomes_an_httponly_strict_cookie_once() -> None:
    """The code gives the token as an HttpOnly, SameSite=Strict cookie; used again it fails."""
    code = sc.issue_handoff("the-session-token", max_age_s=8 * 3600)
    response = _call(sc._session, _request(sc.SESSION_PATH, {"code": code}))
    assert response.status_code == 204
    cookie = _set_cookie(response)
    assert cookie.startswith("postplan_session=the-session-token;")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=28800" in cookie and "Secure" not in cookie
    again = _call(sc._session, _request(sc.SESSION_PATH, {"code": code}))
    assert again.status_code == 403 and not _set_cookie(again)


def test_the_cookie_is_secure_behind_a_tls_proxy() -> None:
    """Behind a proxy that says X-Forwarded-Proto: https the cookie is Secure."""
    code = sc.issue_handoff("tok", max_age_s=60)
    response = _call(sc._session, _request(sc.SESSION_PATH, {"code": code},
                                           origin="http://127.0.0.1:8501", forwarded="https"))
    assert "Secure" in _set_cookie(response)


def test_foreign_origin_form_posts_and_unknown_codes_are_refused() -> None:
    """Another site's page, a form post (not JSON) and a guessed code set nothing."""
    code = sc.issue_handoff("tok", max_age_s=60)
    for request in (
        _request(sc.SESSION_PATH, {"code": code}, origin="https://evil.example"),
        _request(sc.SESSION_PATH, {"code": code}, origin=None),
        _request(sc.SESSION_PATH, f"code={code}".encode(),
                 content_type="application/x-www-form-urlencoded"),
        _request(sc.SESSION_PATH, {"code": "guessed"}),
        _request(sc.SESSION_PATH, b"not json"),
    ):
        response = _call(sc._session, request)
        assert response.status_code in (400, 403) and not _set_cookie(response)
    assert sc.redeem(code) == ("tok", 60)  # the refused requests did not use the code up


def test_an_expired_code_is_refused(monkeypatch: Any) -> None:
    """A code older than HANDOFF_TTL_S is no longer exchanged."""
    code = sc.issue_handoff("tok", max_age_s=60)
    now = sc.time.monotonic()
    monkeypatch.setattr(sc.time, "monotonic", lambda: now + sc.HANDOFF_TTL_S + 1)
    assert sc.redeem(code) is None


def test_logout_expires_the_cookie_for_the_same_site_only() -> None:
    """The logout route answers with the cookie expired; another site's request gets 403."""
    response = _call(sc._logout, _request(sc.LOGOUT_PATH, {}))
    cookie = _set_cookie(response)
    assert response.status_code == 204 and cookie.startswith('postplan_session="";')
    assert "Max-Age=0" in cookie and "HttpOnly" in cookie
    refused = _call(sc._logout, _request(sc.LOGOUT_PATH, {}, origin="https://evil.example"))
    assert refused.status_code == 403 and not _set_cookie(refused)


def test_routes_are_the_two_post_routes() -> None:
    """st.App gets exactly the two POST routes."""
    assert [(r.path, sorted(r.methods or ())) for r in sc.routes()] == [
        (sc.SESSION_PATH, ["POST"]), (sc.LOGOUT_PATH, ["POST"])]


def test_a_code_is_pending_until_used() -> None:
    """The page keeps drawing the frame while its code waits; once used, it stops."""
    code = sc.issue_handoff("tok", max_age_s=60)
    assert sc.pending(code)
    assert sc.redeem(code) == ("tok", 60)
    assert not sc.pending(code) and not sc.pending("never-issued")
