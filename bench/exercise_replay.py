"""The replay of the Home Front Command log of 2024-10-01 19:20-20:10 (1,787 area alerts in
113 messages, up to 160 areas in one second): delivery latency percentiles, nothing lost, and
memory.

Run: ``.venv/bin/python bench/exercise_replay.py [--traced]``

The scenario ``examples/scenarios/hfc-replay-2024-10-01.yaml`` runs whole, fast-forwarded, in
this process. Latency is from a message accepted by the node to its delivery, per channel,
first attempts (the exercise clock runs with the real clock while the node works, so these are
real times). Lost: a (message, partner) pair with notifications and no delivery. Memory: this
process's peak RSS (the node and the runner share it), start-up included; with ``--traced``
also the Python heap's peak (``tracemalloc``, which slows Python two to three times: take the
latencies from a run without it).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from tanbih.exercise.injects import AlertInject
from tanbih.exercise.runner import run_scenario
from tanbih.exercise.scenario import load_scenario
from tanbih.exercise.scoring import percentile, score

REPLAY = (
    Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "hfc-replay-2024-10-01.yaml"
)


async def main(traced: bool) -> None:
    scenario = load_scenario(REPLAY)
    if traced:
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as data_dir:
        began = time.perf_counter()
        result = await run_scenario(scenario, Path(data_dir))
        wall = time.perf_counter() - began
    heap_peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    scores = score(result)
    rows = sum(i.zone_rows for i in result.timeline.injects if isinstance(i, AlertInject))
    print(f"messages {len(result.alerts)}, area alerts {rows}, wall {wall:.1f} s")
    print(f"unknown areas (no zone in the coalition): {len(result.timeline.unknown_areas)}")
    print(f"lost {scores.lost}, unmarked {scores.unmarked}, expectations met: {scores.passed}")
    print("| channel | n | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for lat in scores.latency:
        print(
            f"| {lat.kind} | {lat.count} | {lat.p50_ms:.0f} | {lat.p95_ms:.0f} | "
            f"{lat.p99_ms:.0f} | {lat.max_ms:.0f} |"
        )
    everything = [
        (d.at - r.received_at).total_seconds() * 1000
        for r in result.alerts
        for d in result.record.deliveries
        if d.alert_id == r.id and d.delivered and d.escalation_step == 0
    ]
    if everything:
        print(
            f"all channels: p50 {percentile(everything, 0.5):.0f} ms, "
            f"p99 {percentile(everything, 0.99):.0f} ms"
        )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    heap = f", Python heap peak {heap_peak / 2**20:.0f} MiB" if traced else ""
    print(f"peak RSS {peak_rss:.0f} MiB{heap}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traced", action="store_true", help="also the Python heap's peak")
    asyncio.run(main(parser.parse_args().traced))
