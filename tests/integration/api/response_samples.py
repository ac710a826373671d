"""Reports, waits and names shared by the response coordination tests (demo coalition)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from tanbih.adapters.console_stream import CONSOLE_EVENT, ConsoleFeed
from tanbih.domain.records import Event, alert_id
from tanbih.domain.response_request import request_identifier
from tanbih.node import Node

WAIT_S = 20.0


def drone_over_jordan(at: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """Israel's report of a drone over Jordan, heading east-south-east into Saudi Arabia."""
    body: dict[str, Any] = {
        "id": "il-r-1",
        "sensor": "il-northern-radar-2",
        "time": (at or datetime.now(UTC)).isoformat(),
        "position": {"lat": 31.65, "lon": 36.85, "altM": 300},
        "velocity": {"speedMps": 50, "headingDeg": 120},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": "il-trk-42",
    }
    body.update(changes)
    return body


async def next_event(feed: ConsoleFeed, wanted: Callable[[Event], bool]) -> Event:
    """The next event on ``feed`` that is ``wanted``, within ``WAIT_S``."""
    async with asyncio.timeout(WAIT_S):
        while True:
            item = await feed.items.get()
            if wanted(item.event):
                return item.event


@asynccontextmanager
async def consoles(node: Node) -> AsyncIterator[dict[str, ConsoleFeed]]:
    """A console feed open for every partner of the coalition."""
    async with AsyncExitStack() as stack:
        yield {
            partner.id: await stack.enter_async_context(node.console.subscribe(partner.id))
            for partner in node.coalition.partners
        }


def request_id(node: Node, threat_id: str, number: int) -> str:
    """The message id of the ``number``-th request to respond sent for a threat."""
    sender = node.coalition.node.sender
    return alert_id(sender, request_identifier(sender, threat_id, number))


def delivered(message_id: str) -> Callable[[Event], bool]:
    """Whether a console event is the delivery of message ``message_id``."""
    return lambda event: event.kind == CONSOLE_EVENT and event.subject == message_id


def notice(event: Event) -> bool:
    """Whether a console event tells where a response stands."""
    return event.kind == "response.notice"
