"""How low report → webhook can go in CPython with a durable write: floors beside Alertmanager.

Run: ``.venv/bin/python bench/notify_floor.py`` (about 4 minutes).

``notify_vs_alertmanager.py`` measures tanbih against Alertmanager. This asks what any Python
process could reach on the same machine: beside Alertmanager and ``tanbih serve`` (SQLite)
it starts three floors, each a process of this script (``serve`` mode) that does only what
every such system must do for one alert, and nothing of tanbih's (no validation, routing,
signing, audit, idempotency or retry):

* ``floor: HTTP libs, disk``: uvicorn with a bare ASGI app (no FastAPI) takes the POST; lxml
  parses the CAP XML and reads ``identifier``, ``sender`` and ``sent``; one SQLite transaction
  (WAL, ``synchronous=FULL``, as tanbih's store) inserts the alert and one outbox row; then an
  aiohttp session POSTs the XML to the receiver while the 201 is answered.
* ``floor: bare, disk``: the same parse and transaction, but a uvloop protocol reads the
  request and the webhook is written on one open socket: no HTTP library either way.
* ``floor: bare, no disk``: the bare floor without the transaction (what Alertmanager does per
  alert: it keeps alerts in memory and snapshots them every 15 minutes).

Every system gets the same alerts at 1, 10 and 100/s, open loop, after a warm-up of 50, through
the same client, receiver and kernel stamps as ``notify_vs_alertmanager.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, cast

from lxml import etree

from _loopback import free_port
from _open_loop import HEADER, Step, System, run_step
from _processes import Listening, running
from _tanbih_node import AlertBodies
from _webhook_receiver import Arrivals, webhook_receiver
from notify_vs_alertmanager import WARM_UP, start_systems

_CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
_RATES = ((1.0, 20), (10.0, 150), (100.0, 1000))
_FLOORS = (
    ("floor: HTTP libs, disk", "frameworks"),
    ("floor: bare, disk", "bare"),
    ("floor: bare, no disk", "bare-no-disk"),
)

Message = MutableMapping[str, Any]


class Outbox:
    """The floor's durable write: the alert and one outbox row, in one committed transaction."""

    def __init__(self, path: Path | None) -> None:
        self._db = None if path is None else sqlite3.connect(path, isolation_level=None)
        if self._db is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE alerts (sender TEXT, identifier TEXT, sent TEXT, xml BLOB, "
                "PRIMARY KEY (sender, identifier))"
            )
            self._db.execute("CREATE TABLE outbox (key TEXT PRIMARY KEY, identifier TEXT)")

    def accept(self, xml: bytes) -> str:
        """Parse what every system must read of the alert, write it; the outbox row's key."""
        root = etree.fromstring(xml)
        identifier = root.findtext(f"{_CAP}identifier")
        key = str(uuid.uuid4())
        if self._db is not None:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?)",
                (root.findtext(f"{_CAP}sender"), identifier, root.findtext(f"{_CAP}sent"), xml),
            )
            self._db.execute("INSERT INTO outbox VALUES (?, ?)", (key, identifier))
            self._db.execute("COMMIT")
        return key


