"""The plan store: saved plans, scenarios and registries, versioned, in a real database.

One small repository over SQLAlchemy 2.x. SQLite is the embedded default (a file in
``Settings.user_dir``); PostgreSQL is used when ``POSTPLAN_DB_URL`` names one
(``postgresql://…`` is read as ``postgresql+psycopg://…``). The database is checked and
its schema upgraded when a store opens (:func:`data.store.engine.open_database`).

Every stored object is a JSON document with key columns: ``kind`` (one of :data:`KINDS`),
``name`` (unique within its kind), ``version``, author, time, a canonical content hash and
the post offices it belongs to. Documents are opaque to the store: a plan is whatever
``routing.result.Plan.to_json()`` produced, stored byte for byte, with its input hashes,
solver settings and seed copied into a small ``meta`` object for listing and comparing.

Who may do what
---------------
Every public method takes the acting account (keyword ``actor=``, a
:class:`data.access.Account`) and checks it with :mod:`data.access` before reading or
writing: a refused call raises :class:`data.errors.AccessDenied` naming the role (or the
office) it would need, and nothing is written. Versions record the account's username as
their author. Saves, restores, deletes, exports and every opening of a document holding
citizens' data are written to the audit log (:mod:`data.audit`) — a save and its entry in
one transaction.

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
>>> store = Store.open(settings)                                      # doctest: +SKIP
>>> saved = store.save_plan(plan, name="Thứ Hai", actor=lan)          # doctest: +SKIP
>>> saved = store.save_plan(plan2, name="Thứ Hai", actor=lan,
...                         expected_version=saved.version)           # doctest: +SKIP
>>> store.get(saved.id, version=1, actor=lan).data()                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from data import audit
from data.access import (
    PERSONAL_KINDS,
    Account,
    acting,
    can_document,
    check_document,
    require,
)
from data.errors import InputError, Problem, StorageError
from data.store.base import (
    DOCUMENTS,
    KINDS,
    MAX_AUTHOR_CHARS,
    MAX_NAME_CHARS,
    VERSIONS,
    StoreBase,
    check_kind,
    check_meta,
    conflict,
    document_offices,
    object_info,
    version_info,
)
from data.store.jsondoc import check_label, content_hash, json_diff, to_json_text
from data.store.results import Comparison, ObjectInfo, StoredObject, StoreInfo, VersionInfo
from data.store.typed import TypedSaves
from data.store.views import RoleViews

__all__ = ["KINDS", "MAX_AUTHOR_CHARS", "MAX_NAME_CHARS", "Store"]


class Store(TypedSaves, RoleViews, StoreBase):
    """Repository of versioned JSON documents in SQLite or PostgreSQL, checked per account.

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

    # -- reading ------------------------------------------------------------------

    def info(self, *, actor: Account) -> StoreInfo:
        """Describe the database: dialect, schema revision, PostGIS, objects, read-only."""
        require(actor, "store.info")
        postgis = False
        with self.read_transaction() as conn:
            objects = conn.execute(select(func.count()).select_from(DOCUMENTS)).scalar_one()
            if self.dialect == "postgresql":
                postgis = conn.execute(text(
                    "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
                )).scalar_one() > 0
            revision = MigrationContext.configure(conn).get_current_revision()
        return StoreInfo(self.safe_url, self.dialect, revision, postgis, int(objects),
                         read_only=self.read_only, read_only_reason=self.read_only_reason)

    def list_objects(
        self, kind: str | None = None, *, actor: Account, limit: int | None = None
    ) -> list[ObjectInfo]:
        """List the stored objects ``actor`` may open, most recently saved first.

        Parameters
        ----------
        kind
            Only this kind (one of :data:`KINDS`); all kinds when None.
        actor
            The acting account; objects it may not open are left out (a dispatcher sees
            only their offices' plans).
        limit
            At most this many.

        Raises
        ------
        AccessDenied
            ``kind`` is given and the actor's role may not open that kind at all.
        """
        actor = acting(actor)
        query = select(DOCUMENTS).order_by(DOCUMENTS.c.updated_at.desc(),
                                           DOCUMENTS.c.id.desc())
        if kind is not None:
            check_kind(kind)
            query = query.where(DOCUMENTS.c.kind == kind)
            check_document(actor, "read", kind, actor.offices)  # the role may read it at all
        with self.read_transaction() as conn:
            rows = [object_info(r) for r in conn.execute(query)]
        visible = [o for o in rows if can_document(actor, "read", o.kind, o.offices)]
        return visible[:limit] if limit is not None else visible

    def find(self, kind: str, name: str, *, actor: Account) -> ObjectInfo | None:
        """Return the object of this kind and name that ``actor`` may open, or None.

        An object ``actor`` may not open (another office's plan) is not found: its name,
        author and time are not revealed. Saving under that name is refused by
        :meth:`save` (:class:`AccessDenied`).

        Raises
        ------
        AccessDenied
            ``actor``'s role may not open this kind at all.
        """
        check_kind(kind)
        check_document(actor, "read", kind, actor.offices)
        with self.read_transaction() as conn:
            row = conn.execute(select(DOCUMENTS).where(
                DOCUMENTS.c.kind == kind, DOCUMENTS.c.name == name)).first()
        if row is None:
            return None
        info = object_info(row)
        return info if can_document(actor, "read", info.kind, info.offices) else None

    def resolve(self, ref: str | int, *, actor: Account, kind: str | None = None) -> ObjectInfo:
        """Find an object ``actor`` may open by id (digits) or by name.

        Parameters
        ----------
        ref
            ``12`` / ``"12"`` (an id) or a name.
        actor
            The acting account.
        kind
            Kind to look the name up in (and to check an id against); any kind when None.

        Raises
        ------
        StorageError
            No such object, or the name is ambiguous across kinds.
        AccessDenied
            ``actor`` may not open it.
        """
        info = self._resolve(ref, kind=kind)
        check_document(actor, "read", info.kind, info.offices)
        return info

    def _resolve(self, ref: str | int, *, kind: str | None) -> ObjectInfo:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            with self.read_transaction() as conn:
                row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == int(ref))).first()
            if row is not None and (kind is None or row._mapping["kind"] == kind):
                return object_info(row)
            if not isinstance(ref, str):
                raise StorageError(f"no stored {kind or 'object'} has id {ref}; "
                                   f"run `postplan plans list` to see the ids.")
        query = select(DOCUMENTS).where(DOCUMENTS.c.name == str(ref))
        if kind is not None:
            query = query.where(DOCUMENTS.c.kind == kind)
        with self.read_transaction() as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise StorageError(f"no stored {kind or 'object'} has id or name {ref!r}; "
                               f"run `postplan plans list` to see what is stored.")
        if len(rows) > 1:
            kinds = ", ".join(sorted(r._mapping["kind"] for r in rows))
            raise StorageError(f"{ref!r} names several objects ({kinds}); use its id.")
        return object_info(rows[0])

    def get(self, object_id: int, *, actor: Account, version: int | None = None) -> StoredObject:
        """Load one version (default the latest) with its content, if ``actor`` may open it.

        Opening a document that holds citizens' data (:data:`data.access.PERSONAL_KINDS`)
        is written to the audit log.

        Raises
        ------
        StorageError
            No such object or version.
        AccessDenied
            ``actor`` may not open it.
        """
        obj = self._load(object_id, version=version)
        check_document(actor, "read", obj.kind, obj.info.offices)
        if obj.kind in PERSONAL_KINDS:
            self.record("open", actor=actor, object_kind=obj.kind, object_id=obj.id,
                        object_name=obj.name, detail={"version": obj.version})
        return obj

    def export(self, object_id: int, *, actor: Account, version: int | None = None,
               fmt: str = "json") -> StoredObject:
        """Load one version to hand it out (a file, a download); always audited.

        Parameters
        ----------
        object_id, version
            As in :meth:`get`.
        actor
            The acting account.
        fmt
            What it is exported as (recorded in the audit log).
        """
        obj = self._load(object_id, version=version)
        check_document(actor, "read", obj.kind, obj.info.offices)
        self.record("export", actor=actor, object_kind=obj.kind, object_id=obj.id,
                    object_name=obj.name, detail={"version": obj.version, "format": fmt})
        return obj

    def history(self, object_id: int, *, actor: Account) -> list[VersionInfo]:
        """Every version of an object ``actor`` may open, oldest first."""
        info = self._document(object_id)
        check_document(actor, "read", info.kind, info.offices)
        cols = [c for c in VERSIONS.c if c.name != "content"]
        with self.read_transaction() as conn:
            rows = conn.execute(select(*cols).where(VERSIONS.c.document_id == object_id)
                                .order_by(VERSIONS.c.version)).all()
        return [version_info(r) for r in rows]

    def compare(self, a: StoredObject, b: StoredObject, *, actor: Account,
                limit: int = 200) -> Comparison:
        """Compare two loaded versions (of one object or of two) as JSON.

        Parameters
        ----------
        a, b
            Versions from :meth:`get`.
        actor
            The acting account (must be allowed to open both).
        limit
            List at most this many differences.
        """
        for obj in (a, b):
            check_document(actor, "read", obj.kind, obj.info.offices)
        changes, truncated = json_diff(a.data(), b.data(), limit=limit)
        return Comparison(a.version_info, b.version_info, tuple(changes), truncated)

    # -- writing ------------------------------------------------------------------

    def save(
        self,
        kind: str,
        name: str,
        content: Any,
        *,
        actor: Account,
        expected_version: int | None = None,
        message: str = "",
        meta: Mapping[str, Any] | None = None,
        offices: Iterable[str] | None = None,
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
        actor
            Who saves: the version's author is the account's username.
        expected_version
            The version this content was derived from: None to create a new object,
            else the version that was opened. A save whose ``expected_version`` is no
            longer the latest raises :class:`ConflictError` and changes nothing.
        message
            Free text kept with the version.
        meta
            Small JSON object of key facts (a plan's input hashes, solver settings, seed).
        offices
            The post offices the object belongs to (default: a plan's route offices, a
            table's ``office_id`` values, or a dispatcher's own offices).

        Returns
        -------
        StoredObject
            The saved version. If the content equals the latest version's (same canonical
            hash and meta) no new version is written and the latest is returned.

        Raises
        ------
        InputError
            Invalid kind, name, content or meta.
        AccessDenied
            ``actor`` may not write this kind, or for these offices; nothing is written.
        ConflictError
            The object already exists (``expected_version=None``) or someone saved a newer
            version since ``expected_version``.
        StorageError
            The database failed, or is read-only; nothing was saved.
        """
        actor = acting(actor)
        problems = check_kind(kind, raise_=False)
        problems += check_label("name", name, MAX_NAME_CHARS)
        if expected_version is not None and (
                not isinstance(expected_version, int) or expected_version < 1):
            problems.append(Problem("expected_version must be a version number ≥ 1, or None "
                                    "for a new object.", column="expected_version",
                                    value=repr(expected_version)))
        meta_dict = check_meta(meta, problems)
        if problems:
            raise InputError(problems, summary=f"{kind} {name!r} was not saved")
        text_, parsed = to_json_text(content)
        owned = document_offices(kind, parsed, offices, actor)
        check_document(actor, "write", kind, owned or ())
        return self._save(kind, name, text_, content_hash(parsed), actor=actor,
                          expected_version=expected_version, message=message or "",
                          meta=meta_dict, restored_from=None, offices=owned)

    def _save(self, kind: str, name: str, text_: str, digest: str, *, actor: Account,
              expected_version: int | None, message: str, meta: dict[str, Any],
              restored_from: int | None, offices: list[str] | None) -> StoredObject:
        author = actor.username
        now = datetime.now(UTC)
        try:
            with self.write_transaction() as conn:
                doc = conn.execute(select(DOCUMENTS).where(
                    DOCUMENTS.c.kind == kind, DOCUMENTS.c.name == name)).first()
                if doc is not None:  # another office's object is not theirs to see or touch
                    check_document(actor, "write", kind, object_info(doc).offices)
                if expected_version is None:
                    if doc is not None:
                        raise conflict(object_info(doc), expected_version)
                    object_id = conn.execute(DOCUMENTS.insert().values(
                        kind=kind, name=name, version=1, content_hash=digest,
                        created_at=now, created_by=author, updated_at=now, updated_by=author,
                        offices=offices,
                    )).inserted_primary_key[0]  # type: ignore[index]
                    new_version = 1
                    created = (now, author)
                else:
                    if doc is None:
                        raise StorageError(
                            f"{kind} {name!r} does not exist (it may have been renamed); save "
                            f"it as new with expected_version=None.")
                    info = object_info(doc)
                    if info.version != expected_version:
                        raise conflict(info, expected_version)
                    object_id = info.id
                    created = (info.created_at, info.created_by)
                    unchanged = False
                    if info.content_hash == digest and restored_from is None:
                        latest = conn.execute(select(VERSIONS.c.meta).where(
                            VERSIONS.c.document_id == object_id,
                            VERSIONS.c.version == info.version)).scalar_one()
                        unchanged = dict(latest or {}) == meta
                    if unchanged:
                        new_version = 0  # same content and meta: nothing to write
                    else:
                        new_version = expected_version + 1
                        updated = conn.execute(
                            DOCUMENTS.update()
                            .where(DOCUMENTS.c.id == object_id,
                                   DOCUMENTS.c.version == expected_version)
                            .values(version=new_version, content_hash=digest,
                                    updated_at=now, updated_by=author, offices=offices))
                        if updated.rowcount != 1:  # someone committed in between
                            current = conn.execute(select(DOCUMENTS).where(
                                DOCUMENTS.c.id == object_id)).first()
                            raise conflict(object_info(current) if current else info,
                                           expected_version)
                if new_version:
                    conn.execute(VERSIONS.insert().values(
                        document_id=object_id, version=new_version, content=text_,
                        content_hash=digest, size_bytes=len(text_.encode("utf-8")),
                        author=author, created_at=now, message=message,
                        restored_from=restored_from, meta=meta,
                    ))
                    detail: dict[str, Any] = {"version": new_version}
                    if restored_from is not None:
                        detail["restored_from"] = restored_from
                    audit.append(conn, "restore" if restored_from is not None else "save",
                                 actor=actor, object_kind=kind, object_id=int(object_id),
                                 object_name=name, detail=detail, at=now)
        except IntegrityError as exc:
            # Two sessions created the same name, or wrote the same version, at once.
            with self.read_transaction() as conn:
                row = conn.execute(select(DOCUMENTS).where(
                    DOCUMENTS.c.kind == kind, DOCUMENTS.c.name == name)).first()
            if row is None:
                raise StorageError(f"{kind} {name!r} could not be saved: {exc.orig}") from exc
            raise conflict(object_info(row), expected_version) from exc
        if not new_version:
            return self._load(int(object_id))
        version_row = VersionInfo(
            object_id=int(object_id), version=new_version, content_hash=digest,
            size_bytes=len(text_.encode("utf-8")), author=author, created_at=now,
            message=message, restored_from=restored_from, meta=meta)
        info = ObjectInfo(
            id=int(object_id), kind=kind, name=name, version=new_version, content_hash=digest,
            created_at=created[0], created_by=created[1], updated_at=now, updated_by=author,
            offices=tuple(offices or ()))
        return StoredObject(info, version_row, text_)

    def restore(self, object_id: int, version: int, *, actor: Account,
                expected_version: int | None = None, message: str = "") -> StoredObject:
        """Make a new version that copies an old one (history is kept).

        Parameters
        ----------
        object_id
            The object's id.
        version
            The version to copy.
        actor
            Who restores (must be allowed to write the object).
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
        old = self._load(object_id, version=version)
        check_document(actor, "write", old.kind, old.info.offices)
        base = old.info.version if expected_version is None else expected_version
        return self._save(old.kind, old.name, old.content, old.version_info.content_hash,
                          actor=actor, expected_version=base,
                          message=message or f"restored from v{version}",
                          meta=dict(old.meta), restored_from=version,
                          offices=list(old.info.offices) or None)

    def delete(self, object_id: int, *, actor: Account,
               expected_version: int | None = None) -> ObjectInfo:
        """Delete an object and all its versions (the audit log keeps that it happened).

        Parameters
        ----------
        object_id
            The object's id.
        actor
            Who deletes (must be allowed to write the object).
        expected_version
            The latest version the caller has seen; when someone saved since,
            :class:`ConflictError` is raised and nothing is deleted.

        Returns
        -------
        ObjectInfo
            What was deleted.
        """
        with self.write_transaction() as conn:
            row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == object_id)).first()
            if row is None:
                raise StorageError(f"no stored object has id {object_id}.")
            info = object_info(row)
            check_document(actor, "write", info.kind, info.offices)
            if expected_version is not None and info.version != expected_version:
                raise conflict(info, expected_version)
            conn.execute(VERSIONS.delete().where(VERSIONS.c.document_id == object_id))
            conn.execute(DOCUMENTS.delete().where(DOCUMENTS.c.id == object_id))
            audit.append(conn, "delete", actor=actor, object_kind=info.kind,
                         object_id=info.id, object_name=info.name,
                         detail={"versions": info.version})
        return info
