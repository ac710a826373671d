"""Memory per active alert: what a node holds in its process for each unacknowledged alert.

Run: ``.venv/bin/python bench/alert_memory.py [--alerts N] [--traced N]`` (6 to 8 minutes on
a 2-vCPU VM: the node takes 10,000 alerts at its own pace, 30-60/s there).

An active alert here is one accepted, its duty officer told on console and webhook (delivered to
a receiver on loopback), nobody acknowledging, its escalation timer stored with steps an hour
and two hours on (so it stays due, and escalating, for the whole run). The alert, its
notifications, their delivery log and the timer live in the database (SQLite in a temporary
directory), not in the process: what is measured is what the process keeps besides.

1. ``tanbih serve`` as a subprocess: ``--alerts`` alerts posted over HTTP (16 at a time, as
   fast as the node takes them), the node's ``VmRSS`` and ``RssAnon`` read from ``/proc`` once
   it is idle (every webhook received, 3 s of quiet) after the first tenth, after 55 % and
   after all of them. Per alert is the growth after the first tenth over the alerts since, so
   start-up and warm-up (imports, pools) are not counted; the growth over the last 45 % alone
   shows whether it keeps growing or was bounded caches filling. RSS also counts memory the C
   side holds: SQLite's page cache (bounded: 2 MiB per pooled connection by default), the
   allocator's free lists.
2. The same in this process with ``tracemalloc``: a node from ``start_node`` (no HTTP server),
   ``--traced`` alerts given to its accept stage, the Python heap compared between the first
   fifth and the end, after ``gc.collect()``; the lines holding the growth are listed. Python
   objects only: SQLite's own memory is not seen.
3. For scale, Alertmanager (when installed) with the same number of alerts, each in its own
   group: its RSS growth per alert.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from _alertmanager import ALERTMANAGER, alertmanager, am_body
from _http_client import HttpClient
from _loopback import free_port
from _processes import memory_kib, running
from _tanbih_node import (
    AlertBodies,
    BenchCoalition,
    poster_headers,
)
from _webhook_receiver import Arrivals, webhook_receiver
from tanbih import cap
from tanbih.node import start_node
from tanbih.settings import Settings

ESCALATION = (3600, 7200)
IN_FLIGHT = 16
QUIET_SECONDS = 3.0
TARGET_BYTES = 2048


async def post_all(send: Callable[[str], Awaitable[None]], ids: list[str]) -> float:
    """Give every id to ``send``, ``IN_FLIGHT`` at a time; the rate achieved."""
    queue = list(reversed(ids))
    started = time.monotonic()

    async def worker() -> None:
        while queue:
            await send(queue.pop())

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return len(ids) / (time.monotonic() - started)


async def settle(arrivals: Arrivals, path: str, ids: list[str]) -> None:
    """Until every id's webhook arrived (bounded), then a few quiet seconds."""
    await arrivals.wait_for(path, ids, within=120)
    missing = sum(1 for i in ids if i not in arrivals.of(path))
    if missing:
        print(f"  ({missing} webhooks still missing after 120 s)")
    await asyncio.sleep(QUIET_SECONDS)


async def node_rss(directory: Path, arrivals: Arrivals, count: int) -> None:
    """Part 1: RSS growth of a ``tanbih serve`` process."""
    coalition = BenchCoalition(
        directory,
        webhook_url=f"http://127.0.0.1:{arrivals.port}/tanbih",
        console=True,
        escalate_after=ESCALATION,
    )
    bodies = AlertBodies()
    port = free_port()
    env = {
        "TANBIH_COALITION": str(coalition.file),
        "TANBIH_DATA_DIR": str(directory / "data"),
        "TANBIH_NODE_SECRET": "bench-node-secret-" + "x" * 32,
        "TANBIH_PORT": str(port),
    }
    argv = [str(Path(__file__).parents[1] / ".venv" / "bin" / "tanbih"), "serve"]
    async with running(argv, directory / "tanbih.log", env=env, ready=(port, "/healthz")) as node:
        client = HttpClient(port)
        headers = poster_headers(coalition)
        batches = _batches("m", count)
        failures: list[int] = []

        async def send(identifier: str) -> None:
            response = await client.request(
                "POST", "/api/v1/alerts", bodies.body(identifier), headers
            )
            if response.status != 201:
                failures.append(response.status)

        readings = []
        rates = []
        for batch in batches:
            rates.append(await post_all(send, batch))
            await settle(arrivals, "/tanbih", batch)
            readings.append(memory_kib(node.pid))
        await client.close()
    database = sum(f.stat().st_size for f in (directory / "data").glob("tanbih.db*"))
    print(
        f"tanbih serve: {count:,} alerts ({min(rates[1:]):.0f}/s accepted with a backlog), "
        f"{len(failures)} refused; database {database / 2**20:.1f} MiB"
    )
    _print_growth("tanbih serve", readings, batches)


