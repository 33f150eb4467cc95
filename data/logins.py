"""Logins and sessions: passwords checked, failures slowed then locked, sessions that end.

* Repeated failures are slowed down, then locked: after the n-th consecutive failure the
  next attempt is accepted only after :data:`FAILURE_DELAYS_S` [n-1] seconds (1, 2, 4, 8 s),
  and the :data:`MAX_FAILURES`-th failure locks the account for :data:`LOCK_S` seconds.
  The wait is enforced by the database (a refused early attempt is not even checked), not
  by sleeping.
* Sessions are server-side: a random token is handed to the browser, only its sha256 is
  stored; a session ends at logout, after :data:`SESSION_TTL_S` in all, or after
  :data:`SESSION_IDLE_S` without use. A read-only store (damaged database) keeps sessions
  in this process's memory and writes nothing.
* An identity provider's user (Streamlit's ``st.login``, OIDC) is mapped to a local account
  by e-mail (:func:`map_identity`, pure); unknown or disabled e-mails are refused.

Every login, failed login, lock, logout and expiry goes to the audit log.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, Table, func, select

from data import audit
from data.access import Account
from data.accounts import (
    DUMMY_HASH,
    HASHER,
    account_from_row,
    hash_password,
    now_utc,
    token_sha256,
    utc_or_none,
)
from data.db_models import Base
from data.errors import LoginError

if TYPE_CHECKING:
    from data.store import Store

#: Consecutive failures that lock an account.
MAX_FAILURES = 5
#: Seconds to wait after the 1st, 2nd, 3rd and 4th consecutive failure.
FAILURE_DELAYS_S = (1, 2, 4, 8)
#: How long a lock lasts (15 minutes).
LOCK_S = 15 * 60
#: Longest a session lasts (8 hours: a working day).
SESSION_TTL_S = 8 * 3600
#: A session unused this long ends (1 hour).
SESSION_IDLE_S = 3600

_ACCOUNTS: Table = Base.metadata.tables["accounts"]
_SESSIONS: Table = Base.metadata.tables["sessions"]


@dataclass(frozen=True)
class LoginSession:
    """A session opened by a successful login.

    Parameters
    ----------
    token
        The secret to keep in the browser session (never stored; only its sha256 is).
    account
        Who logged in.
    expires_at
        When the session ends at the latest (UTC).
    """

    token: str
    account: Account
    expires_at: datetime


def _wrong() -> LoginError:
    return LoginError("Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.",
                      reason="wrong")


def _locked(until: datetime, failures: int, now: datetime) -> LoginError:
    wait = max(1, int((until - now).total_seconds() + 0.999))
    return LoginError(
        f"Tài khoản tạm khoá {wait // 60 + (wait % 60 > 0)} phút sau {failures} lần đăng nhập "
        f"sai; hãy thử lại sau hoặc nhờ quản trị viên đặt lại mật khẩu. / The account is "
        f"locked until {until:%H:%M:%S} UTC after {failures} failed logins; try again later, "
        f"or ask an admin to reset the password.", reason="locked", retry_after_s=wait)


def _open_session(conn: Connection, account: Account, now: datetime) -> LoginSession:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=SESSION_TTL_S)
    conn.execute(_SESSIONS.insert().values(token_sha256=token_sha256(token), account_id=account.id,
                                           created_at=now, last_seen_at=now,
                                           expires_at=expires, ended_at=None))
    return LoginSession(token, account, expires)


def login(store: Store, username: str, password: str, *,
          now: datetime | None = None,
          delays_s: Sequence[int] = FAILURE_DELAYS_S) -> LoginSession:
    """Check a username and password and open a session (audited either way).

    Parameters
    ----------
    store
        The store.
    username, password
        What was typed.
    now
        The time (for tests); default now.
    delays_s
        Seconds to wait after the 1st … 4th consecutive failure
        (``Settings.login_delays_s``; default :data:`FAILURE_DELAYS_S`).

    Raises
    ------
    LoginError
        ``reason`` ``wrong`` (unknown name or wrong password), ``throttled`` (too soon after
        a failure; ``retry_after_s``), ``locked`` (too many failures; ``retry_after_s``) or
        ``disabled``.
    """
    at = now_utc(now)
    username = (username or "").strip().lower()
    if store.read_only:
        return _read_only_login(store, username, password or "", at)
    error: LoginError | None = None
    session: LoginSession | None = None
    with store.write_transaction() as conn:
        query = select(_ACCOUNTS).where(_ACCOUNTS.c.username == username)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None or row._mapping["password_hash"] is None:
            with contextlib.suppress(VerificationError):  # as long as a real check
                HASHER.verify(DUMMY_HASH, password or "")
            audit.append(conn, "login_failed", username=username or None,
                         detail={"reason": "unknown" if row is None else "no_password"}, at=at)
            error = _wrong()
        else:
            error, session = _attempt(conn, row, password or "", at, tuple(delays_s))
    if error is not None:
        raise error
    assert session is not None
    return session


def _attempt(conn: Connection, row: Row[Any], password: str, at: datetime,
             delays_s: tuple[int, ...]) -> tuple[LoginError | None, LoginSession | None]:
    m = row._mapping
    account = account_from_row(row)
    failures = int(m["failed_logins"])
    locked_until = utc_or_none(m["locked_until"])
    last_failed = utc_or_none(m["last_failed_at"])
    if locked_until is not None and at < locked_until:
        audit.append(conn, "login_failed", actor=account, detail={"reason": "locked"}, at=at)
        return _locked(locked_until, failures, at), None
    if locked_until is not None:  # the lock is over: start counting afresh
        failures, last_failed = 0, None
    if failures and last_failed is not None:
        ready = last_failed + timedelta(seconds=delays_s[min(failures, len(delays_s)) - 1])
        if at < ready:
            wait = max(1, int((ready - at).total_seconds() + 0.999))
            return LoginError(f"Vui lòng chờ {wait} giây rồi thử lại. / Wait {wait} s before "
                              f"trying again.", reason="throttled", retry_after_s=wait), None
    try:
        HASHER.verify(m["password_hash"], password)
        ok = True
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        failures += 1
        values: dict[str, Any] = {"failed_logins": failures, "last_failed_at": at,
                                  "locked_until": None}
        if failures >= MAX_FAILURES:
            values["locked_until"] = at + timedelta(seconds=LOCK_S)
        conn.execute(_ACCOUNTS.update().where(_ACCOUNTS.c.id == account.id).values(**values))
        audit.append(conn, "login_failed", actor=account,
                     detail={"reason": "password", "failures": failures}, at=at)
        if failures >= MAX_FAILURES:
            audit.append(conn, "lock", actor=account, detail={"seconds": LOCK_S}, at=at)
            return _locked(values["locked_until"], failures, at), None
        return _wrong(), None
    if account.disabled:
        audit.append(conn, "login_failed", actor=account, detail={"reason": "disabled"}, at=at)
        return LoginError("Tài khoản đã bị vô hiệu hoá; hãy liên hệ quản trị viên. / This "
                          "account is disabled; ask an admin.", reason="disabled"), None
    values = {"failed_logins": 0, "last_failed_at": None, "locked_until": None}
    if HASHER.check_needs_rehash(m["password_hash"]):
        values["password_hash"] = hash_password(password)
    conn.execute(_ACCOUNTS.update().where(_ACCOUNTS.c.id == account.id).values(**values))
    session = _open_session(conn, account, at)
    audit.append(conn, "login", actor=account, detail={"via": "password"}, at=at)
    return None, session


#: Sessions of a read-only store (damaged or read-only database): kept in this process only.
_MEMORY_SESSIONS: dict[str, tuple[Account, datetime]] = {}


def _read_only_login(store: Store, username: str, password: str, at: datetime) -> LoginSession:
    """Log in against a store that cannot be written: nothing is counted or stored.

    The password is checked as usual; the session lives in this process's memory and the
    login goes to the application log (:func:`data.audit.log_only`). Failures cannot be
    counted, so there is no lock: restore the database (``postplan db restore``) soon.
    """
    with store.read_transaction() as conn:
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.username == username)).first()
    stored = row._mapping["password_hash"] if row is not None else None
    try:
        HASHER.verify(stored or DUMMY_HASH, password)
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise _wrong()
    account = account_from_row(row)
    if account.disabled:
        raise LoginError("Tài khoản đã bị vô hiệu hoá. / This account is disabled.",
                         reason="disabled")
    token = secrets.token_urlsafe(32)
    expires = at + timedelta(seconds=SESSION_TTL_S)
    _MEMORY_SESSIONS[token_sha256(token)] = (account, expires)
    audit.log_only("login", actor=account, via="password", read_only=True)
    return LoginSession(token, account, expires)


def _expired() -> LoginError:
    return LoginError("Phiên đăng nhập đã hết hạn; hãy đăng nhập lại. / Your session has "
                      "expired; log in again.", reason="expired")


def session_account(store: Store, token: str, *, now: datetime | None = None) -> Account:
    """Return the account of a live session (refreshing its last use), or a refusal.

    Raises
    ------
    LoginError
        ``expired`` (unknown, ended, too old or idle too long) or ``disabled``.
    """
    at = now_utc(now)
    digest = token_sha256(token or "")
    if digest in _MEMORY_SESSIONS:
        account, expires_at = _MEMORY_SESSIONS[digest]
        if at >= expires_at:
            del _MEMORY_SESSIONS[digest]
            raise _expired()
        return account
    with store.read_transaction() as conn:
        row = conn.execute(
            select(_SESSIONS, _ACCOUNTS).join(_ACCOUNTS, _ACCOUNTS.c.id == _SESSIONS.c.account_id)
            .where(_SESSIONS.c.token_sha256 == digest)).first()
    if row is None or row._mapping["ended_at"] is not None:
        raise _expired()
    m = row._mapping
    account = Account(id=m["account_id"], username=m["username"],
                      display_name=m["display_name"], role=m["role"],
                      offices=tuple(m["offices"] or ()), courier_id=m["courier_id"],
                      email=m["email"], disabled=bool(m["disabled"]))
    expires, seen = utc_or_none(m["expires_at"]), utc_or_none(m["last_seen_at"])
    assert expires is not None and seen is not None
    if (at >= expires or (at - seen).total_seconds() > SESSION_IDLE_S or account.disabled) \
            and store.read_only:
        raise _expired()
    if at >= expires or (at - seen).total_seconds() > SESSION_IDLE_S or account.disabled:
        with store.write_transaction() as conn:
            conn.execute(_SESSIONS.update().where(_SESSIONS.c.token_sha256 == digest)
                         .values(ended_at=at))
            audit.append(conn, "session_expired", actor=account,
                         detail={"reason": "disabled" if account.disabled else "expired"}, at=at)
        if account.disabled:
            raise LoginError("Tài khoản đã bị vô hiệu hoá. / This account is disabled.",
                             reason="disabled")
        raise _expired()
    if (at - seen).total_seconds() > 60 and not store.read_only:
        with store.write_transaction() as conn:
            conn.execute(_SESSIONS.update().where(_SESSIONS.c.token_sha256 == digest)
                         .values(last_seen_at=at))
    return account


def logout(store: Store, token: str, *, now: datetime | None = None) -> None:
    """End a session (audited); an unknown or ended token does nothing."""
    at = now_utc(now)
    digest = token_sha256(token or "")
    if _MEMORY_SESSIONS.pop(digest, None) is not None or store.read_only:
        return
    with store.write_transaction() as conn:
        row = conn.execute(
            select(_SESSIONS.c.id, _ACCOUNTS).join(_ACCOUNTS,
                                                   _ACCOUNTS.c.id == _SESSIONS.c.account_id)
            .where(_SESSIONS.c.token_sha256 == digest, _SESSIONS.c.ended_at.is_(None))).first()
        if row is None:
            return
        conn.execute(_SESSIONS.update().where(_SESSIONS.c.token_sha256 == digest)
                     .values(ended_at=at))
        audit.append(conn, "logout", username=row._mapping["username"], at=at)


# --------------------------------------------------------------------------- OIDC


def map_identity(identity: Mapping[str, Any], accounts: Iterable[Account]) -> Account:
    """Map an identity provider's user (OIDC claims) to the local account with its e-mail.

    Pure: no database, no network. ``identity`` is what ``st.user`` holds after
    ``st.login`` (``email``, ``email_verified``, …).

    Raises
    ------
    LoginError
        ``unknown_identity``: no e-mail, an unverified e-mail, no account with it, several
        accounts with it; ``disabled``: the account is disabled.
    """
    email = str(identity.get("email") or "").strip().lower()
    if not email or identity.get("email_verified") is False:
        raise LoginError(
            "Nhà cung cấp danh tính không cho biết e-mail đã xác minh. / The identity provider "
            "gave no verified e-mail, so no local account can be chosen.",
            reason="unknown_identity")
    matches = [a for a in accounts if (a.email or "").lower() == email]
    if not matches:
        raise LoginError(
            f"Không có tài khoản nào ứng với {email}; hãy nhờ quản trị viên thêm (postplan users "
            f"add … --email {email}). / No local account has the e-mail {email}; ask an admin "
            f"to add it (postplan users add … --email {email}).", reason="unknown_identity")
    if len(matches) > 1:
        raise LoginError(
            f"Nhiều tài khoản cùng e-mail {email}; quản trị viên cần để lại một. / Several local "
            f"accounts have the e-mail {email}; an admin must keep it on one only.",
            reason="unknown_identity")
    if matches[0].disabled:
        raise LoginError("Tài khoản đã bị vô hiệu hoá. / This account is disabled; ask an admin.",
                         reason="disabled")
    return matches[0]


def oidc_login(store: Store, identity: Mapping[str, Any], *,
               now: datetime | None = None) -> LoginSession:
    """Open a session for an identity provider's user mapped by :func:`map_identity`.

    Raises
    ------
    LoginError
        As :func:`map_identity` (the refusal is audited).
    """
    at = now_utc(now)
    email = str(identity.get("email") or "").strip().lower()
    with store.read_transaction() as conn:
        rows = conn.execute(select(_ACCOUNTS).where(func.lower(_ACCOUNTS.c.email) == email)
                            ).all() if email else []
    try:
        account = map_identity(identity, [account_from_row(r) for r in rows])
    except LoginError as exc:
        with store.write_transaction() as conn:
            audit.append(conn, "login_failed", username=None,
                         detail={"via": "oidc", "reason": exc.reason}, at=at)
        raise
    with store.write_transaction() as conn:
        session = _open_session(conn, account, at)
        audit.append(conn, "login", actor=account, detail={"via": "oidc"}, at=at)
    return session
