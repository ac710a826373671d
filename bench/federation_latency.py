"""Observation at one node → notification at another, through the hub, over NATS JetStream.

Three ``tanbih serve`` processes (hub, aa, bb), each on its own PostgreSQL database. Each
round posts one observation of a new drone to aa's node and times, from just before the POST
is written to the kernel's arrival stamp at bb's duty officer's webhook, the first and the
second warning bb's node delivers (the hub's own warning from aa's report, and aa's warning
relayed by the hub; both redacted to the hub's name). Rounds run one after another.

    .venv/bin/python bench/federation_latency.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from _federation import NATS_URL, PARTNERS, cluster, databases, delete_streams, observation
from _federation import write_coalition as write
from _loopback import percentile
from _webhook_receiver import webhook_receiver

WAIT_S = 15.0


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with webhook_receiver() as arrivals, databases(PARTNERS) as dbs:
            layout = write(Path(tmp) / "c", f"http://127.0.0.1:{arrivals.port}")
            nodes = cluster(layout, dbs, Path(tmp), NATS_URL)
            try:
                for node in nodes.nodes.values():
                    await node.start()
                first, second = await _rounds(nodes, arrivals, rounds)
            finally:
                for node in nodes.nodes.values():
                    node.stop()
                await delete_streams(nodes.prefix)
    for name, values in (("first warning", first), ("second warning", second)):
        print(
            f"{name:15} n={len(values):3}  p50 {percentile(values, 50):7.1f} ms  "
            f"p99 {percentile(values, 99):7.1f} ms  max {max(values, default=float('nan')):7.1f} ms"
        )


async def _rounds(nodes, arrivals, rounds: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    aa = nodes.nodes["aa"]
    first: list[float] = []
    second: list[float] = []
    async with httpx.AsyncClient(base_url=aa.url, headers=nodes.headers("aa")) as client:
        for n in range(rounds + 2):
            before = set(arrivals.of("/bb"))
            started = time.time_ns()
            response = await client.post("/api/v1/observations", json=observation(f"t{n}"))
            response.raise_for_status()
            deadline = time.monotonic() + WAIT_S
            while len(set(arrivals.of("/bb")) - before) < 2 and time.monotonic() < deadline:
                arrivals.changed.clear()
                try:
                    await asyncio.wait_for(arrivals.changed.wait(), 0.1)
                except TimeoutError:
                    continue
            stamps = sorted(t for i, t in arrivals.of("/bb").items() if i not in before)
            if n < 2:
                continue  # warm-up: connections, caches
            if stamps:
                first.append((stamps[0] - started) / 1e6)
            if len(stamps) > 1:
                second.append((stamps[1] - started) / 1e6)
    return first, second


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(main(parser.parse_args().rounds))
