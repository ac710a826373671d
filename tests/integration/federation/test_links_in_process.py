"""Three nodes (hub, aa, bb) in one process on one in-process bus, each with its own SQLite.

The same link code runs over NATS in test_coalition_processes.py; here it is quick enough to
pin the rules one by one: relay through the hub without the source, signatures checked on
every inbound message, history instead of alarms for what expired on the way.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from tests.fakes.http_server import loopback_listener, serve
from tests.fakes.receiver import Received, Receiver

from tanbih import cap
from tanbih.adapters.bus import MemoryBus
from tanbih.api.observation_models import ObservationJson
from tanbih.domain.cap import Alert, MsgType, Scope, Status
from tanbih.domain.federation import Kind, Topology
from tanbih.domain.observation import Observation
from tanbih.domain.records import AlertQuery, AlertRecord
from tanbih.domain.threat import ThreatClass
from tanbih.errors import BusError
from tanbih.federation import observation_wire
from tanbih.node import Node, start_node
from tanbih.ports import BusMessage, Verdict
from tanbih.settings import Settings

from .coalition import PARTNERS, SENDERS, Layout, write_coalition

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


@pytest.fixture
async def coalition(tmp_path: Path) -> AsyncIterator[Coalition]:
    receiver = Receiver()  # every duty officer's webhook answers: no delivery left retrying
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        async for running in _three_nodes(tmp_path, hooks):
            yield running


async def _three_nodes(tmp_path: Path, hooks: str) -> AsyncIterator[Coalition]:
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


def uav_towards_bb(seq: int = 0) -> Observation:
    """aa's radar sees a drone 12 km south of bb's zone, flying north at 60 m/s."""
    return Observation(
        id=f"aa-radar-{seq}",
        partner_id="aa",
        sensor_id="aa-radar",
        time=datetime.now(UTC),
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


async def test_an_observation_at_aa_warns_bb_through_the_hub_without_its_source(
    coalition: Coalition,
) -> None:
    """aa's report reaches the hub, whose warning reaches bb in the hub's name only, and bb's
    duty officer is notified; nothing from aa reaches bb directly."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb())
    at_bb = await eventually(lambda: messages(nodes["bb"], SENDERS["coord"]))
    assert await nodes["coord"].store.observation_count() == 1
    warning = cap.parse_xml(at_bb[0].xml)
    # An opaque digest: nothing of the source's identifier (or a hex "aa" by chance) to read.
    assert re.fullmatch("tanbih-relay-[0-9a-f]{32}", warning.identifier)
    text = at_bb[0].xml.decode()
    for trace_of_the_source in (SENDERS["aa"], "aa-radar", "aa-7"):
        assert trace_of_the_source not in text
    assert await messages(nodes["bb"], SENDERS["aa"]) == []
    notified = await eventually(lambda: nodes["bb"].store.notifications(partner_id="bb"))
    # Every warning bb's duty officer is told of came from the hub (more may have arrived).
    from_hub = {r.id for r in await messages(nodes["bb"], SENDERS["coord"])}
    assert {n.alert_id for n in notified} <= from_hub
    # bb keeps no copy of the observation: the hub never passes one on.
    assert await nodes["bb"].store.observation_count() == 0


async def test_the_hub_gets_aa_s_own_warning_whole_and_signed_by_aa(
    coalition: Coalition,
) -> None:
    """aa's node issues its own warning; the hub (full sharing) stores aa's signed bytes."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb(1))
    own = await eventually(lambda: messages(nodes["aa"], SENDERS["aa"]))
    at_hub = await eventually(lambda: messages(nodes["coord"], SENDERS["aa"]))
    assert at_hub[0].xml == own[0].xml


async def test_a_tampered_message_is_refused_and_written_to_the_audit_log(
    coalition: Coalition,
) -> None:
    """A signed warning altered on the bus is refused at bb, never stored, and audited."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb(2))
    original = (await eventually(lambda: messages(nodes["aa"], SENDERS["aa"])))[0]
    tampered = original.xml.replace(b"<status>Exercise</status>", b"<status>Actual</status>")
    assert tampered != original.xml
    topology = Topology()
    await coalition.bus.publish(
        topology.subject(Kind.ALERT, "coord", "security"),
        tampered,
        msg_id="tampered-1",
        headers={"Tanbih-From": "aa", "Tanbih-Path": "aa"},
    )

    async def refusal() -> list[str]:
        events = await nodes["coord"].store.events(0, 10_000)
        return [str(e.data["reason"]) for e in events if e.kind == "link.refused"]

    reasons = await eventually(refusal)
    assert "signature refused" in reasons[0]
    stored = await messages(nodes["coord"], SENDERS["aa"])
    assert all(b"<status>Actual</status>" not in r.xml for r in stored)


