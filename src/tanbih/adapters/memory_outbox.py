"""The ``OutboxStore`` in process memory: the outbox half of ``MemoryStore``.

It keeps the SQL store's contract (the same suite runs against both): dedup by key, claims as
leases, settlement and timer rules from ``outbox_rules``, the first acknowledgement wins, a
token is spent once, and references to unknown alerts, events or notifications fail with
``StoreError`` as the database's foreign keys would. Every method is atomic: it checks before
it changes anything and has no ``await`` inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tanbih.adapters.store.outbox_rules import (
    Settlement,
    merge_timer,
    settled,
    timer_is_running,
)
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.lifecycle import Thread
from tanbih.domain.notification import (
    Acknowledgement,
    Attempt,
    DeliveryOutcome,
    EscalationTimer,
    Handover,
    Notification,
    NotificationState,
    Settling,
)
from tanbih.domain.records import AlertRecord
from tanbih.errors import StoreError

TimerKey = tuple[str, str]


@dataclass(slots=True)
class _Entry:
    """A stored notification with the columns the domain value does not carry."""

    notification: Notification
    thread_id: str
    settlement: Settlement
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None


class MemoryOutbox:
    """Notifications, delivery log, acknowledgements, timers, tokens and reply codes."""

    def __init__(self, records: Mapping[str, AlertRecord], threads: Mapping[str, Thread]) -> None:
        # Live views of the alert half's state, for the checks a foreign key would make.
        self._alerts_known = records
        self._threads_known = threads
        self._entries: dict[str, _Entry] = {}
        self._attempts: dict[str, list[Attempt]] = {}
        self._acks: dict[TimerKey, Acknowledgement] = {}
        self._timers: dict[TimerKey, EscalationTimer] = {}
        self._tokens: dict[str, datetime] = {}
        self._codes: dict[tuple[str, str], tuple[str, datetime]] = {}

    async def enqueue(
        self, notifications: Sequence[Notification], timers: Sequence[EscalationTimer] = ()
    ) -> list[str]:
        """Add notifications whose key is new and save timers; the keys added."""
        thread_of = self._threads_of(notifications)
        self._check_threads(timers)
        self._save_timers(timers)
        return self._add(notifications, thread_of)

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        kinds: Set[ChannelKind] | None = None,
    ) -> list[Notification]:
        """Take up to ``limit`` due notifications for ``worker_id`` until ``now + lease``."""
        due = [
            e
            for e in self._entries.values()
            if _due(e, now)
            and (e.claim_expires_at is None or e.claim_expires_at <= now)
            and (kinds is None or e.notification.recipient.channel.kind in kinds)
        ]
        due.sort(key=_claim_order)
        taken = due[: max(limit, 0)]
        for entry in taken:
            entry.claimed_by, entry.claim_expires_at = worker_id, now + lease
        return [e.notification for e in taken]

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
        """Settle each in turn; the keys of no stored notification (nothing written for them)."""
        missing = {s.key for s in settlings if s.key not in self._entries}
        for settling in settlings:
            if settling.key not in missing:
                self._settle(self._entries[settling.key], settling)
        return missing

    def _settle(self, entry: _Entry, settling: Settling) -> None:
        attempt = settling.attempt
        after = settled(
            entry.settlement,
            attempt,
            settling.state,
            settling.next_attempt_at,
            settling.at,
            settling.error,
        )
        if attempt is not None:
            self._attempts[settling.key].append(attempt)
        entry.settlement = after
        entry.notification = replace(
            entry.notification,
            state=after.state,
            attempts=after.attempts,
            next_attempt_at=after.next_attempt_at,
        )
        entry.claimed_by = entry.claim_expires_at = None

    async def attempts(self, key: str) -> list[Attempt]:
        """The delivery log of one notification, oldest first."""
        return sorted(self._attempts.get(key, ()), key=lambda a: a.at)

    async def notifications(
        self,
        *,
        thread_id: str | None = None,
        partner_id: str | None = None,
        alert_id: str | None = None,
    ) -> list[Notification]:
        """Stored notifications matching every filter given, oldest first."""
        found = [
            e.notification
            for e in self._entries.values()
            if (thread_id is None or e.thread_id == thread_id)
            and (partner_id is None or e.notification.recipient.partner_id == partner_id)
            and (alert_id is None or e.notification.alert_id == alert_id)
        ]
        return sorted(found, key=lambda n: (n.created_at, n.key))

    async def notification(self, key: str) -> Notification | None:
        """One stored notification by its key."""
        entry = self._entries.get(key)
        return None if entry is None else entry.notification

    async def delivered(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that the delivery log shows delivered."""
        return {
            key
            for key in set(keys)
            if any(a.outcome is DeliveryOutcome.DELIVERED for a in self._attempts.get(key, ()))
        }

    async def queue_depth(self, now: datetime) -> int:
        """How many pending notifications are due by ``now`` (claimed or not)."""
        return sum(_due(e, now) for e in self._entries.values())

    async def acknowledge(self, ack: Acknowledgement) -> Acknowledgement:
        """Store the partner's first acknowledgement of the event and mark its timer; the first."""
        if ack.thread_id not in self._threads_known:
            raise StoreError(f"acknowledgement of an unknown event {ack.thread_id!r}")
        if ack.notification_key is not None and ack.notification_key not in self._entries:
            raise StoreError(f"acknowledgement of an unknown notification {ack.notification_key!r}")
        first = self._acks.setdefault((ack.thread_id, ack.partner_id), ack)
        timer = self._timers.get((ack.thread_id, ack.partner_id))
        if timer is not None and timer.acknowledged_at is None:
            self._timers[ack.thread_id, ack.partner_id] = replace(timer, acknowledged_at=first.at)
        return first

    async def acknowledgements(self, thread_id: str) -> list[Acknowledgement]:
        """The acknowledgements of one event, earliest first."""
        found = [a for (tid, _), a in self._acks.items() if tid == thread_id]
        return sorted(found, key=lambda a: (a.at, a.partner_id))

    async def timers(self, thread_id: str) -> list[EscalationTimer]:
        """The escalation timers of one event, by partner."""
        return sorted(
            (t for (tid, _), t in self._timers.items() if tid == thread_id),
            key=lambda t: t.partner_id,
        )

    async def due_timers(self, now: datetime, limit: int = 100) -> list[EscalationTimer]:
        """Running timers (not acknowledged, not stopped) due by ``now``, earliest first."""
        due = [
            t
            for t in self._timers.values()
            if t.next_due_at is not None and t.next_due_at <= now and timer_is_running(t)
        ]
        due.sort(key=lambda t: (t.next_due_at, t.thread_id, t.partner_id))
        return due[: max(limit, 0)]

    async def save_timers(
        self, timers: Sequence[EscalationTimer], notifications: Sequence[Notification] = ()
    ) -> list[str]:
        """Advance timers and enqueue the step's notifications, all or nothing."""
        thread_of = self._threads_of(notifications)
        self._check_threads(timers)
        self._save_timers(timers)
        return self._add(notifications, thread_of, skip_quiet=True)

    async def stop_timers(self, thread_id: str, now: datetime) -> None:
        """Stop every running escalation of an event (a Cancel, an all clear)."""
        for key, timer in self._timers.items():
            if key[0] == thread_id and timer.stopped_at is None:
                self._timers[key] = replace(timer, stopped_at=now)

    async def use_token(self, digest: str, now: datetime) -> bool:
        """Spend a one-time token by its digest: ``False`` if it was spent before."""
        if digest in self._tokens:
            return False
        self._tokens[digest] = now
        return True

    async def save_reply_code(
        self, code: str, partner_id: str, key: str, expires_at: datetime, *, now: datetime
    ) -> bool:
        """Let ``code`` from ``partner_id`` stand for notification ``key`` until ``expires_at``."""
        if key not in self._entries:
            raise StoreError(f"reply code for an unknown notification {key!r}")
        holder = self._codes.get((partner_id, code))
        if holder is not None and holder[0] != key and holder[1] > now:
            return False
        self._codes[partner_id, code] = (key, expires_at)
        return True

    async def reply_code(self, code: str, partner_id: str, now: datetime) -> str | None:
        """The notification key a reply code stands for, unless unknown or expired."""
        holder = self._codes.get((partner_id, code))
        return holder[0] if holder is not None and holder[1] > now else None

    def _threads_of(
        self, notifications: Sequence[Notification], also: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The event of each notification's alert (``also``: alerts being stored with them)."""
        thread_of = dict(also or {})
        for alert_id in {n.alert_id for n in notifications} - thread_of.keys():
            record = self._alerts_known.get(alert_id)
            if record is None:
                raise StoreError(f"notifications of unknown alerts: {alert_id}")
            thread_of[alert_id] = record.thread_id
        return thread_of

    def _check_threads(
        self, timers: Sequence[EscalationTimer], also: Set[str] = frozenset()
    ) -> None:
        unknown = sorted({t.thread_id for t in timers} - self._threads_known.keys() - also)
        if unknown:
            raise StoreError(f"escalation timers of unknown events: {', '.join(unknown)}")

    def _save_timers(self, timers: Sequence[EscalationTimer]) -> None:
        for timer in timers:
            key = (timer.thread_id, timer.partner_id)
            self._timers[key] = merge_timer(self._timers.get(key), timer)

    def _add(
        self,
        notifications: Sequence[Notification],
        thread_of: Mapping[str, str],
        *,
        skip_quiet: bool = False,
        handover: Handover | None = None,
    ) -> list[str]:
        added: list[str] = []
        for n in notifications:
            thread_id = thread_of[n.alert_id]
            timer = self._timers.get((thread_id, n.recipient.partner_id))
            quiet = skip_quiet and timer is not None and not timer_is_running(timer)
            if n.key in self._entries or quiet:
                continue
            blank = Settlement(n.state, n.attempts, n.next_attempt_at, None, None, None)
            entry = _Entry(n, thread_id, blank)
            if handover is not None and n.key in handover.keys:
                entry.claimed_by, entry.claim_expires_at = handover.worker_id, handover.expires_at
            self._entries[n.key] = entry
            self._attempts[n.key] = []
            added.append(n.key)
        return added


def _due(entry: _Entry, now: datetime) -> bool:
    n = entry.notification
    return n.state is NotificationState.PENDING and (
        n.next_attempt_at is None or n.next_attempt_at <= now
    )


def _claim_order(entry: _Entry) -> tuple[bool, datetime, datetime, str]:
    """Fresh notifications (no next attempt yet) first, then by due time, age and key."""
    n = entry.notification
    due = n.next_attempt_at or n.created_at
    return (n.next_attempt_at is not None, due, n.created_at, n.key)
