"""Writes into the outbox on an open connection, so that ``record``, ``enqueue`` and
``save_timers`` can each put them in their own single transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence, Set

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from tanbih.adapters.store import outbox_rows
from tanbih.adapters.store.outbox_rules import merge_timer, timer_is_running
from tanbih.adapters.store.record_statements import notification_rows
from tanbih.adapters.store.schema import alerts, escalation_timers, notifications
from tanbih.adapters.store.transactions import insert_new
from tanbih.domain.notification import EscalationTimer, Handover, Notification
from tanbih.errors import StoreError

TimerKey = tuple[str, str]
"""An escalation timer's key: (thread id, partner id)."""

TIMER_KEY = tuple_(escalation_timers.c.thread_id, escalation_timers.c.partner_id)

_THREADS_OF_ALERTS = select(alerts.c.id, alerts.c.thread_id).where(
    alerts.c.id.in_(bindparam("ids", expanding=True))
)


async def add_notifications(
    conn: AsyncConnection,
    wanted: Sequence[Notification],
    *,
    skip_quiet: bool = False,
    handover: Handover | None = None,
    threads: Mapping[str, str] | None = None,
) -> list[str]:
    """Insert the notifications whose key is new; the keys inserted, in the order given.

    With ``skip_quiet``, notifications to a partner whose escalation of the event is
    acknowledged or stopped are left out. The ``handover``'s rows go in already claimed.
    ``threads`` gives the thread of alerts the caller knows (the one it is storing), which
    then are not read.
    """
    if not wanted:
        return []
    alert_ids = {n.alert_id for n in wanted}
    if threads is not None and alert_ids <= threads.keys():
        thread_of = dict(threads)
    else:
        thread_of = await _threads_of_alerts(conn, alert_ids)
    if skip_quiet:
        pairs = {(thread_of[n.alert_id], n.recipient.partner_id) for n in wanted}
        quiet = await _quiet(conn, pairs)
        wanted = [n for n in wanted if (thread_of[n.alert_id], n.recipient.partner_id) not in quiet]
        if not wanted:
            return []
    rows = notification_rows(wanted, thread_of, handover)
    statement = returning_key(insert_new(conn, notifications))
    inserted = set((await conn.execute(statement, rows)).scalars())
    return [key for key in dict.fromkeys(n.key for n in wanted) if key in inserted]


async def save_timers(
    conn: AsyncConnection, timers: Sequence[EscalationTimer]
) -> dict[TimerKey, EscalationTimer]:
    """Insert new timers and merge the others into the stored ones; the timers as stored."""
    if not timers:
        return {}
    await conn.execute(
        insert_new(conn, escalation_timers), [outbox_rows.timer_row(t) for t in timers]
    )
    keys = {(t.thread_id, t.partner_id) for t in timers}
    # Row locks (PostgreSQL) keep a concurrent save from merging against what this one replaces.
    statement = select(escalation_timers).where(TIMER_KEY.in_(keys)).with_for_update()
    result = await conn.execute(statement)
    stored = {(t.thread_id, t.partner_id): t for t in map(outbox_rows.timer, result.mappings())}
    merged = dict(stored)
    for timer in timers:
        key = (timer.thread_id, timer.partner_id)
        merged[key] = merge_timer(merged[key], timer)
    for (thread_id, partner_id), timer in merged.items():
        if timer != stored[thread_id, partner_id]:
            await conn.execute(
                update(escalation_timers)
                .where(
                    escalation_timers.c.thread_id == thread_id,
                    escalation_timers.c.partner_id == partner_id,
                )
                .values(outbox_rows.timer_row(timer))
            )
    return merged


async def _threads_of_alerts(conn: AsyncConnection, alert_ids: Set[str]) -> dict[str, str]:
    result = await conn.execute(_THREADS_OF_ALERTS, {"ids": list(alert_ids)})
    found = {alert_id: thread_id for alert_id, thread_id in result}
    missing = sorted(alert_ids - found.keys())
    if missing:
        raise StoreError(f"notifications of unknown alerts: {', '.join(missing)}")
    return found


@functools.cache
def returning_key(insert: Insert) -> Insert:
    """``insert`` returning the keys of the notifications it inserted."""
    return insert.returning(notifications.c.key)


async def _quiet(conn: AsyncConnection, pairs: Set[TimerKey]) -> set[TimerKey]:
    """Those of the (thread, partner) pairs whose escalation is acknowledged or stopped."""
    result = await conn.execute(select(escalation_timers).where(TIMER_KEY.in_(pairs)))
    timers = map(outbox_rows.timer, result.mappings())
    return {(t.thread_id, t.partner_id) for t in timers if not timer_is_running(t)}
