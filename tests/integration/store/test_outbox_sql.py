"""What only the SQL outbox promises: claims across processes' connections, and durability."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from tests.integration.store.outbox_samples import LEASE, notification, stored_alert
from tests.integration.store.samples import T0

from tanbih.adapters.store import SqlStore, open_store
from tanbih.domain.notification import Notification

SEEDED = 200


@pytest.fixture
async def two_stores(durable_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on the same database, each with its own engine, as two workers would have."""
    first, second = await open_store(durable_url), await open_store(durable_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _seed(store: SqlStore, count: int) -> list[Notification]:
    rec = await stored_alert(store)
    wanted = [notification(rec, f"c{i:04}") for i in range(count)]
    assert len(await store.enqueue(wanted)) == count
    return wanted


async def _drain(store: SqlStore, worker_id: str) -> list[str]:
    """Claim small batches until nothing is left; the keys this worker got."""
    got: list[str] = []
    while batch := await store.claim(worker_id, T0, LEASE, limit=7):
        got.extend(n.key for n in batch)
    return got


async def test_two_workers_claiming_at_once_never_share_a_row(
    two_stores: tuple[SqlStore, SqlStore], durable_url: str
) -> None:
    """Concurrent claims from two stores split the rows: disjoint, and together all of them."""
    first, second = two_stores
    wanted = await _seed(first, SEEDED)

    got_first, got_second = await asyncio.gather(_drain(first, "w1"), _drain(second, "w2"))

    assert set(got_first).isdisjoint(got_second)
    assert len(got_first) + len(got_second) == SEEDED
    assert set(got_first) | set(got_second) == {n.key for n in wanted}
    if durable_url.startswith("postgresql"):
        # SKIP LOCKED lets both claim at once. SQLite has one writer at a time: a worker
        # waiting on the lock may find every row taken when its turn comes, on a busy machine.
        assert got_first
        assert got_second


async def test_claims_outlive_the_store_and_expire_after_the_lease(durable_url: str) -> None:
    """Rows claimed by a worker that went away stay held until the lease ends, then return."""
    dead = await open_store(durable_url)
    wanted = await _seed(dead, 3)
    assert len(await dead.claim("dead", T0, LEASE, limit=10)) == 3
    await dead.close()

    heir = await open_store(durable_url)
    try:
        assert await heir.claim("heir", T0 + LEASE / 2, LEASE, limit=10) == []
        reclaimed = await heir.claim("heir", T0 + LEASE, LEASE, limit=10)
    finally:
        await heir.close()

    assert {n.key for n in reclaimed} == {n.key for n in wanted}


@pytest.mark.postgres
async def test_postgres_claims_skip_rows_another_transaction_has_locked(pg_url: str) -> None:
    """A row locked elsewhere is skipped at once (SKIP LOCKED), not waited for, then claimable."""
    store = await open_store(pg_url)
    locker = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        wanted = await _seed(store, 3)
        locked = wanted[0].key
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("SELECT 1 FROM notifications WHERE key = $1 FOR UPDATE", locked)

        claimed = await asyncio.wait_for(store.claim("w1", T0, LEASE, limit=10), timeout=5)
        await transaction.rollback()
        after = await store.claim("w2", T0, LEASE, limit=10)
    finally:
        await locker.close()
        await store.close()

    assert {n.key for n in claimed} == {n.key for n in wanted[1:]}
    assert [n.key for n in after] == [locked]
