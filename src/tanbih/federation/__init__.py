"""Links between nodes: each partner's node, the coordinator's hub, over NATS or HTTPS.

:func:`start_links` joins a node to its peers when its settings name any (``TANBIH_PEERS``,
``TANBIH_HTTPS_PEERS``): the outbound link sends what the node accepted and the observations
its partner's sensors reported to the peers entitled to them (:mod:`tanbih.domain.federation`
decides who, :mod:`tanbih.domain.redaction` what they see), and the inbound link consumes what
peers address to the node. See docs/operations.md for running a coalition of nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from tanbih.adapters.bus import JetStreamOptions, open_bus
from tanbih.cap.signature import SigningIdentity, signing_identity
from tanbih.domain.federation import Federation, Kind, Topology
from tanbih.domain.observation import Observation
from tanbih.domain.releasability import EVERYTHING_SHARED
from tanbih.errors import BusError
from tanbih.federation import observation_wire
from tanbih.federation.https_peer import HttpsPeer
from tanbih.federation.inbound import Inbound
from tanbih.federation.outbound import Outbound
from tanbih.federation.seal import seal
from tanbih.pipeline.accept import AcceptAlert
from tanbih.ports import Bus

if TYPE_CHECKING:
    from tanbih.node import Node

log = logging.getLogger(__name__)

_RETRY_S = 1.0


@dataclass(slots=True)
class Links:
    """A node's links to its peers, running as tasks of the node."""

    federation: Federation
    outbound: Outbound
    inbound: Inbound
    identity: SigningIdentity | None
    _reports: asyncio.Queue[Observation] = field(default_factory=asyncio.Queue)

    def observed(self, observations: Sequence[Observation]) -> None:
        """Send these reports of this node's sensors to the peers entitled to them."""
        for obs in observations:
            self._reports.put_nowait(obs)

    async def send_observations(self, stop: asyncio.Event) -> None:
        """Publish queued observations in order, each until the bus takes it."""
        while not stop.is_set():
            obs = await _next_or_stop(self._reports, stop)
            if obs is None:
                return
            recipients = self.federation.observation_recipients(obs.partner_id, obs.status)
            data = observation_wire.encode(obs)
            headers = seal(data, self.identity) if self.identity is not None else {}
            for recipient in recipients:
                await self._publish_observation(obs, recipient, data, headers, stop)

    async def _publish_observation(
        self,
        obs: Observation,
        recipient: str,
        data: bytes,
        headers: dict[str, str],
        stop: asyncio.Event,
    ) -> None:
        key = f"{Kind.OBSERVATION}.{recipient}.{obs.partner_id}.{obs.id}"
        while not stop.is_set():
            try:
                await self.outbound.publish(
                    Kind.OBSERVATION,
                    recipient,
                    obs.threat_class.value,
                    data,
                    key,
                    self.federation.own,
                    headers,
                )
                return
            except BusError as exc:
                log.warning("sending observation %s failed (%s); trying again", obs.id, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _RETRY_S)


async def _next_or_stop(
    reports: asyncio.Queue[Observation], stop: asyncio.Event
) -> Observation | None:
    """The next queued report, or ``None`` once ``stop`` is set first (closing waits on it)."""
    report = asyncio.ensure_future(reports.get())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((report, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not report.done():
            report.cancel()
    return report.result() if report.done() and not report.cancelled() else None


async def start_links(node: Node, bus: Bus | None = None) -> Links | None:
    """Join ``node`` to its peers, or ``None`` when its settings name none.

    ``bus`` replaces the one the settings choose (tests run several nodes on one in-process bus).
    """
    settings, coalition = node.settings, node.coalition
    peers = frozenset(settings.peers) | frozenset(settings.https_peers)
    if not peers:
        return None
    own = coalition.node.partner_id
    topology = Topology(settings.bus_prefix)
    if bus is None:
        options = JetStreamOptions(
            ack_wait=settings.bus_ack_wait, inbox_prefix=settings.bus_inbox, name=f"tanbih-{own}"
        )
        bus = await open_bus(settings.bus_url, topology.streams(), options)
        node.resources.push_async_callback(bus.close)
    client = httpx.AsyncClient(timeout=10.0)
    node.resources.push_async_callback(client.aclose)
    https = {
        partner: HttpsPeer(partner, url, token, client)
        for partner, (url, token) in settings.https_peers.items()
    }
    coordinator = coalition.coordinator
    agreement = coalition.agreement
    federation = Federation(
        own=own,
        coordinator=None if coordinator is None else coordinator.id,
        peers=peers,
        matrix=EVERYTHING_SHARED if agreement is None else agreement.sharing,
    )

    outbound = Outbound(
        store=node.store,
        bus=bus,
        topology=topology,
        federation=federation,
        coalition=coalition,
        releasability=node.releasability,
        signatures=node.signatures,
        clock=node.clock,
        https=https,
        wake=node.wakers.federate,
    )
    inbound = Inbound(
        own=own,
        bus=bus,
        topology=topology,
        coalition=coalition,
        signatures=node.signatures,
        accept=node.accept,
        history=AcceptAlert(node.store, node.clock, recorded=lambda _: node.wakers.federate.set()),
        store=node.store,
        observe=node.assessment.received,
        clock=node.clock,
    )
    key_pem = settings.signing_key.read_bytes() if settings.signing_key else None
    identity = None if key_pem is None else signing_identity(coalition, key_pem)
    links = Links(federation, outbound, inbound, identity)
    node.tasks += [
        asyncio.create_task(outbound.run(node.stop)),
        asyncio.create_task(inbound.run(node.stop)),
        asyncio.create_task(links.send_observations(node.stop)),
    ]
    log.info("node %s linked to %s over %s", own, sorted(peers), settings.bus_url or "memory")
    return links


__all__ = ["Links", "start_links"]
