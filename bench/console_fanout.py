"""Report → 1,000 console streams: how long until every open console has the alert.

Run: ``.venv/bin/python bench/console_fanout.py [--streams N] [--alerts N]`` (under a minute).

Starts ``tanbih serve`` (a subprocess, SQLite in a temporary directory, durable writes as in
production) on a generated coalition whose affected partner's duty officer is reached on the
console only, opens ``--streams`` Server-Sent-Events connections to ``GET /api/v1/stream`` with
that partner's token, and posts ``--alerts`` CAP alerts one at a time (each once the previous
one reached every stream). The streams are raw non-blocking sockets in this process with
``SO_TIMESTAMPNS``: each event is stamped by the kernel when it reached the socket, whenever
this process reads it. So the streams are read once an alert's fan-out is over, not while it
runs: on these 2 cores, 1,000 reads and their wake-ups would take a core from the node, which
real consoles, on other machines, do not. Latency is from just before the POST is written to
that stamp, for every (alert, stream) pair; "last console" is, per alert, the latency of the
slowest stream, and "spread" the time from its first to its last stream.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _http_client import HttpClient
from _loopback import LOOPBACK, percentile
from _processes import cpu_seconds, cpu_times
from _tanbih_node import AlertBodies, BenchCoalition, poster_headers, tanbih_node
from _webhook_receiver import ANCILLARY, kernel_stamp, stamped_socket

TARGET_P99_MS = 50.0
OPEN_BATCH = 100
FAN_OUT_WAIT = 10.0
# After a POST, the streams are first read this much later: the fan-out is over by then.
READ_AFTER = 0.1
READ_AGAIN = 0.05


@dataclass(slots=True)
class Stream:
    """One console's connection: what it received, chunk by chunk, with kernel stamps."""

    sock: socket.socket
    chunks: list[tuple[int, bytes]] = field(default_factory=list)
    events: int = 0
    subscribed: bool = False

    def read(self) -> None:
        """What the socket holds now; one event per read, as one alert is posted at a time."""
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(65_536, ANCILLARY)
            except BlockingIOError:
                return
            if not data:
                return
            # The stamp is the last segment's read: that of the event's write.
            self.chunks.append((kernel_stamp(ancillary), data))
            # Counted cheaply here; parsed once the run is over.
            self.events += data.count(b"\nevent: notification\n")
            self.subscribed = self.subscribed or b"tanbih console stream" in data

    def arrivals(self) -> dict[str, int]:
        """Alert id → kernel stamp of the chunk that completed its event."""
        found: dict[str, int] = {}
        pending = b""
        for stamp, data in self.chunks:
            pending += data
            *complete, pending = pending.split(b"\n\n")
            for block in complete:
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        found.setdefault(json.loads(line[6:])["alert"], stamp)
        return found


async def open_streams(port: int, token: str, count: int) -> list[Stream]:
    """``count`` console streams, each subscribed (its opening comment received)."""
    loop = asyncio.get_running_loop()
    request = (
        f"GET /api/v1/stream HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()

    async def one() -> Stream:
        sock = stamped_socket(socket.socket())
        await loop.sock_connect(sock, (LOOPBACK, port))
        await loop.sock_sendall(sock, request)
        return Stream(sock)

    streams: list[Stream] = []
    for start in range(0, count, OPEN_BATCH):
        streams += await asyncio.gather(*(one() for _ in range(min(OPEN_BATCH, count - start))))
    deadline = time.monotonic() + 30
    while not _read_all(streams, lambda s: s.subscribed):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sum(s.subscribed for s in streams)} of {count} subscribed")
        await asyncio.sleep(READ_AGAIN)
    return streams


async def read_fan_out(streams: list[Stream], events: int) -> None:
    """Read the streams once the fan-out is over, until each has ``events`` events (bounded)."""
    deadline = time.monotonic() + FAN_OUT_WAIT
    await asyncio.sleep(READ_AFTER)
    while not _read_all(streams, lambda s: s.events >= events):
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(READ_AGAIN)


def _read_all(streams: list[Stream], done: Callable[[Stream], bool]) -> bool:
    """Read every stream not ``done``; whether all are ``done`` then."""
    for stream in streams:
        if not done(stream):
            stream.read()
    return all(done(s) for s in streams)


