"""The plan store: saved plans, scenarios and registries, versioned, in a real database.

One small repository over SQLAlchemy 2.x. SQLite is the embedded default (a file in
``Settings.user_dir``); PostgreSQL is used when ``POSTPLAN_DB_URL`` names one
(``postgresql://…`` is read as ``postgresql+psycopg://…``). The database is checked and
its schema upgraded when a store opens (:func:`data.store.engine.open_database`).

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
* **A damaged or read-only database is never written.** It opens read-only
  (:attr:`Store.read_only_reason` says why) and every save raises
  :class:`data.errors.StorageError` saying what to do.

Examples
--------
>>> store = Store.open(settings)                                   # doctest: +SKIP
>>> saved = store.save_plan(plan, name="Thứ Hai", author="lan")    # doctest: +SKIP
>>> saved = store.save_plan(plan2, name="Thứ Hai", author="lan",
...                         expected_version=saved.version)        # doctest: +SKIP
>>> store.get(saved.id, version=1).data()                          # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, Row, Table, func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from data.db_models import Base
from data.errors import ConflictError, InputError, Problem, StorageError
from data.store import messages
from data.store.engine import open_database, safe_url
from data.store.jsondoc import check_label, content_hash, json_diff, to_json_text
from data.store.results import (
    Comparison,
    ObjectInfo,
    StoredObject,
    StoreInfo,
    VersionInfo,
)
from data.store.typed import TypedSaves

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
)

#: Longest accepted ``name`` and ``author``.
MAX_NAME_CHARS = 200
MAX_AUTHOR_CHARS = 100


_DOCUMENTS: Table = Base.metadata.tables["documents"]
_VERSIONS: Table = Base.metadata.tables["document_versions"]


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


class Store(TypedSaves):
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
        return safe_url(self.url)

    @property
    def read_only(self) -> bool:
        """Whether every write is refused (see :attr:`read_only_reason`)."""
        return self.read_only_reason is not None

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
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DatabaseError as exc:
            raise StorageError(messages.read_failed(self.safe_url, str(exc.orig))) from exc

    # -- reading ------------------------------------------------------------------

    def info(self) -> StoreInfo:
        """Describe the database: dialect, schema revision, PostGIS, objects, read-only."""
        postgis = False
        with self._read() as conn:
            objects = conn.execute(select(func.count()).select_from(_DOCUMENTS)).scalar_one()
            if self.dialect == "postgresql":
                postgis = conn.execute(text(
                    "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
                )).scalar_one() > 0
            revision = MigrationContext.configure(conn).get_current_revision()
        return StoreInfo(self.safe_url, self.dialect, revision, postgis, int(objects),
                         read_only=self.read_only, read_only_reason=self.read_only_reason)

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
        problems += check_label("name", name, MAX_NAME_CHARS)
        problems += check_label("author", author, MAX_AUTHOR_CHARS)
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
        problems = check_label("author", author, MAX_AUTHOR_CHARS)
        if problems:
            raise InputError(problems, summary=f"#{object_id} was not restored")
        old = self.get(object_id, version=version)
        base = old.info.version if expected_version is None else expected_version
        return self._save(old.kind, old.name, old.content, old.version_info.content_hash,
                          author=author, expected_version=base,
                          message=message or f"restored from v{version}",
                          meta=dict(old.meta), restored_from=version)


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
