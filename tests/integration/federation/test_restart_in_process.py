"""A node whose bus was away: the reports it kept go out in order once the bus is back, even
across a restart (see in_process.py for the node's coalition).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from tests.fakes.http_server import loopback_listener, serve
from tests.fakes.receiver import Receiver

from tanbih.adapters.bus import MemoryBus
from tanbih.domain.federation import Kind, Topology
from tanbih.errors import BusError
from tanbih.federation import observation_wire
from tanbih.node import start_node
from tanbih.ports import BusMessage, Verdict
from tanbih.settings import Settings

from .coalition import PARTNERS, write_coalition
from .in_process import eventually, report, uav_towards_bb


class AwayBus(MemoryBus):
    """The in-process bus, refusing every publication while ``away`` (its server is down)."""

    away = True

    async def publish(
        self, subject: str, data: bytes, *, msg_id: str, headers: Mapping[str, str] | None = None
    ) -> bool:
        if self.away:
            raise BusError("the bus is away")
        return await super().publish(subject, data, msg_id=msg_id, headers=headers)


async def test_observations_kept_while_the_bus_was_away_go_out_in_order_after_a_restart(
    tmp_path: Path,
) -> None:
    """aa's node keeps three reports while the bus is away and restarts before it is back:
    once it is, the restarted node sends all three to the hub, in the order kept."""
    receiver = Receiver()
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        layout = write_coalition(tmp_path / "coalition", hooks)
        settings = Settings(
            coalition_file=layout.coalition("aa"),
            data_dir=tmp_path / "aa",
            node_secret="federation-restart-test-secret-" + "x" * 32,
            signing_key=layout.key("aa"),
            peers=PARTNERS,
        )
        bus = AwayBus(redeliver_delay=0.1)
        node = await start_node(settings, bus=bus)
        try:
            for n in range(3):
                await report(node, uav_towards_bb(10 + n))
        finally:
            await node.close()
        bus.away = False
        node = await start_node(settings, bus=bus)
        received: list[str] = []
        stop = asyncio.Event()

        async def at_the_hub(message: BusMessage) -> Verdict:
            received.append(observation_wire.decode(message.data).id)
            return Verdict.DONE

        topology = Topology()
        hub_inbox = asyncio.create_task(
            bus.consume(
                topology.inbox(Kind.OBSERVATION, "coord"),
                topology.durable(Kind.OBSERVATION, "coord"),
                at_the_hub,
                stop,
            )
        )
        try:

            async def all_three() -> list[str] | None:
                return received if len(received) >= 3 else None

            await eventually(all_three)
        finally:
            stop.set()
            await hub_inbox
            await node.close()
    assert received == ["aa-radar-10", "aa-radar-11", "aa-radar-12"]
