"""Three nodes (hub, aa, bb) in one process on one in-process bus, each with its own SQLite.

The same link code runs over NATS in test_coalition_processes.py; here it is quick enough to
pin the rules one by one (test_links_in_process.py, test_acks_in_process.py,
test_restart_in_process.py). This module holds what they share: the nodes, a report, and
waiting for what a node should come to hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tanbih.adapters.bus import MemoryBus
from tanbih.domain.cap import Status
from tanbih.domain.observation import Observation
from tanbih.domain.records import AlertQuery, AlertRecord
from tanbih.domain.threat import ThreatClass
from tanbih.node import Node, start_node
from tanbih.settings import Settings

from .coalition import PARTNERS, Layout, write_coalition

WAIT_S = 30.0
T = TypeVar("T")


@dataclass
class Coalition:
    bus: MemoryBus
    nodes: dict[str, Node]
    layout: Layout


async def eventually(probe: Callable[[], Awaitable[T | None]]) -> T:
    """Poll ``probe`` until it returns something, bounded by ``WAIT_S``."""
    async with asyncio.timeout(WAIT_S):
        while True:
            found = await probe()
            if found:
                return found
            await asyncio.sleep(0.02)


async def three_nodes(tmp_path: Path, hooks: str) -> AsyncIterator[Coalition]:
    layout = write_coalition(tmp_path / "coalition", hooks)
    bus = MemoryBus(redeliver_delay=0.1)
    nodes: dict[str, Node] = {}
    try:
        for partner in PARTNERS:
            settings = Settings(
                coalition_file=layout.coalition(partner),
                data_dir=tmp_path / partner,
                node_secret=f"federation-test-secret-of-{partner}-" + "x" * 32,
                signing_key=layout.key(partner),
                peers=PARTNERS,
            )
            nodes[partner] = await start_node(settings, bus=bus)
        yield Coalition(bus, nodes, layout)
    finally:
        for node in nodes.values():
            await node.close()


def uav_towards_bb(seq: int = 0, at: datetime | None = None) -> Observation:
    """aa's radar sees a drone 12 km south of bb's zone, flying north at 60 m/s (now, unless
    ``at``)."""
    return Observation(
        id=f"aa-radar-{seq}",
        partner_id="aa",
        sensor_id="aa-radar",
        time=at or datetime.now(UTC),
        lat=30.9,
        lon=35.1,
        alt_m=300.0,
        speed_mps=60.0,
        heading_deg=0.0,
        threat_class=ThreatClass.UAV,
        confidence=0.9,
        status=Status.EXERCISE,
        track_id="aa-7",
    )


async def report(node: Node, obs: Observation) -> None:
    """What ``POST /api/v1/observations`` does with one fresh report."""
    await node.store.record_observations([obs], node.clock.now())
    assert node.links is not None
    node.links.reports_kept()
    await node.assessor.observe(obs, node.clock.now())


async def messages(node: Node, sender: str) -> list[AlertRecord]:
    return await node.store.search(AlertQuery(sender=sender, limit=1000))
