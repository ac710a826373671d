"""Run an ASGI app under uvicorn on a free loopback port, inside the test's event loop.

The listening socket is bound and listening before the server task starts, so a client may
connect at once: the kernel queues the connection until uvicorn accepts it, and no test has
to wait for the server to come up. A test that must know the URL before the app is built (a
node's public URL, for the carriers' callbacks) binds the socket first with
:func:`loopback_listener` and hands it to :func:`serve`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"
# Seconds a server with lifespan waits for open responses (a console stream) at shutdown.
GRACEFUL_SHUTDOWN_SECONDS = 5


def free_port() -> int:
    """A loopback port nothing listens on (closed again at once: connecting there is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def loopback_listener() -> socket.socket:
    """A socket bound to a free loopback port and already listening."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    listener.listen(128)
    return listener


def url_of(listener: socket.socket) -> str:
    """The base URL of a loopback listener (``http://127.0.0.1:PORT``)."""
    return f"http://{LOOPBACK}:{listener.getsockname()[1]}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling when its lifespan startup is over and it serves."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        except SystemExit as exc:
            # uvicorn exits the process when the app's startup fails; a test fails instead.
            raise RuntimeError("the app failed to start; its error is in the log") from exc
        self.ready.set()


@asynccontextmanager
async def serve(
    app: ASGIApp, *, listener: socket.socket | None = None, lifespan: bool = False
) -> AsyncIterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:PORT``).

    With ``lifespan``, the app's startup runs first and the block starts once it is over (its
    shutdown runs when the block ends); the socket is closed at the end either way.
    """
    listener = listener if listener is not None else loopback_listener()
    config = uvicorn.Config(
        app,
        lifespan="on" if lifespan else "off",
        log_level="warning",
        access_log=False,
        ws="none",
        http="h11",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS if lifespan else None,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        if lifespan:
            await _started(server, task)
        yield url_of(listener)
    finally:
        server.should_exit = True
        # A startup failure was raised already; the task holds the same error.
        failed_to_start = lifespan and not server.ready.is_set()
        await asyncio.gather(task, return_exceptions=failed_to_start)
        listener.close()


async def _started(server: _Server, task: asyncio.Task[None]) -> None:
    """Return once ``server`` serves; raise what stopped it if it ended first."""
    ready = asyncio.create_task(server.ready.wait())
    try:
        await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if not server.ready.is_set():
        task.result()  # raises the startup failure
        raise RuntimeError("the server stopped before it served")