async def test_a_message_that_expired_on_the_way_is_history_not_an_alarm(
    coalition: Coalition, tmp_path: Path
) -> None:
    """A signed Alert whose expiry passed before it arrived is stored at bb without notifying."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb(3))
    live = (await eventually(lambda: messages(nodes["aa"], SENDERS["aa"])))[0]
    alert = cap.parse_xml(live.xml)
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    infos = tuple(
        replace(info, effective=past, onset=past, expires=past + timedelta(minutes=30))
        for info in alert.infos
    )
    old = replace(alert, identifier="old-1", sent=past, infos=infos)
    xml = nodes["aa"].signatures.sign(cap.emit_xml(old))
    inbound = nodes["bb"].links
    assert inbound is not None
    message = BusMessage("tanbih.cap.bb.security", xml, "old-1", {"Tanbih-From": "aa"}, 1, 1)
    assert await inbound.inbound.cap(message) is Verdict.DONE
    stored = [r for r in await messages(nodes["bb"], SENDERS["aa"]) if r.key.identifier == "old-1"]
    assert len(stored) == 1
    assert stored[0].msg_type is MsgType.ALERT
    assert await nodes["bb"].store.notifications(alert_id=stored[0].id) == []


async def test_a_link_over_https_posts_signed_cap_to_the_peers_alerts_endpoint(
    tmp_path: Path,
) -> None:
    """Where a peer is reached over HTTPS, what it is entitled to is posted with the token it
    issued: to its /api/v1/alerts as the signed CAP its sender emitted, and aa's report to its
    /api/v1/observations as the API takes it."""
    receiver = Receiver()
    async with serve(receiver.app, listener=loopback_listener()) as peer_url:
        # aa's duty officer's webhook answers too, so no delivery keeps retrying at close.
        layout = write_coalition(tmp_path / "coalition", peer_url)
        settings = Settings(
            coalition_file=layout.coalition("aa"),
            data_dir=tmp_path / "aa",
            node_secret="federation-https-test-secret-" + "x" * 32,
            signing_key=layout.key("aa"),
            https_peers={"coord": (peer_url, "token-coord-issued-to-aa")},
        )
        node = await start_node(settings, bus=MemoryBus())
        signatures = node.signatures
        reported = uv_towards_bb_for_https()
        try:
            await report(node, reported)

            async def posted() -> list[Received]:
                return [r for r in receiver.requests if r.path == "/api/v1/alerts"]

            async def observed() -> list[Received]:
                return [r for r in receiver.requests if r.path == "/api/v1/observations"]

            request = (await eventually(posted))[0]
            observation = (await eventually(observed))[0]
        finally:
            await node.close()
    assert observation.method == "POST"
    assert observation.headers["authorization"] == "Bearer token-coord-issued-to-aa"
    assert ObservationJson.model_validate_json(observation.body).to_domain("aa") == reported
    assert request.method == "POST"
    assert request.path == "/api/v1/alerts"
    assert request.headers["authorization"] == "Bearer token-coord-issued-to-aa"
    assert request.headers["content-type"] == "application/cap+xml"
    alert = cap.parse_xml(request.body)
    assert alert.sender == SENDERS["aa"]
    verdict = signatures.verify(cap.parse_document(request.body), datetime.now(UTC))
    assert verdict.accepted, verdict.message


def uv_towards_bb_for_https() -> Observation:
    return replace(uav_towards_bb(9), id="aa-radar-https", track_id="aa-https")


async def test_aa_s_ack_of_the_hub_s_warning_goes_back_to_the_hub_only(
    coalition: Coalition,
) -> None:
    """A CAP Ack aa posts for the hub's warning (which aa holds whole) reaches the hub's node
    over the ack stream and is accepted there as aa's acknowledgement; bb hears nothing of it."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb(4))
    held = await eventually(lambda: messages(nodes["aa"], SENDERS["coord"]))
    warning = cap.parse_xml(held[0].xml)
    ack = Alert(
        identifier="aa-ack-1",
        sender=SENDERS["aa"],
        sent=max(datetime.now(UTC).replace(microsecond=0), warning.sent),
        status=warning.status,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        references=(warning.key,),
    )
    aa = nodes["aa"]
    partner = aa.coalition.partner("aa")
    assert partner is not None
    await aa.accept(ack, aa.signatures.sign(cap.emit_xml(ack)), partner)

    async def acks_at_hub() -> list[AlertRecord]:
        held = await messages(nodes["coord"], SENDERS["aa"])
        return [r for r in held if r.msg_type is MsgType.ACK]

    at_hub = await eventually(acks_at_hub)
    assert [r.key.identifier for r in at_hub] == ["aa-ack-1"]
    bb_held = await messages(nodes["bb"], SENDERS["aa"])
    assert all(r.key.identifier != "aa-ack-1" for r in bb_held)


