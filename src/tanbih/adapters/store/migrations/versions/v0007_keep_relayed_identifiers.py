"""Keep the identifiers of the redacted copies this node sent, and the messages they stand for.

A partner acknowledges the copy it was given, by the copy's sender and identifier: the node
that made the copy reads the message it stands for here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the relayed_copies table."""
    op.create_table(
        "relayed_copies",
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_relayed_copies_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("sender", "identifier", name=op.f("pk_relayed_copies")),
    )


def downgrade() -> None:
    """Drop the relayed_copies table."""
    op.drop_table("relayed_copies")
