"""Accounts, sessions, an append-only audit log, and the offices each document belongs to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_REFUSE = "audit_log is append-only: entries are never changed or deleted"


def _plan_offices(text: str) -> list[str] | None:
    """Return the offices a stored plan's routes start or end at (None when it has none)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    routes = doc.get("routes") if isinstance(doc, dict) else None
    found = {str(r[key]) for r in routes or [] if isinstance(r, dict)
             for key in ("office_id", "end_office_id") if r.get(key)}
    return sorted(found) or None


def upgrade() -> None:
    """Create ``accounts``, ``sessions`` and ``audit_log``; add ``documents.offices``."""
    op.add_column("documents", sa.Column("offices", _JSON, nullable=True))
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("offices", _JSON, nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
    )
    op.create_index("ix_accounts_email", "accounts", ["email"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name="fk_sessions_account_id_accounts"),
        sa.UniqueConstraint("token_sha256", name="uq_sessions_token_sha256"),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_kind", sa.String(32), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("object_name", sa.String(200), nullable=True),
        sa.Column("detail", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_username", "audit_log", ["username"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$")
        op.execute("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON "
                       f"audit_log BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END")
    # Plans saved before accounts existed belong to the offices their routes start from.
    docs = sa.table("documents", sa.column("id", sa.Integer()), sa.column("kind", sa.String()),
                    sa.column("version", sa.Integer()), sa.column("offices", _JSON))
    versions = sa.table("document_versions", sa.column("document_id", sa.Integer()),
                        sa.column("version", sa.Integer()), sa.column("content", sa.Text()))
    rows = bind.execute(
        sa.select(docs.c.id, versions.c.content)
        .join(versions, (versions.c.document_id == docs.c.id)
              & (versions.c.version == docs.c.version))
        .where(docs.c.kind.in_(("plan", "manual_edit")))).all()
    for doc_id, content in rows:
        offices = _plan_offices(content)
        if offices:
            bind.execute(docs.update().where(docs.c.id == doc_id).values(offices=offices))


def downgrade() -> None:
    """Drop the accounts, sessions and audit tables and ``documents.offices``."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("sessions")
    op.drop_table("accounts")
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of ``documents``
    # would drop the table, and with foreign keys on that would delete every version.
    op.drop_column("documents", "offices")
