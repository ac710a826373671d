"""The whole assess stage per observation: fuse, predict, decide, issue — with 1,000 threats.

Run: ``.venv/bin/python bench/assess_pipeline.py [--threats N] [--rounds R] [--zones Z]`` (about
a minute).

1,000 concurrent threats (60 % UAVs at 50 m/s, 30 % cruise missiles at 250 m/s, 10 % ballistic
missiles at 2 km/s with a reported impact point) fly towards random demo zones from a
class-typical distance; each is reported every 5 s of simulated time by its partner's sensor,
with the sensor's track id and a little position noise. The first round creates the threats;
the next rounds are the steady state that is timed: wall-clock and CPU time (this thread's) per
``Assessor.observe`` call (p50, p99), and observations per second over the rounds, on one core;
then the same by what the report caused: a new prediction, a message, neither. Before each
report, the reviews that came due are run as ``tanbih serve``'s review loop runs them (zones
whose shelter time came, held early warnings, threats presumed lost) and timed apart; the last
line counts reports per CPU second of reports and reviews together. ``--no-reviews`` leaves
them to the next report of each threat (the earlier method: reports then bear that work).
Issued messages are built (CAP model, every language) but not stored: the store's cost is
measured elsewhere.
As in a long-running node (``tanbih serve``), the start-up objects are frozen out of the
garbage collector's sight before the reports start. ``--zones Z`` replaces the demo's zones by
Z Israeli ones, sampled or copied as ``assess_geo.py`` does (same density), to see how the stage
grows with the zones.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from assess_geo import grown
from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert, Status
from tanbih.domain.coalition import Zone
from tanbih.domain.expiry import covered_region
from tanbih.domain.issuance import IssuancePolicy
from tanbih.domain.observation import Observation
from tanbih.domain.threat import Impact, ThreatClass
from tanbih.geo import WgsGeodesy, ZoneIndex
from tanbih.pipeline.assess import Assessor

DEMO = Path(__file__).resolve().parents[1] / "examples" / "coalition" / "coalition.yaml"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
MIX = (
    (0.6, ThreatClass.UAV, 50.0, (20.0, 150.0)),
    (0.3, ThreatClass.CRUISE_MISSILE, 250.0, (50.0, 300.0)),
    (0.1, ThreatClass.BALLISTIC_MISSILE, 2_000.0, (300.0, 1_200.0)),
)
PERIOD_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threats", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--zones", type=int, help="Israeli zones sampled or copied, not the demo's")
    parser.add_argument("--no-reviews", action="store_true", help="no review between reports")
    args = parser.parse_args()
    asyncio.run(run(args.threats, args.rounds, args.zones, reviews=not args.no_reviews))


Flight = tuple[int, ThreatClass, float, float, float, float, Impact | None]


def make_flights(zones: Sequence[Zone], count: int, rng: np.random.Generator) -> list[Flight]:
    """``count`` flights (n, class, speed, start lat, lon, course, impact) at random zones."""
    geodesy = WgsGeodesy()
    targets = [zones[i] for i in rng.integers(0, len(zones), count)]
    flights = []
    for n, zone in enumerate(targets):
        share = rng.random()
        _, threat_class, speed, (near, far) = next(
            m for m, acc in zip(MIX, np.cumsum([m[0] for m in MIX]), strict=True) if share <= acc
        )
        lat0, lon0 = zone.rings[0][0]
        heading = rng.uniform(0, 360)
        lat, lon = geodesy.forward(lat0, lon0, heading, rng.uniform(near, far) * 1000)
        course, distance = geodesy.inverse(lat, lon, lat0, lon0)
        impact = None
        if threat_class is ThreatClass.BALLISTIC_MISSILE:
            impact = Impact(lat0, lon0, 2_000.0, T0 + timedelta(seconds=distance / speed))
        flights.append((n, threat_class, speed, lat, lon, course % 360, impact))
    return flights


async def run(
    count: int, rounds: int, zone_count: int | None = None, *, reviews: bool = True
) -> None:
    coalition = load_coalition(DEMO)
    zones = coalition.zones
    if zone_count is not None:
        israeli = [zone for zone in zones if zone.partner_id == "il"]
        zones = tuple(grown(israeli, zone_count, np.random.default_rng(2026)))
    started = time.perf_counter()
    index = ZoneIndex(zones)
    print(f"zone index over {len(zones)} zones: {time.perf_counter() - started:.2f} s")
    issued: list[str] = []

    async def keep(alert: Alert) -> None:
        # Only the identifier is kept: a node stores its messages and lets them go.
        issued.append(alert.identifier)

    assessor = Assessor(
        zones={z.id: z for z in zones},
        index=index,
        geodesy=WgsGeodesy(),
        policy=IssuancePolicy(sender=coalition.node.sender),
        publish=keep,
        region=covered_region(zones, 10.0),
    )
    geodesy, rng = WgsGeodesy(), np.random.default_rng(7)
    flights = make_flights(zones, count, rng)
    # The start-up objects (coalition, zone index, the zones' CAP areas) live as long as the
    # process: a long-running node freezes them out of the collector's sight (api/app.py).
    gc.collect()
    gc.freeze()
    timings: list[tuple[float, float, str]] = []
    review_timings: list[tuple[float, float]] = []
    threat_of: dict[int, str] = {}
    for round_number in range(rounds + 1):
        for n, threat_class, speed, lat, lon, course, impact in flights:
            at = T0 + timedelta(seconds=round_number * PERIOD_S + n * PERIOD_S / count)
            while reviews and (due := assessor.next_review()) is not None and due <= at:
                began, cpu_began = time.perf_counter(), time.thread_time()
                await assessor.review(due)
                took, cpu_took = time.perf_counter() - began, time.thread_time() - cpu_began
                if round_number:
                    review_timings.append((took, cpu_took))
            flown = speed * (at - T0).total_seconds()
            here = geodesy.forward(lat, lon, course, flown)
            obs = Observation(
                id=f"{n}-{round_number}",
                partner_id="il",
                sensor_id="bench",
                time=at,
                lat=here[0] + rng.normal(0, 0.0003),
                lon=here[1] + rng.normal(0, 0.0003),
                alt_m=1000.0,
                speed_mps=speed,
                heading_deg=course,
                threat_class=threat_class,
                confidence=0.9,
                status=Status.EXERCISE,
                track_id=f"trk-{n}",
                impact=impact,
            )
            known = assessor.threat(threat_of.get(n, ""))
            basis = None if known is None else known.predicted_from
            began, cpu_began = time.perf_counter(), time.thread_time()
            outcome = await assessor.observe(obs, at)
            took, cpu_took = time.perf_counter() - began, time.thread_time() - cpu_began
            threat_of[n] = outcome.threat_id
            if round_number:
                after = assessor.threat(outcome.threat_id)
                predicted = after is not None and after.predicted_from is not basis
                kind = "message" if outcome.issued else "prediction" if predicted else ""
                timings.append((took, cpu_took, kind))
    print(f"threats tracked: {len(assessor.tracked)}, messages issued: {len(issued)}")
    print_table(timings, review_timings)


def print_table(
    timings: Sequence[tuple[float, float, str]], review_timings: Sequence[tuple[float, float]]
) -> None:
    """Wall-clock and CPU percentiles, for all reports and by what they caused, then reviews
    (share: per report) and reports per CPU second of both."""
    print(
        "| reports | share | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms "
        "| per s | per CPU s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    wall = np.array([t[0] for t in timings]) * 1000
    cpu = np.array([t[1] for t in timings]) * 1000
    kind = np.array([t[2] for t in timings])
    review_cpu = np.array([t[1] for t in review_timings]) * 1000
    rows = [
        ("all", wall, cpu, 1.0),
        *(
            (label, wall[kind == chosen], cpu[kind == chosen], (kind == chosen).mean())
            for label, chosen in (
                ("with a message", "message"),
                ("with a new prediction, no message", "prediction"),
                ("neither", ""),
            )
        ),
    ]
    if review_timings:
        reviewed = np.array([t[0] for t in review_timings]) * 1000
        rows.append(("reviews between reports", reviewed, review_cpu, reviewed.size / wall.size))
    for label, w, c, share in rows:
        if not w.size:
            continue
        print(
            f"| {label} | {share:.1%} | {np.percentile(w, 50):.3f} "
            f"| {np.percentile(w, 99):.3f} | {w.max():.1f} | {np.percentile(c, 50):.3f} "
            f"| {np.percentile(c, 99):.3f} | {w.size / (w.sum() / 1000):,.0f} "
            f"| {c.size / (c.sum() / 1000):,.0f} |"
        )
    both = (cpu.sum() + review_cpu.sum()) / 1000
    print(f"\nreports per CPU second of reports and reviews: {cpu.size / both:,.0f}")


if __name__ == "__main__":
    main()
