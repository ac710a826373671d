"""The statements and rows of ``record`` (a message, its thread, its notifications), shared by
the store's SQLAlchemy path and its SQLite driver path (``sqlite_record``). Built once:
building a statement costs more than SQLite running it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.sql.expression import ClauseElement

from tanbih.adapters.store import outbox_rows, rows
from tanbih.adapters.store.schema import alerts, threads
from tanbih.domain.lifecycle import Rule, Transition
from tanbih.domain.notification import Handover, Notification
from tanbih.domain.records import AlertRecord
from tanbih.errors import StoreConflictError

INSERT_ALERT = insert(alerts)
INSERT_THREAD = insert(threads)
THREAD_COLUMNS = tuple(c.name for c in threads.c if c.name != "id")
# A bound name may not be a column's own name in an UPDATE's SET.
UPDATE_THREAD = (
    update(threads)
    .where(threads.c.id == bindparam("thread_id"))
    .values({column: bindparam(f"new_{column}") for column in THREAD_COLUMNS})
)


Write = Callable[[ClauseElement, dict[str, Any]], Awaitable[int]]
"""Runs a statement for one row in the open transaction; how many rows it changed."""


async def save_thread(write: Write, transition: Transition, insert_if_new: ClauseElement) -> None:
    """Store the thread ``transition`` leaves, inserted or updated (``insert_if_new``: the
    dialect's ``INSERT ... ON CONFLICT DO NOTHING`` of ``threads``)."""
    thread = transition.thread
    row = rows.thread_row(thread)
    # An Alert opens a thread named after itself: it is new unless the Alert is stored (then
    # the alert's own insert says so), so insert first, not update first.
    if transition.rule is Rule.ISSUE and await write(insert_if_new, row) == 1:
        return
    changes = {f"new_{column}": row[column] for column in THREAD_COLUMNS}
    if await write(UPDATE_THREAD, {"thread_id": thread.id, **changes}) == 0:
        await write(INSERT_THREAD, row)


def notification_rows(
    wanted: Sequence[Notification], thread_of: Mapping[str, str], handover: Handover | None
) -> list[dict[str, Any]]:
    """The ``notifications`` rows of ``wanted``; the ``handover``'s go in claimed by its worker."""
    made = [outbox_rows.notification_row(n, thread_of[n.alert_id]) for n in wanted]
    if handover is not None:
        # Every row names the claim columns: one executemany needs the same keys in each.
        for row in made:
            taken = row["key"] in handover.keys
            row["claimed_by"] = handover.worker_id if taken else None
            row["claim_expires_at"] = handover.expires_at if taken else None
    return made


def already_stored(record: AlertRecord) -> StoreConflictError:
    """The error of a message whose (sender, identifier) is stored already."""
    return StoreConflictError(
        f"message {record.key.identifier!r} of {record.key.sender!r} is already stored"
    )
