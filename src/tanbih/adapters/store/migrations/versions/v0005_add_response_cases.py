"""Add response coordination: each threat's search for a responder, and capabilities switched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the response_cases and capability_availability tables."""
    op.create_table(
        "response_cases",
        sa.Column("threat_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("threat_class", sa.String(length=24), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("waiting", sa.JSON(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=True),
        sa.Column("requested_at", TIMESTAMP, nullable=True),
        sa.Column("due_at", TIMESTAMP, nullable=True),
        sa.Column("responder", sa.Text(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("warning_id", sa.String(length=24), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("request_thread", sa.Text(), nullable=True),
        sa.Column("opened_at", TIMESTAMP, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("threat_id", name=op.f("pk_response_cases")),
    )
    op.create_index(op.f("ix_response_cases_due_at"), "response_cases", ["due_at"], unique=False)
    op.create_table(
        "capability_availability",
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("capability", sa.Text(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partner_id", "capability", name=op.f("pk_capability_availability")
        ),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("capability_availability")
    op.drop_index(op.f("ix_response_cases_due_at"), table_name="response_cases")
    op.drop_table("response_cases")
