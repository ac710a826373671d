"""Group commit of settlements: what arrives during a write goes in the next, together."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from tests.integration.store.outbox_samples import notification
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.notification import NotificationState, Settling
from tanbih.errors import StoreError
from tanbih.pipeline.settle_batch import SettleBatches

BOUND = 5.0
DELIVERED = NotificationState.DELIVERED


class GatedStore(MemoryStore):
    """A memory store whose ``settle_many`` waits for a gate and records each batch."""

    def __init__(self, failure: StoreError | None = None) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.batches: list[list[str]] = []
        self.failure = failure

    async def settle_many(self, settlings: Sequence[Settling]) -> set[str]:
        self.batches.append([s.key for s in settlings])
        self.entered.set()
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return await super().settle_many(settlings)


async def stored_keys(store: MemoryStore, contacts: list[str]) -> list[str]:
    rec = record("m1")
    wanted = [notification(rec, c) for c in contacts]
    await store.record(rec, transition(rec), accepted(rec), notifications=wanted)
    return [n.key for n in wanted]


def delivered(key: str) -> Settling:
    return Settling(key, None, DELIVERED, None, T0)


async def test_settlements_arriving_during_a_write_go_together_in_the_next() -> None:
    """The first is written alone; the four that came while it was written share one write."""
    store = GatedStore()
    keys = await stored_keys(store, ["a", "b", "c", "d", "e"])
    batches = SettleBatches(store)

    first = asyncio.create_task(batches.settle(delivered(keys[0])))
    await asyncio.wait_for(store.entered.wait(), BOUND)
    rest = [asyncio.create_task(batches.settle(delivered(k))) for k in keys[1:]]
    await asyncio.sleep(0)  # let them queue behind the write under way
    store.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *rest), BOUND)

    assert store.batches == [keys[:1], keys[1:]]
    assert {n.state for n in await store.notifications()} == {DELIVERED}


async def test_an_unknown_key_fails_its_own_caller_only() -> None:
    """In a shared round, the caller of a key never stored gets the error; the others not."""
    store = GatedStore()
    first_key, known = await stored_keys(store, ["a", "b"])
    batches = SettleBatches(store)

    first = asyncio.create_task(batches.settle(delivered(first_key)))
    await asyncio.wait_for(store.entered.wait(), BOUND)
    good = asyncio.create_task(batches.settle(delivered(known)))
    bad = asyncio.create_task(batches.settle(delivered("no-such-key")))
    await asyncio.sleep(0)  # let them queue behind the write under way
    store.gate.set()
    done = await asyncio.wait_for(asyncio.gather(first, good, bad, return_exceptions=True), BOUND)

    assert store.batches == [[first_key], [known, "no-such-key"]]
    assert done[:2] == [None, None]
    assert isinstance(done[2], StoreError)
    assert "no-such-key" in str(done[2])


async def test_a_store_error_fails_every_caller_of_the_round() -> None:
    """A failed write leaves every settlement of the round unsettled, and each caller told."""
    store = GatedStore(failure=StoreError("database unreachable"))
    keys = await stored_keys(store, ["a", "b"])
    batches = SettleBatches(store)

    first = asyncio.create_task(batches.settle(delivered(keys[0])))
    await asyncio.wait_for(store.entered.wait(), BOUND)
    second = asyncio.create_task(batches.settle(delivered(keys[1])))
    await asyncio.sleep(0)
    store.gate.set()

    for task in (first, second):
        with pytest.raises(StoreError, match="unreachable"):
            await asyncio.wait_for(task, BOUND)
    assert {n.state for n in await store.notifications()} == {NotificationState.PENDING}
