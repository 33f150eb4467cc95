"""Local accounts in the project's database: passwords, logins, locks, sessions, OIDC.

* Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters); hashes made
  with older parameters are upgraded at the next successful login.
* Repeated failures are slowed down, then locked: after the n-th consecutive failure the
  next attempt is accepted only after :data:`FAILURE_DELAYS_S` [n-1] seconds (1, 2, 4, 8 s),
  and the :data:`MAX_FAILURES`-th failure locks the account for :data:`LOCK_S` seconds.
  The wait is enforced by the database (a refused early attempt is not even checked), not
  by sleeping.
* Sessions are server-side: a random token is handed to the browser, only its sha256 is
  stored; a session ends at logout, after :data:`SESSION_TTL_S` in all, or after
  :data:`SESSION_IDLE_S` without use.
* An identity provider's user (Streamlit's ``st.login``, OIDC) is mapped to a local account
  by e-mail (:func:`map_identity`, pure); unknown or disabled e-mails are refused.

Every change and every login, failed login, lock and logout goes to the audit log.
Managing accounts needs the ``admin`` role (:mod:`data.access`), except creating the very
first admin (:func:`create_first_admin`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, Table, func, select, text

from data import audit
from data.access import ROLES, Account, require
from data.db_models import Base
from data.errors import AccessDenied, InputError, LoginError, Problem, StorageError

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
#: Shortest accepted password.
MIN_PASSWORD_CHARS = 10

_ACCOUNTS: Table = Base.metadata.tables["accounts"]
_SESSIONS: Table = Base.metadata.tables["sessions"]
_HASHER = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile
#: Verified when a username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("postplan-no-such-account")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_FIRST_ADMIN_LOCK_KEY = 7_2016_46


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


def hash_password(password: str) -> str:
    """Hash a password with Argon2id (a new random salt each time)."""
    return _HASHER.hash(password)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account(row: Row[Any]) -> Account:
    m = row._mapping
    return Account(id=m["id"], username=m["username"], display_name=m["display_name"],
                   role=m["role"], offices=tuple(m["offices"] or ()),
                   courier_id=m["courier_id"], email=m["email"], disabled=bool(m["disabled"]))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- checks


def password_problems(password: object, *, username: str = "") -> list[Problem]:
    """List what is wrong with a new password (empty when it is acceptable)."""
    if not isinstance(password, str):
        return [Problem("Mật khẩu phải là văn bản. / The password must be text.",
                        column="password")]
    problems = []
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(Problem(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự. / The password needs at least "
            f"{MIN_PASSWORD_CHARS} characters.", column="password"))
    if username and password.strip().lower() == username.lower():
        problems.append(Problem("Mật khẩu không được trùng tên đăng nhập. / The password must "
                                "not be the username.", column="password"))
    return problems


def _account_problems(username: object, role: object, offices: tuple[str, ...],
                      courier_id: str | None, email: str | None) -> list[Problem]:
    problems = []
    if not isinstance(username, str) or not _USERNAME.match(username):
        problems.append(Problem(
            "Tên đăng nhập gồm 1–64 chữ thường không dấu, số, '.', '_' hoặc '-'. / A username is "
            "1–64 lower-case letters a–z, digits, '.', '_' or '-'.", column="username",
            value=repr(username)))
    if role not in ROLES:
        problems.append(Problem(f"Vai trò phải là một trong {', '.join(ROLES)}. / The role must "
                                f"be one of {', '.join(ROLES)}.", column="role",
                                value=repr(role)))
    if role == "dispatcher" and not offices:
        problems.append(Problem("Điều phối viên cần ít nhất một bưu cục (--office). / A "
                                "dispatcher needs at least one post office (--office).",
                                column="offices"))
    if role == "courier" and not courier_id:
        problems.append(Problem("Bưu tá cần mã bưu tá (--courier-id). / A courier needs their "
                                "courier id (--courier-id).", column="courier_id"))
    if email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        problems.append(Problem("Địa chỉ e-mail không hợp lệ. / The e-mail address is not "
                                "valid.", column="email", value=email))
    return problems


# --------------------------------------------------------------------------- reading


def count_accounts(store: Store) -> int:
    """How many accounts exist (0 means the first admin still has to be created)."""
    with store.read_transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(_ACCOUNTS)).scalar_one())


def get_account(store: Store, username: str) -> Account | None:
    """Return the account with this username, or None (identity lookup; no permission needed)."""
    with store.read_transaction() as conn:
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.username == username)).first()
    return _account(row) if row else None


def acting_account(store: Store, username: str | None) -> Account:
    """Return the account the command line acts as (``--as NAME``): it must exist and be enabled.

    Raises
    ------
    AccessDenied
        No name given, no such account, or the account is disabled.
    """
    if not username:
        if count_accounts(store) == 0:
            raise AccessDenied(
                "Chưa có tài khoản nào; hãy tạo quản trị viên đầu tiên: `postplan users add TÊN "
                "--role admin`. / No account exists yet; create the first admin with "
                "`postplan users add NAME --role admin`.")
        raise AccessDenied(
            "Hãy cho biết bạn là ai: --as TÊN (hoặc biến POSTPLAN_AS). / Say who acts: --as "
            "NAME (or POSTPLAN_AS); `postplan users list --as ADMIN` lists the accounts.")
    account = get_account(store, username)
    if account is None:
        raise AccessDenied(f"Không có tài khoản '{username}'. / No account '{username}' exists; "
                           f"`postplan users list --as ADMIN` lists them.")
    if account.disabled:
        raise AccessDenied(f"Tài khoản '{username}' đã bị vô hiệu hoá. / Account '{username}' "
                           f"is disabled.")
    return account


def list_accounts(store: Store, *, actor: Account) -> list[Account]:
    """Every account, by username (admins only)."""
    require(actor, "accounts.manage")
    with store.read_transaction() as conn:
        rows = conn.execute(select(_ACCOUNTS).order_by(_ACCOUNTS.c.username)).all()
    return [_account(r) for r in rows]


# --------------------------------------------------------------------------- changes


def _insert(conn: Connection, *, username: str, role: str, display_name: str,
            password: str | None, offices: tuple[str, ...], courier_id: str | None,
            email: str | None, created_by: str, now: datetime) -> Account:
    if conn.execute(select(_ACCOUNTS.c.id).where(_ACCOUNTS.c.username == username)).first():
        raise InputError([Problem(f"Tên đăng nhập '{username}' đã có. / The username "
                                  f"'{username}' is taken.", column="username")],
                         summary="No account was added")
    new_id = conn.execute(_ACCOUNTS.insert().values(
        username=username, display_name=display_name, role=role, offices=list(offices),
        courier_id=courier_id, email=email, disabled=False,
        password_hash=hash_password(password) if password is not None else None,
        failed_logins=0, last_failed_at=None, locked_until=None, created_at=now,
        created_by=created_by, updated_at=now,
    )).inserted_primary_key[0]  # type: ignore[index]
    return Account(id=int(new_id), username=username, display_name=display_name, role=role,
                   offices=offices, courier_id=courier_id, email=email)


def _validated(username: str, role: str, password: str | None, offices: Iterable[str],
               courier_id: str | None, email: str | None
               ) -> tuple[tuple[str, ...], str | None, str | None]:
    office_ids = tuple(sorted({str(o).strip() for o in offices if str(o).strip()}))
    courier = courier_id.strip() if courier_id and courier_id.strip() else None
    mail = email.strip().lower() if email and email.strip() else None
    problems = _account_problems(username, role, office_ids, courier, mail)
    if password is not None:
        problems += password_problems(password, username=username)
    if problems:
        raise InputError(problems, summary="No account was added")
    return office_ids, courier, mail


def add_account(
    store: Store,
    username: str,
    *,
    actor: Account,
    role: str,
    password: str | None,
    display_name: str | None = None,
    offices: Iterable[str] = (),
    courier_id: str | None = None,
    email: str | None = None,
) -> Account:
    """Create an account (admins only; audited).

    Parameters
    ----------
    store
        The store.
    username
        Login name (lower case, never changes).
    actor
        The admin creating it.
    role
        One of :data:`data.access.ROLES`.
    password
        Its password, or None for an account that logs in only through the identity
        provider (``email`` then maps it).
    display_name
        Name shown (default the username).
    offices
        Post offices (dispatchers).
    courier_id
        The courier id (couriers).
    email
        Identity-provider e-mail (OIDC).

    Raises
    ------
    InputError
        Every problem with the fields, at once.
    AccessDenied
        ``actor`` is not an admin.
    """
    require(actor, "accounts.manage")
    office_ids, courier, mail = _validated(username, role, password, offices, courier_id, email)
    now = datetime.now(UTC)
    with store.write_transaction() as conn:
        account = _insert(conn, username=username, role=role,
                          display_name=display_name or username, password=password,
                          offices=office_ids, courier_id=courier, email=mail,
                          created_by=actor.username, now=now)
        audit.append(conn, "account_add", actor=actor, object_kind="account",
                     object_id=account.id, object_name=username,
                     detail={"role": role, "offices": list(office_ids)}, at=now)
    return account


def create_first_admin(store: Store, username: str, *, password: str | None,
                       display_name: str | None = None, email: str | None = None) -> Account:
    """Create the first account, an admin — only while no account exists (audited).

    This is what the app's one-time setup link and ``postplan users add NAME --role admin``
    do on a new database.

    Raises
    ------
    AccessDenied
        An account already exists (ask an admin instead).
    InputError
        Invalid username or password.
    """
    _validated(username, "admin", password, (), None, email)
    now = datetime.now(UTC)
    with store.write_transaction() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _FIRST_ADMIN_LOCK_KEY})
        if conn.execute(select(func.count()).select_from(_ACCOUNTS)).scalar_one():
            raise AccessDenied(
                "Đã có tài khoản; chỉ quản trị viên mới tạo được tài khoản mới. / An account "
                "already exists; only an admin can add accounts (--as ADMIN).",
                needed=("admin",))
        account = _insert(conn, username=username, role="admin",
                          display_name=display_name or username, password=password,
                          offices=(), courier_id=None,
                          email=email.strip().lower() if email else None,
                          created_by=username, now=now)
        audit.append(conn, "account_add", actor=account, object_kind="account",
                     object_id=account.id, object_name=username,
                     detail={"role": "admin", "first": True}, at=now)
    return account


def _change(store: Store, username: str, action: str, values: dict[str, Any], *,
            actor: Account, end_sessions: bool) -> Account:
    now = datetime.now(UTC)
    with store.write_transaction() as conn:
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.username == username)).first()
        if row is None:
            raise StorageError(f"Không có tài khoản '{username}'. / No account '{username}' "
                               f"exists; `postplan users list` lists them.")
        before = _account(row)
        if action == "account_disable" and before.role == "admin":
            admins = conn.execute(select(func.count()).select_from(_ACCOUNTS).where(
                _ACCOUNTS.c.role == "admin", _ACCOUNTS.c.disabled.is_(False))).scalar_one()
            if admins <= 1 and not before.disabled:
                raise InputError(
                    "Không thể vô hiệu hoá quản trị viên cuối cùng. / The last enabled admin "
                    "cannot be disabled; add another admin first.",
                    summary="Nothing was changed")
        conn.execute(_ACCOUNTS.update().where(_ACCOUNTS.c.id == before.id)
                     .values(updated_at=now, **values))
        if end_sessions:
            conn.execute(_SESSIONS.update().where(_SESSIONS.c.account_id == before.id,
                                                  _SESSIONS.c.ended_at.is_(None))
                         .values(ended_at=now))
        audit.append(conn, action, actor=actor, object_kind="account", object_id=before.id,
                     object_name=username, at=now)
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.id == before.id)).first()
    assert row is not None
    return _account(row)


def set_disabled(store: Store, username: str, disabled: bool, *, actor: Account) -> Account:
    """Disable (ending its sessions) or enable an account (admins only; audited)."""
    require(actor, "accounts.manage")
    return _change(store, username, "account_disable" if disabled else "account_enable",
                   {"disabled": disabled}, actor=actor, end_sessions=disabled)


def reset_password(store: Store, username: str, password: str, *, actor: Account) -> Account:
    """Set a new password, clear any lock and end the account's sessions (audited).

    An admin may reset anyone's password; anyone may reset their own.
    """
    if actor.username != username:
        require(actor, "accounts.manage")
    problems = password_problems(password, username=username)
    if problems:
        raise InputError(problems, summary="The password was not changed")
    return _change(store, username, "password_reset",
                   {"password_hash": hash_password(password), "failed_logins": 0,
                    "last_failed_at": None, "locked_until": None},
                   actor=actor, end_sessions=True)


# --------------------------------------------------------------------------- logins


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
    conn.execute(_SESSIONS.insert().values(token_sha256=_sha(token), account_id=account.id,
                                           created_at=now, last_seen_at=now,
                                           expires_at=expires, ended_at=None))
    return LoginSession(token, account, expires)


def login(store: Store, username: str, password: str, *,
          now: datetime | None = None) -> LoginSession:
    """Check a username and password and open a session (audited either way).

    Parameters
    ----------
    store
        The store.
    username, password
        What was typed.
    now
        The time (for tests); default now.

    Raises
    ------
    LoginError
        ``reason`` ``wrong`` (unknown name or wrong password), ``throttled`` (too soon after
        a failure; ``retry_after_s``), ``locked`` (too many failures; ``retry_after_s``) or
        ``disabled``.
    """
    at = _now(now)
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
                _HASHER.verify(_DUMMY_HASH, password or "")
            audit.append(conn, "login_failed", username=username or None,
                         detail={"reason": "unknown" if row is None else "no_password"}, at=at)
            error = _wrong()
        else:
            error, session = _attempt(conn, row, password or "", at)
    if error is not None:
        raise error
    assert session is not None
    return session


def _attempt(conn: Connection, row: Row[Any], password: str,
             at: datetime) -> tuple[LoginError | None, LoginSession | None]:
    m = row._mapping
    account = _account(row)
    failures = int(m["failed_logins"])
    locked_until = _utc(m["locked_until"])
    last_failed = _utc(m["last_failed_at"])
    if locked_until is not None and at < locked_until:
        audit.append(conn, "login_failed", actor=account, detail={"reason": "locked"}, at=at)
        return _locked(locked_until, failures, at), None
    if locked_until is not None:  # the lock is over: start counting afresh
        failures, last_failed = 0, None
    if failures and last_failed is not None:
        ready = last_failed + timedelta(seconds=FAILURE_DELAYS_S[min(failures, 4) - 1])
        if at < ready:
            wait = max(1, int((ready - at).total_seconds() + 0.999))
            return LoginError(f"Vui lòng chờ {wait} giây rồi thử lại. / Wait {wait} s before "
                              f"trying again.", reason="throttled", retry_after_s=wait), None
    try:
        _HASHER.verify(m["password_hash"], password)
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
    if _HASHER.check_needs_rehash(m["password_hash"]):
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
        _HASHER.verify(stored or _DUMMY_HASH, password)
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise _wrong()
    account = _account(row)
    if account.disabled:
        raise LoginError("Tài khoản đã bị vô hiệu hoá. / This account is disabled.",
                         reason="disabled")
    token = secrets.token_urlsafe(32)
    expires = at + timedelta(seconds=SESSION_TTL_S)
    _MEMORY_SESSIONS[_sha(token)] = (account, expires)
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
    at = _now(now)
    digest = _sha(token or "")
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
    expires, seen = _utc(m["expires_at"]), _utc(m["last_seen_at"])
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
    at = _now(now)
    digest = _sha(token or "")
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
    at = _now(now)
    email = str(identity.get("email") or "").strip().lower()
    with store.read_transaction() as conn:
        rows = conn.execute(select(_ACCOUNTS).where(func.lower(_ACCOUNTS.c.email) == email)
                            ).all() if email else []
    try:
        account = map_identity(identity, [_account(r) for r in rows])
    except LoginError as exc:
        with store.write_transaction() as conn:
            audit.append(conn, "login_failed", username=None,
                         detail={"via": "oidc", "reason": exc.reason}, at=at)
        raise
    with store.write_transaction() as conn:
        session = _open_session(conn, account, at)
        audit.append(conn, "login", actor=account, detail={"via": "oidc"}, at=at)
    return session
