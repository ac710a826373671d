"""Where report → webhook time goes: the node's stages timed, one line each.

Run: ``.venv/bin/python bench/notify_stages.py [--rate R] [--alerts N]`` (about 20 s).

A diagnostic beside ``notify_vs_alertmanager.py``: the same coalition and receiver, but the node
(``tanbih serve``, SQLite) runs with timers wrapped around its stages and store calls, so the
table says how many times each ran per alert and how long it took (median and total). The
wrapping is done in the node's process before it starts (``--serve`` mode of this script); the
product code is not changed. Store calls are timed from the event loop: a call's time includes
waiting for the store's write turn and the database thread, which is what the path waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _http_client import HttpClient
from _loopback import free_port, percentile
from _processes import running
from _tanbih_node import AlertBodies, BenchCoalition, poster_headers
from _webhook_receiver import webhook_receiver

STORE_CALLS = (
    "known",
    "threads",
    "record",
    "claim",
    "delivered",
    "get",
    "settle",
    "settle_many",
    "due_timers",
    "append_event",
)


def serve_timed(out: Path) -> None:
    """``tanbih serve`` with stage timers; the timings go to ``out`` when it stops."""
    from tanbih.adapters.channels.webhook import WebhookChannel  # noqa: PLC0415
    from tanbih.adapters.store.inline_sqlite import InlineConnection  # noqa: PLC0415
    from tanbih.adapters.store.sql_store import SqlStore  # noqa: PLC0415
    from tanbih.api import alerts  # noqa: PLC0415
    from tanbih.cli import app  # noqa: PLC0415
    from tanbih.pipeline.accept import AcceptAlert  # noqa: PLC0415
    from tanbih.pipeline.prepare import PrepareDelivery  # noqa: PLC0415

    timings: defaultdict[str, list[float]] = defaultdict(list)

    def timed(owner: Any, name: str, label: str) -> None:
        original: Callable[..., Awaitable[Any]] = getattr(owner, name)

        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                timings[label].append(time.perf_counter() - started)

        setattr(owner, name, wrapper)

    for call in STORE_CALLS:
        timed(SqlStore, call, f"store.{call}")
    timed(InlineConnection, "commit", "SQLite commit (every transaction's)")
    timed(AcceptAlert, "__call__", "accept stage (whole)")
    timed(PrepareDelivery, "__call__", "prepare (message, words, ack token)")
    timed(WebhookChannel, "send", "webhook send (HTTP POST, answer)")
    decode = alerts.decode

    def timed_decode(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return decode(*args)
        finally:
            timings["CAP parse + validation"].append(time.perf_counter() - started)

    alerts.decode = timed_decode  # type: ignore[assignment]  # a timed stand-in

    def stop(*_: object) -> None:
        out.write_text(json.dumps(timings))
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    sys.argv = ["tanbih", "serve"]
    app()


async def measure(rate: float, count: int) -> None:
    """Run the node with timers, post ``count`` alerts at ``rate``/s, print the table."""
    directory = Path(tempfile.mkdtemp(prefix="tanbih-stages-"))
    out = directory / "timings.json"
    try:
        async with webhook_receiver() as arrivals:
            coalition = BenchCoalition(
                directory, webhook_url=f"http://127.0.0.1:{arrivals.port}/tanbih"
            )
            port = free_port()
            env = {
                "TANBIH_COALITION": str(coalition.file),
                "TANBIH_DATA_DIR": str(directory / "data"),
                "TANBIH_NODE_SECRET": "bench-node-secret-" + "x" * 32,
                "TANBIH_PORT": str(port),
            }
            argv = [sys.executable, __file__, "--serve", str(out)]
            log = directory / "node.log"
            async with running(argv, log, env=env, ready=(port, "/healthz")):
                client = HttpClient(port)
                bodies = AlertBodies()
                starts: dict[str, int] = {}
                ids = [f"s-{i}" for i in range(count)]
                begin = time.monotonic()
                for i, identifier in enumerate(ids):
                    await asyncio.sleep(max(0.0, begin + i / rate - time.monotonic()))
                    response = await client.request(
                        "POST", "/api/v1/alerts", bodies.body(identifier), poster_headers(coalition)
                    )
                    starts[identifier] = response.started_ns
                await arrivals.wait_for("/tanbih", ids, 30)
                await client.close()
            seen = arrivals.of("/tanbih")
            latency = [(seen[i] - starts[i]) / 1e6 for i in ids if i in seen]
            timings: dict[str, list[float]] = json.loads(out.read_text())
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(
        f"{count} alerts at {rate:g}/s (posted one after another): report → webhook "
        f"p50 {percentile(latency, 50):.1f} ms, p90 {percentile(latency, 90):.1f} ms, "
        f"p99 {percentile(latency, 99):.1f} ms"
    )
    print(
        f"{'stage or store call':<40} {'per alert':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'ms per alert':>12}"
    )
    for label, values in sorted(timings.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"{label:<40} {len(values) / count:>9.1f} {percentile(values, 50) * 1000:>8.2f} "
            f"{percentile(values, 99) * 1000:>8.2f} {sum(values) * 1000 / count:>12.2f}"
        )


def main() -> None:
    """Parse the options and run (or, with ``--serve``, be the timed node)."""
    if sys.argv[1:2] == ["--serve"]:
        serve_timed(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0, help="alerts per second")
    parser.add_argument("--alerts", type=int, default=150)
    args = parser.parse_args()
    asyncio.run(measure(args.rate, args.alerts))


if __name__ == "__main__":
    main()
