"""Catch-up: how long a returning node takes to take in 10,000 messages it missed.

bb's node is down while 10,000 signed hub warnings for bb's zone wait on its JetStream subject
(published by the benchmark, as the hub would have); then bb's node starts (``tanbih serve``
on its own PostgreSQL database) and the clock runs until its store holds all of them: each
one read from its durable consumer in order, its XML-DSig verified, accepted, routed to bb's
duty officer and acknowledged on the bus. Deliveries to the duty officer's webhook run beside
it and are counted at the end.

    .venv/bin/python bench/federation_catchup.py [--messages 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import asyncpg

from _federation import NATS_URL, cluster, databases, delete_streams, warning, write_coalition
from _webhook_receiver import webhook_receiver
from tanbih import cap
from tanbih.adapters.bus import JetStreamBus, JetStreamOptions
from tanbih.cap.signature import sign, signing_identity
from tanbih.coalition import load_coalition
from tanbih.domain.federation import Kind, Topology

WAIT_S = 1800.0


async def main(messages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with webhook_receiver() as arrivals, databases(["bb"]) as dbs:
            layout = write_coalition(Path(tmp) / "c", f"http://127.0.0.1:{arrivals.port}")
            nodes = cluster(layout, {"bb": dbs["bb"], "aa": "", "coord": ""}, Path(tmp), NATS_URL)
            bb = nodes.nodes["bb"]
            topology = Topology(nodes.prefix)
            try:
                signed_s = await _publish(layout, topology, messages)
                started = time.monotonic()
                await bb.start()
                up = time.monotonic() - started
                url = dbs["bb"].replace("+asyncpg", "")
                async with asyncio.timeout(WAIT_S):
                    reported = started
                    while (held := await _count(url)) < messages:
                        await asyncio.sleep(0.5)
                        if time.monotonic() - reported >= 30:
                            reported = time.monotonic()
                            print(f"  {reported - started:6.0f} s: {held} held", flush=True)
                took = time.monotonic() - started
                delivered = len(arrivals.of("/bb"))
            finally:
                bb.stop()
                await delete_streams(nodes.prefix)
    print(f"published {messages} signed warnings in {signed_s:.1f} s (benchmark side)", flush=True)
    print(
        f"caught up {held} messages in {took:.1f} s from process start "
        f"({up:.1f} s to /healthz): {held / took:.0f} msg/s; "
        f"{delivered} delivered to the webhook by then"
    )


async def _publish(layout, topology: Topology, messages: int) -> float:  # type: ignore[no-untyped-def]
    identity = signing_identity(
        load_coalition(layout.coalition("coord")), layout.key("coord").read_bytes()
    )
    bus = await JetStreamBus.connect(
        NATS_URL, topology.streams(), JetStreamOptions(dedup_window=600.0)
    )
    started = time.monotonic()
    try:
        subject = topology.subject(Kind.ALERT, "bb", "security")
        for n in range(messages):
            alert = warning("coord", f"catchup-{n}")
            xml = sign(cap.emit_xml(alert), identity.private_key, identity.certificate)
            headers = {"Tanbih-From": "coord", "Tanbih-Path": "coord"}
            await bus.publish(subject, xml, msg_id=f"catchup-{n}", headers=headers)
    finally:
        await bus.close()
    return time.monotonic() - started


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM alerts"))
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().messages))
