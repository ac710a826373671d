"""A coordinator's hub and two partners' nodes as separate processes, each on its own PostgreSQL
database, linked over NATS JetStream at 127.0.0.1:4222 (the test's own subject prefix).

aa's radar sees a drone heading for bb's zone; aa and bb have no direct relations, so bb hears
of it only through the hub. bb's node is killed; warnings go on; bb restarts and catches up on
everything addressed to it while away, in order, nothing lost and nothing doubled; a warning
altered on the bus is refused and audited. Under CI=true it runs, never skips.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from tests.conftest import unavailable
from tests.fakes.http_server import loopback_listener, serve
from tests.fakes.receiver import Received, Receiver
from tests.integration.conftest import PG_HOST, PG_PORT, _create_database, _drop_database

from tanbih import cap
from tanbih.adapters.bus import JetStreamBus, JetStreamOptions
from tanbih.domain.federation import Kind, Topology
from tanbih.errors import BusError

from .coalition import PARTNERS, SENDERS, write_coalition
from .processes import Cluster, cluster

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

NATS_URL = "nats://127.0.0.1:4222"
WAIT_S = 60.0


@pytest.fixture
async def databases() -> AsyncIterator[dict[str, str]]:
    """A PostgreSQL database of its own for each node, dropped afterwards."""
    names = {p: f"tanbih_fed_{secrets.token_hex(3)}_{p}" for p in PARTNERS}
    urls = {}
    try:
        for partner, name in names.items():
            user = await _create_database(name)
            urls[partner] = f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
        yield urls
    finally:
        for name in names.values():
            await _drop_database(name)


@pytest.fixture
async def nats_reachable() -> None:
    try:
        client = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
    except Exception as exc:  # any failure means the same: no server
        unavailable(f"NATS not reachable at {NATS_URL}: {exc}")
    else:
        await client.close()


def observation(seq: int, track: str, lat: float) -> dict[str, object]:
    """A report by aa's radar of a drone south of bb's zone, flying north at 60 m/s."""
    return {
        "id": f"aa-radar-{track}-{seq}",
        "sensor": "aa-radar",
        "time": datetime.now(UTC).isoformat(),
        "position": {"lat": lat, "lon": 35.1, "altM": 300},
        "velocity": {"speedMps": 60, "headingDeg": 0},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": track,
    }


async def until(probe, what: str):  # type: ignore[no-untyped-def]
    """Poll ``probe`` (async) until it returns something truthy, bounded."""
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                found = await probe()
                if found:
                    return found
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"waited {WAIT_S:.0f} s for {what}") from None


def cap_of(request: Received) -> tuple[str, str]:
    alert = cap.parse_xml(request.body)
    return alert.sender, alert.identifier


async def addressed_to(prefix: str, partner: str) -> list[str]:
    """The identifiers of every CAP message on ``partner``'s subjects, in stream order."""
    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        topology = Topology(prefix)
        subscription = await js.pull_subscribe(
            topology.inbox(Kind.ALERT, partner), stream=topology.stream(Kind.ALERT)
        )
        identifiers: list[str] = []
        while True:
            try:
                batch = await subscription.fetch(100, timeout=1.0)
            except TimeoutError:
                return identifiers
            for msg in batch:
                identifiers.append(cap.parse_xml(msg.data).identifier)
                await msg.ack()
    finally:
        await client.close()


async def stored(node_url: str, token_headers: dict[str, str], sender: str) -> list[dict]:  # type: ignore[type-arg]
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{node_url}/api/v1/alerts",
            params={"sender": sender, "limit": 1000},
            headers=token_headers,
        )
    response.raise_for_status()
    return list(response.json())


