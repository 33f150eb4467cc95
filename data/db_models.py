"""SQLAlchemy 2.x tables of the plan store (see :mod:`data.store` for the API).

Two tables hold every stored object, whatever its kind:

``documents``
    One row per named object (``kind``, ``name`` unique together) with its current
    ``version``, who created it and who saved it last. The ``version`` column is the
    optimistic-concurrency token: a save names the version it started from and the
    update only matches that version.
``document_versions``
    One row per saved version, never updated or deleted: the exact JSON text as given,
    its canonical sha256, its size, the author, the time, a message, the version it was
    restored from (if any), and a small ``meta`` JSON object (JSONB on PostgreSQL) for key
    facts such as a plan's input hashes, solver settings and seed.

``accounts``, ``sessions``
    Local accounts (role, offices, Argon2id password hash, failed-login counters and lock)
    and server-side sessions (only the sha256 of each token is kept).
``audit_log``
    Append-only: a trigger on both databases refuses UPDATE and DELETE.
``outcomes``
    Append-only: what happened at each stop (done / failed, reason, receiver, fee, time,
    observed position), keyed by the phone's idempotency id; triggers refuse DELETE and
    every UPDATE but the pseudonymisation of its two personal fields.
``drafts``
    One row per account and page: the work in progress, restored after a reload.
``stop_reports``
    Where the courier's phone was when a stop was marked (one row per outcome with a
    position; the address as its key, never its text): see :mod:`data.stop_reports`.

The schema itself is created and upgraded by the Alembic migrations in
``data/migrations`` (never by ``metadata.create_all``); these models must match them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: JSON on SQLite, JSONB on PostgreSQL (indexable, queryable with ``->>``).
JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (for migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(Base):
    """A named, versioned object: its identity and its current version number."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_documents_kind_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100))
    #: Post offices the document belongs to (plans, edits, job lists), or null.
    offices: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)


class DocumentVersion(Base):
    """One saved version of a document; rows are only ever inserted."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "version", name="uq_document_versions_document_version"),
        Index("ix_document_versions_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text, default="")
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType)


class AccountRow(Base):
    """A local account (see :class:`data.access.Account`)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("username", name="uq_accounts_username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    offices: Mapped[list[str]] = mapped_column(JSONType)
    courier_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True, index=True)
    disabled: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """A server-side login session; the token itself is never stored, only its sha256."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("token_sha256", name="uq_sessions_token_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRow(Base):
    """One audit-log entry; rows are only ever inserted (triggers refuse the rest)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    object_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    object_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)


class OutcomeRow(Base):
    """What happened at one stop, as a courier's phone reported it (see :mod:`data.outcomes`).

    Append-only: triggers on both databases refuse DELETE and any UPDATE except of the
    personal fields ``receiver_name`` and ``note`` (which the privacy purge pseudonymises).
    """

    __tablename__ = "outcomes"
    __table_args__ = (
        Index("ix_outcomes_plan_date_office_id", "plan_date", "office_id"),
        Index("ix_outcomes_plan_date_courier_id", "plan_date", "courier_id"),
    )

    outcome_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[int] = mapped_column(Integer)
    plan_version: Mapped[int] = mapped_column(Integer)
    plan_date: Mapped[date] = mapped_column(Date)
    office_id: Mapped[str] = mapped_column(String(64))
    courier_id: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text)
    receiver_name: Mapped[str] = mapped_column(String(200))
    fee_vnd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    provenance: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))


class DraftRow(Base):
    """An account's unsaved work on one page, kept as it happens (see :mod:`data.drafts`)."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("username", "page", name="uq_drafts_username_page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    page: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StopReportRow(Base):
    """Where the phone was when a stop was marked (see :mod:`data.stop_reports`)."""

    __tablename__ = "stop_reports"

    outcome_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date)
    office_id: Mapped[str] = mapped_column(String(64))
    courier_id: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    address_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    placed_by: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    planned_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    planned_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    provenance: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
