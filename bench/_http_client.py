"""A lean HTTP/1.1 client for the benchmarks: keep-alive connections to one loopback port,
Content-Length bodies only, and the moment each request started (``time.time_ns()`` just
before the write), to compare with the receiver's kernel stamps.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

from _loopback import LOOPBACK

# Servers close idle keep-alive connections (uvicorn after 5 s): reuse only fresher ones.
IDLE_REUSE_SECONDS = 2.0


@dataclass(slots=True)
class Response:
    """A response, and when its request started (``time.time_ns()`` just before the write)."""

    status: int
    body: bytes
    started_ns: int


class HttpClient:
    """Requests to one loopback port over a pool of keep-alive connections."""

    def __init__(self, port: int, max_connections: int = 512) -> None:
        self._port = port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        """Send one request and read its whole response."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {LOOPBACK}:{self._port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        data = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        async with self._slots:
            reader, writer = await self._connection()
            try:
                started = time.time_ns()
                writer.write(data)
                status, keep, payload = await _read_response(reader)
            except BaseException:
                writer.close()
                raise
            if keep:
                self._idle.append((reader, writer, time.monotonic()))
            else:
                writer.close()
        return Response(status, payload, started)

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """An idle connection, unless the server may have timed it out; else a new one."""
        while self._idle:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since < IDLE_REUSE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        reader, writer = await asyncio.open_connection(LOOPBACK, self._port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def close(self) -> None:
        """Close the idle connections."""
        for _, writer, _ in self._idle:
            writer.close()
        self._idle.clear()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = dict(
        (k.strip().lower(), v.strip()) for k, _, v in (x.partition(":") for x in lines[1:] if x)
    )
    if "content-length" not in headers:
        raise ValueError(f"response without Content-Length: {lines[0]}")
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers.get("connection", "").lower() != "close", body
