"""The demo's partner systems: webhook receivers on the loopback addresses the demo coalition
names, so a newcomer sees warnings arrive, signed, at each partner's system."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from urllib.parse import urlsplit

import uvicorn
from rich.console import Console
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tanbih import cap
from tanbih.adapters.channels.webhook_signature import verify_webhook
from tanbih.domain.coalition import ChannelKind, Coalition
from tanbih.errors import CapError

_console = Console()
_LOOPBACK = {"127.0.0.1", "localhost"}


def loopback_webhooks(coalition: Coalition) -> Iterator[tuple[str, int, str]]:
    """(partner, port, path) of every webhook address on this machine, once per port."""
    seen: set[int] = set()
    for partner in coalition.partners:
        for contact in partner.contacts:
            for channel in contact.channels:
                if channel.kind is not ChannelKind.WEBHOOK:
                    continue
                url = urlsplit(channel.address)
                if url.hostname in _LOOPBACK and url.port and url.port not in seen:
                    seen.add(url.port)
                    yield partner.id, url.port, url.path or "/"


def partner_system(partner_id: str, path: str, secret: str) -> Starlette:
    """A partner's system: checks the signature, prints what arrived, answers 204."""

    async def receive(request: Request) -> Response:
        body = await request.body()
        check = verify_webhook(secret, request.headers, body, datetime.now(UTC))
        try:
            alert = cap.parse_xml(body)
        except CapError as exc:
            _console.print(f"[red]{partner_id} system[/] refused a message: {exc}")
            return Response(status_code=400)
        _console.print(
            f"[cyan]{partner_id} system[/] got {alert.status} {alert.msg_type} "
            f"{alert.identifier} (signature {check.value})"
        )
        return Response(status_code=204)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


async def start_partner_systems(
    coalition: Coalition, secret: str, stack: AsyncExitStack
) -> list[int]:
    """Serve a partner system on every free loopback webhook port; returns the ports served."""
    served: list[int] = []
    for partner_id, port, path in loopback_webhooks(coalition):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", port))
        except OSError:
            listener.close()
            continue  # something else holds the port: leave it to that
        listener.listen(64)
        app = partner_system(partner_id, path, secret)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[listener]))
        stack.push_async_callback(_stop, server, task)
        served.append(port)
    return served


async def _stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task
