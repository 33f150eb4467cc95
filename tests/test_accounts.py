"""Accounts: Argon2id passwords, slowed then locked logins, expiring sessions, OIDC mapping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_store import _postgres_url

from data import accounts as acc
from data import logins
from data.access import Account
from data.audit import list_audit
from data.db_models import Base
from data.errors import AccessDenied, InputError, LoginError
from data.store import Store

PASSWORD = "đúng-mật-khẩu-2026"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store (SQLite file or a new PostgreSQL database)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else _postgres_url()
    with Store(url) as s:
        yield s


@pytest.fixture
def admin(store: Store) -> Account:
    """The first admin, ``lan``, with :data:`PASSWORD`."""
    return acc.create_first_admin(store, "lan", password=PASSWORD, display_name="Nguyễn Thị Lan")


def _actions(store: Store, admin: Account, user: str) -> list[str]:
    return [e.action for e in list_audit(store, actor=admin, user=user)]


def test_password_is_stored_as_argon2id_and_logs_in(store: Store, admin: Account) -> None:
    """The hash is Argon2id (never the password); a login opens a session for the account."""
    table = Base.metadata.tables["accounts"]
    with store.engine.connect() as conn:
        stored = conn.execute(select(table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    session = logins.login(store, "Lan", PASSWORD, now=T0)
    assert session.account.username == "lan" and session.account.role == "admin"
    assert session.expires_at == T0 + timedelta(seconds=logins.SESSION_TTL_S)
    assert logins.session_account(store, session.token, now=T0 + timedelta(minutes=5)) == admin
    assert _actions(store, admin, "lan") == ["account_add", "login"]


def test_wrong_passwords_are_slowed_then_locked(store: Store, admin: Account) -> None:
    """Each failure makes the next try wait longer (1, 2, 4, 8 s); the 5th locks 15 min."""
    at = T0
    for failure, wait_s in enumerate(logins.FAILURE_DELAYS_S, start=1):
        with pytest.raises(LoginError, match="Wrong username or password") as err:
            logins.login(store, "lan", "sai-mat-khau", now=at)
        assert err.value.reason == "wrong", failure
        with pytest.raises(LoginError, match=f"Wait {wait_s} s") as early:  # too soon: refused
            logins.login(store, "lan", PASSWORD, now=at)  # even with the right password
        assert early.value.reason == "throttled" and early.value.retry_after_s == wait_s
        with pytest.raises(LoginError, match="Wait 1 s"):
            logins.login(store, "lan", PASSWORD, now=at + timedelta(seconds=wait_s - 0.5))
        at += timedelta(seconds=wait_s)
    with pytest.raises(LoginError, match="locked until 08:15:15 UTC after 5 failed") as err:
        logins.login(store, "lan", "sai-mat-khau", now=at)
    assert err.value.reason == "locked" and err.value.retry_after_s == logins.LOCK_S
    with pytest.raises(LoginError) as still:  # the right password does not open a lock
        logins.login(store, "lan", PASSWORD, now=at + timedelta(minutes=14))
    assert still.value.reason == "locked"
    later = at + timedelta(seconds=logins.LOCK_S)
    assert logins.login(store, "lan", PASSWORD, now=later).account == admin
    actions = _actions(store, admin, "lan")
    assert actions.count("login_failed") == 6 and actions.count("lock") == 1
    assert actions[-1] == "login"


def test_unknown_username_fails_like_a_wrong_password(store: Store, admin: Account) -> None:
    """No account of that name: the same message, and the attempt is audited."""
    with pytest.raises(LoginError, match="Wrong username or password") as err:
        logins.login(store, "minh", PASSWORD, now=T0)
    assert err.value.reason == "wrong"
    [entry] = list_audit(store, actor=admin, user="minh")
    assert entry.action == "login_failed" and entry.detail == {"reason": "unknown"}


def test_sessions_expire_when_old_idle_or_ended(store: Store, admin: Account) -> None:
    """A session older than its lifetime, idle too long, or logged out is refused."""
    old = logins.login(store, "lan", PASSWORD, now=T0)
    with pytest.raises(LoginError, match="session has expired") as err:
        logins.session_account(store, old.token, now=T0 + timedelta(seconds=logins.SESSION_TTL_S))
    assert err.value.reason == "expired"
    idle = logins.login(store, "lan", PASSWORD, now=T0)
    logins.session_account(store, idle.token, now=T0 + timedelta(minutes=50))  # still in use
    with pytest.raises(LoginError, match="expired"):
        logins.session_account(store, idle.token, now=T0 + timedelta(minutes=50 + 61))
    ended = logins.login(store, "lan", PASSWORD, now=T0)
    logins.logout(store, ended.token, now=T0 + timedelta(minutes=1))
    with pytest.raises(LoginError, match="expired"):
        logins.session_account(store, ended.token, now=T0 + timedelta(minutes=2))
    with pytest.raises(LoginError, match="expired"):
        logins.session_account(store, "not-a-token", now=T0)
    actions = _actions(store, admin, "lan")
    assert actions.count("session_expired") == 2 and actions.count("logout") == 1


def test_disabling_ends_sessions_and_refuses_logins(store: Store, admin: Account) -> None:
    """A disabled account cannot log in, its sessions end, and it cannot act."""
    minh = acc.add_account(store, "minh", actor=admin, role="dispatcher", password=PASSWORD,
                           offices=["BC-KONTUM"], display_name="Trần Minh")
    session = logins.login(store, "minh", PASSWORD)
    acc.set_disabled(store, "minh", True, actor=admin)
    with pytest.raises(LoginError, match="expired"):
        logins.session_account(store, session.token)
    with pytest.raises(LoginError, match="disabled") as err:
        logins.login(store, "minh", PASSWORD)
    assert err.value.reason == "disabled"
    with pytest.raises(AccessDenied, match="is disabled"):
        acc.acting_account(store, "minh")
    with pytest.raises(InputError, match="last enabled admin"):
        acc.set_disabled(store, "lan", True, actor=admin)
    assert acc.set_disabled(store, "minh", False, actor=admin).disabled is False
    assert logins.login(store, "minh", PASSWORD).account.username == "minh"
    assert minh.offices == ("BC-KONTUM",)


def test_account_rules(store: Store, admin: Account) -> None:
    """Bad fields are all reported; only admins manage accounts; one first admin only."""
    with pytest.raises(InputError) as err:
        acc.add_account(store, "Bad Name", actor=admin, role="boss", password="short")
    assert [p.column for p in err.value.problems] == ["username", "role", "password"]
    with pytest.raises(InputError, match="needs at least one post office"):
        acc.add_account(store, "d", actor=admin, role="dispatcher", password=PASSWORD)
    with pytest.raises(InputError, match="needs their courier id"):
        acc.add_account(store, "c", actor=admin, role="courier", password=PASSWORD)
    viewer = acc.add_account(store, "xem", actor=admin, role="viewer", password=PASSWORD)
    with pytest.raises(AccessDenied, match="may not manage accounts; this needs the role admin"):
        acc.add_account(store, "x2", actor=viewer, role="admin", password=PASSWORD)
    with pytest.raises(AccessDenied, match="An account already exists"):
        acc.create_first_admin(store, "other", password=PASSWORD)
    with pytest.raises(InputError, match="is taken"):
        acc.add_account(store, "xem", actor=admin, role="viewer", password=PASSWORD)
    acc.reset_password(store, "xem", "mật-khẩu-mới-2026", actor=viewer)  # their own
    assert logins.login(store, "xem", "mật-khẩu-mới-2026").account == viewer
    assert [a.username for a in acc.list_accounts(store, actor=admin)] == ["lan", "xem"]


def test_reset_password_clears_a_lock(store: Store, admin: Account) -> None:
    """An admin's reset opens a locked account with the new password."""
    at = T0
    for wait in (*logins.FAILURE_DELAYS_S, 0):
        with pytest.raises(LoginError):
            logins.login(store, "lan", "sai", now=at)
        at += timedelta(seconds=wait)
    other = acc.add_account(store, "hoa", actor=admin, role="admin", password=PASSWORD)
    acc.reset_password(store, "lan", "mật-khẩu-mới-2026", actor=other)
    assert logins.login(store, "lan", "mật-khẩu-mới-2026", now=at).account == admin
    assert "password_reset" in _actions(store, admin, "hoa")


