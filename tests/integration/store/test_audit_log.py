"""The audit chain contract, on every store: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.domain.audit import CHECKPOINT_KIND, GENESIS_HASH, CheckpointKey
from tanbih.domain.audit_walk import verify_chain
from tanbih.domain.records import Event
from tanbih.errors import StoreConflictError, StoreError
from tanbih.ports import AlertStore

KEY = CheckpointKey.from_node_secret(b"node-secret-of-at-least-32-bytes")


def _event(i: int, at: datetime = T0) -> Event:
    return Event(at=at, kind="delivery.sent", subject=f"n{i}", partner_id="jo", data={"i": i})


async def test_every_write_to_the_log_is_chained_from_genesis(store: AlertStore) -> None:
    """Events from record() and append_event() form one chain, seq 1.. n, that verifies."""
    rec = record("m1")
    await store.append_event(_event(1))
    await store.record(rec, transition(rec), accepted(rec))
    await store.append_event(_event(2))

    entries = await store.audit_entries()

    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.kind for e in entries] == ["delivery.sent", "alert.accepted", "delivery.sent"]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert verify_chain(entries).ok
    assert [e.event for e in entries] == await store.events()


async def test_audit_entries_page_forward_like_events(store: AlertStore) -> None:
    """audit_entries(after_seq, limit) reads the chain in pages, oldest first."""
    for i in range(5):
        await store.append_event(_event(i))

    assert [e.seq for e in await store.audit_entries(limit=2)] == [1, 2]
    assert [e.seq for e in await store.audit_entries(after_seq=2, limit=2)] == [3, 4]
    assert await store.audit_entries(after_seq=5) == []


async def test_a_refused_write_leaves_no_hole_in_the_chain(store: AlertStore) -> None:
    """A conflicting record() or an unstorable event writes nothing; the next seq follows on."""
    rec = record("m1")
    await store.record(rec, transition(rec), accepted(rec))
    with pytest.raises(StoreConflictError):
        await store.record(rec, transition(rec), accepted(rec))
    with pytest.raises(StoreError):
        await store.append_event(replace(_event(1), at=datetime(2026, 3, 1, 9, 0)))
    with pytest.raises(StoreError):
        await store.append_event(replace(_event(1), data={"when": T0}))

    after = await store.append_event(_event(2))

    assert after.seq == 2
    assert verify_chain(await store.audit_entries()).ok


async def test_concurrent_appends_form_one_chain(store: AlertStore) -> None:
    """Appends and records started at once on one store each get their own place in the chain."""
    recs = [record(f"m{i}") for i in range(10)]
    await asyncio.gather(
        *(store.append_event(_event(i)) for i in range(30)),
        *(store.record(r, transition(r), accepted(r)) for r in recs),
    )

    entries = await store.audit_entries()

    assert [e.seq for e in entries] == list(range(1, 41))
    assert verify_chain(entries).ok


async def test_a_checkpoint_signs_the_newest_entry_once(store: AlertStore) -> None:
    """checkpoint() appends a signed entry after new entries only, and verify checks it."""
    at = T0 + timedelta(minutes=5)
    assert await store.checkpoint(KEY, at) is None
    await store.append_event(_event(1))
    newest = (await store.audit_entries())[-1]

    signed = await store.checkpoint(KEY, at)
    again = await store.checkpoint(KEY, at)

    assert signed is not None
    assert again is None
    assert (signed.seq, signed.kind, signed.prev_hash) == (2, CHECKPOINT_KIND, newest.hash)
    assert signed.data["signed_hash"] == newest.hash
    assert KEY.signs(newest.head, str(signed.data["signature"]))
    report = verify_chain(await store.audit_entries(), key=KEY)
    assert report.ok
    assert (report.checkpoints, report.last_checkpoint) == (1, 2)


async def test_the_export_span_runs_from_since_to_before_until(store: AlertStore) -> None:
    """audit_span gives the first seq at or after since and the last before until."""
    for i in range(6):
        await store.append_event(_event(i, at=T0 + timedelta(minutes=i)))

    assert await store.audit_span(T0 + timedelta(minutes=2)) == (3, 6)
    assert await store.audit_span(T0, T0 + timedelta(minutes=3)) == (1, 3)
    between = await store.audit_span(T0 + timedelta(seconds=61), T0 + timedelta(minutes=2))
    assert between is None
    assert await store.audit_span(T0 + timedelta(hours=1)) is None
    assert await store.audit_span(T0, T0) is None


async def test_the_export_span_is_whole_when_times_go_back(store: AlertStore) -> None:
    """An entry timed before since but logged inside the span is exported with it."""
    times = [T0, T0 + timedelta(minutes=5), T0 - timedelta(hours=1), T0 + timedelta(minutes=6)]
    for i, at in enumerate(times):
        await store.append_event(_event(i, at=at))

    assert await store.audit_span(T0 + timedelta(minutes=1)) == (2, 4)
