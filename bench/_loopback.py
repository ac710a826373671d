"""Loopback plumbing for the notification benchmarks: ports, a lean HTTP/1.1 client, a webhook
receiver in a process of its own, subprocess lifetimes, percentiles, a process's memory.

Arrival times are the kernel's: every receiving socket has ``SO_TIMESTAMPNS`` set and is read
with ``recvmsg``, so an arrival is stamped when its last bytes reached the socket, however busy
the reading event loop was. They are wall-clock nanoseconds (``CLOCK_REALTIME``), compared
with ``time.time_ns()`` taken just before a request is written.

Run as ``python bench/_loopback.py receive``, this module is the webhook receiver: it prints
``READY <port>``, then one ``<path> <id> <ns>`` line per alert received (the CAP
``<identifier>`` on ``/tanbih``, the ``id`` label of each alert on ``/am``), answers every
request ``200`` at once, and exits when its standard input closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
SO_TIMESTAMPNS = 35  # Linux; Python's socket module does not name it
_TIMESPEC = struct.Struct("qq")
ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)
_IDENTIFIER = re.compile(rb"<identifier>([^<]+)</identifier>")
# Servers close idle keep-alive connections (uvicorn after 5 s): reuse only fresher ones.
IDLE_REUSE_SECONDS = 2.0
_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0-100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))
    return ordered[rank]


def kernel_stamp(ancillary: list[tuple[int, int, bytes]]) -> int:
    """The receive time ``recvmsg`` reported, in ns; now if the kernel gave none."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = _TIMESPEC.unpack(data[: _TIMESPEC.size])
            return int(seconds) * 1_000_000_000 + int(nanoseconds)
    return time.time_ns()


def stamped_socket(sock: socket.socket) -> socket.socket:
    """``sock`` non-blocking, without Nagle, with kernel receive timestamps."""
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    return sock


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds a process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far, all its threads."""
    return sum(cpu_times(pid))


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``RssAnon`` of a process, in KiB, from ``/proc``."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0])
    return found


@dataclass(frozen=True, slots=True)
class Listening:
    """A server process under test: its port on 127.0.0.1 and its process id."""

    port: int
    pid: int


# -- a lean HTTP/1.1 client: keep-alive connections, Content-Length bodies only -------------


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


async def wait_until_ready(
    port: int, path: str, process: asyncio.subprocess.Process, within: float
) -> None:
    """Poll ``GET path`` until it answers 200; fail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the process exited with {process.returncode} while starting")
        client = HttpClient(port)
        try:
            if (await client.request("GET", path)).status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            await client.close()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing answered 200 on :{port}{path} within {within} s")


@asynccontextmanager
async def running(
    argv: Sequence[str],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    ready: tuple[int, str] | None = None,
    within: float = 60.0,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A subprocess for the block, its output in ``log``; stopped (TERM, then KILL) after it.

    With ``ready=(port, path)`` the block starts once ``GET path`` answers 200.
    """
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            env={**os.environ, **(env or {})},
        )
    try:
        if ready is not None:
            try:
                await wait_until_ready(*ready, process, within)
            except (RuntimeError, TimeoutError) as exc:
                tail = (await asyncio.to_thread(log.read_bytes))[-3000:].decode(errors="replace")
                raise RuntimeError(f"{argv[0]} did not start: {exc}\n{tail}") from exc
        yield process
    finally:
        await stop(process)


async def stop(process: asyncio.subprocess.Process, within: float = 10.0) -> None:
    """Terminate ``process`` and wait for it; kill it if it lingers."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), within)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


# -- the webhook receiver, seen from the benchmark ---------------------------------------------


@dataclass(slots=True)
class Arrivals:
    """What the receiver process reported: arrival ns by path, then by alert id."""

    port: int = 0
    by_path: dict[str, dict[str, int]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def of(self, path: str) -> dict[str, int]:
        """Arrivals on ``path`` (first arrival of each id)."""
        return self.by_path.setdefault(path, {})

    async def wait_for(self, path: str, ids: Sequence[str], within: float) -> None:
        """Until every id has arrived on ``path``, or ``within`` seconds have passed."""
        deadline = time.monotonic() + within
        seen = self.of(path)
        while any(i not in seen for i in ids):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.1))


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[Arrivals]:
    """The receiver, in a process of its own (so its work never delays a system under test)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "receive",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    arrivals = Arrivals()
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        if not line.startswith(b"READY "):
            raise RuntimeError(f"the receiver did not start: {line!r}")
        arrivals.port = int(line.split()[1])
        reading = asyncio.create_task(_collect(process.stdout, arrivals))
        try:
            yield arrivals
        finally:
            reading.cancel()
    finally:
        process.stdin.close()
        await stop(process, within=5.0)


async def _collect(stdout: asyncio.StreamReader, arrivals: Arrivals) -> None:
    while line := await stdout.readline():
        path, alert, stamp = line.decode().split()
        arrivals.of(path).setdefault(alert, int(stamp))
        arrivals.changed.set()


# -- the webhook receiver, in its own process --------------------------------------------------


class _Receiver:
    """Reads requests with their kernel timestamps, answers at once, reports ids later."""

    def __init__(self, loop: asyncio.AbstractEventLoop, report: Callable[[bytes], None]) -> None:
        self._loop = loop
        self._report = report
        self._buffers: dict[int, bytearray] = {}

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                return
            stamped_socket(conn)
            self._buffers[conn.fileno()] = bytearray()
            self._loop.add_reader(conn.fileno(), self._read, conn)

    def _close(self, conn: socket.socket) -> None:
        self._loop.remove_reader(conn.fileno())
        self._buffers.pop(conn.fileno(), None)
        conn.close()

    def _read(self, conn: socket.socket) -> None:
        try:
            data, ancillary, _, _ = conn.recvmsg(262_144, ANCILLARY)
        except BlockingIOError:
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        stamp = kernel_stamp(ancillary)
        buffer = self._buffers[conn.fileno()]
        buffer += data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(buffer) < end + 4 + length:
                return
            body = bytes(buffer[end + 4 : end + 4 + length])
            del buffer[: end + 4 + length]
            conn.send(_OK)
            path = head[0].split(" ")[1]
            for alert in _ids(path, body):
                self._report(f"{path} {alert} {stamp}\n".encode())


def _ids(path: str, body: bytes) -> list[str]:
    if path == "/am":
        return [a["labels"]["id"] for a in json.loads(body)["alerts"]]
    return [m.decode() for m in _IDENTIFIER.findall(body)][:1]


async def _receive() -> None:
    loop = asyncio.get_running_loop()
    pending: list[bytes] = []
    out = sys.stdout.buffer

    def flush() -> None:
        if pending:
            out.write(b"".join(pending))
            out.flush()
            pending.clear()
        loop.call_later(0.005, flush)

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    listener.listen(1024)
    listener.setblocking(False)
    receiver = _Receiver(loop, pending.append)
    loop.add_reader(listener.fileno(), receiver.accept, listener)
    out.write(f"READY {listener.getsockname()[1]}\n".encode())
    out.flush()
    loop.call_later(0.005, flush)
    # Stop when the benchmark closes our stdin (or dies).
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    await stdin.read()


if __name__ == "__main__":
    if sys.argv[1:] == ["receive"]:
        asyncio.run(_receive())
    else:
        print("bench/_loopback.py: helpers for the notification benchmarks; nothing to measure")
