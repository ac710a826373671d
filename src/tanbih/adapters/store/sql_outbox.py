"""The outbox half of the SQL store: enqueue, claim, settle, and read the delivery log.

Claiming is one code path on both backends: select the due keys, then mark them claimed, in
one write transaction. PostgreSQL locks the selected rows ``FOR UPDATE SKIP LOCKED`` so that
concurrent workers each take different rows without waiting on one another; SQLite ignores the
clause and needs none, since ``BEGIN IMMEDIATE`` lets one writer in at a time. A claim is a
lease (``claim_expires_at``): a worker that dies holding rows gives them up when it runs out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, update

from tanbih.adapters.store import outbox_rows
from tanbih.adapters.store.outbox_rules import Settlement, settled
from tanbih.adapters.store.outbox_writes import add_notifications, save_timers
from tanbih.adapters.store.schema import delivery_attempts, notifications
from tanbih.adapters.store.transactions import SqlTransactions
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    Attempt,
    DeliveryOutcome,
    EscalationTimer,
    Notification,
    NotificationState,
    Settling,
)
from tanbih.errors import StoreError

_PENDING = NotificationState.PENDING.value
# The columns a settlement writes (``outbox_rows.settlement_row``), bound by name per row.
_SETTLED_COLUMNS = (
    "state",
    "attempts",
    "next_attempt_at",
    "settled_at",
    "provider_id",
    "last_error",
    "claimed_by",
    "claim_expires_at",
)
# Settling's statements, built once: building one costs more than SQLite running it.
_ROWS_OF_KEYS = (
    select(notifications)
    .where(notifications.c.key.in_(bindparam("keys", expanding=True)))
    .with_for_update()
)
_LOG_ATTEMPTS = insert(delivery_attempts)
# One statement for every row; a bound name may not be a column's own name.
_SETTLE = (
    update(notifications)
    .where(notifications.c.key == bindparam("settled_key"))
    .values({column: bindparam(f"new_{column}") for column in _SETTLED_COLUMNS})
)


class SqlOutbox(SqlTransactions):
    """Notifications and their delivery log; a part of ``SqlStore``."""

    async def enqueue(
        self, notifications: Sequence[Notification], timers: Sequence[EscalationTimer] = ()
    ) -> list[str]:
        """Add notifications whose key is new and save timers; the keys added."""
        async with self._writing() as conn:
            await save_timers(conn, timers)
            return await add_notifications(conn, notifications)

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        kinds: Set[ChannelKind] | None = None,
    ) -> list[Notification]:
        """Take up to ``limit`` due notifications for ``worker_id`` until ``now + lease``."""
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        due = (
            select(notifications.c.key)
            .where(*_due(now, kinds))
            .order_by(
                notifications.c.next_attempt_at.asc().nulls_first(),
                notifications.c.created_at,
                notifications.c.key,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._writing() as conn:
            keys = list((await conn.execute(due)).scalars())
            if not keys:
                return []
            claimed = await conn.execute(
                update(notifications)
                .where(notifications.c.key.in_(keys))
                .values(claimed_by=worker_id, claim_expires_at=now + lease)
                .returning(*notifications.c)
            )
            by_key = {row["key"]: outbox_rows.notification(row) for row in claimed.mappings()}
        return [by_key[key] for key in keys]

    async def settle(
        self,
        key: str,
        attempt: Attempt | None,
        state: NotificationState,
        next_attempt_at: datetime | None = None,
        *,
        now: datetime,
        error: str | None = None,
    ) -> None:
        """Log ``attempt`` and move the notification to ``state``, releasing its claim."""
        if await self.settle_many([Settling(key, attempt, state, next_attempt_at, now, error)]):
            raise StoreError(f"no notification with key {key!r}")

    async def settle_many(self, settlings: Sequence[Settling]) -> set[str]:
        """Settle each in turn, all in one transaction; the keys of no stored notification."""
        if not settlings:
            return set()
        keys = list({s.key for s in settlings})
        async with self._writing() as conn:
            result = await conn.execute(_ROWS_OF_KEYS, {"keys": keys})
            stored = {row["key"]: outbox_rows.settlement(row) for row in result.mappings()}
            changed: dict[str, Settlement] = {}
            logged: list[dict[str, object]] = []
            for settling in settlings:
                current = changed.get(settling.key) or stored.get(settling.key)
                if current is None:
                    continue
                changed[settling.key] = settled(
                    current,
                    settling.attempt,
                    settling.state,
                    settling.next_attempt_at,
                    settling.at,
                    settling.error,
                )
                if settling.attempt is not None:
                    logged.append(outbox_rows.attempt_row(settling.attempt))
            if logged:
                await conn.execute(_LOG_ATTEMPTS, logged)
            if changed:
                await conn.execute(
                    _SETTLE,
                    [
                        {
                            "settled_key": key,
                            **{
                                f"new_{column}": value
                                for column, value in outbox_rows.settlement_row(after).items()
                            },
                        }
                        for key, after in changed.items()
                    ],
                )
        return keys - stored.keys()

    async def attempts(self, key: str) -> list[Attempt]:
        """The delivery log of one notification, oldest first."""
        statement = (
            select(delivery_attempts)
            .where(delivery_attempts.c.notification_key == key)
            .order_by(delivery_attempts.c.at, delivery_attempts.c.id)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [outbox_rows.attempt(row) for row in result.mappings()]

    async def notifications(
        self,
        *,
        thread_id: str | None = None,
        partner_id: str | None = None,
        alert_id: str | None = None,
    ) -> list[Notification]:
        """Stored notifications matching every filter given, oldest first."""
        statement = select(notifications).order_by(notifications.c.created_at, notifications.c.key)
        for column, value in (
            (notifications.c.thread_id, thread_id),
            (notifications.c.partner_id, partner_id),
            (notifications.c.alert_id, alert_id),
        ):
            if value is not None:
                statement = statement.where(column == value)
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [outbox_rows.notification(row) for row in result.mappings()]

    async def notification(self, key: str) -> Notification | None:
        """One stored notification by its key."""
        statement = select(notifications).where(notifications.c.key == key)
        async with self._reading() as conn:
            row = (await conn.execute(statement)).mappings().one_or_none()
        return None if row is None else outbox_rows.notification(row)

    async def delivered(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that the delivery log shows delivered."""
        wanted = set(keys)
        if not wanted:
            return set()
        statement = (
            select(delivery_attempts.c.notification_key)
            .distinct()
            .where(
                delivery_attempts.c.notification_key.in_(wanted),
                delivery_attempts.c.outcome == DeliveryOutcome.DELIVERED.value,
            )
        )
        async with self._reading() as conn:
            return set((await conn.execute(statement)).scalars())

    async def queue_depth(self, now: datetime) -> int:
        """How many pending notifications are due by ``now`` (claimed or not)."""
        statement = select(func.count()).select_from(notifications).where(*_due(now, None, True))
        async with self._reading() as conn:
            return int((await conn.execute(statement)).scalar_one())


def _due(
    now: datetime, kinds: Set[ChannelKind] | None, include_claimed: bool = False
) -> list[ColumnElement[bool]]:
    """Conditions for a pending notification due by ``now``, optionally of some kinds only."""
    conditions = [
        notifications.c.state == _PENDING,
        or_(notifications.c.next_attempt_at.is_(None), notifications.c.next_attempt_at <= now),
    ]
    if not include_claimed:
        conditions.append(
            or_(
                notifications.c.claim_expires_at.is_(None),
                notifications.c.claim_expires_at <= now,
            )
        )
    if kinds is not None:
        conditions.append(notifications.c.channel_kind.in_([k.value for k in kinds]))
    return conditions
