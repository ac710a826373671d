"""CAP 1.2 codec speed on one core: parse + full validation, emission, JSON mirror.

Run: ``.venv/bin/python bench/cap_parse.py [--seconds S]`` (about 15 s at the default).
Each row times one call per sample with ``perf_counter_ns`` for a bounded time per message:
p50 and p99 per message in µs, and messages/s at the p50 and from the mean (the mean carries
every pause of a busy or shared machine: compare it with the p50 rate). "parse" is the whole
``parse_xml``: size and DOCTYPE checks, libxml2 parse, OASIS XSD validation, mapping to the
model, and every rule beyond the XSD (polygon self-intersection included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tanbih.cap import alert_from_json, alert_to_json, emit_xml, parse_xml

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cap" / "valid"
SMALL = "oasis-spec-examples/v1dot2_appendix_adot1.xml"  # 1.8 KB, the spec's A.1
WITH_POLYGON = "oasis-spec-examples/v1dot2_appendix_adot2.xml"  # 2.1 KB, one 5-point polygon


def sample(call: Callable[[], object], seconds: float, at_most: int = 200_000) -> list[int]:
    """Nanoseconds per call, for ``seconds`` or ``at_most`` calls, after a short warm-up."""
    for _ in range(20):
        call()
    times: list[int] = []
    clock = time.perf_counter_ns
    deadline = clock() + int(seconds * 1e9)
    while len(times) < at_most:
        start = clock()
        call()
        end = clock()
        times.append(end - start)
        if end > deadline:
            break
    return times


def row(name: str, size: int, times: list[int]) -> str:
    """One table row: µs p50 and p99, messages per second at the p50 and from the mean."""
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2] / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    mean_rate = 1e9 / statistics.fmean(times)
    return f"{name:<56} {size:>8,} {p50:>9.1f} {p99:>9.1f} {1e6 / p50:>9,.0f} {mean_rate:>9,.0f}"


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="time per row (default 0.5)")
    seconds = parser.parse_args().seconds
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    if not files:
        raise SystemExit(f"no corpus at {CORPUS}")
    header = ("message", "bytes", "p50 µs", "p99 µs", "msg/s@p50", "msg/s avg")
    print("{:<56} {:>8} {:>9} {:>9} {:>9} {:>9}".format(*header))
    small = (CORPUS / SMALL).read_bytes()
    polygon = (CORPUS / WITH_POLYGON).read_bytes()
    for label, data in (("small (spec A.1): parse", small), ("with polygon (A.2): parse", polygon)):
        print(row(label, len(data), sample(lambda d=data: parse_xml(d), seconds * 4)))
    alert = parse_xml(small)
    document = json.loads(json.dumps(alert_to_json(alert)))
    print(row("small (A.1): emit_xml", len(small), sample(lambda: emit_xml(alert), seconds)))
    print(
        row("small (A.1): alert_to_json", len(small), sample(lambda: alert_to_json(alert), seconds))
    )
    print(
        row(
            "small (A.1): alert_from_json",
            len(small),
            sample(lambda: alert_from_json(document), seconds),
        )
    )
    print("-- every valid corpus file: parse")
    every: list[int] = []
    for path in files:
        data = path.read_bytes()
        times = sample(lambda d=data: parse_xml(d), seconds, at_most=20_000)
        every.extend(times[:200])  # an equal share per file for the corpus line
        print(row(str(path.relative_to(CORPUS)), len(data), times))
    print(row(f"corpus, {len(files)} files, equal shares", 0, every))


if __name__ == "__main__":
    main()
