"""What only the SQL audit chain promises: one chain across connections, tampering caught in
the database itself, and a migration that chains the events stored before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import JSON, Integer, Text, column, insert, table, text
from sqlalchemy.engine import Connection
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.adapters.store import SqlStore, open_store, upgrade
from tanbih.adapters.store.engine import create_engine, writer
from tanbih.adapters.store.migrate import alembic_config
from tanbih.adapters.store.schema import UtcDateTime
from tanbih.domain.audit_walk import ProblemKind, verify_chain
from tanbih.domain.records import Event

APPENDS_EACH = 40


@pytest.fixture
async def two_stores(durable_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one database, each with its own engine, as two node processes have."""
    first, second = await open_store(durable_url), await open_store(durable_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _append_many(store: SqlStore, worker: str) -> None:
    for i in range(APPENDS_EACH):
        await store.append_event(Event(T0, "delivery.sent", f"{worker}-{i}", data={"i": i}))


async def _record_many(store: SqlStore, worker: str) -> None:
    for i in range(APPENDS_EACH // 4):
        rec = record(f"{worker}-{i}")
        await store.record(rec, transition(rec), accepted(rec))


async def test_two_stores_appending_at_once_form_one_valid_chain(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    """Concurrent appends through two engines never fork the chain or skip a seq."""
    first, second = two_stores

    await asyncio.gather(
        _append_many(first, "a"),
        _append_many(second, "b"),
        _record_many(first, "c"),
        _record_many(second, "d"),
    )

    entries = await first.audit_entries(limit=10_000)
    total = 2 * APPENDS_EACH + 2 * (APPENDS_EACH // 4)
    assert [e.seq for e in entries] == list(range(1, total + 1))
    assert len({e.subject for e in entries}) == total
    report = verify_chain(entries)
    assert report.ok
    assert report.head == entries[-1].head


async def _execute(url: str, *statements: str) -> None:
    """Run raw SQL against the database, as someone with access to it (not through the store)."""
    engine = create_engine(url)
    try:
        async with writer(engine).begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


SWAP_3_AND_4 = (
    "UPDATE events SET seq = -3 WHERE seq = 3",
    "UPDATE events SET seq = 3 WHERE seq = 4",
    "UPDATE events SET seq = 4 WHERE seq = -3",
)


@pytest.mark.parametrize(
    ("statements", "kind", "seq"),
    [
        (("UPDATE events SET data = '{\"i\": 99}' WHERE seq = 3",), ProblemKind.ALTERED, 3),
        (("UPDATE events SET subject = 'forged' WHERE seq = 5",), ProblemKind.ALTERED, 5),
        (
            ("UPDATE events SET at = '2026-03-01 08:59:59.000000' WHERE seq = 2",),
            ProblemKind.ALTERED,
            2,
        ),
        (("DELETE FROM events WHERE seq = 3",), ProblemKind.REMOVED, 3),
        (("DELETE FROM events WHERE seq = 1",), ProblemKind.REMOVED, 1),
        (SWAP_3_AND_4, ProblemKind.REORDERED, 3),
    ],
    ids=["data", "subject", "time", "deleted", "first deleted", "seqs swapped"],
)
async def test_tampering_in_the_database_is_caught(
    durable_url: str, statements: tuple[str, ...], kind: ProblemKind, seq: int
) -> None:
    """Rows changed with raw SQL fail verification with the right kind, at the right seq."""
    store = await open_store(durable_url)
    try:
        for i in range(6):
            await store.append_event(Event(T0, "delivery.sent", f"n{i}", data={"i": i}))
        assert verify_chain(await store.audit_entries()).ok

        await _execute(durable_url, *statements)
        report = verify_chain(await store.audit_entries())
    finally:
        await store.close()

    assert report.problem is not None
    assert report.problem.kind is kind
    assert report.problem.seq == seq


async def _downgrade(url: str, revision: str) -> None:
    """Take the database back to ``revision`` through the packaged migrations."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    engine = create_engine(url)
    try:
        async with writer(engine).begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


# The events table as revision 0003 left it: no hashes yet.
_V0003_EVENTS = table(
    "events",
    column("seq", Integer),
    column("at", UtcDateTime),
    column("kind", Text),
    column("subject", Text),
    column("partner_id", Text),
    column("data", JSON),
)


async def _insert_v0003_events(url: str, seqs: tuple[int, ...]) -> None:
    rows = [
        {
            "seq": seq,
            "at": T0,
            "kind": "k",
            "subject": f"s{seq}",
            "partner_id": None,
            "data": {"n": seq},
        }
        for seq in seqs
    ]
    engine = create_engine(url)
    try:
        async with writer(engine).begin() as conn:
            await conn.execute(insert(_V0003_EVENTS), rows)
    finally:
        await engine.dispose()


async def test_the_migration_chains_events_stored_before_it(durable_url: str) -> None:
    """Events logged before v0004 are chained in seq order and renumbered without gaps."""
    await upgrade(durable_url)
    await _downgrade(durable_url, "0003")
    try:
        await _insert_v0003_events(durable_url, seqs=(1, 2, 5, 9))
    finally:
        await upgrade(durable_url)

    store = await open_store(durable_url)
    try:
        entries = await store.audit_entries()
        appended = await store.append_event(Event(T0, "k", "after"))
    finally:
        await store.close()

    assert [(e.seq, e.subject, dict(e.data)) for e in entries] == [
        (1, "s1", {"n": 1}),
        (2, "s2", {"n": 2}),
        (3, "s5", {"n": 5}),
        (4, "s9", {"n": 9}),
    ]
    assert verify_chain(entries).ok
    assert appended.seq == 5
