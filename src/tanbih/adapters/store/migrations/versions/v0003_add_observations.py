"""Add the observation log: every report partners posted, as received.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the observations table."""
    op.create_table(
        "observations",
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("time", TIMESTAMP, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "id", name=op.f("pk_observations")),
    )
    op.create_index(
        op.f("ix_observations_received_at"), "observations", ["received_at"], unique=False
    )


def downgrade() -> None:
    """Drop the observations table."""
    op.drop_index(op.f("ix_observations_received_at"), table_name="observations")
    op.drop_table("observations")
