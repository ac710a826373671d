"""Links between nodes: each partner's node, the coordinator's hub, over NATS or HTTPS.

:func:`start_links` joins a node to its peers when its settings name any (``TANBIH_PEERS``,
``TANBIH_HTTPS_PEERS``): the outbound link sends what the node accepted (following the event
log) and the observations its partner's sensors reported (following the observation log) to
the peers entitled to them (:mod:`tanbih.domain.federation`
decides who, :mod:`tanbih.domain.redaction` what they see), and the inbound link consumes what
peers address to the node. See docs/operations.md for running a coalition of nodes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from tanbih.adapters.bus import JetStreamOptions, open_bus
from tanbih.cap.signature import SigningIdentity, signing_identity
from tanbih.domain.federation import Federation, Kind, Topology
from tanbih.domain.observation import Observation
from tanbih.domain.releasability import EVERYTHING_SHARED
from tanbih.errors import BusError, StoreError
from tanbih.federation import observation_wire
from tanbih.federation.https_peer import HttpsPeer
from tanbih.federation.inbound import Inbound
from tanbih.federation.outbound import Outbound
from tanbih.federation.seal import seal
from tanbih.pipeline.accept import AcceptAlert
from tanbih.pipeline.waiting import either
from tanbih.ports import Bus, ObservationLog

if TYPE_CHECKING:
    from tanbih.node import Node

log = logging.getLogger(__name__)

_RETRY_S = 1.0
_POLL_S = 1.0
_PAGE = 500
# The outbound link's place in the observation log.
OBSERVATIONS_CURSOR = "federation"


@dataclass(slots=True)
class Links:
    """A node's links to its peers, running as tasks of the node."""

    federation: Federation
    outbound: Outbound
    inbound: Inbound
    identity: SigningIdentity | None
    log: ObservationLog
    _kept: asyncio.Event = field(default_factory=asyncio.Event)

    def reports_kept(self) -> None:
        """Reports were just kept in the observation log: send those peers are entitled to."""
        self._kept.set()

    async def observations_place(self) -> int:
        """Where in the observation log sending starts: the saved place; on the first start,
        the log's head, saved at once, so reports kept from then on are sent however long
        the bus stays away."""
        saved = await self.log.cursor(OBSERVATIONS_CURSOR)
        if saved is not None:
            return saved
        head = await self.log.observation_head()
        await self.log.advance_cursor(OBSERVATIONS_CURSOR, head)
        return head

    async def send_observations(self, cursor: int, stop: asyncio.Event) -> None:
        """Follow the observation log after ``cursor`` and publish each report of this node's
        partners to the peers entitled to it, in log order, each until the bus takes it.

        The place in the log is saved after each page (``OBSERVATIONS_CURSOR``): a node that
        restarts, or whose bus was away, goes on from there; what it sent twice the bus (by
        ``Nats-Msg-Id``) and the receivers (by partner and report id) drop.
        """
        while not stop.is_set():
            self._kept.clear()
            try:
                page = await self.log.observations_after(cursor, _PAGE)
            except StoreError:
                log.exception("reading the observation log failed; trying again")
                page = []
            for entry in page:
                await self._send(entry.observation, stop)
                if stop.is_set():
                    return
                cursor = entry.seq
            if page:
                await self._save(cursor)
            if len(page) < _PAGE:
                await either(self._kept, stop, _POLL_S)

    async def _save(self, cursor: int) -> None:
        try:
            await self.log.advance_cursor(OBSERVATIONS_CURSOR, cursor)
        except StoreError:
            # Not lost: the next page saves further, or a restart sends these again.
            log.exception("saving the observation log's place failed")

    async def _send(self, obs: Observation, stop: asyncio.Event) -> None:
        recipients = self.federation.observation_recipients(obs.partner_id, obs.status)
        if not recipients:
            return  # a peer's report, received over a link: never passed on
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
                await either(stop, stop, _RETRY_S)


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
    links = Links(federation, outbound, inbound, identity, node.store)
    observations_from = await links.observations_place()
    alerts_from = await outbound.start()
    node.tasks += [
        asyncio.create_task(outbound.run(node.stop, alerts_from)),
        asyncio.create_task(inbound.run(node.stop)),
        asyncio.create_task(links.send_observations(observations_from, node.stop)),
    ]
    log.info("node %s linked to %s over %s", own, sorted(peers), settings.bus_url or "memory")
    return links


__all__ = ["Links", "start_links"]
