"""A partner's console stream as the notification tests read it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
from tests.integration.notify.network_setup import WAIT


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One event of a console stream."""

    id: int
    data: dict[str, Any]


class ConsoleStream:
    """An open ``/api/v1/stream`` response, read event by event."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next_event(self) -> SseEvent:
        """The next event (comments and heartbeats skipped)."""
        fields: dict[str, str] = {}
        async with asyncio.timeout(WAIT):
            async for line in self._lines:
                if not line:
                    if "data" in fields:
                        return SseEvent(int(fields["id"]), json.loads(fields["data"]))
                    fields.clear()
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        raise AssertionError("the console stream ended")

    async def next_comment(self) -> str:
        """The next comment line (a heartbeat), events skipped."""
        async with asyncio.timeout(WAIT):
            async for line in self._lines:
                if line.startswith(":"):
                    return line
        raise AssertionError("the console stream ended")

    async def events_of(self, alert_id: str, count: int = 1) -> list[SseEvent]:
        """The next ``count`` events about ``alert_id``, skipping others."""
        found: list[SseEvent] = []
        while len(found) < count:
            event = await self.next_event()
            if event.data["alert"] == alert_id:
                found.append(event)
        return found
