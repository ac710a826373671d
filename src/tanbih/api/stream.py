"""``/api/v1/stream``: a partner's live console stream (Server-Sent Events), resumable.

Send ``Last-Event-ID`` (browsers do on reconnect) or ``?after=`` to get what was missed first.
A browser's ``EventSource`` cannot send a bearer token: it opens the stream with the console's
session cookie instead (``tanbih.api.console_session``).

One event reaches every open console of a partner at once, so the live path does as little per
stream as it can: the event is encoded once for all streams, and the publisher writes it to each
stream's connection itself instead of waking the stream's task (``tanbih.api.console_sse``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from tanbih.api.auth import CurrentNode
from tanbih.api.console_session import StreamPartner
from tanbih.api.console_sse import ConsoleStreamResponse
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem

router = APIRouter(prefix="/api/v1", tags=["console"])


@router.get(
    "/stream",
    summary="The partner's live console stream (text/event-stream)",
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **PROBLEM_RESPONSES,
    },
    response_class=ConsoleStreamResponse,
    status_code=200,
)
async def stream(
    node: CurrentNode,
    partner: StreamPartner,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> ConsoleStreamResponse:
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
    return ConsoleStreamResponse(node.console, node.store, partner.id, resume)
