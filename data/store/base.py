"""What every part of the store shares: the open database, transactions, rows → results.

:class:`StoreBase` opens the database safely (:func:`data.store.engine.open_database`),
gives short read and write transactions that turn database failures into clear
clear storage errors, loads documents without any access check (only the
public methods of :class:`data.store.Store` hand them out, after checking), and writes
audit entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, Table, select
from sqlalchemy.exc import DatabaseError, IntegrityError

from data import audit
from data.access import OFFICE_SCOPED_KINDS, Account
from data.db_models import Base
from data.errors import ConflictError, InputError, Problem, StorageError
from data.store import messages
from data.store.engine import open_database, safe_url
from data.store.results import ObjectInfo, StoredObject, VersionInfo

if TYPE_CHECKING:
    from data.settings import Settings

#: Kinds of stored object.
KINDS = (
    "plan",
    "manual_edit",
    "job_list",
    "office_registry",
    "coverage_scenario",
    "closure_set",
    "speed_table",
    "roster",
    "field_observations",
    "trace_roads",
    "day_summary",
)

#: Longest accepted ``name`` and ``author`` (a username).
MAX_NAME_CHARS = 200
MAX_AUTHOR_CHARS = 100

DOCUMENTS: Table = Base.metadata.tables["documents"]
VERSIONS: Table = Base.metadata.tables["document_versions"]


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC time (SQLite gives naive ones back)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def object_info(row: Row[Any]) -> ObjectInfo:
    """Turn a ``documents`` row into an :class:`ObjectInfo`."""
    m = row._mapping
    return ObjectInfo(
        id=m["id"], kind=m["kind"], name=m["name"], version=m["version"],
        content_hash=m["content_hash"], created_at=utc(m["created_at"]),
        created_by=m["created_by"], updated_at=utc(m["updated_at"]),
        updated_by=m["updated_by"], offices=tuple(m["offices"] or ()),
    )


def version_info(row: Row[Any] | Mapping[str, Any]) -> VersionInfo:
    """Turn a ``document_versions`` row into a :class:`VersionInfo`."""
    m = row._mapping if isinstance(row, Row) else row
    return VersionInfo(
        object_id=m["document_id"], version=m["version"], content_hash=m["content_hash"],
        size_bytes=m["size_bytes"], author=m["author"], created_at=utc(m["created_at"]),
        message=m["message"] or "", restored_from=m["restored_from"], meta=dict(m["meta"] or {}),
    )


def check_kind(kind: str, *, raise_: bool = True) -> list[Problem]:
    """Problems with ``kind`` (not one of :data:`KINDS`); raised at once unless told not to."""
    if kind in KINDS:
        return []
    problem = Problem(f"unknown kind; use one of {', '.join(KINDS)}.", column="kind",
                      value=repr(kind))
    if raise_:
        raise InputError([problem])
    return [problem]


def check_meta(meta: Mapping[str, Any] | None, problems: list[Problem]) -> dict[str, Any]:
    """Return ``meta`` as plain JSON, adding to ``problems`` what cannot be stored."""
    if meta is None:
        return {}
    try:
        text_ = json.dumps(dict(meta), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.append(Problem(f"meta cannot be stored as JSON: {exc}.", column="meta"))
        return {}
    if "\\u0000" in text_:
        problems.append(Problem("meta contains a NUL character; remove it.", column="meta"))
    value: dict[str, Any] = json.loads(text_)
    return value


def conflict(current: ObjectInfo, expected_version: int | None) -> ConflictError:
    """Return the error for a save that would overwrite someone else's newer version."""
    when = f"{current.updated_at:%Y-%m-%d %H:%M:%S} UTC"
    if expected_version is None:
        return ConflictError(
            f"{current.kind} {current.name!r} already exists (#{current.id}, v{current.version} "
            f"saved by {current.updated_by} at {when}); nothing was overwritten. Open it and "
            f"save with expected_version={current.version}, or choose another name.")
    return ConflictError(
        f"{current.kind} {current.name!r} (#{current.id}) was saved as v{current.version} by "
        f"{current.updated_by} at {when} after you opened v{expected_version}; nothing was "
        f"overwritten. Reopen v{current.version}, reapply your changes and save again.")


