"""The outbox's store and the channels it delivers through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import datetime, timedelta
from typing import Protocol

from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    Acknowledgement,
    Attempt,
    Delivery,
    DeliveryResult,
    EscalationTimer,
    Notification,
    NotificationState,
    Settling,
)


class OutboxStore(Protocol):
    """The durable outbox: notifications to deliver and their delivery log, acknowledgements,
    escalation timers, spent one-time tokens and SMS reply codes.

    Dedup is by notification key (the idempotency key): a key is stored once, and delivered
    at most once per claim; see docs/notification.md for what a crash can repeat.
    """

    async def enqueue(
        self, notifications: Sequence[Notification], timers: Sequence[EscalationTimer] = ()
    ) -> list[str]:
        """Add notifications whose key is new and save timers, in one transaction.

        Returns the keys actually added; keys already stored are skipped. Timers merge as in
        ``save_timers``. Raises ``StoreError`` for a notification of an unknown alert.
        """
        ...

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        kinds: Set[ChannelKind] | None = None,
    ) -> list[Notification]:
        """Take up to ``limit`` due notifications for ``worker_id`` until ``now + lease``.

        Due: pending, next attempt unset or at most ``now``, not claimed or claim expired,
        and of one of ``kinds`` (any kind if ``None``). Fresh ones first, then by due time.
        No two workers hold the same notification at once.
        """
        ...

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
        """Log ``attempt`` (if one was made) and move the notification to ``state``, at once.

        Releases the claim. ``next_attempt_at`` is when a ``PENDING`` one is due again;
        ``error`` explains a settlement without an attempt (deadline, suppression). A
        notification already delivered, failed or suppressed keeps its state; its late
        attempt is still logged. Raises ``StoreError`` for an unknown key.
        """
        ...

    async def settle_many(self, settlings: Sequence[Settling]) -> set[str]:
        """Settle each as ``settle`` does, in order, in one transaction.

        Returns the keys of no stored notification: nothing is written for those, the others
        are settled.
        """
        ...

    async def attempts(self, key: str) -> list[Attempt]:
        """The delivery log of one notification, oldest first."""
        ...

    async def notifications(
        self,
        *,
        thread_id: str | None = None,
        partner_id: str | None = None,
        alert_id: str | None = None,
    ) -> list[Notification]:
        """Stored notifications matching every filter given, oldest first."""
        ...

    async def notification(self, key: str) -> Notification | None:
        """One stored notification by its key (what a carrier callback or a token names)."""
        ...

    async def delivered(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that the delivery log shows delivered."""
        ...

    async def queue_depth(self, now: datetime) -> int:
        """How many pending notifications are due by ``now`` (claimed or not)."""
        ...

    async def acknowledge(self, ack: Acknowledgement) -> Acknowledgement:
        """Store a partner's acknowledgement of an event unless one is stored; return the first.

        In the same transaction the partner's escalation timer for the event is marked
        acknowledged. Raises ``StoreError`` for an unknown event.
        """
        ...

    async def acknowledgements(self, thread_id: str) -> list[Acknowledgement]:
        """The acknowledgements of one event, earliest first."""
        ...

    async def timers(self, thread_id: str) -> list[EscalationTimer]:
        """The escalation timers of one event, by partner."""
        ...

    async def due_timers(self, now: datetime, limit: int = 100) -> list[EscalationTimer]:
        """Running timers (not acknowledged, not stopped) due by ``now``, earliest first."""
        ...

    async def save_timers(
        self, timers: Sequence[EscalationTimer], notifications: Sequence[Notification] = ()
    ) -> list[str]:
        """Advance timers and enqueue the escalation step's notifications, in one transaction.

        A save never takes a timer back (fewer ``steps_done`` than stored) and never clears
        its ``acknowledged_at`` or ``stopped_at``. Notifications to a partner whose timer for
        the event is acknowledged or stopped are not added. Returns the keys added.
        """
        ...

    async def stop_timers(self, thread_id: str, now: datetime) -> None:
        """Stop every running escalation of an event (a Cancel, an all clear)."""
        ...

    async def use_token(self, digest: str, now: datetime) -> bool:
        """Spend a one-time token by its digest: ``False`` if it was spent before."""
        ...

    async def save_reply_code(
        self, code: str, partner_id: str, key: str, expires_at: datetime, *, now: datetime
    ) -> bool:
        """Let ``code`` from ``partner_id`` stand for notification ``key`` until ``expires_at``.

        ``False`` if another notification holds the code for that partner unexpired at
        ``now``; the caller picks another code. Saving the same key again renews it.
        """
        ...

    async def reply_code(self, code: str, partner_id: str, now: datetime) -> str | None:
        """The notification key a reply code stands for, unless unknown or expired."""
        ...


class Channel(Protocol):
    """One way of reaching people (webhook, email, SMS, voice...): one method."""

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Attempt delivery once; the result says whether a retry may succeed."""
        ...
