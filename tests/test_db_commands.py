"""``postplan db check|backup|restore`` on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from store_utils import account
from test_store import _postgres_url
from test_store_safety import damage_versions_table

from cli import main
from data.settings import Settings
from data.store import Store, head_revision, normalise_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at a fresh store; return its URL."""
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    if request.param == "sqlite":
        monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    else:
        monkeypatch.setenv("POSTPLAN_DB_URL", _postgres_url())
    return Settings.from_env().database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Run ``postplan … --json`` and parse its one JSON document."""
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _names(url: str) -> list[str]:
    with Store(url) as store:
        return sorted(o.name for o in store.list_objects(actor=account(store)))


def test_backup_then_restore_brings_back_the_backup_and_keeps_the_present(
        env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Restore returns the store to the backup; what was saved after is kept in a safety copy."""
    with Store(env) as store:
        store.save("plan", "Thứ Hai", {"routes": 1}, actor=account(store, "lan"))
    code, out = run(capsys, "db", "backup")
    assert code == 0
    backup = Path(out["backup"]["path"])
    assert backup.parent == tmp_path / "user" / "backups" and backup.is_file()
    assert out["backup"]["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    with Store(env) as store:
        store.save("plan", "Thứ Ba", {"routes": 2}, actor=account(store, "minh"))
    code, out = run(capsys, "db", "restore", str(backup))
    assert code == 0 and out["restore"]["objects"] == 1
    assert _names(env) == ["Thứ Hai"]
    safety = Path(out["restore"]["safety_copy"])
    assert safety.name.startswith("before-restore-") and safety.is_file()
    code, out = run(capsys, "db", "restore", str(safety))  # the safety copy is a real backup
    assert code == 0 and _names(env) == ["Thứ Ba", "Thứ Hai"]
    code, out = run(capsys, "db", "check")
    assert code == 0 and out["ok"] is True and out["check"]["objects"] == 2
    assert out["check"]["versions"] == 2 and out["problems"] == []


def test_backup_never_overwrites_a_file(env: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Naming an existing file is refused and the file is left as it was."""
    with Store(env) as store:
        store.save("plan", "p", {"a": 1}, actor=account(store, "lan"))
    target = tmp_path / "keep.bak"
    target.write_bytes(b"precious")
    code, out = run(capsys, "db", "backup", str(target))
    assert code == 1 and "never overwrites" in out["message"]
    assert target.read_bytes() == b"precious"


def test_check_finds_a_version_altered_outside_postplan(
        env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A version whose text no longer matches its hash is named, and the exit code is 1."""
    with Store(env) as store:
        saved = store.save("plan", "Thứ Hai", {"routes": 1}, actor=account(store, "lan"))
    engine = create_engine(normalise_url(env))
    with engine.begin() as conn:
        conn.execute(text("UPDATE document_versions SET content = '{\"routes\": 9}'"))
    engine.dispose()
    code, out = run(capsys, "db", "check")
    assert code == 1 and out["ok"] is False
    assert out["problems"] == [
        f"#{saved.id} plan 'Thứ Hai' v1: nội dung không khớp mã băm đã lưu (bị sửa ngoài "
        f"postplan?) / #{saved.id} plan 'Thứ Hai' v1: its content does not match its stored "
        f"hash (altered outside postplan?)"]
    assert "postplan db restore" in out["message"]


def test_restore_refuses_a_backup_from_a_newer_postplan(
        env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A backup with an unknown schema revision is refused before anything changes."""
    with Store(env) as store:
        store.save("plan", "p", {"a": 1}, actor=account(store, "lan"))
    code, out = run(capsys, "db", "backup")
    backup = out["backup"]["path"]
    engine = create_engine(normalise_url(env))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d9999'"))
    engine.dispose()
    code, out = run(capsys, "db", "backup")
    newer = out["backup"]["path"]
    engine = create_engine(normalise_url(env))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
        conn.execute(text("DELETE FROM document_versions"))
        conn.execute(text("DELETE FROM documents"))
    engine.dispose()
    code, out = run(capsys, "db", "restore", newer)
    assert code == 1 and "written by a newer postplan (revision f00d9999" in out["message"]
    assert _names(env) == []
    code, out = run(capsys, "db", "restore", backup)
    assert code == 0 and _names(env) == ["p"]


def test_restore_refuses_a_file_that_is_not_a_backup(
        env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A text file given as a backup is refused; the store keeps its objects."""
    with Store(env) as store:
        store.save("plan", "p", {"a": 1}, actor=account(store, "lan"))
    bogus = tmp_path / "plan.json"
    bogus.write_text('{"routes": []}', encoding="utf-8")
    code, out = run(capsys, "db", "restore", str(bogus))
    assert code == 1 and "is not a usable backup" in out["message"]
    assert "the current database was left as it was" in out["message"]
    assert _names(env) == ["p"]


# ----------------------------------------------------------------------------- SQLite only


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI on a SQLite store in tmp_path/user; return the database file."""
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    path = tmp_path / "user" / "postplan.sqlite"
    with Store(f"sqlite:///{path}") as store:
        for i in range(30):
            store.save("plan", f"p{i}", {"i": i, "pad": "đ" * 1500}, actor=account(store, "lan"))
    return path


def test_check_and_restore_a_damaged_sqlite_store(
        sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check names the damaged page; restore brings back the backup; saves work again."""
    code, out = run(capsys, "db", "backup")
    backup = out["backup"]["path"]
    damage_versions_table(sqlite_env)
    damaged = sqlite_env.read_bytes()
    code, out = run(capsys, "db", "check")
    assert code == 1 and out["ok"] is False
    assert "SQLite integrity_check: database disk image is malformed" in out["problems"]
    assert any("reading the stored versions failed" in p for p in out["problems"])
    assert "bị hỏng" in out["check"]["read_only_reason"]
    code, out = run(capsys, "db", "restore", backup)
    assert code == 0 and out["restore"]["objects"] == 30
    assert Path(out["restore"]["safety_copy"]).read_bytes() == damaged
    with Store(f"sqlite:///{sqlite_env}") as store:
        assert not store.read_only
        root = account(store)
        p7 = store.find("plan", "p7", actor=root)
        assert p7 is not None and store.get(p7.id, actor=root).data()["i"] == 7
        assert store.save("plan", "new", {"a": 1}, actor=account(store, "lan")).version == 1


def test_restore_over_a_damaged_header(sqlite_env: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A file SQLite cannot open at all is swapped for the backup and kept byte for byte."""
    code, out = run(capsys, "db", "backup")
    backup = out["backup"]["path"]
    data = bytearray(sqlite_env.read_bytes())
    data[:16] = b"not a database!!"
    sqlite_env.write_bytes(bytes(data))
    code, out = run(capsys, "db", "check")
    assert code == 1 and "header is damaged" in out["message"]
    code, out = run(capsys, "db", "restore", backup)
    assert code == 0 and out["restore"]["objects"] == 30
    assert Path(out["restore"]["safety_copy"]).read_bytes() == bytes(data)
    assert len(_names(f"sqlite:///{sqlite_env}")) == 30


def test_backup_of_a_damaged_sqlite_store_is_refused(
        sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A damaged database gives no backup that would look good; no file is left behind."""
    damage_versions_table(sqlite_env)
    code, out = run(capsys, "db", "backup")
    assert code == 1 and "Could not back up" in out["message"]
    backups = sqlite_env.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []


def test_restore_refuses_a_damaged_backup(sqlite_env: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A backup that fails its integrity check is refused; the store is unchanged."""
    code, out = run(capsys, "db", "backup")
    backup = Path(out["backup"]["path"])
    damage_versions_table(backup)
    before = sqlite_env.read_bytes()
    code, out = run(capsys, "db", "restore", str(backup))
    assert code == 1 and "is not a usable backup" in out["message"]
    assert sqlite_env.read_bytes() == before


# ----------------------------------------------------------------------------- PostgreSQL only


@pytest.mark.postgres
def test_missing_pg_dump_is_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Without pg_dump the backup says what to install, and writes nothing."""
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("POSTPLAN_DB_URL", _postgres_url())
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("POSTPLAN_PG_BINDIR", str(empty))
    code, out = run(capsys, "db", "backup")
    assert code == 1
    assert "pg_dump was not found" in out["message"]
    assert "apt-get install postgresql-client" in out["message"]
    assert not (tmp_path / "user" / "backups").exists() or \
        list((tmp_path / "user" / "backups").iterdir()) == []