def serve_frameworks(port: int, hook: str, outbox: Outbox) -> None:
    """uvicorn in, aiohttp out: the HTTP libraries tanbih's node uses, with nothing on top."""
    import aiohttp  # noqa: PLC0415 -- only this floor uses them
    import uvicorn  # noqa: PLC0415

    sessions: list[aiohttp.ClientSession] = []
    sending: set[asyncio.Task[None]] = set()

    async def forward(xml: bytes, key: str) -> None:
        headers = {"Content-Type": "application/xml", "Idempotency-Key": key}
        async with sessions[0].post(hook, data=xml, headers=headers) as answer:
            await answer.read()

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                sessions.append(aiohttp.ClientSession())
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            await sessions[0].close()
            await send({"type": "lifespan.shutdown.complete"})
            return
        xml = b""
        more = True
        while more:
            message = await receive()
            xml += message.get("body", b"")
            more = message.get("more_body", False)
        status, answer = 200, b"ok"
        if scope["method"] == "POST":
            task = asyncio.create_task(forward(xml, outbox.accept(xml)))
            sending.add(task)
            task.add_done_callback(sending.discard)
            status, answer = 201, b""
        headers = [(b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


class _Request(asyncio.Protocol):
    """One client connection of the bare floor: HTTP/1.1 requests with a Content-Length."""

    def __init__(self, outbox: Outbox, hook: asyncio.Transport) -> None:
        self._outbox = outbox
        self._hook = hook
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are asyncio.Transport in behaviour, not by inheritance.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        assert self._transport is not None
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = self._buffer[:end].decode("latin-1").split("\r\n")
            length = next(
                (
                    int(v)
                    for k, _, v in (h.partition(":") for h in head[1:])
                    if k.lower() == "content-length"
                ),
                0,
            )
            if len(self._buffer) < end + 4 + length:
                return
            xml = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            if head[0].startswith("GET "):
                self._transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                continue
            key = self._outbox.accept(xml)
            self._hook.write(
                b"POST /tanbih HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/xml\r\n"
                b"idempotency-key: %s\r\ncontent-length: %d\r\n\r\n%s"
                % (key.encode(), len(xml), xml)
            )
            self._transport.write(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")


def serve_bare(port: int, hook_port: int, outbox: Outbox) -> None:
    """A uvloop protocol in, one open socket out: no HTTP library on either side."""
    import uvloop  # noqa: PLC0415 -- only this floor uses it

    async def main() -> None:
        loop = asyncio.get_running_loop()
        # The receiver's answers on the webhook socket are read and dropped.
        hook, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", hook_port)
        gc.freeze()
        server = await loop.create_server(lambda: _Request(outbox, hook), "127.0.0.1", port)
        await server.serve_forever()

    uvloop.run(main())


@asynccontextmanager
async def floor(kind: str, directory: Path, receiver_port: int) -> AsyncIterator[Listening]:
    """One floor process of this script for the block."""
    port = free_port()
    argv = [sys.executable, __file__, "serve", kind, str(port), str(receiver_port), str(directory)]
    async with running(argv, directory / f"{kind}.log", ready=(port, "/")) as process:
        yield Listening(port, process.pid)


async def measure() -> None:
    """Alertmanager, tanbih and the floors at each rate; the table."""
    directory = Path(tempfile.mkdtemp(prefix="tanbih-floor-"))
    try:
        async with webhook_receiver() as arrivals, AsyncExitStack() as stack:
            systems = await start_systems(stack, directory, arrivals, use_postgres=False)
            bodies = AlertBodies()
            for name, kind in _FLOORS:
                place = directory / kind
                place.mkdir()
                server = await stack.enter_async_context(floor(kind, place, arrivals.port))
                content = {"Content-Type": "application/xml"}
                systems.append(
                    System(name, server, "/tanbih", bodies.body, content, "/api/v1/alerts")
                )
            await run_rates(systems, arrivals)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def run_rates(systems: list[System], arrivals: Arrivals) -> None:
    """Warm every system up, then each rate on each system in turn; print lines and summary."""
    print(HEADER)
    for system in systems:
        await run_step(system, arrivals, 50.0, WARM_UP, f"warm-{id(system)}")
    steps: list[Step] = []
    for rate, count in _RATES:
        for system in systems:
            step = await run_step(system, arrivals, rate, count, f"r{rate:g}-{id(system)}")
            steps.append(step)
            print(step.line(), flush=True)
            await asyncio.sleep(0.5)
    for system in systems:
        await system.client.close()
    print("\n| system | 1/s p50 / p99 ms | 10/s p50 / p99 ms | 100/s p50 / p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    for system in systems:
        cells = [f"{s.p50:.2f} / {s.p99:.2f}" for s in steps if s.system == system.name]
        print(f"| {system.name} | {' | '.join(cells)} |")


def serve(kind: str, port: int, receiver_port: int, directory: Path) -> None:
    """Run one floor until it is stopped."""
    outbox = Outbox(None if kind == "bare-no-disk" else directory / "floor.db")
    if kind == "frameworks":
        serve_frameworks(port, f"http://127.0.0.1:{receiver_port}/tanbih", outbox)
    else:
        serve_bare(port, receiver_port, outbox)


def main() -> None:
    """Measure, or (``serve KIND PORT RECEIVER_PORT DIR``) be one floor."""
    if sys.argv[1:2] == ["serve"]:
        kind, port, receiver_port, directory = sys.argv[2:6]
        serve(kind, int(port), int(receiver_port), Path(directory))
        return
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    import uvloop  # noqa: PLC0415 -- the leanest loop for the client

    uvloop.run(measure())


if __name__ == "__main__":
    main()