async def test_bb_s_ack_of_a_relayed_copy_acknowledges_the_original_and_reaches_aa_anonymised(
    coalition: Coalition,
) -> None:
    """bb acknowledges aa's warning by the identifier of the copy the hub relayed it: the hub
    takes it as bb's acknowledgement of aa's original (no refusal), and aa's node hears of it
    as an Ack of its own warning in the hub's name, with nothing of bb."""
    nodes = coalition.nodes
    hub, aa, bb = nodes["coord"], nodes["aa"], nodes["bb"]
    await report(aa, uav_towards_bb(5))
    own = (await eventually(lambda: messages(aa, SENDERS["aa"])))[0]

    async def copy_of_aa_s_warning_at_bb() -> AlertRecord | None:
        held = await messages(bb, SENDERS["coord"])
        originals = await hub.store.originals((r.key.sender, r.key.identifier) for r in held)
        stands_for = {key: original.id for key, original in originals.items()}
        return next((r for r in held if stands_for.get(_key(r)) == own.id), None)

    copy = cap.parse_xml((await eventually(copy_of_aa_s_warning_at_bb)).xml)
    ack = Alert(
        identifier="bb-ack-1",
        sender=SENDERS["bb"],
        sent=max(datetime.now(UTC).replace(microsecond=0), copy.sent),
        status=copy.status,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        references=(copy.key,),
    )
    partner = bb.coalition.partner("bb")
    assert partner is not None
    await bb.accept(ack, bb.signatures.sign(cap.emit_xml(ack)), partner)

    thread_at_hub = (await hub.store.get(own.id) or own).thread_id

    async def acknowledged_by_bb_at_hub() -> list[str]:
        return [a.partner_id for a in await hub.store.acknowledgements(thread_at_hub)]

    assert "bb" in await eventually(acknowledged_by_bb_at_hub)

    async def acks_at_aa() -> list[AlertRecord]:
        held = await messages(aa, SENDERS["coord"])
        return [r for r in held if r.msg_type is MsgType.ACK]

    [passed_on] = await eventually(acks_at_aa)
    assert cap.parse_xml(passed_on.xml).references == (own.key,)
    for trace_of_bb in (SENDERS["bb"], "bb-ack-1", copy.identifier):
        assert trace_of_bb not in passed_on.xml.decode()
    assert passed_on.thread_id == own.thread_id

    async def acknowledged_at_aa() -> list[str]:
        return [a.partner_id for a in await aa.store.acknowledgements(own.thread_id)]

    # Recorded just after the Ack is stored.
    assert "coord" in await eventually(acknowledged_at_aa)
    refused = [e for e in await hub.store.events(0, 10_000) if e.kind == "alert.refused"]
    assert refused == []


def _key(record: AlertRecord) -> tuple[str, str]:
    return (record.key.sender, record.key.identifier)


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
