"""How the console stream writes: a console that falls behind, and a quiet stream's heartbeats."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import MappingProxyType

import pytest
from tests.integration.notify.conftest import (
    Network,
)
from tests.integration.notify.network_setup import (
    WAIT,
)

from tanbih.adapters import console_stream
from tanbih.api import console_sse
from tanbih.domain.records import Event

# Enough bytes that the node's socket buffer and its server's write buffer fill up: the node
# then has to wait for this console, which reads nothing while the events are published.
BIG_EVENTS = 20
BIG_EVENT_TEXT = "x" * 256_000
_ID = re.compile(rb"\nid: (\d+)\n")


async def _append(network: Network, n: int, text: str = "") -> Event:
    return await network.node.store.append_event(
        Event(
            at=network.clock.now(),
            kind=console_stream.CONSOLE_EVENT,
            subject="a1",
            partner_id="aa",
            data=MappingProxyType({"alert": "a1", "n": n, "text": text}),
        )
    )


def _bearer(network: Network) -> str:
    return f"Authorization: Bearer {network.tokens['aa']}"


@asynccontextmanager
async def _raw_stream(network: Network) -> AsyncIterator[tuple[asyncio.StreamReader, bytes]]:
    """A console on a socket with a small receive buffer, and what it read up to the opening."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    host, port = network.url.removeprefix("http://").split(":")
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock)
    request = f"GET /api/v1/stream HTTP/1.1\r\nHost: {host}\r\n{_bearer(network)}\r\n\r\n"
    writer.write(request.encode())
    try:
        async with asyncio.timeout(WAIT):
            opening = await reader.readuntil(b"tanbih console stream")
        yield reader, opening
    finally:
        writer.close()
        await writer.wait_closed()


async def _read_until(reader: asyncio.StreamReader, wanted: str) -> bytes:
    """What the console reads up to and including ``wanted``."""
    read = b""
    async with asyncio.timeout(WAIT):
        while True:
            try:
                return read + await reader.readuntil(wanted.encode())
            except asyncio.LimitOverrunError as exc:
                # Not there within the reader's buffer limit: take what it holds, read on.
                read += await reader.readexactly(exc.consumed)


async def test_a_console_that_falls_behind_gets_every_event_once_in_order(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events a console cannot take yet are held, then read from the log: none lost or repeated."""
    monkeypatch.setattr(console_stream, "QUEUE_LIMIT", 2)
    events = [await _append(network, n, BIG_EVENT_TEXT) for n in range(BIG_EVENTS)]
    async with _raw_stream(network) as (reader, opening):
        # Handed over at once: the console reads nothing meanwhile.
        for event in events:
            network.node.console.publish(event)
        received = opening + await _read_until(reader, f"\nid: {events[-1].seq}\n")
        last = await _append(network, BIG_EVENTS)
        network.node.console.publish(last)
        received += await _read_until(reader, f"\nid: {last.seq}\n")

    assert received.startswith(b"HTTP/1.1 200")
    assert [int(i) for i in _ID.findall(received)] == [e.seq for e in [*events, last]]


async def test_a_quiet_stream_gets_heartbeats_and_then_the_next_event(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing to send, a heartbeat comment keeps the connection alive; events follow."""
    monkeypatch.setattr(console_sse, "HEARTBEAT_SECONDS", 0.05)
    async with network.console("aa") as console:
        beat = await console.next_comment()
        event = await _append(network, 1)
        network.node.console.publish(event)
        received = await console.next_event()

    assert beat == ": heartbeat"
    assert received.id == event.seq