# ----------------------------------------------------------------------------- OIDC

PEOPLE = [
    Account(id=1, username="lan", display_name="Lan", role="dispatcher",
            offices=("BC-KONTUM",), email="lan@buudien.vn"),
    Account(id=2, username="minh", display_name="Minh", role="viewer", email="minh@buudien.vn",
            disabled=True),
]


def test_map_identity_finds_the_account_by_email() -> None:
    """The provider's e-mail (any case) picks the local account and its role."""
    account = logins.map_identity({"email": "LAN@buudien.vn", "email_verified": True,
                                "name": "Lan"}, PEOPLE)
    assert account.username == "lan" and account.role == "dispatcher"


@pytest.mark.parametrize(("identity", "reason", "message"), [
    ({"email": "ai@example.org"}, "unknown_identity", "No local account has the e-mail"),
    ({"email": "lan@buudien.vn", "email_verified": False}, "unknown_identity",
     "no verified e-mail"),
    ({"name": "Lan"}, "unknown_identity", "no verified e-mail"),
    ({"email": "minh@buudien.vn"}, "disabled", "disabled"),
])
def test_map_identity_refuses_unknown_unverified_and_disabled(
        identity: dict[str, object], reason: str, message: str) -> None:
    """Unknown, unverified or missing e-mails and disabled accounts are refused."""
    with pytest.raises(LoginError, match=message) as err:
        logins.map_identity(identity, PEOPLE)
    assert err.value.reason == reason


