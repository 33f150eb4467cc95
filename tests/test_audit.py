"""The audit log: append-only on both databases, one entry per action; users and audit CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from store_utils import account
from test_store import _postgres_url, make_plan

from cli import main
from data import accounts as acc
from data.audit import AUDIT_COLUMNS, export_audit, list_audit
from data.errors import AccessDenied
from data.settings import Settings
from data.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return _postgres_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as s:
        yield s


def test_audit_log_refuses_update_and_delete(store: Store) -> None:
    """A trigger refuses changing or deleting entries, even in raw SQL; inserts still work."""
    root = account(store)
    before = list_audit(store, actor=root)
    assert [e.action for e in before] == ["account_add"]
    for sql in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(sql))
    if store.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    assert list_audit(store, actor=root) == before


def test_each_action_writes_its_entry(store: Store) -> None:
    """Save, open, export, restore, delete each leave one entry naming account and object."""
    root = account(store)
    lan = account(store, "lan", role="dispatcher", offices=["BC-KONTUM"])
    saved = store.save_plan(make_plan(), name="Thứ Hai", actor=lan)
    store.save_plan(make_plan(seed=2), name="Thứ Hai", actor=lan, expected_version=1)
    store.get(saved.id, actor=lan, version=1)
    store.export(saved.id, actor=lan, fmt="json")
    store.restore(saved.id, 1, actor=lan)
    store.list_objects("plan", actor=lan)  # listing shows no citizen's data: not an entry
    scenario = store.save("coverage_scenario", "S", {"cutoff_min": 30}, actor=root)
    store.get(scenario.id, actor=root)  # a scenario holds no personal data: not an entry
    store.delete(saved.id, actor=lan)
    entries = [(e.username, e.role, e.action, e.object_kind, e.object_id, e.detail)
               for e in list_audit(store, actor=root, user="lan")]
    assert entries == [
        ("lan", "dispatcher", "save", "plan", saved.id, {"version": 1}),
        ("lan", "dispatcher", "save", "plan", saved.id, {"version": 2}),
        ("lan", "dispatcher", "open", "plan", saved.id, {"version": 1}),
        ("lan", "dispatcher", "export", "plan", saved.id, {"version": 2, "format": "json"}),
        ("lan", "dispatcher", "restore", "plan", saved.id, {"version": 3, "restored_from": 1}),
        ("lan", "dispatcher", "delete", "plan", saved.id, {"versions": 3}),
    ]
    assert [e.action for e in list_audit(store, actor=root, user="root")] == [
        "account_add", "account_add", "save"]
    since = datetime.now(UTC).replace(year=2099)
    assert list_audit(store, actor=root, since=since) == []


def test_a_failed_save_writes_no_entry(store: Store) -> None:
    """A conflict rolls back the save and its entry together."""
    root = account(store)
    store.save("plan", "P", {"a": 1}, actor=root)
    with pytest.raises(Exception, match="already exists"):
        store.save("plan", "P", {"a": 2}, actor=root)
    assert [e.action for e in list_audit(store, actor=root, action="save")] == ["save"]


# ----------------------------------------------------------------------------- CLI


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "") -> tuple[int, dict]:  # type: ignore[type-arg]
    """Run ``postplan … --json`` with ``stdin``; parse its JSON output."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_users_and_audit_commands(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """First admin without --as; then everything acts --as an account and is audited."""
    monkeypatch.setenv("POSTPLAN_DB_URL", db_url)
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.delenv("POSTPLAN_AS", raising=False)
    code, out = run(capsys, monkeypatch, "plans", "list")
    assert code == 1 and "postplan users add NAME --role admin" in out["message"]
    pw = "mật-khẩu-quản-trị\n"
    code, out = run(capsys, monkeypatch, "users", "add", "lan", "--role", "admin",
                    "--display-name", "Nguyễn Thị Lan", "--password-stdin", stdin=pw)
    assert code == 0 and out["account"]["role"] == "admin"
    code, out = run(capsys, monkeypatch, "users", "add", "minh", "--role", "dispatcher",
                    "--office", "BC-KONTUM", "--password-stdin", stdin=pw)
    assert code == 1 and "Say who acts: --as NAME" in out["message"]
    code, out = run(capsys, monkeypatch, "users", "add", "minh", "--role", "dispatcher",
                    "--office", "BC-KONTUM", "--password-stdin", "--as", "lan",
                    stdin="mật-khẩu-của-minh\n")
    assert code == 0 and out["account"]["offices"] == ["BC-KONTUM"]
    code, out = run(capsys, monkeypatch, "users", "list", "--as", "minh")
    assert code == 1 and out["error"] == "AccessDenied" and "needs the role admin" in \
        out["message"]
    code, out = run(capsys, monkeypatch, "users", "list", "--as", "lan")
    assert [a["username"] for a in out["accounts"]] == ["lan", "minh"]
    code, out = run(capsys, monkeypatch, "users", "reset-password", "minh", "--password-stdin",
                    "--as", "lan", stdin="mật-khẩu-mới-của-minh\n")
    assert code == 0
    code, out = run(capsys, monkeypatch, "users", "disable", "minh", "--as", "lan")
    assert code == 0 and out["account"]["disabled"] is True
    code, out = run(capsys, monkeypatch, "plans", "list", "--as", "minh")
    assert code == 1 and "is disabled" in out["message"]
    code, out = run(capsys, monkeypatch, "plans", "list", "--as", "nobody")
    assert code == 1 and "No account 'nobody' exists" in out["message"]
    code, out = run(capsys, monkeypatch, "audit", "--as", "lan")
    assert [(e["username"], e["action"], e["object_name"]) for e in out["entries"]] == [
        ("lan", "account_add", "lan"), ("lan", "account_add", "minh"),
        ("lan", "password_reset", "minh"), ("lan", "account_disable", "minh")]
    code, out = run(capsys, monkeypatch, "audit", "--as", "lan", "--user", "nobody",
                    "--since", "2020-01-01")
    assert code == 0 and out["entries"] == []
    with Store(Settings.from_env().database_url) as store:
        assert acc.get_account(store, "minh").disabled  # type: ignore[union-attr]


def test_audit_export_is_csv_and_is_itself_audited(store: Store) -> None:
    """The CSV holds the filtered entries (formula-like text neutralised); the export is logged."""
    root = account(store)
    account(store, "minh", role="dispatcher", offices=["po-23293"])
    with pytest.raises(AccessDenied, match="read the audit log"):
        export_audit(store, actor=account(store, "minh"))
    data = export_audit(store, actor=root, action="account_add")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(AUDIT_COLUMNS)
    assert [line.split(",")[4] for line in lines[1:]] == ["account_add", "account_add"]
    last = list_audit(store, actor=root)[-1]
    assert (last.action, last.object_kind, last.detail["entries"], last.detail["action"]) == (
        "export", "audit_log", 2, "account_add")


def test_users_set_and_audit_csv_commands(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    """`users set` changes a role and offices; `audit --csv FILE` writes the log, audited."""
    monkeypatch.setenv("POSTPLAN_DB_URL", db_url)
    monkeypatch.delenv("POSTPLAN_AS", raising=False)
    with Store(db_url) as store:
        account(store)
        account(store, "minh", role="dispatcher", offices=["po-23293"])
    code, out = run(capsys, monkeypatch, "users", "set", "minh", "--office", "po-23293",
                    "--office", "po-23401", "--as", "root")
    assert code == 0 and out["account"]["offices"] == ["po-23293", "po-23401"]
    code, out = run(capsys, monkeypatch, "users", "set", "minh", "--role", "planner",
                    "--as", "root")
    assert code == 0 and (out["account"]["role"], out["account"]["offices"]) == ("planner", [])
    target = tmp_path / "audit.csv"
    code, out = run(capsys, monkeypatch, "audit", "--csv", str(target), "--as", "root")
    assert code == 0 and target.read_bytes().startswith(b"\xef\xbb\xbfid,at,username")
    code, out = run(capsys, monkeypatch, "audit", "--as", "root")
    assert [e["action"] for e in out["entries"]][-3:] == ["account_update", "account_update",
                                                          "export"]
