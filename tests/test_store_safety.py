"""A store that protects itself: damaged, foreign, newer and read-only databases on open."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from store_utils import account
from test_store import _postgres_url

from data.errors import StorageError
from data.store import Store, head_revision, normalise_url

REPO = Path(__file__).resolve().parent.parent


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def filled_sqlite(path: Path, n: int = 30) -> str:
    """A SQLite store with ``n`` plans of 3 kB each (several pages per table); its URL."""
    url = f"sqlite:///{path}"
    with Store(url) as store:
        for i in range(n):
            store.save("plan", f"p{i}", {"i": i, "pad": "đ" * 1500}, actor=account(store, "lan"))
    return url


def damage_versions_table(path: Path) -> None:
    """Overwrite the root page of ``document_versions`` with garbage (the header stays)."""
    with sqlite3.connect(path) as conn:
        root, page_size = conn.execute(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_master "
            "WHERE name = 'document_versions'").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size: root * page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


# ----------------------------------------------------------------------------- damaged


def test_damaged_sqlite_opens_read_only_and_is_never_written(tmp_path: Path) -> None:
    """quick_check finds the damage; reads of intact tables work; every save is refused."""
    path = tmp_path / "store.sqlite"
    url = filled_sqlite(path)
    damage_versions_table(path)
    before = _sha(path)
    with Store(url) as store:
        root = account(store)
        assert store.read_only and store.damage
        assert "Page" in " ".join(store.damage)
        assert store.read_only_reason is not None
        assert "bị hỏng" in store.read_only_reason and "is damaged" in store.read_only_reason
        assert len(store.list_objects(actor=root)) == 30  # the documents table is intact
        with pytest.raises(StorageError, match=r"(?s)every save is refused.*postplan db restore"):
            store.save("plan", "new", {"a": 1}, actor=account(store, "lan"))
        with pytest.raises(StorageError, match="postplan db restore"):
            store.save("plan", "p1", {"a": 1}, actor=account(store, "lan"), expected_version=1)
        with pytest.raises(StorageError, match=r"(?s)failed: .*malformed.*postplan db check"):
            store.get(store.find("plan", "p1", actor=root).id, actor=root)  # type: ignore[union-attr]
        assert store.info(actor=account(store)).read_only
    assert _sha(path) == before


def test_damaged_sqlite_header_is_a_clear_storage_error(tmp_path: Path) -> None:
    """A file whose header is overwritten, or any non-SQLite file, names the fix; untouched."""
    path = tmp_path / "store.sqlite"
    url = filled_sqlite(path, n=2)
    data = bytearray(path.read_bytes())
    data[:16] = b"not a database!!"
    path.write_bytes(bytes(data))
    before = _sha(path)
    with pytest.raises(StorageError, match=r"(?s)phần đầu tệp bị hỏng.*header is damaged.*"
                                           r"postplan db restore"):
        Store(url)
    assert _sha(path) == before
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("tên, địa chỉ\n" * 20, encoding="utf-8")
    with pytest.raises(StorageError, match="is not a SQLite database"):
        Store(f"sqlite:///{text_file}")


def test_truncated_sqlite_header_is_a_clear_storage_error(tmp_path: Path) -> None:
    """A file cut inside its 100-byte header is refused the same way, not opened."""
    path = tmp_path / "cut.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10" * 20)
    with pytest.raises(StorageError, match="header is damaged"):
        Store(f"sqlite:///{path}")
    assert path.stat().st_size == 36


def _other_process(path: Path, sql: str) -> str:
    """Run ``sql`` on ``path`` in another process (plain sqlite3), return what it printed."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "print(sorted(r[0] for r in c.execute(sys.argv[2]))); c.close()")
    return subprocess.run([sys.executable, "-c", code, str(path), sql], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_opening_a_store_again_leaves_the_open_ones_writes_visible(tmp_path: Path) -> None:
    """A second open of a file this process already writes keeps the first one's locks.

    The app's server opens a store where one is already open (a page, the login routes).
    Reading the file's header with a plain open()/close() dropped the open connection's
    POSIX locks; another process closing its connection then took itself for the last
    user and deleted the write-ahead log, and every later save of the server went into
    the deleted log: confirmed to the courier's phone, invisible to everyone else.
    """
    path = tmp_path / "store.sqlite"
    url = filled_sqlite(path, n=1)
    with Store(url) as first:
        root = account(first)
        first.save("plan", "before", {"i": 1}, actor=root)
        Store(url).close()  # the same file opened again in this process
        _other_process(path, "SELECT name FROM documents")  # opens and closes
        first.save("plan", "after", {"i": 2}, actor=root)
        seen = _other_process(path, "SELECT name FROM documents")
    assert "'after'" in seen and "'before'" in seen, seen


# ----------------------------------------------------------------------------- newer schema


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return _postgres_url()


def test_database_from_a_newer_postplan_is_refused_not_an_alembic_error(db_url: str) -> None:
    """An unknown schema revision says 'written by a newer postplan — upgrade'; data kept."""
    with Store(db_url) as store:
        store.save("plan", "Thứ Hai", {"routes": 1}, actor=account(store, "lan"))
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d9999'"))
    with pytest.raises(StorageError, match=r"(?s)phiên bản postplan mới hơn.*written by a newer "
                                           r"postplan \(revision f00d9999; this one knows up to "
                                           + head_revision() + r"\) — upgrade"):
        Store(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() \
            == "f00d9999"
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == 1
    engine.dispose()


# ----------------------------------------------------------------------------- read-only

READER = """
import json, sys
sys.path.insert(0, {repo!r})
from data.accounts import get_account
from data.errors import StorageError
from data.store import Store
out = {{}}
with Store({url!r}) as store:
    lan = get_account(store, "lan")
    out["read_only"] = store.read_only
    out["reason"] = store.read_only_reason
    objects = store.list_objects(actor=lan)
    out["names"] = sorted(o.name for o in objects)
    out["data"] = store.get(store.find("plan", "p1", actor=lan).id, actor=lan).data()["i"]
    try:
        store.save("plan", "new", {{"a": 1}}, actor=lan)
        out["saved"] = True
    except StorageError as exc:
        out["error"] = str(exc)
print(json.dumps(out, ensure_ascii=False))
"""


def _as_unprivileged(script: str) -> dict[str, object]:
    """Run ``script`` as a process without root's power to write read-only files."""
    cmd = [sys.executable, "-c", script]
    if os.geteuid() == 0:  # root ignores file modes; a user namespace takes that away
        cmd = ["unshare", "--user", "--map-user=65534", "--map-group=65534", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_read_only_file_and_folder_open_for_reading(tmp_path: Path) -> None:
    """A read-only file in a read-only folder (as on a read-only file system) is readable."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "store.sqlite"
    url = filled_sqlite(path, n=3)
    before = _sha(path)
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        out = _as_unprivileged(READER.format(repo=str(REPO), url=url))
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert out["read_only"] is True
    assert out["names"] == ["p0", "p1", "p2"] and out["data"] == 1
    assert "saved" not in out
    assert "chỉ cho phép đọc" in str(out["error"]) and "is read-only" in str(out["error"])
    assert "every save is refused" in str(out["error"])
    assert _sha(path) == before
    assert sorted(p.name for p in folder.iterdir()) == ["store.sqlite"]


def test_read_only_file_in_a_writable_folder_opens_for_reading(tmp_path: Path) -> None:
    """A read-only database file beside writable space is read, and never written."""
    path = tmp_path / "store.sqlite"
    url = filled_sqlite(path, n=3)
    before = _sha(path)
    path.chmod(0o444)
    tmp_path.chmod(0o777)
    try:
        out = _as_unprivileged(READER.format(repo=str(REPO), url=url))
    finally:
        path.chmod(0o644)
        tmp_path.chmod(0o700)
    assert out["read_only"] is True and out["data"] == 1
    assert "is read-only" in str(out["error"])
    assert _sha(path) == before


def test_missing_database_in_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    """No database yet and nowhere to create it: say so and how to fix it."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
              "import json\nfrom data.store import Store\nfrom data.errors import StorageError\n"
              f"try:\n    Store('sqlite:///{folder}/new.sqlite')\n"
              "except StorageError as exc:\n    print(json.dumps({'error': str(exc)}))\n")
    try:
        out = _as_unprivileged(script)
    finally:
        folder.chmod(0o755)
    assert "folder is read-only" in str(out["error"]) and "POSTPLAN_USER_DIR" in str(out["error"])


@pytest.mark.postgres
def test_read_only_postgres_server_opens_read_only() -> None:
    """A server in read-only mode (like a standby) gives a read-only store that names why."""
    url = _postgres_url()
    with Store(url) as store:
        store.save("plan", "p", {"a": 1}, actor=account(store, "lan"))
    engine = create_engine(normalise_url(url))
    database = engine.url.database
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on'))
    engine.dispose()
    with Store(url) as store:
        assert store.read_only
        assert store.find("plan", "p", actor=account(store)) is not None
        with pytest.raises(StorageError, match=r"(?s)chỉ cho phép đọc.*Point POSTPLAN_DB_URL "
                                               r"at the primary server"):
            store.save("plan", "q", {"a": 2}, actor=account(store, "lan"))
        assert [o.name for o in store.list_objects(actor=account(store))] == ["p"]


def test_a_damaged_store_still_lets_people_log_in_and_read(tmp_path: Path) -> None:
    """A read-only store checks passwords, keeps sessions in memory, and writes nothing."""
    from data import accounts as acc
    from data import logins
    from data.errors import LoginError

    path = tmp_path / "store.sqlite"
    url = filled_sqlite(path, n=3)
    with Store(url) as store:
        acc.add_account(store, "minh", actor=account(store, "root"), role="admin",
                        password="mật-khẩu-của-minh")
    damage_versions_table(path)
    before = _sha(path)
    with Store(url) as store:
        assert store.read_only
        with pytest.raises(LoginError, match="Wrong username or password"):
            logins.login(store, "minh", "sai-mật-khẩu")
        session = logins.login(store, "minh", "mật-khẩu-của-minh")
        assert logins.session_account(store, session.token).username == "minh"
        assert len(store.list_objects(actor=session.account)) == 3
        logins.logout(store, session.token)
        with pytest.raises(LoginError, match="expired"):
            logins.session_account(store, session.token)
    assert _sha(path) == before
