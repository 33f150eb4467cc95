"""The plan store: saved plans, scenarios and registries, versioned, in SQLite or PostgreSQL.

A package of small rooms behind one front door (``from data.store import Store, …``):

``repository``
    :class:`Store` — the repository of versioned JSON documents (read, save, restore,
    delete), every call checked against the acting account (:mod:`data.access`).
``base``
    The open database, transactions, unchecked loads, audit entries.
``views``
    A courier's own route and aggregate figures (what couriers and viewers may see).
``typed``
    Plans and tables saved through ``Store.save`` (``save_plan``, ``save_table``,
    ``import_and_save``).
``engine``
    URL, engine, the safety checks on open (integrity, header, newer schema, read-only)
    and the Alembic migrations.
``maintenance``
    ``postplan db check|backup|restore``: full check, SQLite backup API, ``pg_dump`` /
    ``pg_restore``.
``jsondoc``
    Canonical JSON text, content hash, label checks and the JSON diff.
``table_codec``
    (Geo)DataFrames as JSON documents and back.
``results``
    The frozen results (``ObjectInfo``, ``VersionInfo``, ``StoredObject``, ``Comparison``…).
``messages``
    What the store says when the database itself is the problem (Vietnamese / English).
"""

from data.store.engine import (
    downgrade_schema,
    head_revision,
    known_revisions,
    make_engine,
    normalise_url,
    open_database,
    schema_revision,
    upgrade_schema,
)
from data.store.jsondoc import canonical_json, content_hash, json_diff, to_json_text
from data.store.maintenance import backup_database, check_database, restore_database
from data.store.repository import KINDS, MAX_AUTHOR_CHARS, MAX_NAME_CHARS, Store
from data.store.results import (
    BackupResult,
    Change,
    CheckReport,
    Comparison,
    CourierRoute,
    ObjectInfo,
    PlanFigures,
    RestoreResult,
    StoredObject,
    StoreInfo,
    VersionInfo,
)
from data.store.table_codec import table_from_stored, table_to_json

__all__ = [
    "KINDS",
    "MAX_AUTHOR_CHARS",
    "MAX_NAME_CHARS",
    "BackupResult",
    "Change",
    "CheckReport",
    "Comparison",
    "CourierRoute",
    "ObjectInfo",
    "PlanFigures",
    "RestoreResult",
    "Store",
    "StoreInfo",
    "StoredObject",
    "VersionInfo",
    "backup_database",
    "canonical_json",
    "check_database",
    "content_hash",
    "downgrade_schema",
    "head_revision",
    "json_diff",
    "known_revisions",
    "make_engine",
    "normalise_url",
    "open_database",
    "restore_database",
    "schema_revision",
    "table_from_stored",
    "table_to_json",
    "to_json_text",
    "upgrade_schema",
]
