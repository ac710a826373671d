"""Reports through one node run as 1 and 2 worker processes (PostgreSQL): answer time, and
how many threats the reports of each drone made.

``tanbih serve --workers N`` on a database of its own. DRONES clients post at once, each the
REPORTS reports of its own drone (one a second of sensor time, heading for bb's zone), one
after another, through the shared port (the kernel picks the worker). With several workers
every report is kept by the worker that took it and assessed by the one holding the
assessor's lease, and the answer waits for that outcome. Prints the POST answer times, the
reports per second, the threats made per drone (1 is right) and the answers ``queued``.

    .venv/bin/python bench/assessor_workers.py [--drones 8] [--reports 40] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from _federation import databases, served_coordinator, write_coalition
from _loopback import percentile
from _webhook_receiver import webhook_receiver

WEBHOOK_SECRET = "bench-assessor-webhook-secret"  # noqa: S105 -- a loopback test receiver


async def main(drones: int, reports: int, workers: list[int]) -> None:
    for n in workers:
        times, elapsed, threats, queued = await run(n, drones, reports)
        print(
            f"{n} worker(s): answer p50 {percentile(times, 50) * 1000:6.1f} ms "
            f"p99 {percentile(times, 99) * 1000:6.1f} ms, {len(times) / elapsed:6.1f} reports/s, "
            f"threats per drone {sorted(set(threats))}, queued {queued} "
            f"({drones} drones x {reports} reports)",
            flush=True,
        )


async def run(workers: int, drones: int, reports: int) -> tuple[list[float], float, list[int], int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with webhook_receiver() as arrivals, databases(["coord"]) as dbs:
            layout = write_coalition(
                Path(tmp) / "c", f"http://127.0.0.1:{arrivals.port}", all_contacts=True
            )
            with served_coordinator(
                layout, dbs["coord"], workers, Path(tmp), WEBHOOK_SECRET
            ) as base:
                return await _load(base, layout.tokens["aa"], drones, reports)


async def _load(
    base: str, token: str, drones: int, reports: int
) -> tuple[list[float], float, list[int], int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=drones, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async with asyncio.timeout(180):
            while True:
                try:
                    if (await client.get("/healthz", headers=headers)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        await asyncio.sleep(5)  # let every worker finish starting
        times: list[float] = []
        queued = 0
        now = datetime.now(UTC) - timedelta(seconds=reports)  # the last report is now

        async def drone(d: int) -> int:
            nonlocal queued
            threats = set()
            for n in range(reports):
                body = _report(d, n, now)
                started = time.monotonic()
                # No keep-alive: each report may reach another worker.
                response = await client.post("/api/v1/observations", json=body, headers=headers)
                times.append(time.monotonic() - started)
                assert response.status_code == 200, response.text
                [result] = response.json()
                queued += result["association"] == "queued"
                if result["threat"]:
                    threats.add(result["threat"])
            return len(threats)

        started = time.monotonic()
        threats = await asyncio.gather(*(drone(d) for d in range(drones)))
        return times, time.monotonic() - started, threats, queued


def _report(drone: int, n: int, start: datetime) -> dict[str, object]:
    """Report ``n`` of ``drone``: spread west to east, each flying north at 60 m/s."""
    return {
        "id": f"d{drone}-{n}",
        "sensor": "aa-radar",
        "time": (start + timedelta(seconds=n)).isoformat(),
        "position": {"lat": 30.85 + n * 60 / 111_000, "lon": 34.6 + drone * 0.1, "altM": 300},
        "velocity": {"speedMps": 60, "headingDeg": 0},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": f"d{drone}",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drones", type=int, default=8)
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    asyncio.run(main(options.drones, options.reports, options.workers))