async def refusals(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch("SELECT data FROM events WHERE kind = 'link.refused'")
    finally:
        await conn.close()
    return [str(row["data"]) for row in rows]


async def test_a_coalition_of_three_nodes_warns_catches_up_and_refuses_tampering(
    tmp_path: Path, databases: dict[str, str], nats_reachable: None
) -> None:
    """Observation at aa → warning at bb through the hub; bb down, warnings go on; bb back,
    it catches up in order with nothing lost or doubled; a tampered message is refused."""
    receiver = Receiver()
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        layout = write_coalition(tmp_path / "coalition", hooks)
        nodes = cluster(layout, databases, tmp_path, NATS_URL)
        try:
            await _run(nodes, receiver)
        finally:
            for node in nodes.nodes.values():
                node.stop()
            await _delete_streams(nodes.prefix)


async def _run(nodes: Cluster, receiver: Receiver) -> None:
    for node in nodes.nodes.values():
        await node.start()
    aa, bb, hub = nodes.nodes["aa"], nodes.nodes["bb"], nodes.nodes["coord"]
    hub_sender = SENDERS["coord"]

    def warnings_at(path: str) -> list[tuple[str, str]]:
        return [cap_of(r) for r in receiver.requests if r.path == path]

    async with httpx.AsyncClient(headers=nodes.headers("aa")) as client:
        posted = await client.post(
            f"{aa.url}/api/v1/observations", json=observation(0, "aa-1", 30.9)
        )
        assert posted.status_code == 200, posted.text

        # 1. Through the hub: bb's duty officer gets the hub's warning, never aa's.
        async def bb_warned() -> list[tuple[str, str]]:
            return [w for w in warnings_at("/bb") if w[0] == hub_sender]

        first = await until(bb_warned, "bb's duty officer to be warned by the hub")
        assert all(sender != SENDERS["aa"] for sender, _ in warnings_at("/bb"))
        before_kill = {identifier for _, identifier in warnings_at("/bb")}

        # 2. bb's node dies; the coalition goes on warning.
        bb.kill()
        hub_told = len(warnings_at("/coord"))
        posted = await client.post(
            f"{aa.url}/api/v1/observations", json=observation(0, "aa-2", 30.8)
        )
        assert posted.status_code == 200, posted.text

        async def hub_warned_again() -> bool:
            return len(warnings_at("/coord")) > hub_told

        await until(hub_warned_again, "the hub's duty officer to hear of the second drone")

    async def more_for_bb() -> list[str]:
        identifiers = await addressed_to(nodes.prefix, "bb")
        return identifiers if set(identifiers) - before_kill else []

    addressed = await until(more_for_bb, "a warning for bb while it is down")

    # 3. bb comes back and catches up: everything addressed to it, once, in order.
    await bb.start()

    async def caught_up() -> list[dict]:  # type: ignore[type-arg]
        held = await stored(bb.url, nodes.headers("bb"), hub_sender)
        return held if {a["identifier"] for a in held} >= set(addressed) else []

    held = await until(caught_up, "bb to catch up")
    identifiers = [a["identifier"] for a in held]
    assert len(identifiers) == len(set(identifiers))
    missed = [i for i in addressed if i not in before_kill]
    by_arrival = [a["identifier"] for a in sorted(held, key=lambda a: a["receivedAt"])]
    assert [i for i in by_arrival if i in missed] == missed

    async def missed_delivered() -> bool:
        return {i for _, i in warnings_at("/bb")} >= set(missed)

    await until(missed_delivered, "bb's duty officer to get what came while bb was down")
    after = [i for _, i in warnings_at("/bb") if i in set(missed)]
    assert sorted(after) == sorted(set(after)), "a missed warning was delivered twice"
    assert first

    # 4. A warning altered on the bus is refused by bb and written to its audit log.
    await _tamper(nodes.prefix, "bb")

    async def refused() -> list[str]:
        return await refusals(bb.database_url)

    reasons = await until(refused, "bb to refuse the altered warning")
    assert "signature refused" in reasons[0]
    assert len(await stored(bb.url, nodes.headers("bb"), hub_sender)) == len(held)
    async with httpx.AsyncClient() as client:
        health = (await client.get(f"{bb.url}/healthz")).json()
        hub_health = (await client.get(f"{hub.url}/healthz")).json()
    assert health["links"]["refused"] >= 1
    assert health["links"]["peers"] == ["aa", "coord"]
    assert hub_health["links"]["sent"] >= len(addressed)


async def _tamper(prefix: str, partner: str) -> None:
    """Republish a copy of a warning for ``partner`` with one word changed."""
    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        topology = Topology(prefix)
        subscription = await js.pull_subscribe(
            topology.inbox(Kind.ALERT, partner), stream=topology.stream(Kind.ALERT)
        )
        original = (await subscription.fetch(1, timeout=5.0))[0]
        altered = original.data.replace(b"<status>Exercise</status>", b"<status>Actual</status>")
        assert altered != original.data
        await js.publish(
            original.subject,
            altered,
            headers={"Nats-Msg-Id": f"tampered-{secrets.token_hex(4)}", "Tanbih-From": "coord"},
        )
    finally:
        await client.close()


async def _delete_streams(prefix: str) -> None:
    try:
        bus = await JetStreamBus.connect(NATS_URL, Topology(prefix).streams(), JetStreamOptions())
    except BusError:
        return
    await bus.delete_streams()
    await bus.close()
