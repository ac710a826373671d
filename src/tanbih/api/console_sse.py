"""One console stream's Server-Sent Events, written by whoever publishes, not by its own task.

A partner's event goes to every open console of the partner. Waking each stream's task to write
it costs several times the write itself, so the hub's ``publish`` writes every stream there and
then: ``ConsoleWriter.offer`` calls the stream's ASGI ``send`` and runs it to its end at once.
A server's ``send`` ends without suspending unless the connection's buffer is full (the server
then waits for it to drain); only then, and while the stream catches up from the log, does the
stream's own task write. Events published meanwhile are held for it and written in one chunk;
a stream more than ``QUEUE_LIMIT`` events behind reads the rest from the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import types
from collections.abc import AsyncIterator, Awaitable, Coroutine, Generator
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from tanbih.adapters import console_stream
from tanbih.adapters.console_stream import CONSOLE_EVENT, ConsoleHub, Published
from tanbih.domain.records import Event
from tanbih.ports import NodeStore

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
OPENING = b": tanbih console stream\n\n"
HEARTBEAT = b": heartbeat\n\n"
_LOG_PAGE = 1000


def sse(event: Event) -> str:
    """One event in the Server-Sent Events format."""
    body = json.dumps({"seq": event.seq, "at": event.at.isoformat(), **event.data})
    return f"id: {event.seq}\nevent: notification\ndata: {body}\n\n"


def wire(item: Published) -> bytes:
    """The item's event as stream bytes, encoded by the first stream that needs them."""
    if item.wire is None:
        item.wire = sse(item.event).encode()
    return item.wire


def _body(data: bytes) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": True}


@types.coroutine
def _carry_on(sending: Coroutine[Any, Any, None], waiting: Any) -> Generator[Any, None, None]:
    """Await a send that was started by hand and is suspended on ``waiting``."""
    try:
        yield waiting
    except BaseException:
        sending.close()
        raise
    yield from sending.__await__()


class ConsoleWriter:
    """Writes the partner's events to one open stream, in the log's order, each once.

    ``written`` is the id of the last event handed to ``send``. While ``_busy`` the stream's
    task is writing (catching up, or finishing a send that had to wait): events offered are
    held for it, or, past ``QUEUE_LIMIT``, left to the log (``_missed``).
    """

    def __init__(self, send: Send, store: NodeStore, partner_id: str) -> None:
        self._send = send
        self._store = store
        self._partner_id = partner_id
        self.written = 0
        self._busy = True
        self._held: list[Published] = []
        self._missed = False
        self._blocked: Awaitable[None] | None = None
        self._closed = False
        self._attention = asyncio.Event()
        self._last_write = time.monotonic()

    def offer(self, item: Published) -> None:
        """Write ``item`` now, or hold it for the stream's task while that one writes."""
        if self._busy:
            if self._missed:
                return
            if len(self._held) < console_stream.QUEUE_LIMIT:
                self._held.append(item)
            else:
                self._missed = True
                self._held.clear()
            return
        seq = item.event.seq
        if seq is not None and seq > self.written:
            self.written = seq
            self._write_now(wire(item))

    def close(self) -> None:
        """The client went away: end the stream."""
        self._closed = True
        self._attention.set()

    async def serve(self, receive: Receive, resume: int | None) -> None:
        """Write the stream until the client goes away: the opening, what it missed, then live."""
        watcher = asyncio.create_task(self._until_disconnect(receive))
        try:
            await self._write(OPENING)
            if resume is not None:
                self.written = resume
                self._missed = True
            while not self._closed:
                await self._catch_up()
                quiet = time.monotonic() - self._last_write
                try:
                    async with asyncio.timeout(HEARTBEAT_SECONDS - quiet):
                        await self._attention.wait()
                except TimeoutError:
                    # Unless it was written to meanwhile, or has a send to finish first.
                    quiet = time.monotonic() - self._last_write
                    if not self._busy and quiet >= HEARTBEAT_SECONDS:
                        self._write_now(HEARTBEAT)
                self._attention.clear()
        finally:
            watcher.cancel()

    async def _catch_up(self) -> None:
        """Write what the log and the held events have after ``written``, then go live."""
        while not self._closed:
            if self._blocked is not None:
                blocked, self._blocked = self._blocked, None
                await blocked
            elif self._missed:
                self._missed = False
                self._held.clear()
                async for page in self._log_after(self.written):
                    self.written = page[-1].seq or self.written
                    await self._write("".join(sse(e) for e in page).encode())
            elif self._held:
                held, self._held = self._held, []
                chunk = []
                for item in held:
                    seq = item.event.seq
                    # Events the log already gave are skipped.
                    if seq is not None and seq > self.written:
                        self.written = seq
                        chunk.append(wire(item))
                if chunk:
                    await self._write(b"".join(chunk))
            else:
                self._busy = False
                return

    def _write_now(self, data: bytes) -> None:
        """Run the stream's ``send`` of ``data`` to its end, or hand it to the stream's task."""
        self._last_write = time.monotonic()
        sending = self._send(_body(data))
        if not isinstance(sending, Coroutine):
            self._hand_over(sending)
            return
        try:
            waiting = sending.send(None)
        except StopIteration:
            return
        except Exception:
            log.warning("console stream of %s: write failed", self._partner_id, exc_info=True)
            self.close()
            return
        # The connection's buffer is full: the stream's task waits for it, holding the rest.
        self._hand_over(_carry_on(sending, waiting))

    def _hand_over(self, sending: Awaitable[None]) -> None:
        self._busy = True
        self._blocked = sending
        self._attention.set()

    async def _write(self, data: bytes) -> None:
        self._last_write = time.monotonic()
        await self._send(_body(data))

    async def _log_after(self, after: int) -> AsyncIterator[list[Event]]:
        """The partner's console events after ``after``, a page at a time."""
        while True:
            page = await self._store.events(after, _LOG_PAGE)
            mine = [e for e in page if e.kind == CONSOLE_EVENT and e.partner_id == self._partner_id]
            if mine:
                yield mine
            if len(page) < _LOG_PAGE:
                return
            after = page[-1].seq or after

    async def _until_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.close()


class ConsoleStreamResponse(Response):
    """``text/event-stream`` of a partner's console events, after ``resume`` if given."""

    media_type = "text/event-stream"

    def __init__(
        self, hub: ConsoleHub, store: NodeStore, partner_id: str, resume: int | None
    ) -> None:
        # Like StreamingResponse, no body set first: no Content-Length header is made from one.
        self.status_code = 200
        self.background = None
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._hub = hub
        self._store = store
        self._partner_id = partner_id
        self._resume = resume

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = self.raw_headers
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        writer = ConsoleWriter(send, self._store, self._partner_id)
        # Subscribed before the opening is written: nothing published after it is missed.
        with self._hub.attach(self._partner_id, writer):
            await writer.serve(receive, self._resume)