class CpuMeter:
    """The node's CPU time for a phase, less what it spends idle (its loops poll every second)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.idle_per_second = 0.0
        self._cpu = 0.0
        self._system = 0.0
        self._at = 0.0

    async def calibrate(self, seconds: float = 2.0) -> None:
        """Learn the idle rate, the node having nothing to do."""
        self.start()
        await asyncio.sleep(seconds)
        self.idle_per_second = self._used() / seconds

    def start(self) -> None:
        self._cpu, self._at = cpu_seconds(self.pid), time.monotonic()
        self._system = cpu_times(self.pid)[1]

    def system_ms(self) -> float:
        """Of the CPU ms since ``start``, those in the kernel (idle included: it is ~0 there)."""
        return (cpu_times(self.pid)[1] - self._system) * 1000

    def busy_ms(self) -> float:
        """CPU ms since ``start`` beyond the idle rate."""
        return (self._used() - self.idle_per_second * (time.monotonic() - self._at)) * 1000

    def _used(self) -> float:
        return cpu_seconds(self.pid) - self._cpu


async def measure(streams_wanted: int, alerts: int) -> None:
    """Start the node, open the streams, post the alerts, print the figures."""
    directory = Path(tempfile.mkdtemp(prefix="tanbih-console-"))
    try:
        coalition = BenchCoalition(directory, console=True)
        async with tanbih_node(coalition) as node:
            client = HttpClient(node.port)
            bodies = AlertBodies()
            headers = poster_headers(coalition)
            meter = CpuMeter(node.pid)
            await client.request("POST", "/api/v1/alerts", bodies.body("w"), headers)
            await meter.calibrate()
            # Alerts with no stream open, paced like the measured ones: the node's CPU per
            # alert without a fan-out.
            meter.start()
            for i in range(alerts):
                await client.request("POST", "/api/v1/alerts", bodies.body(f"w{i}"), headers)
                await asyncio.sleep(0.25)
            bare_ms, bare_system = meter.busy_ms() / alerts, meter.system_ms() / alerts
            opened = time.monotonic()
            streams = await open_streams(node.port, coalition.target_token, streams_wanted)
            print(f"{len(streams)} streams subscribed in {time.monotonic() - opened:.1f} s")
            posted: dict[str, int] = {}
            load = os.getloadavg()[0]
            meter.start()
            for i in range(alerts):
                response = await client.request(
                    "POST", "/api/v1/alerts", bodies.body(f"fan-{i}"), headers
                )
                posted[json.loads(response.body)["alert"]["id"]] = response.started_ns
                await read_fan_out(streams, i + 1)
                await asyncio.sleep(0.2)
            streamed_ms, streamed_system = meter.busy_ms() / alerts, meter.system_ms() / alerts
            load = max(load, os.getloadavg()[0])
            for stream in streams:
                stream.sock.close()
            await client.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    _report(streams, posted, load)
    per_stream = (streamed_ms - bare_ms) * 1000 / len(streams)
    kernel = (streamed_system - bare_system) * 1000 / len(streams)
    print(
        f"node CPU per alert (user + system, all threads, idle polling taken out): "
        f"{bare_ms:.1f} ms with no stream open, {streamed_ms:.1f} ms with {len(streams):,}: "
        f"{per_stream:.0f} µs per stream, {kernel:.0f} µs of it in the kernel"
    )


def _report(streams: list[Stream], posted: dict[str, int], load: float) -> None:
    every: list[float] = []
    last: list[float] = []
    first: list[float] = []
    missing = 0
    arrivals = [s.arrivals() for s in streams]
    for alert, started in posted.items():
        times = [(a[alert] - started) / 1e6 for a in arrivals if alert in a]
        missing += len(streams) - len(times)
        every += times
        if times:
            last.append(max(times))
            first.append(min(times))
    spread = [b - a for a, b in zip(first, last, strict=True)]
    print(f"-- {platform.node()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load avg {load:.1f}")
    print(f"{len(streams)} streams × {len(posted)} alerts; {missing} events missing")
    print(f"{'':<28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in (
        ("post → each console", every),
        ("post → first console", first),
        ("post → last console", last),
        ("spread first → last", spread),
    ):
        p50, p99, top = percentile(values, 50), percentile(values, 99), max(values, default=0)
        print(f"{name:<28} {p50:>8.1f} {p99:>8.1f} {top:>8.1f}")
    verdict = "met" if percentile(every, 99) <= TARGET_P99_MS and not missing else "NOT met"
    print(f"target: every console reached ≤ {TARGET_P99_MS:g} ms p99: {verdict}")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--alerts", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(measure(args.streams, args.alerts))


if __name__ == "__main__":
    main()
