"""``/api/v1/stream``: a partner's live console stream (Server-Sent Events), resumable.

Send ``Last-Event-ID`` (browsers do on reconnect) or ``?after=`` to get what was missed first.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from tanbih.adapters.console_stream import CONSOLE_EVENT
from tanbih.api.auth import CurrentNode, CurrentPartner
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
    request: Request,
    node: CurrentNode,
    partner: CurrentPartner,
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

    async def events() -> AsyncIterator[str]:
        async with node.console.subscribe(partner.id) as live:
            sent = 0
            yield ": tanbih console stream\n\n"
            if resume is not None:
                sent = resume
                async for event in _backlog(node, partner.id, resume):
                    sent = event.seq or sent
                    yield sse(event)
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(live.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if event.seq is not None and event.seq > sent:
                    sent = event.seq
                    yield sse(event)

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