def document_offices(kind: str, parsed: Any, offices: Iterable[str] | None,
                     actor: Account) -> list[str] | None:
    """Return the post offices a document belongs to (stored with it; what dispatchers are held to).

    Explicit ``offices`` win; a plan or manual edit belongs to the offices its routes start
    or end at; a document listing ``offices`` (a day summary, carried jobs) to those; a
    table with an ``office_id`` column to those offices; a dispatcher's
    document naming none to the dispatcher's offices. Kinds that are not office-scoped
    (registries, scenarios) belong to no office (None).
    """
    if kind not in OFFICE_SCOPED_KINDS:
        return None
    found: set[str] = set()
    if offices is not None:
        found = {str(o).strip() for o in offices if str(o).strip()}
    elif isinstance(parsed, dict) and isinstance(parsed.get("offices"), list):
        found = {str(o) for o in parsed["offices"] if str(o).strip()}
    elif isinstance(parsed, dict) and isinstance(parsed.get("routes"), list):
        found = {str(r[key]) for r in parsed["routes"] if isinstance(r, dict)
                 for key in ("office_id", "end_office_id") if r.get(key)}
    elif isinstance(parsed, dict) and parsed.get("format") == "pandas-table":
        rows = (parsed.get("table") or {}).get("data") or []
        found = {str(r["office_id"]) for r in rows
                 if isinstance(r, dict) and r.get("office_id") not in (None, "")}
    if not found and actor.role == "dispatcher":
        found = set(actor.offices)
    return sorted(found) or None


class StoreBase:
    """The open database, its transactions, unchecked loads and audit entries.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path.sqlite``, ``postgresql://user@host/db``…).
    migrate
        Run the Alembic migrations on open (default True).
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        opened = open_database(url, migrate=migrate)
        self.url = opened.url
        self.engine = opened.engine
        self.dialect = self.engine.dialect.name
        #: Why every write is refused (damaged, read-only file or server), or None.
        self.read_only_reason = opened.read_only_reason
        #: What the integrity check on open reported (empty when healthy).
        self.damage = opened.damage
        self._writer: Engine = self.engine
        if self.dialect == "sqlite":
            self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")

    @classmethod
    def open(cls, settings: Settings) -> Any:
        """Open the store named by ``settings.database_url`` and bring its schema up to date.

        Parameters
        ----------
        settings
            Project settings (``db_url`` or ``user_dir``).
        """
        return cls(settings.database_url)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden."""
        return safe_url(self.url)

    @property
    def read_only(self) -> bool:
        """Whether every write is refused (see :attr:`read_only_reason`)."""
        return self.read_only_reason is not None

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def write_transaction(self) -> Iterator[Connection]:
        """One write transaction; a failure rolls it back and says nothing was saved.

        Raises
        ------
        StorageError
            The store is read-only (damaged, read-only file or server), or the database
            failed.
        """
        if self.read_only_reason is not None:
            raise StorageError(self.read_only_reason)
        try:
            with self._writer.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except DatabaseError as exc:
            detail = str(exc.orig)
            if "readonly" in detail.replace("-", "").replace(" ", "").lower():
                raise StorageError(messages.read_only_file(self.safe_url)) from exc
            raise StorageError(messages.write_failed(self.safe_url, detail)) from exc

    @contextmanager
    def read_transaction(self) -> Iterator[Connection]:
        """One read-only connection; a database failure becomes a clear StorageError."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except DatabaseError as exc:
            raise StorageError(messages.read_failed(self.safe_url, str(exc.orig))) from exc

    def record(self, action: str, *, actor: Account, object_kind: str | None = None,
               object_id: int | None = None, object_name: str | None = None,
               detail: dict[str, Any] | None = None) -> None:
        """Append one audit entry in its own transaction (see :mod:`data.audit`).

        On a read-only store the entry goes to the application log instead, so people can
        still read what a damaged database holds.
        """
        if self.read_only:
            audit.log_only(action, actor=actor, object_kind=object_kind, object_id=object_id,
                           object_name=object_name, detail=detail)
            return
        with self.write_transaction() as conn:
            audit.append(conn, action, actor=actor, object_kind=object_kind,
                         object_id=object_id, object_name=object_name, detail=detail)

    # -- unchecked loads (callers check access first) -----------------------------

    def _document(self, object_id: int) -> ObjectInfo:
        with self.read_transaction() as conn:
            row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == object_id)).first()
        if row is None:
            raise StorageError(f"no stored object has id {object_id}.")
        return object_info(row)

    def _load(self, object_id: int, *, version: int | None = None) -> StoredObject:
        wanted = DOCUMENTS.c.version if version is None else version
        query = (
            select(DOCUMENTS, *(c.label(f"v_{c.name}") for c in VERSIONS.c))
            .outerjoin(VERSIONS, (VERSIONS.c.document_id == DOCUMENTS.c.id)
                       & (VERSIONS.c.version == wanted))
            .where(DOCUMENTS.c.id == object_id)
        )
        with self.read_transaction() as conn:
            both = conn.execute(query).first()
        if both is None:
            raise StorageError(f"no stored object has id {object_id}.")
        m = both._mapping
        if m["v_id"] is None:
            wanted_n = m["version"] if version is None else version
            raise StorageError(
                f"#{object_id} has no version {wanted_n}; its versions are 1…{m['version']}.")
        row = {c.name: m[f"v_{c.name}"] for c in VERSIONS.c}
        return StoredObject(object_info(both), version_info(row), row["content"])
