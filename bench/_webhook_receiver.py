"""The webhook receiver of the notification benchmarks, in a process of its own.

Arrival times are the kernel's: every receiving socket has ``SO_TIMESTAMPNS`` set and is read
with ``recvmsg``, so an arrival is stamped when its last bytes reached the socket, however busy
the reading event loop was. They are wall-clock nanoseconds (``CLOCK_REALTIME``), compared
with ``time.time_ns()`` taken just before a request is written.

Run as ``python bench/_webhook_receiver.py receive``, this module is the webhook receiver: it
prints ``READY <port>``, then one ``<path> <id> <ns>`` line per alert received (the CAP
``<identifier>`` on ``/tanbih``, the ``id`` label of each alert on ``/am``), answers every
request ``200`` at once, and exits when its standard input closes. ``webhook_receiver`` starts
it for a block and collects what it reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from _loopback import LOOPBACK
from _processes import stop

SO_TIMESTAMPNS = 35  # Linux; Python's socket module does not name it
_TIMESPEC = struct.Struct("qq")
ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)
_IDENTIFIER = re.compile(rb"<identifier>([^<]+)</identifier>")
_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


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
        print("bench/_webhook_receiver.py: run by the benchmarks as `receive`; nothing to measure")
