"""Sustained alerts per second of one node run as 1, 2 and 4 worker processes (PostgreSQL).

``tanbih serve --workers N`` on a database of its own; the benchmark posts ALERTS signed CAP
warnings of bb's zone (signed beforehand, so signing is not timed) from CONCURRENCY clients at
once, and measures how many per second the node accepted (201 answered) and how many per
second reached bb's duty officer's webhook (kernel arrival stamps), from the first POST to the
last answer and to the last arrival.

    .venv/bin/python bench/federation_workers.py [--alerts 600] [--concurrency 16] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from _federation import databases, served_coordinator, warning, write_coalition
from _webhook_receiver import webhook_receiver
from tanbih import cap
from tanbih.cap.signature import sign, signing_identity
from tanbih.coalition import load_coalition

WEBHOOK_SECRET = "bench-workers-webhook-secret"  # noqa: S105 -- a loopback test receiver
WAIT_S = 600.0


async def main(alerts: int, concurrency: int, workers: list[int]) -> None:
    for n in workers:
        accepted, delivered = await run(n, alerts, concurrency)
        print(
            f"{n} worker(s): accepted {accepted:6.1f} alerts/s, "
            f"delivered {delivered:6.1f} alerts/s ({alerts} alerts, {concurrency} clients)",
            flush=True,
        )


async def run(workers: int, alerts: int, concurrency: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        async with webhook_receiver() as arrivals, databases(["coord"]) as dbs:
            layout = write_coalition(
                Path(tmp) / "c", f"http://127.0.0.1:{arrivals.port}", all_contacts=True
            )
            identity = signing_identity(
                load_coalition(layout.coalition("bb")), layout.key("bb").read_bytes()
            )
            bodies = [
                sign(cap.emit_xml(warning("bb", f"w{workers}-{n}")), identity.private_key,
                     identity.certificate)
                for n in range(alerts)
            ]  # fmt: skip
            with served_coordinator(
                layout, dbs["coord"], workers, Path(tmp), WEBHOOK_SECRET
            ) as base:
                return await _load(base, layout.tokens["bb"], bodies, concurrency, arrivals)


async def _load(base, token, bodies, concurrency, arrivals):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cap+xml"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        async with asyncio.timeout(180):
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        await asyncio.sleep(5)  # let every worker finish starting
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)
        started_ns = time.time_ns()
        started = time.monotonic()

        async def poster() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                response = await client.post("/api/v1/alerts", content=body, headers=headers)
                assert response.status_code in (200, 201), response.text

        await asyncio.gather(*(poster() for _ in range(concurrency)))
        accepted_s = time.monotonic() - started
    await arrivals.wait_for("/bb", [_identifier(b) for b in bodies], WAIT_S)
    last = max(arrivals.of("/bb").values())
    delivered_s = (last - started_ns) / 1e9
    return len(bodies) / accepted_s, len(arrivals.of("/bb")) / delivered_s


def _identifier(body: bytes) -> str:
    return cap.parse_xml(body).identifier


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    options = parser.parse_args()
    asyncio.run(main(options.alerts, options.concurrency, options.workers))
