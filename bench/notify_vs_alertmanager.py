"""Report → first webhook, side by side with Prometheus Alertmanager, in one run.

Run: ``.venv/bin/python bench/notify_vs_alertmanager.py [--no-postgres]`` (about 5 minutes).

Three processes are started and stopped by this script, all on 127.0.0.1:

* ``tanbih serve`` (``.venv/bin/tanbih``) on a generated coalition: ``poster`` posts, ``target``
  is affected, its duty officer has one webhook channel, at the receiver; no escalation. The
  store is a SQLite file in the temporary directory (WAL, ``synchronous=FULL``: the accept and
  every outbox write are on disk before they count). With PostgreSQL on 127.0.0.1:5432 a second
  node runs on a fresh database there (created and dropped here), unless ``--no-postgres``.
* ``prometheus-alertmanager`` with ``group_by: ['...']`` (one alert per group), ``group_wait:
  0s``, a webhook receiver at the same receiver, ``--cluster.listen-address=`` (no cluster).
* The webhook receiver (``bench/_webhook_receiver.py receive``), a process of its own that
  answers 200 at once; arrivals are stamped by the kernel (``SO_TIMESTAMPNS``), so no event
  loop biases them.

This process posts one alert per request, open loop (each POST starts at its scheduled time,
whether or not earlier ones were answered), over keep-alive connections with a raw HTTP/1.1
client: tanbih gets CAP XML on ``POST /api/v1/alerts`` with the poster's token, Alertmanager
a one-alert JSON array on ``POST /api/v2/alerts``. Latency is from just before the request is
written (wall clock) to the kernel's receive stamp of the webhook at the receiver. Each rate
runs on every system in turn after a warm-up of 50 alerts. Then each system's rate is doubled
from 25/s, ``--ramp-seconds`` per step, until a step is not sustained: an alert missing 30 s
after the last post, latency growing through the step (median of its last quarter over twice
that of its first quarter plus 10 ms), a failed POST, or this client unable to post at the rate
(then the figure is a floor, marked "client-bound"). One step halfway between the last sustained
and the first unsustained rate refines the figure.

The ``cpu ms`` column is the system's CPU time per alert during a step (user + system, all its
threads, from ``/proc``), less what it uses idle (measured for 3 s after its warm-up); a
PostgreSQL server's own time is not in it. On a shared machine it is steadier than latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _alertmanager import alertmanager, am_body
from _open_loop import HEADER, Step, System, ramp, run_step, slug
from _processes import cpu_seconds
from _tanbih_node import AlertBodies, BenchCoalition, poster_headers, tanbih_node
from _webhook_receiver import Arrivals, webhook_receiver

PG_ADDRESS = ("127.0.0.1", 5432)
PG_USERS = ("postgres", "root")
WARM_UP = 50
IDLE_SECONDS = 3.0


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str | None]:
    """A fresh database on the local PostgreSQL for the block (dropped after), or None."""
    import asyncpg  # noqa: PLC0415 -- only needed when PostgreSQL is wanted

    admin = None
    for user in PG_USERS:
        with contextlib.suppress(OSError, asyncpg.PostgresError, TimeoutError):
            admin = await asyncpg.connect(
                host=PG_ADDRESS[0], port=PG_ADDRESS[1], user=user, database="postgres", timeout=3
            )
            break
    if admin is None:
        yield None
        return
    name = f"tanbih_bench_{secrets.token_hex(4)}"
    user = str(admin.get_settings().session_authorization)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://{user}@{PG_ADDRESS[0]}:{PG_ADDRESS[1]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def start_systems(
    stack: AsyncExitStack, directory: Path, arrivals: Arrivals, use_postgres: bool
) -> list[System]:
    """Alertmanager and the tanbih node(s), running until ``stack`` closes."""
    hook = f"http://127.0.0.1:{arrivals.port}"
    started = datetime.now(UTC).isoformat()
    am = await stack.enter_async_context(alertmanager(directory, arrivals.port))
    systems = [
        System(
            "alertmanager 0.25",
            am,
            "/am",
            lambda i: am_body(i, started),
            {"Content-Type": "application/json"},
            "/api/v2/alerts",
        )
    ]
    bodies = AlertBodies()
    urls = [("tanbih (SQLite)", "")]
    if use_postgres:
        url = await stack.enter_async_context(postgres_database())
        if url is None:
            print("PostgreSQL not reachable at 127.0.0.1:5432: SQLite only")
        else:
            urls.append(("tanbih (PostgreSQL)", url))
    for name, url in urls:
        place = directory / name.split("(")[1].rstrip(")").lower()
        place.mkdir()
        coalition = BenchCoalition(place, webhook_url=f"{hook}/tanbih")
        node = await stack.enter_async_context(tanbih_node(coalition, url))
        systems.append(
            System(
                name,
                node,
                "/tanbih",
                bodies.body,
                poster_headers(coalition),
                "/api/v1/alerts",
            )
        )
    return systems


async def measure(args: argparse.Namespace) -> None:
    """Start everything, run the rates and the ramps, print the tables, stop everything."""
    rates = [(1.0, args.counts[0]), (10.0, args.counts[1]), (100.0, args.counts[2])]
    directory = Path(tempfile.mkdtemp(prefix="tanbih-bench-"))
    steps: list[Step] = []
    maxima: dict[str, str] = {}
    try:
        async with webhook_receiver() as arrivals, AsyncExitStack() as stack:
            systems = await start_systems(stack, directory, arrivals, not args.no_postgres)
            print(f"running in {directory}; {_now()}; load average {_load()}")
            print(HEADER)
            for system in systems:
                await run_step(system, arrivals, 50.0, WARM_UP, f"warm-{slug(system)}")
                before = cpu_seconds(system.server.pid)
                await asyncio.sleep(IDLE_SECONDS)
                system.idle_cpu = (cpu_seconds(system.server.pid) - before) / IDLE_SECONDS
            for rate, count in rates:
                for system in systems:
                    step = await run_step(
                        system, arrivals, rate, count, f"r{rate:g}-{slug(system)}"
                    )
                    steps.append(step)
                    print(step.line(), flush=True)
                    await asyncio.sleep(0.5)
            print("-- maximum sustained rate")
            print(HEADER)
            for system in systems:
                maxima[system.name] = await ramp(system, arrivals, args.ramp_seconds, steps)
                await asyncio.sleep(2.0)
            for system in systems:
                await system.client.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    _summary(steps[: len(rates) * len(maxima)], maxima)


def _summary(steps: Sequence[Step], maxima: dict[str, str]) -> None:
    print(f"\n-- summary ({platform.node()}, {_now()}, load average {_load()})")
    print(
        "| system | 1/s p50 / p99 ms | 10/s p50 / p99 ms | 100/s p50 / p99 ms "
        "| max sustained | CPU ms per alert at 10/s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for system, best in maxima.items():
        mine = [s for s in steps if s.system == system]
        cells = [
            f"{s.p50:.2f} / {s.p99:.2f}" + ("" if s.arrived == s.posted else " (missing)")
            for s in mine
        ]
        print(f"| {system} | {' | '.join(cells)} | {best} | {mine[1].cpu_ms:.2f} |")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _counts(text: str) -> list[int]:
    counts = [int(x) for x in text.split(",")]
    if len(counts) != 3 or min(counts) < 2:
        raise argparse.ArgumentTypeError("three counts of at least 2, e.g. 20,150,1000")
    return counts


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--counts",
        type=_counts,
        default=[20, 150, 1000],
        help="alerts at 1/s, 10/s and 100/s (default 20,150,1000: 20 s, 15 s, 10 s each)",
    )
    parser.add_argument("--ramp-seconds", type=float, default=3.0, help="per ramp step")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite node only")
    args = parser.parse_args()
    runner: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # noqa: PLC0415 -- the leanest loop for the client, when installed

        runner = uvloop.run
    runner(measure(args))


if __name__ == "__main__":
    main()
