"""Links between three nodes in one process: relay through the hub without the source,
signatures checked on every inbound message, history instead of alarms for what expired on the
way, and a peer reached over HTTPS (see in_process.py for the nodes).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.http_server import loopback_listener, serve
from tests.fakes.receiver import Received, Receiver

from tanbih import cap
from tanbih.adapters.bus import MemoryBus
from tanbih.api.observation_models import ObservationJson
from tanbih.domain.cap import MsgType
from tanbih.domain.federation import Kind, Topology
from tanbih.domain.observation import Observation
from tanbih.node import start_node
from tanbih.ports import BusMessage, Verdict
from tanbih.settings import Settings

from .coalition import SENDERS, write_coalition
from .in_process import Coalition, eventually, messages, report, uav_towards_bb


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
