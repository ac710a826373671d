"""Per-partner NATS users: a partner's credentials cannot read another partner's subjects.

The shared server at 127.0.0.1:4222 has no users, so this test starts a private nats-server
(Debian's, as CI starts the shared one) on a free loopback port, with the permissions
docs/operations.md gives: the operator provisions streams and each partner's consumers
(``tanbih bus provision``); a partner may publish to any partner's inbox, pull only from its
own consumers, and receive replies only on its own inbox prefix.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from tests.conftest import unavailable
from tests.fakes.http_server import free_port

from tanbih.adapters.bus import JetStreamBus, JetStreamOptions
from tanbih.domain.federation import Kind, Topology
from tanbih.errors import BusPermissionError
from tanbih.ports import BusMessage, Verdict

pytestmark = pytest.mark.slow

PARTNERS = ("coord", "aa", "bb")
PASSWORDS = {p: f"{p}-password" for p in PARTNERS} | {"operator": "operator-password"}
TOPOLOGY = Topology("tanbih")
WAIT_S = 10.0


def server_config(port: int, store: Path) -> str:
    """Accounts and permissions of a coalition's NATS server (docs/operations.md)."""
    users = [f'{{user: operator, password: "{PASSWORDS["operator"]}"}}']
    for partner in PARTNERS:
        durables = [TOPOLOGY.durable(kind, partner) for kind in Kind]
        publish = ['"tanbih.*.*.*"', '"$JS.API.STREAM.INFO.*"']
        for durable in durables:
            publish += [
                f'"$JS.API.CONSUMER.INFO.*.{durable}"',
                f'"$JS.API.CONSUMER.MSG.NEXT.*.{durable}"',
                f'"$JS.ACK.*.{durable}.>"',
            ]
        users.append(
            f'{{user: {partner}, password: "{PASSWORDS[partner]}", permissions: {{'
            f"publish: {{allow: [{', '.join(publish)}]}}, "
            f'subscribe: {{allow: ["_INBOX_{partner}.>"]}}}}}}'
        )
    user_list = "\n      ".join(users)
    return f"""
listen: 127.0.0.1:{port}
jetstream {{ store_dir: "{store}" }}
accounts {{
  COALITION {{
    jetstream: enabled
    users: [
      {user_list}
    ]
  }}
}}
"""


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[int]:
    """A private nats-server with per-partner users; its port."""
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not Path(binary).exists():
        unavailable("nats-server is not installed (apt-get install nats-server)")
    port = free_port()
    config = tmp_path / "nats.conf"
    config.write_text(server_config(port, tmp_path / "js"))
    log = (tmp_path / "nats.log").open("wb")
    process = subprocess.Popen([binary, "-c", str(config)], stdout=log, stderr=log)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def url(port: int, user: str) -> str:
    return f"nats://{user}:{PASSWORDS[user]}@127.0.0.1:{port}"


async def connect(port: int, user: str) -> JetStreamBus:
    options = JetStreamOptions(
        ack_wait=2.0, request_timeout=2.0, inbox_prefix=f"_INBOX_{user}", connect_timeout=2.0
    )
    async with asyncio.timeout(WAIT_S):
        while True:
            try:
                return await JetStreamBus.connect(url(port, user), TOPOLOGY.streams(), options)
            except Exception:  # the server is still starting
                await asyncio.sleep(0.1)


@pytest.fixture
async def provisioned(nats_server: int) -> int:
    """Streams and every partner's consumers, made by the operator."""
    operator = await connect(nats_server, "operator")
    for partner in PARTNERS:
        for kind in Kind:
            await operator.provision(TOPOLOGY.inbox(kind, partner), TOPOLOGY.durable(kind, partner))
    await operator.close()
    return nats_server


async def test_a_partner_sends_to_another_and_reads_its_own_inbox(provisioned: int) -> None:
    """aa publishes to bb's inbox; bb, with its own credentials, reads it from its consumer."""
    aa, bb = await connect(provisioned, "aa"), await connect(provisioned, "bb")
    try:
        assert await aa.publish(TOPOLOGY.subject(Kind.ALERT, "bb", "security"), b"hi", msg_id="1")
        got: list[BusMessage] = []
        arrived, stop = asyncio.Event(), asyncio.Event()

        async def handler(message: BusMessage) -> Verdict:
            got.append(message)
            arrived.set()
            return Verdict.DONE

        inbox, durable = TOPOLOGY.inbox(Kind.ALERT, "bb"), TOPOLOGY.durable(Kind.ALERT, "bb")
        task = asyncio.create_task(bb.consume(inbox, durable, handler, stop))
        async with asyncio.timeout(WAIT_S):
            await arrived.wait()
        stop.set()
        await task
        assert [m.data for m in got] == [b"hi"]
    finally:
        await aa.close()
        await bb.close()


async def test_a_partner_cannot_pull_from_another_partners_consumer(provisioned: int) -> None:
    """aa's credentials binding to bb's durable consumer are refused by the server."""
    aa = await connect(provisioned, "aa")
    try:
        inbox, durable = TOPOLOGY.inbox(Kind.ALERT, "bb"), TOPOLOGY.durable(Kind.ALERT, "bb")

        async def never(message: BusMessage) -> Verdict:
            raise AssertionError(f"aa read bb's message {message.msg_id}")

        with pytest.raises(BusPermissionError):
            await aa.consume(inbox, durable, never, asyncio.Event())
    finally:
        await aa.close()


@pytest.mark.parametrize("subject", ["tanbih.cap.bb.>", "tanbih.>", "_INBOX_bb.>"])
async def test_a_partner_cannot_subscribe_to_another_partners_subjects(
    provisioned: int, subject: str
) -> None:
    """A plain subscription by aa to bb's subjects (or bb's replies) is refused and gets nothing
    of what is published there."""
    violations: list[str] = []
    refused = asyncio.Event()

    async def on_error(exc: Exception) -> None:
        violations.append(str(exc).lower())
        if "permissions violation" in violations[-1]:
            refused.set()

    client = await nats.connect(url(provisioned, "aa"), inbox_prefix="_INBOX_aa", error_cb=on_error)
    operator = await connect(provisioned, "operator")
    try:
        received: list[bytes] = []

        async def keep(msg: nats.aio.msg.Msg) -> None:
            received.append(msg.data)

        await client.subscribe(subject, cb=keep)
        await client.flush()
        await operator.publish(TOPOLOGY.subject(Kind.ALERT, "bb", "security"), b"x", msg_id="s")
        async with asyncio.timeout(WAIT_S):
            await refused.wait()
        await client.flush()
        assert any(subject.lower() in v for v in violations)
        assert received == []
    finally:
        await client.close()
        await operator.close()
