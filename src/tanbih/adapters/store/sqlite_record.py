"""``record`` on SQLite: the writes before the first webhook, on the driver's connection.

The same rows, statements and order as the SQLAlchemy path of ``SqlStore.record`` (which
PostgreSQL takes), in the transaction SQLAlchemy opened; only the execution is the driver's
(``driver_statements``: 2.2 of the 2.8 ms a ``record`` took were SQLAlchemy's). Escalation
timers, rare on this path and merged against what is stored, keep the SQLAlchemy path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ClauseElement

from tanbih.adapters.store import rows
from tanbih.adapters.store.driver_statements import DriverStatements, driver_of, run
from tanbih.adapters.store.outbox_writes import add_notifications, returning_key, save_timers
from tanbih.adapters.store.record_statements import (
    INSERT_ALERT,
    already_stored,
    notification_rows,
    save_thread,
)
from tanbih.adapters.store.schema import notifications as notifications_table
from tanbih.adapters.store.schema import threads
from tanbih.adapters.store.sql_audit import CHAIN_HEAD, INSERT_EVENTS, chained_entries
from tanbih.adapters.store.transactions import insert_new
from tanbih.domain.audit import GENESIS, ChainHead
from tanbih.domain.lifecycle import Transition
from tanbih.domain.notification import EscalationTimer, Handover, Notification
from tanbih.domain.records import AlertRecord, Event

_COMPILED = DriverStatements()


async def record_on_sqlite(
    conn: AsyncConnection,
    record: AlertRecord,
    transition: Transition,
    event: Event,
    notifications: Sequence[Notification],
    timers: Sequence[EscalationTimer],
    handover: Handover | None,
    audit: Sequence[Event],
) -> None:
    """``SqlStore.record``'s writes in ``conn``'s open write transaction on SQLite."""
    driver = await driver_of(conn)
    dialect = conn.dialect

    async def run_row(statement: ClauseElement, row: dict[str, Any]) -> tuple[list[Any], int]:
        return await run(driver, _COMPILED.of(statement, dialect, tuple(row)), row)

    async def write(statement: ClauseElement, row: dict[str, Any]) -> int:
        return (await run_row(statement, row))[1]

    await save_thread(write, transition, insert_new(conn, threads))
    try:
        await write(INSERT_ALERT, rows.alert_row(record))
    except sqlite3.IntegrityError as exc:
        raise already_stored(record) from exc
    await save_timers(conn, timers)
    if all(n.alert_id == record.id for n in notifications):
        insert_notification = returning_key(insert_new(conn, notifications_table))
        for row in notification_rows(notifications, {record.id: record.thread_id}, handover):
            await run_row(insert_notification, row)
    else:
        # Notifications of other messages (none on the accept path) are checked as usual.
        await add_notifications(conn, notifications, handover=handover)
    # Last, as on the other path: SQLite's writer lock is the chain's lock.
    found, _ = await run_row(CHAIN_HEAD, {})
    head = GENESIS if not found else ChainHead(int(found[0][0]), str(found[0][1]))
    for entry in chained_entries(head, [event, *audit]):
        await write(INSERT_EVENTS, rows.audit_row(entry))
