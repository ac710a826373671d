"""The assessing worker's loop over the in-memory observation log and a lease held in memory."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.cap import Status
from tanbih.domain.coalition import Coalition
from tanbih.domain.observation import Observation
from tanbih.domain.records import ObservationOutcome
from tanbih.domain.threat import ThreatClass
from tanbih.geo.zone_index import ZoneIndex
from tanbih.pipeline.assessment import FollowTheLog

from .test_assessor import T0, Node, coalition, index

__all__ = ["coalition", "index"]  # the fixtures, used by name
WAIT_S = 10.0


class Lease:
    """Held from the first ``take`` until ``lost`` is set; never taken again after."""

    def __init__(self) -> None:
        self.news = asyncio.Event()
        self.lost = False
        self.taken = 0
        self.released = asyncio.Event()

    async def take(self) -> bool:
        self.taken += 1
        return self.taken == 1

    async def holds(self) -> bool:
        return not self.lost

    async def release(self) -> None:
        self.released.set()


async def assessed_up_to(store: MemoryStore, seq: int) -> None:
    """Wait, bounded, until the report numbered ``seq`` has an outcome."""
    async with asyncio.timeout(WAIT_S):
        while True:
            if await store.last_assessed() >= seq:
                return
            await asyncio.sleep(0.01)


def report(n: int, seconds_old: float = 0.0) -> Observation:
    return Observation(
        id=f"r{n}",
        partner_id="il",
        sensor_id="radar-1",
        time=T0 + timedelta(seconds=n - seconds_old),
        lat=32.8,
        lon=34.70 + n * 0.0006,
        alt_m=300.0,
        speed_mps=50.0,
        heading_deg=90.0,
        threat_class=ThreatClass.UAV,
        confidence=0.9,
        status=Status.EXERCISE,
        track_id="il-7",
    )


async def test_the_holder_assesses_the_log_in_order_from_after_the_last_outcome(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """Reports after the last one with an outcome are fused in log order into one threat, a
    report too old by now is marked stale, news of more wakes the loop at once, and the
    picture is kept for the other workers."""
    node = Node(coalition, index)
    node.clock.at = T0 + timedelta(seconds=5)
    store = node.store
    earlier = ObservationOutcome("t-before", "new")
    await store.record_observations([report(0), report(1), report(2, seconds_old=3600)], T0)
    await store.save_outcomes([(1, earlier)])
    lease = Lease()
    stop = asyncio.Event()
    pictures = iter(range(1, 1000))
    follow = asyncio.create_task(
        FollowTheLog(
            store, node.assessor, lease, node.clock, picture=lambda: f"picture {next(pictures)}"
        ).run(stop)
    )
    keys = [("il", f"r{n}") for n in range(4)]
    try:
        await assessed_up_to(store, 3)
        await store.record_observations([report(3)], T0)
        lease.news.set()
        await assessed_up_to(store, 4)
        outcomes = await store.observation_outcomes(keys)
    finally:
        stop.set()
        await follow
    assert outcomes[keys[0]] == earlier
    assert outcomes[keys[1]].association == "new"
    assert outcomes[keys[1]].issued
    assert outcomes[keys[2]].association == "stale"
    assert outcomes[keys[3]].association == "track_id"
    assert outcomes[keys[3]].threat_id == outcomes[keys[1]].threat_id
    assert (await store.picture() or "").startswith("picture ")


async def test_a_lost_lease_stops_the_assessing(coalition: Coalition, index: ZoneIndex) -> None:
    """Once its lease is lost the worker gives it up, says so, and assesses nothing more."""
    node = Node(coalition, index)
    lease = Lease()
    stop = asyncio.Event()
    held: list[bool] = []
    taken = asyncio.Event()

    def lease_changed(holds: bool) -> None:
        held.append(holds)
        taken.set()

    follow = asyncio.create_task(
        FollowTheLog(node.store, node.assessor, lease, node.clock, lease_changed).run(stop)
    )
    try:
        async with asyncio.timeout(WAIT_S):
            await taken.wait()
        lease.lost = True
        lease.news.set()
        async with asyncio.timeout(WAIT_S):
            await lease.released.wait()
        await node.store.record_observations([report(0)], T0)
        lease.news.set()
        await asyncio.sleep(0)
    finally:
        stop.set()
        await follow
    assert await node.store.last_assessed() == 0
    assert held == [True, False]
