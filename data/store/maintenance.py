"""``postplan db check|backup|restore``: look after the store's database itself.

* :func:`check_database` — SQLite's full ``integrity_check``, the schema revision, and
  every stored version's text against its content hash (on SQLite and PostgreSQL).
* :func:`backup_database` — SQLite: the online backup API (a consistent copy while the
  app runs, write-ahead log included); PostgreSQL: ``pg_dump --format=custom``.
* :func:`restore_database` — checks the backup first (integrity, a revision this postplan
  knows), keeps the current database as a safety copy in the backups folder, then copies
  the backup in (SQLite backup API, or a file swap when the current file is unreadable;
  ``pg_restore --clean --single-transaction`` on PostgreSQL), and upgrades the schema.

Stop the app before restoring: a restore replaces what every session sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from data.db_models import Base
from data.errors import StorageError
from data.store import messages
from data.store.engine import (
    check_revision,
    head_revision,
    normalise_url,
    safe_url,
    sqlite_check,
    sqlite_file,
    sqlite_header_ok,
    sqlite_read_only_uri,
)
from data.store.jsondoc import content_hash
from data.store.repository import Store
from data.store.results import BackupResult, CheckReport, RestoreResult

_DOCUMENTS = Base.metadata.tables["documents"]
_VERSIONS = Base.metadata.tables["document_versions"]


# --------------------------------------------------------------------------- check


def check_database(url: str) -> CheckReport:
    """Check a store's database thoroughly (slower than the quick check on open).

    Parameters
    ----------
    url
        SQLAlchemy URL of the store.

    Returns
    -------
    CheckReport
        ``problems`` is empty when the database is healthy.

    Raises
    ------
    StorageError
        The database cannot be opened at all (damaged header, newer schema, unreachable).
    """
    path = sqlite_file(url)
    with Store(url) as store:
        problems: list[str] = []
        if path is not None and path.is_file() and path.stat().st_size > 0:
            problems += [f"SQLite integrity_check: {p}" for p in sqlite_check(path, full=True,
                                                                             limit=50)]
        try:
            objects, versions, found = _verify_documents(store.engine)
        except DatabaseError as exc:
            objects, versions, found = 0, 0, [messages.bilingual(
                f"không đọc được các phiên bản đã lưu: {exc.orig}",
                f"reading the stored versions failed: {exc.orig}")]
        problems += found
        try:
            revision, _objects = _facts(store)
        except StorageError as exc:
            revision = None
            problems.append(str(exc))
        return CheckReport(store.safe_url, store.dialect, revision, head_revision(), objects,
                           versions, tuple(dict.fromkeys(problems)),
                           read_only_reason=store.read_only_reason)


def _verify_documents(engine: Engine) -> tuple[int, int, list[str]]:
    problems: list[str] = []
    with engine.connect() as conn:
        docs = {r.id: r for r in conn.execute(select(_DOCUMENTS))}
        latest: dict[int, tuple[int, str]] = {}
        versions = 0
        query = select(_VERSIONS.c.document_id, _VERSIONS.c.version, _VERSIONS.c.content,
                       _VERSIONS.c.content_hash, _VERSIONS.c.size_bytes)
        for row in conn.execution_options(yield_per=200).execute(query):
            versions += 1
            doc = docs.get(row.document_id)
            ref = f"#{row.document_id} {doc.kind} {doc.name!r} v{row.version}" if doc \
                else f"#{row.document_id} v{row.version}"
            try:
                digest = content_hash(json.loads(row.content))
            except ValueError:
                digest = ""
            if digest != row.content_hash or row.size_bytes != len(
                    row.content.encode("utf-8", "surrogatepass")):
                problems.append(messages.hash_mismatch(ref))
            if row.version > latest.get(row.document_id, (0, ""))[0]:
                latest[row.document_id] = (row.version, row.content_hash)
    for doc in docs.values():
        version, digest = latest.get(doc.id, (0, ""))
        if version != doc.version or digest != doc.content_hash:
            problems.append(messages.latest_mismatch(
                f"#{doc.id} {doc.kind} {doc.name!r}",
                f"v{doc.version} ≠ v{version}" if version != doc.version else "content_hash"))
    return len(docs), versions, problems


# --------------------------------------------------------------------------- backup


def default_backup_path(backups_dir: Path, url: str, *, prefix: str = "postplan") -> Path:
    """Return a new file name in ``backups_dir``: ``<prefix>-YYYYmmdd-HHMMSS.sqlite|.dump`` (UTC).

    Parameters
    ----------
    backups_dir
        The backups folder (``Settings.user_dir / "backups"`` for the CLI).
    url
        The store's URL (its dialect picks the extension).
    prefix
        Start of the file name.
    """
    ext = ".sqlite" if make_url(normalise_url(url)).get_backend_name() == "sqlite" else ".dump"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = backups_dir / f"{prefix}-{stamp}{ext}"
    n = 1
    while path.exists():
        n += 1
        path = backups_dir / f"{prefix}-{stamp}-{n}{ext}"
    return path


def backup_database(url: str, target: Path) -> BackupResult:
    """Write a consistent backup of the store's database to ``target`` (never overwritten).

    Parameters
    ----------
    url
        SQLAlchemy URL of the store.
    target
        The backup file to create (a SQLite database, or a ``pg_dump`` custom archive).

    Raises
    ------
    StorageError
        ``target`` exists, there is no database, the source cannot be read (damaged), or
        ``pg_dump`` is missing or failed. No partial file is left behind.
    """
    url = normalise_url(url)
    target = Path(target).expanduser()
    if target.exists():
        raise StorageError(messages.backup_exists(str(target)))
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    path = sqlite_file(url)
    try:
        if path is not None:
            _sqlite_backup(path, part)
            dialect = "sqlite"
        elif make_url(url).get_backend_name() == "postgresql":
            _run_pg("pg_dump", "--format=custom", "--no-owner", f"--file={part}", url=url)
            dialect = "postgresql"
        else:
            raise StorageError(f"cannot back up a {make_url(url).get_backend_name()} database")
        _fsync(part)
        os.replace(part, target)
    finally:
        _remove_with_logs(part)
    return BackupResult(str(target), dialect, target.stat().st_size, _sha256(target),
                        datetime.now(UTC))


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file() or source.stat().st_size == 0:
        raise StorageError(messages.nothing_to_back_up(str(source)))
    if not sqlite_header_ok(source):
        raise StorageError(messages.header_damaged(str(source)))
    try:
        with closing(sqlite3.connect(sqlite_read_only_uri(source), uri=True, timeout=30)) as src, \
                closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.DatabaseError as exc:
        _remove_with_logs(target)
        raise StorageError(messages.backup_failed(str(source), str(exc))) from exc
    damage = sqlite_check(target, full=True)
    if damage:
        _remove_with_logs(target)
        raise StorageError(messages.backup_failed(str(source), "; ".join(damage[:3])))


# --------------------------------------------------------------------------- restore


def restore_database(url: str, source: Path, *, backups_dir: Path) -> RestoreResult:
    """Replace the store's database with a backup, keeping the current one as a safety copy.

    Parameters
    ----------
    url
        SQLAlchemy URL of the store.
    source
        A backup from :func:`backup_database` (or any healthy postplan SQLite file /
        ``pg_dump`` custom archive).
    backups_dir
        Where the safety copy of the current database goes.

    Raises
    ------
    StorageError
        The backup is unusable (damaged, not a postplan database, from a newer postplan):
        nothing is changed. Or the copy failed: the safety copy is named.
    """
    url = normalise_url(url)
    source = Path(source).expanduser()
    if not source.is_file():
        raise StorageError(messages.bad_backup(str(source), "no such file"))
    path = sqlite_file(url)
    backups_dir.mkdir(parents=True, exist_ok=True)
    if path is not None:
        safety = _restore_sqlite(path, source, backups_dir)
    elif make_url(url).get_backend_name() == "postgresql":
        safety = _restore_postgres(url, source, backups_dir)
    else:
        raise StorageError(f"cannot restore a {make_url(url).get_backend_name()} database")
    with Store(url) as store:  # upgrades an older backup's schema
        revision, objects = _facts(store)
    return RestoreResult(str(source), safety, revision, objects)


def _facts(store: Store) -> tuple[str | None, int]:
    """Return the schema revision and the number of stored objects (no account needed: shell)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import func

    with store.read_transaction() as conn:
        objects = conn.execute(select(func.count()).select_from(_DOCUMENTS)).scalar_one()
        return MigrationContext.configure(conn).get_current_revision(), int(objects)


