"""The store's database: URL, engine, safety checks when it opens, and schema migrations.

:func:`open_database` is what :class:`data.store.Store` calls. Before anything is written
it makes sure the database can be trusted:

* a SQLite file whose first bytes are not a SQLite header is refused with a clear message
  (:func:`data.store.messages.header_damaged`), never a raw ``DatabaseError``;
* ``PRAGMA quick_check`` runs on every existing SQLite file; a damaged one is opened
  **read-only** (``mode=ro`` — SQLite itself refuses every write) and the store refuses
  every save, saying to restore a backup;
* a file, folder or file system that cannot be written is opened read-only for reading;
* a schema revision this postplan does not know means a newer postplan wrote it: refused
  with "upgrade postplan" instead of Alembic's ``CommandError``;
* a PostgreSQL server in read-only mode (a standby) gives a read-only store.

Only then are the Alembic migrations (``data/migrations``) run, serialised across
processes.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from data.errors import StorageError
from data.store import messages

_MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating (any constant int64).
_MIGRATION_LOCK_KEY = 7_2016_45


def normalise_url(url: str) -> str:
    """Pick the installed PostgreSQL driver (psycopg 3) for bare ``postgresql://`` URLs.

    Parameters
    ----------
    url
        An SQLAlchemy URL, e.g. ``sqlite:////home/me/.local/share/postplan/postplan.sqlite``
        or ``postgresql://user@host/db``.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_file(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None (an in-memory database, a URI, or not SQLite).

    Parameters
    ----------
    url
        SQLAlchemy URL.
    """
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def safe_url(url: str) -> str:
    """Return the URL with any password hidden (for messages)."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create an engine with the store's connection settings.

    SQLite: the parent folder is created, write-ahead logging and foreign keys are on,
    writers wait up to 30 s for each other, and writing transactions start with
    ``BEGIN IMMEDIATE`` (so two writers queue instead of failing half-way).
    PostgreSQL: connections are checked before use.

    Parameters
    ----------
    url
        SQLAlchemy URL (see :func:`normalise_url`).
    read_only
        SQLite file only: open it with ``mode=ro`` (SQLite refuses every write, no folder
        is created, the journal mode is left alone); when neither the file nor its folder
        can be written and no write-ahead log is pending, also ``immutable=1`` so nothing
        beside the file is needed.
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError(f"database URL {url!r} is not valid: {exc}") from exc
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_file(url)
    in_memory = path is None
    if read_only and path is not None:
        uri = sqlite_read_only_uri(path)
        engine = create_engine(f"sqlite:///{uri}&uri=true", connect_args={"timeout": 30})
    else:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        elif not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


# --------------------------------------------------------------------------- safety on open


@dataclass(frozen=True)
class OpenedDatabase:
    """A database that passed the checks on open.

    Parameters
    ----------
    url
        Normalised SQLAlchemy URL.
    engine
        The engine (read-only for SQLite when ``read_only_reason`` is set).
    read_only_reason
        Why every write must be refused (Vietnamese / English), or None.
    damage
        What the integrity check reported (empty when healthy).
    revision
        Schema revision after opening (and migrating).
    """

    url: str
    engine: Engine
    read_only_reason: str | None
    damage: tuple[str, ...]
    revision: str | None


