"""The message bus between nodes and the workers of one node."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Verdict(StrEnum):
    """What a bus consumer made of one message: the bus acks, redelivers or drops it."""

    DONE = "done"
    """Handled (or a duplicate): acknowledge, never deliver again."""
    RETRY = "retry"
    """Not handled for a passing reason (store down): deliver again after a delay."""
    REJECT = "reject"
    """Never acceptable (unreadable, tampered): acknowledge without handling, never again."""


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One message as a bus consumer receives it.

    ``msg_id`` is the publisher's idempotency key (JetStream's ``Nats-Msg-Id``); ``delivery``
    counts deliveries to this consumer from 1 (more than 1: a redelivery); ``sequence`` is the
    message's place in its stream.
    """

    subject: str
    data: bytes
    msg_id: str
    headers: Mapping[str, str]
    delivery: int
    sequence: int


BusHandler = Callable[[BusMessage], Awaitable[Verdict]]


class Bus(Protocol):
    """Durable publish and subscribe between a node's processes and between nodes.

    Subjects are dot-separated tokens; a filter may end in ``>`` (any further tokens) or use
    ``*`` for one token. Delivery is at least once, in stream order per consumer: a message is
    delivered again until its handler's verdict is ``DONE`` or ``REJECT``, also when the
    process handling it dies (after the consumer's ack wait). A durable consumer remembers
    what it acknowledged: consuming again under the same name resumes after it, and the
    processes consuming under one name share its messages, each taking different ones.
    """

    async def publish(
        self, subject: str, data: bytes, *, msg_id: str, headers: Mapping[str, str] | None = None
    ) -> bool:
        """Store a message durably; ``False`` if ``msg_id`` was published within the dedup
        window (nothing new stored). Raises ``BusError`` when it could not be stored.
        """
        ...

    async def consume(
        self, subject_filter: str, durable: str, handler: BusHandler, stop: asyncio.Event
    ) -> None:
        """Hand every message matching ``subject_filter`` to ``handler`` until ``stop`` is set.

        Raises ``BusPermissionError`` if this node may not read those subjects.
        """
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...