def _sqlite_revision(path: Path) -> str | None:
    with closing(sqlite3.connect(sqlite_read_only_uri(path), uri=True)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StorageError(messages.bad_backup(
                str(path), f"not a postplan database: {exc}")) from exc
    return str(row[0]) if row else None


def _restore_sqlite(path: Path, source: Path, backups_dir: Path) -> str | None:
    if path.exists() and source.resolve() == path.resolve():
        raise StorageError(messages.bad_backup(str(source), "it is the database itself"))
    if source.stat().st_size == 0 or not sqlite_header_ok(source):
        raise StorageError(messages.bad_backup(str(source), "not a SQLite database"))
    damage = sqlite_check(source, full=True)
    if damage:
        raise StorageError(messages.bad_backup(str(source), "; ".join(damage[:3])))
    check_revision(_sqlite_revision(source), str(source))
    safety: str | None = None
    if path.is_file() and path.stat().st_size > 0:
        safety_path = default_backup_path(backups_dir, f"sqlite:///{path}",
                                          prefix="before-restore")
        try:
            _sqlite_backup(path, safety_path)
        except StorageError:  # unreadable: keep its files exactly as they are
            for suffix in ("", "-wal", "-shm"):
                extra = path.with_name(path.name + suffix)
                if extra.exists():
                    shutil.copy2(extra, safety_path.with_name(safety_path.name + suffix))
        safety = str(safety_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(sqlite_read_only_uri(source), uri=True)) as src, \
                closing(sqlite3.connect(path, timeout=30)) as dst:
            src.backup(dst)
        if sqlite_check(path):
            raise sqlite3.DatabaseError("the copy failed its integrity check")
    except sqlite3.DatabaseError:
        _swap_in(path, source)
    return safety


def _swap_in(path: Path, source: Path) -> None:
    """Replace an unreadable database file by a copy of ``source`` (atomic rename)."""
    part = path.with_name(path.name + ".restore-part")
    part.unlink(missing_ok=True)
    with closing(sqlite3.connect(sqlite_read_only_uri(source), uri=True)) as src, \
            closing(sqlite3.connect(part)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    _fsync(part)
    for suffix in ("-wal", "-shm"):  # the old file's log must not be replayed on the copy
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(part, path)


def _restore_postgres(url: str, source: Path, backups_dir: Path) -> str:
    listing = _run_pg("pg_restore", "--list", str(source), url=None,
                      bad=lambda detail: messages.bad_backup(str(source), detail))
    revision_sql = _run_pg("pg_restore", "--data-only", "--table=alembic_version", "--file=-",
                           str(source), url=None,
                           bad=lambda detail: messages.bad_backup(str(source), detail))
    match = re.search(r"COPY \S*alembic_version \(version_num\) FROM stdin;\n(\S+)\n",
                      revision_sql)
    if match is None:
        raise StorageError(messages.bad_backup(str(source), "not a postplan database"))
    check_revision(match.group(1), str(source))
    safety = default_backup_path(backups_dir, url, prefix="before-restore")
    backup_database(url, safety)
    in_archive = set(re.findall(r"TABLE \S+ (\w+) ", listing))
    stale = [t for t in [*Base.metadata.tables, "alembic_version"] if t not in in_archive]
    engine = create_engine(url)
    try:
        with engine.begin() as conn:  # tables of a newer schema than the backup's
            for table in stale:
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        engine.dispose()
    try:
        _run_pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--single-transaction", "--exit-on-error", str(source), url=url)
    except StorageError as exc:
        raise StorageError(messages.restore_failed(safe_url(url), str(exc), str(safety))) \
            from exc
    return str(safety)


# --------------------------------------------------------------------------- helpers


def pg_tool(name: str) -> Path:
    """Find ``pg_dump`` / ``pg_restore``: ``POSTPLAN_PG_BINDIR``, else PATH, else Debian's.

    Raises
    ------
    StorageError
        Not installed (the message says how to install it).
    """
    bindir = os.environ.get("POSTPLAN_PG_BINDIR")
    if bindir:
        candidates = [Path(bindir) / name]
        searched = bindir
    else:
        found = shutil.which(name)
        debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name)
                        if p.parent.parent.name.isdigit() else 0)
        candidates = [*([Path(found)] if found else []), *reversed(debian)]
        searched = "PATH, /usr/lib/postgresql/*/bin"
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise StorageError(messages.pg_tool_missing(name, searched))


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and an environment with it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conninfo = parsed.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), env


def _run_pg(tool: str, *args: str, url: str | None,
            bad: Callable[[str], str] | None = None) -> str:
    cmd = [str(pg_tool(tool)), *args]
    env = dict(os.environ)
    if url is not None:
        conninfo, env = _libpq(url)
        cmd.insert(1, f"--dbname={conninfo}")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or f"exit code {proc.returncode}").splitlines()[-1]
        if bad is not None:
            raise StorageError(bad(detail))
        raise StorageError(messages.backup_failed(safe_url(url) if url else tool, detail))
    return proc.stdout


def _remove_with_logs(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
