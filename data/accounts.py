"""Local accounts in the project's database: who they are, their roles, their passwords.

* Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters); hashes made
  with older parameters are upgraded at the next successful login (:mod:`data.logins`).
* Managing accounts needs the ``admin`` role (:mod:`data.access`), except creating the very
  first admin (:func:`create_first_admin`); every change goes to the audit log.
* The command line acts as a named account (:func:`acting_account`, ``--as NAME``).

Logins, locks, sessions and the identity-provider mapping are in :mod:`data.logins`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, Row, Table, func, select, text

from data import audit
from data.access import ROLES, Account, require
from data.db_models import Base
from data.errors import AccessDenied, InputError, Problem, StorageError

if TYPE_CHECKING:
    from data.store import Store

#: Shortest accepted password.
MIN_PASSWORD_CHARS = 10

_ACCOUNTS: Table = Base.metadata.tables["accounts"]
_SESSIONS: Table = Base.metadata.tables["sessions"]
#: The password hasher: Argon2id, RFC 9106 low-memory profile.
HASHER = PasswordHasher()
#: Verified when a username is unknown, so a wrong name takes as long as a wrong password.
DUMMY_HASH = HASHER.hash("postplan-no-such-account")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_FIRST_ADMIN_LOCK_KEY = 7_2016_46


def hash_password(password: str) -> str:
    """Hash a password with Argon2id (a new random salt each time)."""
    return HASHER.hash(password)


def now_utc(now: datetime | None) -> datetime:
    """Return ``now`` (or the current time) as an aware UTC time."""
    return (now or datetime.now(UTC)).astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """Return a stored time as aware UTC (SQLite gives naive ones back), or None."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def account_from_row(row: Row[Any]) -> Account:
    """Turn an ``accounts`` row into an :class:`~data.access.Account`."""
    m = row._mapping
    return Account(id=m["id"], username=m["username"], display_name=m["display_name"],
                   role=m["role"], offices=tuple(m["offices"] or ()),
                   courier_id=m["courier_id"], email=m["email"], disabled=bool(m["disabled"]))


def token_sha256(token: str) -> str:
    """Return the sha256 of a session token (what is stored instead of the token)."""
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
    return account_from_row(row) if row else None


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
    return [account_from_row(r) for r in rows]


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
            actor: Account, end_sessions: bool, detail: dict[str, Any] | None = None
            ) -> Account:
    now = datetime.now(UTC)
    with store.write_transaction() as conn:
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.username == username)).first()
        if row is None:
            raise StorageError(f"Không có tài khoản '{username}'. / No account '{username}' "
                               f"exists; `postplan users list` lists them.")
        before = account_from_row(row)
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
                     object_name=username, detail=detail, at=now)
        row = conn.execute(select(_ACCOUNTS).where(_ACCOUNTS.c.id == before.id)).first()
    assert row is not None
    return account_from_row(row)


def update_account(
    store: Store,
    username: str,
    *,
    actor: Account,
    role: str | None = None,
    offices: Iterable[str] | None = None,
    courier_id: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> Account:
    """Change an account's role, offices, courier id, display name or e-mail (admins; audited).

    Only the fields given change; ``""`` clears ``courier_id`` or ``email``. The result is
    checked as a whole (a dispatcher needs an office, a courier a courier id); offices are
    kept for dispatchers only and a courier id for couriers only. A change of
    role or offices ends the account's sessions, so it logs in again under the new rules.
    The last enabled admin keeps the admin role.

    Raises
    ------
    InputError
        Every problem with the resulting account, at once; nothing is changed.
    AccessDenied
        ``actor`` is not an admin.
    StorageError
        No such account.
    """
    require(actor, "accounts.manage")
    before = get_account(store, username)
    if before is None:
        raise StorageError(f"Không có tài khoản '{username}'. / No account '{username}' "
                           f"exists; `postplan users list` lists them.")
    new_role = before.role if role is None else role
    new_offices = before.offices if offices is None else offices
    new_courier = before.courier_id if courier_id is None else courier_id
    new_email = before.email if email is None else email
    office_ids, courier, mail = _validated(username, new_role, None, new_offices, new_courier,
                                           new_email)
    if new_role != "dispatcher":
        office_ids = ()  # offices belong to dispatchers, courier ids to couriers
    if new_role != "courier":
        courier = None
    shown = before.display_name if display_name is None else (display_name.strip() or username)
    values: dict[str, Any] = {"role": new_role, "offices": list(office_ids),
                              "courier_id": courier, "email": mail, "display_name": shown}
    changed = {k: v for k, v in values.items()
               if v != (list(before.offices) if k == "offices" else getattr(before, k))}
    if not changed:
        return before
    if before.role == "admin" and new_role != "admin" and not before.disabled:
        with store.read_transaction() as conn:
            admins = conn.execute(select(func.count()).select_from(_ACCOUNTS).where(
                _ACCOUNTS.c.role == "admin", _ACCOUNTS.c.disabled.is_(False))).scalar_one()
        if admins <= 1:
            raise InputError(
                "Không thể bỏ vai trò của quản trị viên cuối cùng. / The last enabled admin "
                "must stay an admin; make another account admin first.",
                summary="Nothing was changed")
    rights = {"role", "offices", "courier_id"} & set(changed)
    facts = {k: v for k, v in changed.items() if k in ("role", "offices", "courier_id")}
    return _change(store, username, "account_update", changed, actor=actor,
                   end_sessions=bool(rights), detail={"changed": sorted(changed), **facts})


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