def _batches(prefix: str, count: int) -> list[list[str]]:
    """Ids in three batches: the first tenth (warm-up), up to 55 %, and the rest."""
    cuts = [0, count // 10, count * 55 // 100, count]
    return [[f"{prefix}-{i}" for i in range(a, b)] for a, b in itertools.pairwise(cuts)]


def _print_growth(name: str, readings: list[dict[str, int]], batches: list[list[str]]) -> None:
    """Growth per alert after the warm-up, over both later batches and over the last alone."""
    for key in ("VmRSS", "RssAnon"):
        mib = " → ".join(f"{r[key] / 1024:.1f}" for r in readings)
        whole = (readings[2][key] - readings[0][key]) * 1024 / (len(batches[1]) + len(batches[2]))
        last = (readings[2][key] - readings[1][key]) * 1024 / len(batches[2])
        print(
            f"  {name} {key}: {mib} MiB; per alert after the warm-up {whole:,.0f} B, "
            f"over the last {len(batches[2]):,} alone {last:,.0f} B"
        )


async def traced(directory: Path, arrivals: Arrivals, count: int) -> None:
    """Part 2: the Python heap of a node in this process, with tracemalloc."""
    coalition = BenchCoalition(
        directory,
        webhook_url=f"http://127.0.0.1:{arrivals.port}/tanbih",
        console=True,
        escalate_after=ESCALATION,
    )
    settings = Settings(
        coalition_file=coalition.file,
        data_dir=directory / "data",
        node_secret="bench-node-secret-" + "x" * 32,
    )
    node = await start_node(settings)
    try:
        poster = node.coalition.partner("poster")
        assert poster is not None
        bodies = AlertBodies()

        async def accept(identifier: str) -> None:
            body = bodies.body(identifier)
            await node.accept(cap.parse_xml(body), body, poster)

        first = [f"t1-{i}" for i in range(count // 5)]
        rest = [f"t2-{i}" for i in range(count - len(first))]
        tracemalloc.start(4)
        await post_all(accept, first)
        await settle(arrivals, "/tanbih", first)
        gc.collect()
        before = tracemalloc.take_snapshot()
        await post_all(accept, rest)
        await settle(arrivals, "/tanbih", rest)
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    finally:
        await node.close()
    ignore = [
        tracemalloc.Filter(False, str(Path(__file__).parent / "*")),
        tracemalloc.Filter(False, tracemalloc.__file__),
    ]
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    grown = sum(s.size_diff for s in stats)
    print(
        f"in-process node, tracemalloc: Python heap grew {grown / 1024:,.1f} KiB over "
        f"{len(rest):,} alerts: {grown / len(rest):,.0f} bytes per alert"
    )
    print("  where it grew (top 8 by size; the innermost frame in tanbih, else the innermost):")
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:8]:
        frames = list(reversed(stat.traceback))
        ours = next((f for f in frames if "/tanbih/" in f.filename), None)
        inner = frames[0]
        where = f"{Path(inner.filename).name}:{inner.lineno}"
        if ours is not None and ours is not inner:
            where += f" (from {Path(ours.filename).name}:{ours.lineno})"
        print(f"  {stat.size_diff:>10,} B {stat.count_diff:>+7,} blocks  {where}")


async def alertmanager_rss(directory: Path, arrivals: Arrivals, count: int) -> None:
    """Part 3: Alertmanager's RSS growth with as many alerts, one per group."""
    if shutil.which(ALERTMANAGER) is None:
        print("Alertmanager not installed: part 3 skipped")
        return
    started = datetime.now(UTC).isoformat()
    async with alertmanager(directory, arrivals.port) as am:
        client = HttpClient(am.port)
        headers = {"Content-Type": "application/json"}

        async def send(identifier: str) -> None:
            await client.request("POST", "/api/v2/alerts", am_body(identifier, started), headers)

        batches = _batches("a", count)
        readings = []
        for batch in batches:
            await post_all(send, batch)
            await settle(arrivals, "/am", batch)
            readings.append(memory_kib(am.pid))
        await client.close()
    _print_growth("alertmanager", readings, batches)


async def measure(count: int, traced_count: int) -> None:
    """Run the three parts, each in a directory of its own; remove them after."""
    directory = Path(tempfile.mkdtemp(prefix="tanbih-memory-"))
    try:
        async with webhook_receiver() as arrivals:
            for name, part, n in (
                ("serve", node_rss, count),
                ("traced", traced, traced_count),
                ("am", alertmanager_rss, count),
            ):
                place = directory / name
                place.mkdir()
                await part(place, arrivals, n)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"target: ≤ {TARGET_BYTES:,} bytes per active alert")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000, help="for parts 1 and 3")
    parser.add_argument("--traced", type=int, default=1_500, help="for part 2 (tracemalloc)")
    args = parser.parse_args()
    asyncio.run(measure(args.alerts, args.traced))


if __name__ == "__main__":
    main()
