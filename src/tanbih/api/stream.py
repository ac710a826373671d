"""``/api/v1/stream``: a partner's live console stream (Server-Sent Events), resumable.

Send ``Last-Event-ID`` (browsers do on reconnect) or ``?after=`` to get what was missed first.
A browser's ``EventSource`` cannot send a bearer token: it opens the stream with the console's
session cookie instead (``tanbih.api.console_session``).

One event reaches every open console of a partner at once, so the live path does as little per
stream as it can: each event is encoded once for all streams (``Published.wire``), whatever has
queued up is written in one chunk, and a disconnect is not polled for on every event: the
server reports it (Starlette then cancels the stream), or the next write fails.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from tanbih.adapters.console_stream import CONSOLE_EVENT, Published
from tanbih.api.auth import CurrentNode
from tanbih.api.console_session import StreamPartner
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem
from tanbih.domain.records import Event
from tanbih.node import Node

router = APIRouter(prefix="/api/v1", tags=["console"])

HEARTBEAT_SECONDS = 15.0
_BACKLOG_PAGE = 1000


def sse(event: Event) -> str:
    """One event in the Server-Sent Events format."""
    body = json.dumps({"seq": event.seq, "at": event.at.isoformat(), **event.data})
    return f"id: {event.seq}\nevent: notification\ndata: {body}\n\n"


def _wire(item: Published) -> bytes:
    """The item's event as stream bytes, encoded by the first stream that needs them."""
    if item.wire is None:
        item.wire = sse(item.event).encode()
    return item.wire


@router.get(
    "/stream",
    summary="The partner's live console stream (text/event-stream)",
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **PROBLEM_RESPONSES,
    },
    response_class=StreamingResponse,
)
async def stream(
    node: CurrentNode,
    partner: StreamPartner,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Notifications to the partner's consoles as they happen, after any it missed."""
    resume = after
    if last_event_id:
        if not last_event_id.isdigit():
            raise ApiProblem(
                422,
                "invalid-request",
                "Invalid request",
                f"Last-Event-ID {last_event_id!r} is not an event id",
            )
        resume = int(last_event_id)

    async def events() -> AsyncIterator[bytes]:
        async with node.console.subscribe(partner.id) as live:
            sent = 0
            yield b": tanbih console stream\n\n"
            if resume is not None:
                sent = resume
                async for event in _backlog(node, partner.id, resume):
                    sent = event.seq or sent
                    yield sse(event).encode()
            while True:
                if live.missed and live.items.empty():
                    # Events came while the queue was full: the log has them, after ``sent``.
                    live.missed = False
                    async for event in _backlog(node, partner.id, sent):
                        sent = event.seq or sent
                        yield sse(event).encode()
                    continue
                try:
                    async with asyncio.timeout(HEARTBEAT_SECONDS):
                        items = [await live.items.get()]
                except TimeoutError:
                    yield b": heartbeat\n\n"
                    continue
                while not live.items.empty():
                    items.append(live.items.get_nowait())
                chunk = []
                for item in items:
                    seq = item.event.seq
                    # Events the backlog already gave are skipped.
                    if seq is not None and seq > sent:
                        sent = seq
                        chunk.append(_wire(item))
                if chunk:
                    yield b"".join(chunk)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _backlog(node: Node, partner_id: str, after: int) -> AsyncIterator[Event]:
    while True:
        page = await node.store.events(after, _BACKLOG_PAGE)
        for event in page:
            if event.kind == CONSOLE_EVENT and event.partner_id == partner_id:
                yield event
        if len(page) < _BACKLOG_PAGE:
            return
        after = page[-1].seq or after
