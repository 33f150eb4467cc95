"""Stop reports from the courier page: where the phone was when a stop was marked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``stop_reports`` (one row per outcome that came with a position)."""
    op.create_table(
        "stop_reports",
        sa.Column("outcome_id", sa.String(36), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("courier_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("address_id", sa.String(64), nullable=True),
        sa.Column("placed_by", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("planned_lon", sa.Float(), nullable=True),
        sa.Column("planned_lat", sa.Float(), nullable=True),
        sa.Column("provenance", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outcome_id", name="pk_stop_reports"),
    )
    op.create_index("ix_stop_reports_address_id", "stop_reports", ["address_id"])


def downgrade() -> None:
    """Drop ``stop_reports``."""
    op.drop_index("ix_stop_reports_address_id", table_name="stop_reports")
    op.drop_table("stop_reports")
