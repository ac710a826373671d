"""Chain the event log: each event gets ``prev_hash`` and ``hash`` (the audit chain).

Events already stored are chained in ``seq`` order, and numbered again from 1 without gaps: a
PostgreSQL sequence skips the values of rolled-back inserts, and the chain reads a gap as a
removed entry. From here on the store gives ``seq`` itself (``sql_audit.append_chained``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import sqlalchemy as sa
from alembic import op

# The published chain format (docs/audit.md); it cannot change without breaking every chain.
from tanbih.domain.audit import GENESIS, ChainHead, chain
from tanbih.domain.records import Event

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HASH = sa.String(length=64)
_PAGE = 1000

# The events table as of this revision, for the backfill.
_events = sa.table(
    "events",
    sa.column("seq", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("kind", sa.Text()),
    sa.column("subject", sa.Text()),
    sa.column("partner_id", sa.Text()),
    sa.column("data", sa.JSON()),
    sa.column("prev_hash", HASH),
    sa.column("hash", HASH),
)


def upgrade() -> None:
    """Add the hash columns, chain the stored events, then make the columns required."""
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("prev_hash", HASH, nullable=True))
        batch.add_column(sa.Column("hash", HASH, nullable=True))
    _chain_stored_events(op.get_bind())
    with op.batch_alter_table("events") as batch:
        batch.alter_column("prev_hash", existing_type=HASH, nullable=False)
        batch.alter_column("hash", existing_type=HASH, nullable=False)


def downgrade() -> None:
    """Drop the hash columns (the events stay, renumbered)."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")


def _chain_stored_events(connection: sa.Connection) -> None:
    """Chain the events page by page; renumbering only ever lowers a seq, onto a free one."""
    renumber = (
        sa.update(_events)
        .where(_events.c.seq == sa.bindparam("old_seq"))
        .values(
            seq=sa.bindparam("new_seq"),
            prev_hash=sa.bindparam("new_prev_hash"),
            hash=sa.bindparam("new_hash"),
        )
    )
    head, after = GENESIS, None
    while True:
        page = _events.select().order_by(_events.c.seq).limit(_PAGE)
        if after is not None:
            page = page.where(_events.c.seq > after)
        stored = list(connection.execute(page).mappings())
        if not stored:
            return
        entries = chain(head, [_event(row) for row in stored])
        connection.execute(
            renumber,
            [
                {
                    "old_seq": row["seq"],
                    "new_seq": entry.seq,
                    "new_prev_hash": entry.prev_hash,
                    "new_hash": entry.hash,
                }
                for row, entry in zip(stored, entries, strict=True)
            ],
        )
        head, after = ChainHead(entries[-1].seq, entries[-1].hash), stored[-1]["seq"]


def _event(row: sa.RowMapping) -> Event:
    at: datetime = row["at"]
    # SQLite hands back the stored UTC instant without its zone.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return Event(at, row["kind"], row["subject"], row["partner_id"], MappingProxyType(row["data"]))
