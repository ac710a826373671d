"""The small interfaces the pipeline needs; adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.lifecycle import KnownMessage, Thread, Transition
from tanbih.domain.notification import Delivery, DeliveryResult
from tanbih.domain.records import AlertQuery, AlertRecord, Event


class Clock(Protocol):
    """The time, real or simulated (exercises)."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class AlertStore(Protocol):
    """Durable state: accepted messages, their threads, the coalition and the event log."""

    async def known(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownMessage]:
        """Stored messages by (sender, identifier), for the keys that exist."""
        ...

    async def threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        """Stored threads by id, for the ids that exist."""
        ...

    async def record(self, record: AlertRecord, transition: Transition, event: Event) -> None:
        """Store an accepted message, its thread after it and its event, in one transaction.

        Raises ``StoreConflictError`` if the (sender, identifier) is already stored.
        """
        ...

    async def get(self, alert_id: str) -> AlertRecord | None:
        """One stored message by its API id."""
        ...

    async def search(self, query: AlertQuery) -> list[AlertRecord]:
        """Stored messages matching ``query``, newest ``sent`` first."""
        ...

    async def append_event(self, event: Event) -> Event:
        """Append to the event log; returns the event with its ``seq``."""
        ...

    async def events(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events with ``seq`` greater than ``after_seq``, oldest first."""
        ...

    async def sync_coalition(self, coalition: Coalition) -> None:
        """Make the stored partners and zones those of ``coalition`` (upsert, drop the rest)."""
        ...

    async def partners(self) -> list[Partner]:
        """Stored partners (without contacts or tokens), by id."""
        ...

    async def zones(self, partner_id: str | None = None) -> list[Zone]:
        """Stored zones, optionally of one partner, by id."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class Channel(Protocol):
    """One way of reaching people (webhook, email, SMS, voice...): one method."""

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Attempt delivery once; the result says whether a retry may succeed."""
        ...
