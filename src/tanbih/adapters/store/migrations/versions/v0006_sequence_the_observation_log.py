"""Number the observation log, and keep what the assessment made of each report.

``seq`` orders the log as it was written (the store gives it under a lock, like the event
log's): the assessing worker of a node of several follows it, and so does the outbound link.
``outcome`` is what the assessment made of a report, for the worker that took the report to
answer with. Reports stored already are numbered in the order received, and marked ``stale``:
they are too old to fuse by now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PAGE = 1000
STALE: dict[str, object] = {"threat": None, "association": "stale", "issued": []}

# The observations table as of this revision, for the backfill.
_observations = sa.table(
    "observations",
    sa.column("partner_id", sa.Text()),
    sa.column("id", sa.Text()),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("seq", sa.BigInteger()),
    sa.column("outcome", sa.JSON()),
)


def upgrade() -> None:
    """Add ``seq`` and ``outcome``, number the stored reports, then make ``seq`` required."""
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.JSON(), nullable=True))
    _number_stored_reports(op.get_bind())
    with op.batch_alter_table("observations") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.create_unique_constraint(op.f("uq_observations_seq"), ["seq"])


def downgrade() -> None:
    """Drop ``seq`` and ``outcome``."""
    with op.batch_alter_table("observations") as batch:
        batch.drop_constraint(op.f("uq_observations_seq"), type_="unique")
        batch.drop_column("outcome")
        batch.drop_column("seq")


def _number_stored_reports(connection: sa.Connection) -> None:
    table = _observations
    order = (table.c.received_at, table.c.partner_id, table.c.id)
    stored = sa.select(table.c.partner_id, table.c.id).order_by(*order)
    keys = [(row.partner_id, row.id) for row in connection.execute(stored)]
    number = (
        sa.update(table)
        .where(
            table.c.partner_id == sa.bindparam("key_partner"), table.c.id == sa.bindparam("key_id")
        )
        .values(seq=sa.bindparam("new_seq"), outcome=STALE)
    )
    for start in range(0, len(keys), _PAGE):
        page = keys[start : start + _PAGE]
        connection.execute(
            number,
            [
                {"key_partner": partner, "key_id": ident, "new_seq": start + n + 1}
                for n, (partner, ident) in enumerate(page)
            ],
        )
