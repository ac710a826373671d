"""Create the schema: alerts, threads, partners, zones, the event log and meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types as of this revision; the store's UtcDateTime decorates
# DateTime(timezone=True) in Python only and adds nothing to the database.
TIMESTAMP = sa.DateTime(timezone=True)
EVENT_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table and index of the first schema."""
    op.create_table(
        "threads",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("latest_sender", sa.Text(), nullable=False),
        sa.Column("latest_identifier", sa.Text(), nullable=False),
        sa.Column("latest_sent_utc", TIMESTAMP, nullable=False),
        sa.Column("latest_sent_offset_minutes", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("sent_utc", TIMESTAMP, nullable=False),
        sa.Column("sent_offset_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("thread_id", sa.Text(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("expires", TIMESTAMP, nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_alerts_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("sender", "identifier", name=op.f("uq_alerts_sender_identifier")),
    )
    op.create_index(op.f("ix_alerts_sent_utc"), "alerts", ["sent_utc"])
    op.create_index(op.f("ix_alerts_status_sent_utc"), "alerts", ["status", "sent_utc"])
    op.create_index(op.f("ix_alerts_sender_sent_utc"), "alerts", ["sender", "sent_utc"])
    op.create_index(op.f("ix_alerts_thread_id_sent_utc"), "alerts", ["thread_id", "sent_utc"])
    op.create_table(
        "partners",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("senders", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("shelter_seconds", sa.Integer(), nullable=False),
        sa.Column("rings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_zones_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
    )
    op.create_index(op.f("ix_zones_partner_id"), "zones", ["partner_id"])
    op.create_table(
        "events",
        sa.Column("seq", EVENT_SEQ, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )


def downgrade() -> None:
    """Drop everything the first schema created."""
    for table in ("meta", "events", "zones", "partners", "alerts", "threads"):
        op.drop_table(table)
