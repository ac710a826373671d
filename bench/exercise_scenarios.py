"""Wall time of each library scenario fast-forwarded, as CI runs them.

Run: ``.venv/bin/python bench/exercise_scenarios.py [SCENARIO ...]`` (every
``examples/scenarios/*.yaml`` when none is given; the replay whole).

Each scenario runs in this process through ``run_scenario`` (a fresh node, SQLite in a
temporary directory), one after the other. Printed per scenario: simulated seconds, wall
seconds (node start-up included, and apart), messages, deliveries, whether its expectations
were met, and the process's peak RSS so far.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from tanbih.exercise.runner import RunOptions, run_scenario
from tanbih.exercise.scenario import load_scenario
from tanbih.exercise.scoring import score

LIBRARY = Path(__file__).resolve().parent.parent / "examples" / "scenarios"


async def bench(path: Path) -> str:
    """One scenario's row of the table."""
    scenario = load_scenario(path)
    with tempfile.TemporaryDirectory() as data_dir:
        began = time.perf_counter()
        result = await run_scenario(scenario, Path(data_dir), RunOptions())
        wall = time.perf_counter() - began
    scores = score(result)
    delivered = sum(1 for d in result.record.deliveries if d.delivered)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"| `{path.name}` | {scenario.file.duration_s:.0f} | {wall:.1f} | "
        f"{len(result.alerts)} | {delivered} | {'yes' if scores.passed else 'NO'} | "
        f"{peak_mib:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.scenarios or sorted(LIBRARY.glob("*.yaml"))
    print("| scenario | simulated s | wall s | messages | deliveries | met | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for path in paths:
        print(asyncio.run(bench(path)), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
