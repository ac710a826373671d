"""A real HTTP endpoint that records every request and answers as the test tells it.

Stands in for a partner's webhook receiver, an Apprise target, or tanbih's own callback
routes when the fake carrier calls back. Tests wait for requests with ``wait_for`` (an
asyncio condition with a bound), never by sleeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Received:
    """One request as it arrived: ``url`` is the full URL the client called."""

    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """The body read as ``application/x-www-form-urlencoded`` (last value of a name wins)."""
        return dict(self.form_pairs)

    @property
    def form_pairs(self) -> list[tuple[str, str]]:
        """The body's form fields in order, repeated names kept."""
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)


@dataclass(slots=True)
class Reply:
    """How to answer one request; ``hold`` delays the answer until the event is set."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None


Answer = Callable[[Received], Reply]


class Receiver:
    """A Starlette app (``app``) accepting any method on any path."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.requests: list[Received] = []
        self._answer = answer or (lambda _: Reply())
        self._queued: deque[Reply] = deque()
        self._arrived = asyncio.Condition()
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])

    def reply_next(self, reply: Reply) -> None:
        """Answer the next request with ``reply`` instead of the usual answer."""
        self._queued.append(reply)

    async def wait_for(self, count: int = 1, within: float = WAIT_SECONDS) -> list[Received]:
        """The requests, once at least ``count`` have arrived; fails after ``within`` seconds."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return list(self.requests)

    async def _handle(self, request: Request) -> Response:
        received = Received(
            method=request.method,
            url=str(request.url),
            path=request.url.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=await request.body(),
        )
        reply = self._queued.popleft() if self._queued else self._answer(received)
        async with self._arrived:
            self.requests.append(received)
            self._arrived.notify_all()
        if reply.hold is not None:
            await reply.hold.wait()
        return Response(reply.body, status_code=reply.status, headers=reply.headers)
