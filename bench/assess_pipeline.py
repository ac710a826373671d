"""The whole assess stage per observation: fuse, predict, decide, issue — with 1,000 threats.

Run: ``.venv/bin/python bench/assess_pipeline.py [--threats N] [--rounds R]`` (about a minute).

1,000 concurrent threats (60 % UAVs at 50 m/s, 30 % cruise missiles at 250 m/s, 10 % ballistic
missiles at 2 km/s with a reported impact point) fly towards random demo zones from a
class-typical distance; each is reported every 5 s of simulated time by its partner's sensor,
with the sensor's track id and a little position noise. The first round creates the threats;
the next rounds are the steady state that is timed: wall time per ``Assessor.observe`` call
(p50, p99), and observations per second over the rounds, on one core. Issued messages are
built (CAP model, every language) but not stored: the store's cost is measured elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert, Status
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
    args = parser.parse_args()
    asyncio.run(run(args.threats, args.rounds))


async def run(count: int, rounds: int) -> None:
    coalition = load_coalition(DEMO)
    started = time.perf_counter()
    index = ZoneIndex(coalition.zones)
    print(f"zone index over {len(coalition.zones)} zones: {time.perf_counter() - started:.2f} s")
    issued: list[Alert] = []

    async def keep(alert: Alert) -> None:
        issued.append(alert)

    assessor = Assessor(
        zones={z.id: z for z in coalition.zones},
        index=index,
        geodesy=WgsGeodesy(),
        policy=IssuancePolicy(sender=coalition.node.sender),
        publish=keep,
        region=covered_region(coalition.zones, 10.0),
    )
    geodesy, rng = WgsGeodesy(), np.random.default_rng(7)
    targets = [coalition.zones[i] for i in rng.integers(0, len(coalition.zones), count)]
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

    timings: list[float] = []
    observed = 0
    for round_number in range(rounds + 1):
        for n, threat_class, speed, lat, lon, course, impact in flights:
            at = T0 + timedelta(seconds=round_number * PERIOD_S + n * PERIOD_S / count)
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
            began = time.perf_counter()
            await assessor.observe(obs, at)
            took = time.perf_counter() - began
            if round_number:
                timings.append(took)
                observed += 1
    total = sum(timings)
    ms = np.array(timings) * 1000
    print(f"threats tracked: {len(assessor.tracked)}, messages issued: {len(issued)}")
    print("| observations | p50 ms | p99 ms | max ms | observations/s |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {observed} | {np.percentile(ms, 50):.3f} | {np.percentile(ms, 99):.3f} "
        f"| {ms.max():.1f} | {observed / total:,.0f} |"
    )


if __name__ == "__main__":
    main()