def _writable(path: Path) -> bool:
    """Whether ``path`` (or, when missing, its nearest existing folder) can be written.

    A SQLite file in write-ahead-log mode also needs its folder (for ``-wal``/``-shm``).
    ``os.access`` answers False on a read-only file system, even for root.
    """
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def sqlite_read_only_uri(path: Path) -> str:
    """Return a ``file:`` URI opening ``path`` read-only (``mode=ro``; SQLite refuses writes).

    When neither the file nor its folder can be written and no write-ahead log is
    pending, ``immutable=1`` is added: SQLite then needs no ``-shm`` file beside it, which
    a read-only folder or file system could not hold.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not _writable(path) and not (wal.exists() and wal.stat().st_size > 0):
        uri += "&immutable=1"
    return uri


def sqlite_header_ok(path: Path) -> bool:
    """Whether SQLite takes ``path`` for a database (an empty file counts).

    Asked of SQLite (a read-only connection), never by reading the file: a plain
    ``open()``/``close()`` of a database file in a process that holds connections to it
    drops their POSIX locks (https://sqlite.org/howtocorrupt.html, §2.2), after which
    another process may take itself for the last user and delete the write-ahead log those
    connections still write to — a courier's taps confirmed on the phone, then lost.
    SQLite's own connections share one lock record per file and cannot do that.
    """
    try:
        conn = sqlite3.connect(sqlite_read_only_uri(path), uri=True, timeout=30)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return "not a database" not in str(exc)
    return True


def sqlite_check(path: Path, *, full: bool = False, limit: int = 20) -> tuple[str, ...]:
    """Run ``PRAGMA quick_check`` (or the slower ``integrity_check``) on a SQLite file.

    The file is opened read-only; nothing is written.

    Parameters
    ----------
    path
        The database file.
    full
        Run ``integrity_check`` (also compares indexes with their tables).
    limit
        Report at most this many problems.

    Returns
    -------
    tuple of str
        Each problem SQLite reported; empty when the file is healthy.

    Raises
    ------
    StorageError
        The file is not a SQLite database (or its header is damaged).
    """
    uri = sqlite_read_only_uri(path)
    pragma = "integrity_check" if full else "quick_check"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            rows = conn.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise StorageError(messages.header_damaged(str(path))) from exc
        return (str(exc),)
    found = tuple(line.strip() for r in rows for line in str(r[0]).splitlines()
                  if line.strip() and not line.startswith("*** in database"))
    return () if found == ("ok",) else found


@functools.cache
def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_MIGRATIONS_DIR))


def head_revision() -> str:
    """Return the newest schema revision this postplan knows (its migrations' head)."""
    head: str = _scripts().get_current_head()
    return head


def known_revisions() -> frozenset[str]:
    """Return every schema revision this postplan's migrations know."""
    return frozenset(s.revision for s in _scripts().walk_revisions())


def check_revision(revision: str | None, where: str) -> None:
    """Refuse a schema revision written by a newer postplan.

    Raises
    ------
    StorageError
        ``revision`` is not one of :func:`known_revisions`.
    """
    if revision is not None and revision not in known_revisions():
        raise StorageError(messages.newer_schema(where, revision, head_revision()))


def open_database(url: str, *, migrate: bool = True) -> OpenedDatabase:
    """Open a store's database safely (see the module docstring) and migrate it.

    Parameters
    ----------
    url
        SQLAlchemy URL.
    migrate
        Bring the schema up to date (skipped when the database is read-only).

    Raises
    ------
    StorageError
        Damaged header, schema from a newer postplan, unreachable server, a missing
        database in a read-only folder, or a read-only database with an older schema.
    """
    url = normalise_url(url)
    where = safe_url(url)
    path = sqlite_file(url)
    reason: str | None = None
    damage: tuple[str, ...] = ()
    if path is not None:
        where = str(path)
        exists = path.is_file()
        if exists and not sqlite_header_ok(path):
            raise StorageError(messages.header_damaged(where))
        if not _writable(path):
            if not exists:
                raise StorageError(messages.cannot_create(where))
            reason = messages.read_only_file(where)
        if exists and path.stat().st_size > 0:
            damage = sqlite_check(path)
            if damage:
                reason = messages.damaged(where, "; ".join(damage[:3]))
    engine = make_engine(url, read_only=reason is not None)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                if conn.execute(text("SHOW transaction_read_only")).scalar_one() == "on":
                    reason = messages.read_only_server(where)
        try:
            revision = schema_revision(engine)
        except DatabaseError:
            if not damage:
                raise
            revision = None  # unreadable: reads will say so, writes are refused
        check_revision(revision, where)
        head = head_revision()
        if reason is None and migrate:
            upgrade_schema(engine)
            revision = head
        elif reason is not None and not damage and revision != head:
            raise StorageError(messages.read_only_old_schema(where, revision, head))
    except OperationalError as exc:
        engine.dispose()
        raise StorageError(messages.cannot_open(where if path else safe_url(url),
                                                str(exc.orig))) from exc
    except BaseException:
        engine.dispose()
        raise
    return OpenedDatabase(url, engine, reason, damage, revision)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine, *, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` with Alembic, safely from several processes.

    Parameters
    ----------
    engine
        Engine from :func:`make_engine`.
    revision
        Target revision (default the newest).
    """
    from alembic import command

    _run_migration(engine, lambda config: command.upgrade(config, revision))


def downgrade_schema(engine: Engine, *, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (default: drop every table of the store).

    Parameters
    ----------
    engine
        Engine from :func:`make_engine`.
    revision
        Target revision.
    """
    from alembic import command

    _run_migration(engine, lambda config: command.downgrade(config, revision))


def _run_migration(engine: Engine, step: Callable[[Any], None]) -> None:
    # One transaction; SQLite takes the write lock first and PostgreSQL an advisory lock, so
    # processes opening the store together migrate one after the other.
    writer: Engine = engine
    if engine.dialect.name == "sqlite":
        writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with writer.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        step(_alembic_config(conn))


def schema_revision(engine: Engine) -> str | None:
    """Return the schema's current Alembic revision, or None for an empty database.

    Parameters
    ----------
    engine
        Engine from :func:`make_engine`.
    """
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
