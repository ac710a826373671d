"""SIGKILL a dispatch worker in the middle of a fan-out of 1,000 webhooks, start it again:
nothing is lost, and the few repeats carry the idempotency key of the first send.

Real processes (``python -m tanbih.cli.dispatch``), a real HTTP receiver on loopback, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.fakes.http_server import serve
from tests.fakes.receiver import Receiver
from tests.integration.outbox.conftest import cap_record, shared_coalition_file
from tests.integration.store.samples import accepted, transition

from tanbih.adapters.channels import verify_webhook
from tanbih.adapters.store import open_store
from tanbih.adapters.store.engine import create_engine
from tanbih.adapters.store.schema import notifications
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import (
    DeliveryOutcome,
    Notification,
    NotificationState,
    Recipient,
    notification_key,
)

FAN_OUT = 1_000
KILL_AT = 300
CONCURRENCY = 8
SECRET = "crash-test-secret"
LEASE_SECONDS = 3
BOUND_SECONDS = 50  # the whole fan-out, crash and recovery must fit in this

pytestmark = pytest.mark.slow


async def _seed(url: str, base_url: str) -> list[str]:
    """One message and its 1,000 webhook notifications, written in one transaction."""
    rec = cap_record("fan-out", status=Status.EXERCISE)
    now = datetime.now(UTC)
    wanted = []
    for i in range(FAN_OUT):
        channel = ChannelAddress(ChannelKind.WEBHOOK, f"{base_url}/hook/{i}")
        wanted.append(
            Notification(
                key=notification_key(rec.id, f"contact-{i}", channel),
                alert_id=rec.id,
                status=rec.status,
                recipient=Recipient("jo", f"contact-{i}", channel, "en"),
                escalation_step=0,
                created_at=now,
                deadline=now + timedelta(minutes=10),
            )
        )
    store = await open_store(url)
    try:
        await store.record(rec, transition(rec), accepted(rec), notifications=wanted)
    finally:
        await store.close()
    return [n.key for n in wanted]


async def _start_worker(url: str, worker_id: str, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tanbih.cli.dispatch",
            "--database-url",
            url,
            "--worker-id",
            worker_id,
            "--concurrency",
            str(CONCURRENCY),
            "--lease",
            str(LEASE_SECONDS),
            "--send-timeout",
            "2",
            "--poll-interval",
            "0.2",
            env={
                **os.environ,
                "TANBIH_WEBHOOK_SECRET": SECRET,
                "TANBIH_COALITION": str(shared_coalition_file(log.parent)),
                "TANBIH_DATA_DIR": str(log.parent / "data"),
            },
            stdout=output,
            stderr=output,
        )


async def _claimed_pending(url: str, worker_id: str) -> list[str]:
    """Keys of the rows a worker holds and has not settled: what its death leaves to the lease."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            statement = select(notifications.c.key).where(
                notifications.c.claimed_by == worker_id,
                notifications.c.state == NotificationState.PENDING.value,
            )
            return list((await conn.execute(statement)).scalars())
    finally:
        await engine.dispose()


async def _until_received(receiver: Receiver, wanted: Counter[str], within: float) -> None:
    """Wait (bounded) until every key has been received at least as many times as wanted."""
    async with asyncio.timeout(within):
        while True:
            seen = Counter(r.headers.get("idempotency-key") for r in receiver.requests)
            if all(seen[key] >= times for key, times in wanted.items()):
                return
            await receiver.wait_for(len(receiver.requests) + 1, within=within)


async def test_sigkill_mid_fan_out_loses_nothing_and_repeats_little(
    durable_url: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    """After SIGKILL and restart all 1,000 arrive; repeats ≤ in-flight limit, same keys."""
    started = time.monotonic()
    log = tmp_path / "workers.log"
    receiver = Receiver()
    async with serve(receiver.app) as base_url:
        keys = await _seed(durable_url, base_url)
        first = await _start_worker(durable_url, "first", log)
        try:
            await receiver.wait_for(KILL_AT, within=30)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        received_at_kill = len(receiver.requests)
        orphans = await _claimed_pending(durable_url, "first")
        orphaned = len(orphans)
        # Every key once; the kill's orphans once more than so far, even those that had arrived
        # before it: they are sent again (and settled) when their lease runs out.
        wanted = Counter(keys)
        arrived = Counter(r.headers.get("idempotency-key") for r in receiver.requests)
        wanted.update({key: arrived[key] for key in orphans})
        second = await _start_worker(durable_url, "second", log)
        try:
            remaining = BOUND_SECONDS - (time.monotonic() - started)
            await _until_received(receiver, wanted, within=remaining)
        finally:
            second.send_signal(signal.SIGTERM)
            stopped = await asyncio.wait_for(second.wait(), 15)
    elapsed = time.monotonic() - started

    seen = Counter(r.headers.get("idempotency-key") for r in receiver.requests)
    repeats = sum(seen.values()) - len(seen)
    record_property("received_at_kill", received_at_kill)
    record_property("orphaned_claims", orphaned)
    record_property("repeats", repeats)
    record_property("seconds", round(elapsed, 1))
    backend = durable_url.split(":", maxsplit=1)[0]
    print(  # the numbers the issue asks for, shown with -s
        f"\n{backend}: {received_at_kill} received at SIGKILL, "
        f"{orphaned} claims orphaned, {repeats} repeats, {elapsed:.1f} s"
    )
    assert first.returncode == -signal.SIGKILL
    assert received_at_kill < FAN_OUT, "the kill came after the fan-out had finished"
    assert orphaned >= 1, "the kill left no claim for the lease to recover"
    assert set(seen) == set(keys)
    assert repeats <= CONCURRENCY
    assert max(seen.values()) <= 2
    assert stopped == 0, log.read_text()
    now = datetime.now(UTC)
    assert all(verify_webhook(SECRET, r.headers, r.body, now) for r in receiver.requests)
    assert all(r.body.startswith(b"<?xml") for r in receiver.requests)
    await _assert_all_delivered_and_logged(durable_url, keys)
    assert elapsed < BOUND_SECONDS + 15


async def _assert_all_delivered_and_logged(url: str, keys: list[str]) -> None:
    store = await open_store(url)
    try:
        stored = await store.notifications()
        delivered = await store.delivered(keys)
        sample = await store.attempts(keys[0])
    finally:
        await store.close()
    assert {n.state for n in stored} == {NotificationState.DELIVERED}
    assert len(stored) == FAN_OUT
    assert delivered == set(keys)
    assert sample[-1].outcome is DeliveryOutcome.DELIVERED
    assert sample[-1].provider_id is not None or sample[-1].duration_ms > 0
