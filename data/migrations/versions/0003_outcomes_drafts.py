"""Stop outcomes reported from the road (append-only) and per-account drafts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSE = ("outcomes is append-only: a reported outcome is never changed or deleted (only "
           "its personal fields may be pseudonymised)")
#: Every column but the two personal ones (receiver_name, note): no UPDATE may touch them.
_FIXED = ("outcome_id", "plan_id", "plan_version", "plan_date", "office_id", "courier_id",
          "job_id", "role", "status", "reason", "fee_vnd", "at", "recorded_at", "lat", "lon",
          "accuracy_m", "provenance", "actor")


def upgrade() -> None:
    """Create ``outcomes`` (with its append-only triggers) and ``drafts``."""
    op.create_table(
        "outcomes",
        sa.Column("outcome_id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("receiver_name", sa.String(200), nullable=False),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("provenance", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("outcome_id", name="pk_outcomes"),
    )
    op.create_index("ix_outcomes_plan_date_office_id", "outcomes", ["plan_date", "office_id"])
    op.create_index("ix_outcomes_plan_date_courier_id", "outcomes",
                    ["plan_date", "courier_id"])
    fixed = ", ".join(_FIXED)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION outcomes_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$")
        op.execute(f"CREATE TRIGGER outcomes_no_change BEFORE UPDATE OF {fixed} OR DELETE "
                   "ON outcomes FOR EACH ROW EXECUTE FUNCTION outcomes_append_only()")
        op.execute("CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes "
                   "FOR EACH STATEMENT EXECUTE FUNCTION outcomes_append_only()")
    else:
        op.execute(f"CREATE TRIGGER outcomes_no_update BEFORE UPDATE OF {fixed} ON outcomes "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END")
        op.execute("CREATE TRIGGER outcomes_no_delete BEFORE DELETE ON outcomes "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END")
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("page", sa.String(32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.UniqueConstraint("username", "page", name="uq_drafts_username_page"),
    )


def downgrade() -> None:
    """Drop ``drafts`` and ``outcomes`` (with its triggers)."""
    op.drop_table("drafts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_change ON outcomes")
        op.execute("DROP TRIGGER IF EXISTS outcomes_no_truncate ON outcomes")
        op.execute("DROP FUNCTION IF EXISTS outcomes_append_only()")
    op.drop_table("outcomes")
