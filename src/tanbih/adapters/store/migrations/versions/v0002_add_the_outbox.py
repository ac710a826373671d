"""Add the outbox: notifications, the delivery log, acknowledgements, escalation timers,
spent acknowledgement tokens and SMS reply codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the column types as of this revision (see v0001).
TIMESTAMP = sa.DateTime(timezone=True)
ATTEMPT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(length=64)


def upgrade() -> None:
    """Create the outbox's tables and their indexes."""
    op.create_table(
        "notifications",
        sa.Column("key", KEY, nullable=False),
        sa.Column("alert_id", sa.String(length=24), nullable=False),
        sa.Column("thread_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("channel_kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("escalation_step", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("deadline", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("settled_at", TIMESTAMP, nullable=True),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claim_expires_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_notifications_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_notifications_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_alert_id"), "notifications", ["alert_id"])
    op.create_index(op.f("ix_notifications_partner_id"), "notifications", ["partner_id"])
    op.create_index(
        op.f("ix_notifications_state_next_attempt_at"),
        "notifications",
        ["state", "next_attempt_at"],
    )
    op.create_index(
        op.f("ix_notifications_thread_id_partner_id"),
        "notifications",
        ["thread_id", "partner_id"],
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", ATTEMPT_ID, autoincrement=True, nullable=False),
        sa.Column("notification_key", KEY, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_key"],
            ["notifications.key"],
            name=op.f("fk_delivery_attempts_notification_key_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_delivery_attempts_notification_key"), "delivery_attempts", ["notification_key"]
    )
    op.create_table(
        "acknowledgements",
        sa.Column("thread_id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=True),
        sa.Column("notification_key", KEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_key"],
            ["notifications.key"],
            name=op.f("fk_acknowledgements_notification_key_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_acknowledgements_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("thread_id", "partner_id", name=op.f("pk_acknowledgements")),
    )
    op.create_table(
        "escalation_timers",
        sa.Column("thread_id", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("next_due_at", TIMESTAMP, nullable=True),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.Column("stopped_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_escalation_timers_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("thread_id", "partner_id", name=op.f("pk_escalation_timers")),
    )
    op.create_index(op.f("ix_escalation_timers_next_due_at"), "escalation_timers", ["next_due_at"])
    op.create_table(
        "used_tokens",
        sa.Column("digest", sa.String(length=128), nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_used_tokens")),
    )
    op.create_table(
        "reply_codes",
        sa.Column("partner_id", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("notification_key", KEY, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_key"],
            ["notifications.key"],
            name=op.f("fk_reply_codes_notification_key_notifications"),
        ),
        sa.PrimaryKeyConstraint("partner_id", "code", name=op.f("pk_reply_codes")),
    )


def downgrade() -> None:
    """Drop the outbox's tables, those that refer to notifications first."""
    for table in (
        "reply_codes",
        "used_tokens",
        "escalation_timers",
        "acknowledgements",
        "delivery_attempts",
        "notifications",
    ):
        op.drop_table(table)
