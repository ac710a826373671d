"""The console channel: a per-partner live stream of notifications, resumable by event id.

Each console notification is appended to the event log first (its ``seq`` is the stream's event
id), then handed to every open stream of that partner. A console that reconnects with the last
id it saw reads what it missed from the log, then continues live: nothing is missed. A stream
``QUEUE_LIMIT`` events behind is handed no more; once it has written those it holds, it reads
the rest from the log.

Every stream of a partner is handed the same ``Published`` item for an event, so the first
stream to write it encodes it and the others reuse the bytes: a thousand consoles cost one
encoding, not a thousand. A subscriber is anything with ``offer``: the HTTP stream writes its
connection there and then (``tanbih.api.console_sse``), an in-process reader queues
(``ConsoleFeed``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult
from tanbih.domain.records import Event
from tanbih.errors import StoreError
from tanbih.ports import Clock, NodeStore

CONSOLE_EVENT = "console.notification"
# Events held for one stream; a stream further behind reads the rest from the log.
QUEUE_LIMIT = 1000


@dataclass(slots=True, eq=False)
class Published:
    """An event as handed to every open stream of its partner.

    ``wire`` is its encoding for the stream, kept by the first stream that writes it.
    """

    event: Event
    wire: bytes | None = None


class ConsoleSubscriber(Protocol):
    """What the hub hands a partner's events to, one by one, in the log's order."""

    def offer(self, item: Published) -> None:
        """Take ``item`` at once: publishing waits for no subscriber."""


class ConsoleFeed:
    """One in-process reader's live events, in the log's order.

    ``missed`` is set when an event found ``items`` full: once the stream has written what
    ``items`` holds, it must read the events after the last one it wrote from the log.
    """

    def __init__(self) -> None:
        self.items: asyncio.Queue[Published] = asyncio.Queue(QUEUE_LIMIT)
        self.missed = False

    def offer(self, item: Published) -> None:
        """Queue ``item``, or note that the stream must read it from the log."""
        if self.items.full():
            self.missed = True
        else:
            self.items.put_nowait(item)


class ConsoleHub:
    """Hands events to the open streams of each partner."""

    def __init__(self) -> None:
        self._streams: defaultdict[str, set[ConsoleSubscriber]] = defaultdict(set)

    @contextmanager
    def attach(self, partner_id: str, subscriber: ConsoleSubscriber) -> Iterator[None]:
        """Hand the partner's events to ``subscriber`` until the block ends."""
        streams = self._streams[partner_id]
        streams.add(subscriber)
        try:
            yield
        finally:
            streams.discard(subscriber)

    @asynccontextmanager
    async def subscribe(self, partner_id: str) -> AsyncIterator[ConsoleFeed]:
        """A queued feed of the partner's events until the block ends."""
        feed = ConsoleFeed()
        with self.attach(partner_id, feed):
            yield feed

    def publish(self, event: Event) -> None:
        """Give ``event`` to every open stream of its partner."""
        if event.partner_id is None:
            return
        item = Published(event)
        for subscriber in tuple(self._streams[event.partner_id]):
            subscriber.offer(item)

    def open_streams(self, partner_id: str) -> int:
        """How many consoles of the partner are connected."""
        return len(self._streams[partner_id])


class ConsoleChannel:
    """Delivers a notification to its partner's console stream."""

    def __init__(self, store: NodeStore, hub: ConsoleHub, clock: Clock) -> None:
        self._store = store
        self._hub = hub
        self._clock = clock

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Log the notification as a console event and hand it to the open streams."""
        notification = delivery.notification
        recipient = notification.recipient
        wording = delivery.wording
        event = Event(
            at=self._clock.now(),
            kind=CONSOLE_EVENT,
            subject=delivery.message_id,
            partner_id=recipient.partner_id,
            data=MappingProxyType(
                {
                    "key": notification.key,
                    "alert": delivery.message_id,
                    "status": notification.status.value,
                    "contact": recipient.contact_id,
                    "language": wording.language,
                    "subject": wording.subject,
                    "headline": wording.headline,
                    "body": wording.body,
                    "step": notification.escalation_step,
                }
            ),
        )
        try:
            stored = await self._store.append_event(event)
        except StoreError as exc:
            return DeliveryResult(DeliveryOutcome.RETRY, error=str(exc))
        self._hub.publish(stored)
        return DeliveryResult(DeliveryOutcome.DELIVERED, provider_id=f"event:{stored.seq}")