def test_two_accounts_with_one_email_are_refused() -> None:
    """An e-mail mapped to two accounts is ambiguous: refused, not guessed."""
    twins = [PEOPLE[0], Account(id=3, username="lan2", display_name="Lan", role="admin",
                                email="lan@buudien.vn")]
    with pytest.raises(LoginError, match="Several local accounts have the e-mail"):
        logins.map_identity({"email": "lan@buudien.vn"}, twins)


def test_oidc_login_opens_a_session_and_audits(store: Store, admin: Account) -> None:
    """A mapped provider identity gets a session; an unknown one is refused and audited."""
    acc.add_account(store, "hoa", actor=admin, role="planner", password=None,
                    email="hoa@buudien.vn")
    session = logins.oidc_login(store, {"email": "hoa@buudien.vn", "email_verified": True})
    assert logins.session_account(store, session.token).username == "hoa"
    with pytest.raises(LoginError):
        logins.oidc_login(store, {"email": "ke-la@example.org"})
    with pytest.raises(LoginError, match="Wrong username or password"):  # no password at all
        logins.login(store, "hoa", "")
    entries = list_audit(store, actor=admin, action="login")
    assert [(e.username, e.detail["via"]) for e in entries] == [("hoa", "oidc")]
    failed = list_audit(store, actor=admin, action="login_failed")
    assert {"via": "oidc", "reason": "unknown_identity"} in [e.detail for e in failed]


def test_update_account_changes_role_and_offices_and_ends_sessions(
        store: Store, admin: Account) -> None:
    """Role, offices, courier id change together, checked as a whole; audited; sessions end."""
    minh = acc.add_account(store, "minh", actor=admin, role="dispatcher", password=PASSWORD,
                           offices=["po-23293"])
    session = logins.login(store, "minh", PASSWORD, now=datetime.now(UTC))
    with pytest.raises(InputError, match="A courier needs their courier id"):
        acc.update_account(store, "minh", actor=admin, role="courier")
    changed = acc.update_account(store, "minh", actor=admin, role="courier", courier_id="BT07")
    assert (changed.role, changed.offices, changed.courier_id) == ("courier", (), "BT07")
    with pytest.raises(LoginError, match="expired"):  # it logs in again under the new role
        logins.session_account(store, session.token)
    again = acc.update_account(store, "minh", actor=admin, display_name="Trần Minh")
    assert again.display_name == "Trần Minh" and again.role == "courier"
    assert acc.update_account(store, "minh", actor=admin, display_name="Trần Minh") == again
    entries = [e for e in list_audit(store, actor=admin, user="lan")
               if e.action == "account_update"]
    assert [e.detail for e in entries] == [
        {"changed": ["courier_id", "offices", "role"], "courier_id": "BT07", "offices": [],
         "role": "courier"},
        {"changed": ["display_name"]}]
    with pytest.raises(AccessDenied, match="needs the role admin"):
        acc.update_account(store, "lan", actor=changed, role="viewer")
    with pytest.raises(InputError, match="The last enabled admin must stay an admin"):
        acc.update_account(store, "lan", actor=admin, role="viewer")
    assert minh.role == "dispatcher"


def test_login_delays_come_from_the_caller(store: Store, admin: Account) -> None:
    """With delays of 0 s the 5th wrong password in a row locks at once (the tests' setting)."""
    for failure in range(1, logins.MAX_FAILURES):
        with pytest.raises(LoginError, match="Wrong username or password") as wrong:
            logins.login(store, "lan", "sai", now=T0, delays_s=(0, 0, 0, 0))
        assert wrong.value.reason == "wrong", failure
    with pytest.raises(LoginError) as locked:
        logins.login(store, "lan", "sai", now=T0, delays_s=(0, 0, 0, 0))
    assert locked.value.reason == "locked" and locked.value.retry_after_s == logins.LOCK_S
