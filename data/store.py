"""The plan store: saved plans, scenarios and registries, versioned, in a real database.

One small repository over SQLAlchemy 2.x. SQLite is the embedded default (a file in
``Settings.user_dir``); PostgreSQL is used when ``POSTPLAN_DB_URL`` names one
(``postgresql://…`` is read as ``postgresql+psycopg://…``). The schema is created and
upgraded by Alembic migrations (``data/migrations``) run in code when a store opens.

Every stored object is a JSON document with key columns: ``kind`` (one of :data:`KINDS`),
``name`` (unique within its kind), ``version``, author, time and a canonical content
hash. Documents are opaque to the store: a plan is whatever ``routing.result.Plan.to_json()``
produced, stored byte for byte, with its input hashes, solver settings and seed copied into
a small ``meta`` object for listing and comparing.

Safety
------
* **Atomic saves.** A save is one database transaction; if anything fails inside it (a
  crash, a lost connection, a bug) the previous version is left exactly as it was.
* **Optimistic concurrency.** Each object carries a version number. ``save`` names the
  version it started from (``expected_version``; ``None`` for a new object). If someone
  saved in between, :class:`data.errors.ConflictError` says who and when, and nothing is
  overwritten.
* **History.** Versions are only ever added. :meth:`Store.history` lists them;
  :meth:`Store.restore` makes a new version that copies an old one.

Examples
--------
>>> store = Store.open(settings)                                   # doctest: +SKIP
>>> saved = store.save_plan(plan, name="Thứ Hai", author="lan")    # doctest: +SKIP
>>> saved = store.save_plan(plan2, name="Thứ Hai", author="lan",
...                         expected_version=saved.version)        # doctest: +SKIP
>>> store.get(saved.id, version=1).data()                          # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, Table, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from data.db_models import Base
from data.errors import ConflictError, InputError, Problem, StorageError

if TYPE_CHECKING:
    import pandas as pd

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
)

#: Longest accepted ``name`` and ``author``.
MAX_NAME_CHARS = 200
MAX_AUTHOR_CHARS = 100

_DOCUMENTS: Table = Base.metadata.tables["documents"]
_VERSIONS: Table = Base.metadata.tables["document_versions"]
_MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating (any constant int64).
_MIGRATION_LOCK_KEY = 7_2016_45


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ObjectInfo:
    """A stored object's identity and latest version, without its content.

    Parameters
    ----------
    id
        Database id (stable; used by ``postplan plans show ID``).
    kind, name
        What it is and its name (unique within the kind).
    version
        Latest version number (1, 2, …).
    content_hash
        Canonical sha256 of the latest version's JSON.
    created_at, created_by
        When and by whom version 1 was saved.
    updated_at, updated_by
        When and by whom the latest version was saved.
    """

    id: int
    kind: str
    name: str
    version: int
    content_hash: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    def summary(self) -> str:
        """One line: id, kind, name, version, last author and time."""
        return (
            f"#{self.id} {self.kind} {self.name!r} v{self.version} "
            f"(saved by {self.updated_by} at {self.updated_at:%Y-%m-%d %H:%M:%S} UTC)"
        )


@dataclass(frozen=True)
class VersionInfo:
    """One version of a stored object, without its content.

    Parameters
    ----------
    object_id, version
        Which object and which of its versions.
    content_hash
        Canonical sha256 of this version's JSON.
    size_bytes
        Length of the stored JSON text in UTF-8 bytes.
    author, created_at, message
        Who saved it, when (UTC) and why.
    restored_from
        The version this one copies, when made by :meth:`Store.restore`; else None.
    meta
        Key facts saved with it (a plan's ``input_hashes``, ``solver_settings``, ``seed``…).
    """

    object_id: int
    version: int
    content_hash: str
    size_bytes: int
    author: str
    created_at: datetime
    message: str
    restored_from: int | None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line describing this version."""
        restored = f", restores v{self.restored_from}" if self.restored_from else ""
        msg = f" — {self.message}" if self.message else ""
        return (
            f"v{self.version} by {self.author} at {self.created_at:%Y-%m-%d %H:%M:%S} UTC "
            f"({self.size_bytes} bytes{restored}){msg}"
        )


@dataclass(frozen=True)
class StoredObject:
    """One version of a stored object with its content.

    Parameters
    ----------
    info
        The object's identity and latest version.
    version_info
        The version this content belongs to.
    content
        The JSON text exactly as it was saved.
    """

    info: ObjectInfo
    version_info: VersionInfo
    content: str

    @property
    def id(self) -> int:
        """Database id of the object."""
        return self.info.id

    @property
    def kind(self) -> str:
        """Kind of the object."""
        return self.info.kind

    @property
    def name(self) -> str:
        """Name of the object."""
        return self.info.name

    @property
    def version(self) -> int:
        """Version number of this content (may be older than ``info.version``)."""
        return self.version_info.version

    @property
    def is_latest(self) -> bool:
        """Whether this is the latest version."""
        return self.version_info.version == self.info.version

    @property
    def meta(self) -> Mapping[str, Any]:
        """Key facts saved with this version."""
        return self.version_info.meta

    def data(self) -> Any:
        """Parse the content from JSON (a new object each call)."""
        return json.loads(self.content)

    def summary(self) -> str:
        """One line: object and version."""
        latest = "" if self.is_latest else f" (latest v{self.info.version})"
        return f"#{self.id} {self.kind} {self.name!r} {self.version_info.summary()}{latest}"


@dataclass(frozen=True)
class Change:
    """One difference between two JSON documents.

    Parameters
    ----------
    path
        Where, as a JSON-pointer-like path (``/routes/0/stops/3/arrival_s``).
    change
        ``"added"``, ``"removed"`` or ``"changed"``.
    old, new
        The values on each side (None when absent).
    """

    path: str
    change: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Comparison:
    """What differs between two stored versions.

    Parameters
    ----------
    a, b
        The two versions compared.
    changes
        Differences, in document order (at most ``limit`` of them).
    truncated
        True when more differences exist than were listed.
    """

    a: VersionInfo
    b: VersionInfo
    changes: tuple[Change, ...]
    truncated: bool

    @property
    def identical(self) -> bool:
        """Whether the two documents are equal as JSON."""
        return self.a.content_hash == self.b.content_hash

    def summary(self) -> str:
        """One line: how many differences."""
        if self.identical:
            return f"#{self.a.object_id} v{self.a.version} and #{self.b.object_id} " \
                   f"v{self.b.version} are identical"
        more = "+" if self.truncated else ""
        return (
            f"#{self.a.object_id} v{self.a.version} → #{self.b.object_id} v{self.b.version}: "
            f"{len(self.changes)}{more} differences"
        )


@dataclass(frozen=True)
class StoreInfo:
    """Which database a store is using.

    Parameters
    ----------
    url
        The URL with any password hidden.
    dialect
        ``sqlite`` or ``postgresql``.
    revision
        The Alembic revision of the schema.
    postgis
        Whether the PostGIS extension is installed (PostgreSQL only).
    objects
        Number of stored objects.
    """

    url: str
    dialect: str
    revision: str | None
    postgis: bool
    objects: int

    def summary(self) -> str:
        """One line describing the database."""
        gis = ", PostGIS present" if self.postgis else ""
        return f"{self.dialect} store at {self.url} (schema {self.revision}{gis}): " \
               f"{self.objects} objects"


# --------------------------------------------------------------------------- helpers


def canonical_json(value: Any) -> str:
    """Serialise ``value`` canonically (sorted keys, no spaces, UTF-8 kept).

    Parameters
    ----------
    value
        Anything ``json.dumps`` accepts.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """Canonical sha256 (hex) of a JSON value: equal documents hash equal.

    Parameters
    ----------
    value
        A parsed JSON value (dict, list, str, number, bool or None).
    """
    # surrogatepass: JSON text may escape unpaired surrogates ("\\ud800"); hash them too.
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()


def to_json_text(content: Any) -> tuple[str, Any]:
    """Turn what a caller wants to store into JSON text and its parsed value.

    Parameters
    ----------
    content
        An object with ``to_json()`` (e.g. a ``routing.result.Plan``), JSON text (str or
        UTF-8 bytes), or a JSON-serialisable value (dict, list…).

    Returns
    -------
    tuple
        ``(text, parsed)``: the text that will be stored byte for byte and its value.

    Raises
    ------
    InputError
        The content is not valid JSON or cannot be serialised.
    """
    to_json = getattr(content, "to_json", None)
    if callable(to_json) and not isinstance(content, (str, bytes, dict, list)):
        content = to_json()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"content is not UTF-8 (byte {exc.start}); save the document as UTF-8 JSON.",
                summary="Nothing was saved",
            ) from exc
    if isinstance(content, str):
        try:
            content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"content has an unpaired surrogate character at position {exc.start}, which "
                f"no database can store as text; write it as a JSON escape or remove it.",
                summary="Nothing was saved",
            ) from exc
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InputError(
                [Problem(f"content is not valid JSON: {exc.msg} (line {exc.lineno}, "
                         f"column {exc.colno}); fix the document and save again.",
                         row=exc.lineno)],
                summary="Nothing was saved",
            ) from exc
        return content, parsed
    try:
        text_ = json.dumps(content, ensure_ascii=False, allow_nan=False)
        try:
            text_.encode("utf-8")
        except UnicodeEncodeError:  # unpaired surrogates: keep them as JSON escapes
            text_ = json.dumps(content, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"content cannot be stored as JSON: {exc}; convert it to plain dicts, lists, "
            f"strings and finite numbers first.",
            summary="Nothing was saved",
        ) from exc
    return text_, json.loads(text_)


def _check_label(what: str, value: object, limit: int) -> list[Problem]:
    if not isinstance(value, str) or not value.strip():
        return [Problem(f"{what} must be a non-empty text.", column=what, value=repr(value))]
    problems = []
    if len(value) > limit:
        problems.append(Problem(f"{what} is {len(value)} characters long; shorten it to at "
                                f"most {limit}.", column=what, value=value[:40] + "…"))
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        problems.append(Problem(f"{what} contains control characters; remove them.",
                                column=what, value=value))
    return problems


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _info(row: Row[Any]) -> ObjectInfo:
    m = row._mapping
    return ObjectInfo(
        id=m["id"], kind=m["kind"], name=m["name"], version=m["version"],
        content_hash=m["content_hash"], created_at=_utc(m["created_at"]),
        created_by=m["created_by"], updated_at=_utc(m["updated_at"]),
        updated_by=m["updated_by"],
    )


def _versions_row(joined: Row[Any]) -> dict[str, Any] | None:
    m = joined._mapping
    if m["v_id"] is None:
        return None
    return {c.name: m[f"v_{c.name}"] for c in _VERSIONS.c}


def _version_info(row: Row[Any] | Mapping[str, Any]) -> VersionInfo:
    m = row._mapping if isinstance(row, Row) else row
    return VersionInfo(
        object_id=m["document_id"], version=m["version"], content_hash=m["content_hash"],
        size_bytes=m["size_bytes"], author=m["author"], created_at=_utc(m["created_at"]),
        message=m["message"] or "", restored_from=m["restored_from"], meta=dict(m["meta"] or {}),
    )


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


def make_engine(url: str) -> Engine:
    """Create an engine with the store's connection settings.

    SQLite: the parent folder is created, write-ahead logging and foreign keys are on,
    writers wait up to 30 s for each other, and writing transactions start with
    ``BEGIN IMMEDIATE`` (so two writers queue instead of failing half-way).
    PostgreSQL: connections are checked before use.

    Parameters
    ----------
    url
        SQLAlchemy URL (see :func:`normalise_url`).
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StorageError(f"database URL {url!r} is not valid: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
        if not in_memory:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True)


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


def json_diff(a: Any, b: Any, *, limit: int = 200) -> tuple[list[Change], bool]:
    """List differences between two JSON values, depth first, in document order.

    Parameters
    ----------
    a, b
        Parsed JSON values.
    limit
        List at most this many differences.

    Returns
    -------
    tuple
        ``(changes, truncated)``; ``truncated`` is True when there were more.
    """
    changes: list[Change] = []

    def full() -> bool:
        return len(changes) > limit

    def walk(x: Any, y: Any, path: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for key in [*x, *(k for k in y if k not in x)]:
                if full():
                    return
                sub = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if key not in y:
                    changes.append(Change(sub, "removed", old=x[key]))
                elif key not in x:
                    changes.append(Change(sub, "added", new=y[key]))
                else:
                    walk(x[key], y[key], sub)
        elif isinstance(x, list) and isinstance(y, list):
            for i in range(max(len(x), len(y))):
                if full():
                    return
                sub = f"{path}/{i}"
                if i >= len(y):
                    changes.append(Change(sub, "removed", old=x[i]))
                elif i >= len(x):
                    changes.append(Change(sub, "added", new=y[i]))
                else:
                    walk(x[i], y[i], sub)
        else:
            same = x == y and type(x) is type(y)
            if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
                same = True
            if not same:
                changes.append(Change(path or "/", "changed", old=x, new=y))

    walk(a, b, "")
    return changes[:limit], len(changes) > limit


# --------------------------------------------------------------------------- the store


class Store:
    """Repository of versioned JSON documents in SQLite or PostgreSQL.

    Thread-safe: each call opens its own short transaction, so one ``Store`` can be shared
    by the threads of a Streamlit server. Open it once per process (``Store.open``) and
    :meth:`close` it when done.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path.sqlite``, ``postgresql://user@host/db``…).
    migrate
        Run the Alembic migrations on open (default True).
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._writer: Engine = self.engine
        if self.dialect == "sqlite":
            self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        if migrate:
            try:
                upgrade_schema(self.engine)
            except OperationalError as exc:
                self.engine.dispose()
                raise StorageError(
                    f"cannot open the plan store at {self.safe_url}: {exc.orig}. Check "
                    f"POSTPLAN_DB_URL (or Settings.db_url) and that the database server runs."
                ) from exc

    @classmethod
    def open(cls, settings: Settings) -> Store:
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
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._writer.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except OperationalError as exc:
            raise StorageError(f"the plan store at {self.safe_url} failed: {exc.orig}; "
                               f"nothing was saved.") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise StorageError(f"the plan store at {self.safe_url} failed: {exc.orig}") from exc

    # -- reading ------------------------------------------------------------------

    def info(self) -> StoreInfo:
        """Describe the database: dialect, schema revision, PostGIS, object count."""
        postgis = False
        with self._read() as conn:
            objects = conn.execute(select(func.count()).select_from(_DOCUMENTS)).scalar_one()
            if self.dialect == "postgresql":
                postgis = conn.execute(text(
                    "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
                )).scalar_one() > 0
        return StoreInfo(self.safe_url, self.dialect, schema_revision(self.engine), postgis,
                         int(objects))

    def list_objects(
        self, kind: str | None = None, *, limit: int | None = None
    ) -> list[ObjectInfo]:
        """List stored objects, most recently saved first.

        Parameters
        ----------
        kind
            Only this kind (one of :data:`KINDS`); all kinds when None.
        limit
            At most this many.
        """
        query = select(_DOCUMENTS).order_by(_DOCUMENTS.c.updated_at.desc(),
                                            _DOCUMENTS.c.id.desc())
        if kind is not None:
            _check_kind(kind)
            query = query.where(_DOCUMENTS.c.kind == kind)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_info(r) for r in conn.execute(query)]

    def find(self, kind: str, name: str) -> ObjectInfo | None:
        """Return the object of this kind and name, or None.

        Parameters
        ----------
        kind, name
            Kind and exact name.
        """
        _check_kind(kind)
        with self._read() as conn:
            row = conn.execute(select(_DOCUMENTS).where(
                _DOCUMENTS.c.kind == kind, _DOCUMENTS.c.name == name)).first()
        return _info(row) if row else None

    def resolve(self, ref: str | int, *, kind: str | None = None) -> ObjectInfo:
        """Find an object by id (digits) or by name.

        Parameters
        ----------
        ref
            ``12`` / ``"12"`` (an id) or a name.
        kind
            Kind to look the name up in (and to check an id against); any kind when None.

        Raises
        ------
        StorageError
            No such object, or the name is ambiguous across kinds.
        """
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            with self._read() as conn:
                row = conn.execute(select(_DOCUMENTS).where(
                    _DOCUMENTS.c.id == int(ref))).first()
            if row is not None and (kind is None or row._mapping["kind"] == kind):
                return _info(row)
            if not isinstance(ref, str):
                raise StorageError(f"no stored {kind or 'object'} has id {ref}; "
                                   f"run `postplan plans list` to see the ids.")
        query = select(_DOCUMENTS).where(_DOCUMENTS.c.name == str(ref))
        if kind is not None:
            query = query.where(_DOCUMENTS.c.kind == kind)
        with self._read() as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise StorageError(f"no stored {kind or 'object'} has id or name {ref!r}; "
                               f"run `postplan plans list` to see what is stored.")
        if len(rows) > 1:
            kinds = ", ".join(sorted(r._mapping["kind"] for r in rows))
            raise StorageError(f"{ref!r} names several objects ({kinds}); use its id.")
        return _info(rows[0])

    def get(self, object_id: int, *, version: int | None = None) -> StoredObject:
        """Load one version (default the latest) with its content.

        Parameters
        ----------
        object_id
            The object's id.
        version
            Version number; the latest when None.

        Raises
        ------
        StorageError
            No such object or version.
        """
        wanted = _DOCUMENTS.c.version if version is None else version
        query = (
            select(_DOCUMENTS, *(c.label(f"v_{c.name}") for c in _VERSIONS.c))
            .outerjoin(_VERSIONS, (_VERSIONS.c.document_id == _DOCUMENTS.c.id)
                       & (_VERSIONS.c.version == wanted))
            .where(_DOCUMENTS.c.id == object_id)
        )
        with self._read() as conn:
            both = conn.execute(query).first()
        if both is None:
            raise StorageError(f"no stored object has id {object_id}.")
        doc = both
        row = _versions_row(both)
        wanted = doc._mapping["version"] if version is None else version
        if row is None:
            raise StorageError(
                f"#{object_id} has no version {wanted}; its versions are 1…"
                f"{doc._mapping['version']}.")
        return StoredObject(_info(doc), _version_info(row), row["content"])

    def history(self, object_id: int) -> list[VersionInfo]:
        """Every version of an object, oldest first.

        Parameters
        ----------
        object_id
            The object's id.
        """
        cols = [c for c in _VERSIONS.c if c.name != "content"]
        with self._read() as conn:
            rows = conn.execute(select(*cols).where(_VERSIONS.c.document_id == object_id)
                                .order_by(_VERSIONS.c.version)).all()
        if not rows:
            raise StorageError(f"no stored object has id {object_id}.")
        return [_version_info(r) for r in rows]

    def compare(self, a: StoredObject, b: StoredObject, *, limit: int = 200) -> Comparison:
        """Compare two loaded versions (of one object or of two) as JSON.

        Parameters
        ----------
        a, b
            Versions from :meth:`get`.
        limit
            List at most this many differences.
        """
        changes, truncated = json_diff(a.data(), b.data(), limit=limit)
        return Comparison(a.version_info, b.version_info, tuple(changes), truncated)

    # -- writing ------------------------------------------------------------------

    def save(
        self,
        kind: str,
        name: str,
        content: Any,
        *,
        author: str,
        expected_version: int | None = None,
        message: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> StoredObject:
        """Save a new object, or a new version of an existing one, atomically.

        Parameters
        ----------
        kind
            One of :data:`KINDS`.
        name
            Name, unique within the kind (e.g. ``"Kế hoạch thứ Hai 2026-11-23"``).
        content
            JSON text, a JSON-serialisable value, or an object with ``to_json()``.
            Text is stored byte for byte.
        author
            Who saves (shown to whoever conflicts with this save).
        expected_version
            The version this content was derived from: None to create a new object,
            else the version that was opened. A save whose ``expected_version`` is no
            longer the latest raises :class:`ConflictError` and changes nothing.
        message
            Free text kept with the version.
        meta
            Small JSON object of key facts (a plan's input hashes, solver settings, seed).

        Returns
        -------
        StoredObject
            The saved version. If the content equals the latest version's (same canonical
            hash and meta) no new version is written and the latest is returned.

        Raises
        ------
        InputError
            Invalid kind, name, author, content or meta.
        ConflictError
            The object already exists (``expected_version=None``) or someone saved a newer
            version since ``expected_version``.
        StorageError
            The database failed; nothing was saved.
        """
        problems = _check_kind(kind, raise_=False)
        problems += _check_label("name", name, MAX_NAME_CHARS)
        problems += _check_label("author", author, MAX_AUTHOR_CHARS)
        if expected_version is not None and (
                not isinstance(expected_version, int) or expected_version < 1):
            problems.append(Problem("expected_version must be a version number ≥ 1, or None "
                                    "for a new object.", column="expected_version",
                                    value=repr(expected_version)))
        meta_dict = _check_meta(meta, problems)
        if problems:
            raise InputError(problems, summary=f"{kind} {name!r} was not saved")
        text_, parsed = to_json_text(content)
        return self._save(kind, name, text_, content_hash(parsed), author=author,
                          expected_version=expected_version, message=message or "",
                          meta=meta_dict, restored_from=None)

    def _save(self, kind: str, name: str, text_: str, digest: str, *, author: str,
              expected_version: int | None, message: str, meta: dict[str, Any],
              restored_from: int | None) -> StoredObject:
        now = datetime.now(UTC)
        try:
            with self._write() as conn:
                doc = conn.execute(select(_DOCUMENTS).where(
                    _DOCUMENTS.c.kind == kind, _DOCUMENTS.c.name == name)).first()
                if expected_version is None:
                    if doc is not None:
                        raise _conflict(_info(doc), expected_version)
                    object_id = conn.execute(_DOCUMENTS.insert().values(
                        kind=kind, name=name, version=1, content_hash=digest,
                        created_at=now, created_by=author, updated_at=now, updated_by=author,
                    )).inserted_primary_key[0]  # type: ignore[index]
                    new_version = 1
                    created = (now, author)
                else:
                    if doc is None:
                        raise StorageError(
                            f"{kind} {name!r} does not exist (it may have been renamed); save "
                            f"it as new with expected_version=None.")
                    info = _info(doc)
                    if info.version != expected_version:
                        raise _conflict(info, expected_version)
                    object_id = info.id
                    created = (info.created_at, info.created_by)
                    unchanged = False
                    if info.content_hash == digest and restored_from is None:
                        latest = conn.execute(select(_VERSIONS.c.meta).where(
                            _VERSIONS.c.document_id == object_id,
                            _VERSIONS.c.version == info.version)).scalar_one()
                        unchanged = dict(latest or {}) == meta
                    if unchanged:
                        new_version = 0  # same content and meta: nothing to write
                    else:
                        new_version = expected_version + 1
                        updated = conn.execute(
                            _DOCUMENTS.update()
                            .where(_DOCUMENTS.c.id == object_id,
                                   _DOCUMENTS.c.version == expected_version)
                            .values(version=new_version, content_hash=digest,
                                    updated_at=now, updated_by=author))
                        if updated.rowcount != 1:  # someone committed in between
                            current = conn.execute(select(_DOCUMENTS).where(
                                _DOCUMENTS.c.id == object_id)).first()
                            raise _conflict(_info(current) if current else info,
                                            expected_version)
                if new_version:
                    conn.execute(_VERSIONS.insert().values(
                        document_id=object_id, version=new_version, content=text_,
                        content_hash=digest, size_bytes=len(text_.encode("utf-8")),
                        author=author, created_at=now, message=message,
                        restored_from=restored_from, meta=meta,
                    ))
        except IntegrityError as exc:
            # Two sessions created the same name, or wrote the same version, at once.
            current_info = self.find(kind, name)
            if current_info is None:
                raise StorageError(f"{kind} {name!r} could not be saved: {exc.orig}") from exc
            raise _conflict(current_info, expected_version) from exc
        if not new_version:
            return self.get(int(object_id))
        version_info = VersionInfo(
            object_id=int(object_id), version=new_version, content_hash=digest,
            size_bytes=len(text_.encode("utf-8")), author=author, created_at=now,
            message=message, restored_from=restored_from, meta=meta)
        info = ObjectInfo(
            id=int(object_id), kind=kind, name=name, version=new_version, content_hash=digest,
            created_at=created[0], created_by=created[1], updated_at=now, updated_by=author)
        return StoredObject(info, version_info, text_)

    def restore(self, object_id: int, version: int, *, author: str,
                expected_version: int | None = None, message: str = "") -> StoredObject:
        """Make a new version that copies an old one (history is kept).

        Parameters
        ----------
        object_id
            The object's id.
        version
            The version to copy.
        author
            Who restores.
        expected_version
            The latest version the caller has seen; when given and someone saved since,
            :class:`ConflictError` is raised. None restores on top of whatever is latest.
        message
            Free text; default "restored from vN".

        Returns
        -------
        StoredObject
            The new latest version.
        """
        problems = _check_label("author", author, MAX_AUTHOR_CHARS)
        if problems:
            raise InputError(problems, summary=f"#{object_id} was not restored")
        old = self.get(object_id, version=version)
        base = old.info.version if expected_version is None else expected_version
        return self._save(old.kind, old.name, old.content, old.version_info.content_hash,
                          author=author, expected_version=base,
                          message=message or f"restored from v{version}",
                          meta=dict(old.meta), restored_from=version)

    # -- typed conveniences ---------------------------------------------------------

    def save_plan(
        self,
        plan: Any,
        *,
        name: str,
        author: str,
        expected_version: int | None = None,
        input_hashes: Mapping[str, str] | None = None,
        solver_settings: Mapping[str, Any] | None = None,
        seed: int | None = None,
        message: str = "",
    ) -> StoredObject:
        """Save a plan (``routing.result.Plan``, its ``to_json()`` text, or a dict).

        The plan is stored as opaque JSON. Its input hashes, solver settings and seed go
        into ``meta``: taken from the arguments, else from the plan's top-level keys
        ``input_hashes`` / ``hashes``, ``solver_settings`` / ``settings`` and ``seed``
        when it has them (and ``plan_date``, ``network_kind``, ``provenance``, ``solver``,
        ``seconds`` when they are plain values).

        Parameters
        ----------
        plan
            The plan.
        name, author, expected_version, message
            As in :meth:`save`.
        input_hashes
            sha256 of each input (jobs, offices, network…), by input name.
        solver_settings
            Solver time limit, objective weights, etc.
        seed
            Random seed of the solve.
        """
        text_, parsed = to_json_text(plan)
        top = parsed if isinstance(parsed, dict) else {}
        meta: dict[str, Any] = {
            "input_hashes": dict(input_hashes) if input_hashes is not None
            else top.get("input_hashes", top.get("hashes")),
            "solver_settings": dict(solver_settings) if solver_settings is not None
            else top.get("solver_settings", top.get("settings")),
            "seed": seed if seed is not None else top.get("seed"),
        }
        for key in ("plan_date", "network_kind", "provenance", "solver", "seconds"):
            if key in top and isinstance(top[key], (str, int, float, bool, type(None))):
                meta[key] = top[key]
        meta = {k: v for k, v in meta.items() if v is not None}
        return self.save("plan", name, text_, author=author,
                         expected_version=expected_version, message=message, meta=meta)

    def save_table(
        self,
        kind: str,
        name: str,
        frame: pd.DataFrame,
        *,
        author: str,
        expected_version: int | None = None,
        message: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> StoredObject:
        """Save a table (an office registry, job list, closure set, speed table…).

        A GeoDataFrame keeps its CRS and geometry (as WKT); column types survive the round
        trip through :func:`table_from_stored`.

        Parameters
        ----------
        kind
            One of :data:`KINDS`, e.g. ``"office_registry"``.
        name, author, expected_version, message, meta
            As in :meth:`save`.
        frame
            The table.
        """
        return self.save(kind, name, table_to_json(frame), author=author,
                         expected_version=expected_version, message=message,
                         meta={"rows": len(frame), **(dict(meta) if meta else {})})

    def import_and_save(
        self,
        kind: str,
        name: str,
        read: Callable[[], pd.DataFrame],
        *,
        author: str,
        expected_version: int | None = None,
        message: str = "",
    ) -> StoredObject:
        """Read a user's file with ``read`` and save the table only if it was accepted.

        Parameters
        ----------
        kind, name, author, expected_version, message
            As in :meth:`save_table`.
        read
            A no-argument function returning the table, e.g.
            ``lambda: read_offices(data, settings=settings, filename="offices.xlsx")``;
            it raises :class:`InputError` for a rejected file, and then nothing is saved.
        """
        frame = read()
        return self.save_table(kind, name, frame, author=author,
                               expected_version=expected_version, message=message)


def table_to_json(frame: pd.DataFrame) -> str:
    """Serialise a (Geo)DataFrame as JSON with its column types (pandas table schema).

    Parameters
    ----------
    frame
        The table; a GeoDataFrame's geometry is written as WKT and its CRS kept.
    """
    import geopandas as gpd

    crs: str | None = None
    geometry: str | None = None
    data = frame
    if isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry.name
        crs = frame.crs.to_string() if frame.crs is not None else None
        data = frame.to_wkt()
    table = json.loads(data.to_json(orient="table", index=False, date_format="iso",
                                    force_ascii=False))
    return json.dumps({"format": "pandas-table", "crs": crs, "geometry": geometry,
                       "table": table}, ensure_ascii=False)


def table_from_stored(stored: StoredObject | str) -> pd.DataFrame:
    """Rebuild the table saved by :meth:`Store.save_table`.

    Parameters
    ----------
    stored
        The stored object, or its JSON text.
    """
    import geopandas as gpd
    import pandas as pd

    doc = json.loads(stored.content if isinstance(stored, StoredObject) else stored)
    if not isinstance(doc, dict) or doc.get("format") != "pandas-table":
        raise StorageError("this stored object is not a table saved by Store.save_table.")
    frame = pd.read_json(io.StringIO(json.dumps(doc["table"])), orient="table")
    frame = frame.reset_index(drop=True)
    if doc.get("geometry"):
        column = doc["geometry"]
        frame[column] = gpd.GeoSeries.from_wkt(frame[column])
        return gpd.GeoDataFrame(frame, geometry=column, crs=doc.get("crs"))
    return frame


def _check_kind(kind: str, *, raise_: bool = True) -> list[Problem]:
    if kind in KINDS:
        return []
    problem = Problem(f"unknown kind; use one of {', '.join(KINDS)}.", column="kind",
                      value=repr(kind))
    if raise_:
        raise InputError([problem])
    return [problem]


def _check_meta(meta: Mapping[str, Any] | None, problems: list[Problem]) -> dict[str, Any]:
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


def _conflict(current: ObjectInfo, expected_version: int | None) -> ConflictError:
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
