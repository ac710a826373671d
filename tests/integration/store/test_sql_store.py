"""What only the SQL store promises: durability, SQLite settings, concurrency, real-size data."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from tests.integration.store.samples import (
    T0,
    accepted,
    coalition,
    partner,
    record,
    stored,
    transition,
    zone,
)

from tanbih.adapters.store import SqlStore, open_store
from tanbih.adapters.store.coalition_sync import sync_coalition
from tanbih.adapters.store.engine import create_engine, writer
from tanbih.domain.coalition import Role, Zone
from tanbih.domain.records import AlertQuery
from tanbih.errors import StoreError

IL = partner("il", Role.COORDINATOR)


async def test_everything_survives_closing_and_reopening(durable_url: str) -> None:
    """Messages, threads, events and the coalition are all there after a reopen."""
    rec = record("m1")
    declared = coalition((IL,), (zone("z1", "il"),))
    first = await open_store(durable_url)
    await first.record(rec, transition(rec), accepted(rec))
    await first.sync_coalition(declared)
    events = await first.events()
    await first.close()

    second = await open_store(durable_url)
    try:
        assert await second.get(rec.id) == rec
        assert await second.threads([rec.thread_id]) == {rec.thread_id: transition(rec).thread}
        assert await second.events() == events
        assert await second.partners() == [stored(IL)]
        assert await second.zones() == list(declared.zones)
    finally:
        await second.close()


async def test_sqlite_file_is_created_with_wal_and_safe_settings(sqlite_url: str) -> None:
    """The file and its directory are created; WAL, FULL sync and FKs are on; statements never
    wait for a lock on the event loop (busy timeout 0: a locked database is waited for in a
    thread, ``test_inline_sqlite``)."""
    store = await open_store(sqlite_url)
    await store.close()
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()

    path = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    assert await asyncio.to_thread(path.is_file)
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": 0,
    }


async def test_concurrent_records_from_many_tasks_all_land(sqlite_store: SqlStore) -> None:
    """Forty tasks recording at once on one SQLite store neither fail nor lose a message."""
    recs = [record(f"m{i:02}") for i in range(40)]

    await asyncio.gather(*(sqlite_store.record(r, transition(r), accepted(r)) for r in recs))

    assert len(await sqlite_store.search(AlertQuery(limit=100))) == 40
    assert len(await sqlite_store.events()) == 40


async def test_two_stores_on_one_sqlite_file_write_concurrently(sqlite_url: str) -> None:
    """Two engines on one file (like two processes) read-then-write at once without locking out."""
    first, second = await open_store(sqlite_url), await open_store(sqlite_url, migrate=False)
    coalitions = [coalition((IL,), (zone(f"z{i}", "il", shelter_seconds=i),)) for i in range(10)]
    try:
        work = [store.sync_coalition(c) for c in coalitions for store in (first, second)] + [
            (first if i % 2 else second).record(r, transition(r), accepted(r))
            for i, r in enumerate(record(f"m{i:02}") for i in range(20))
        ]
        await asyncio.gather(*work)

        assert len(await first.search(AlertQuery(limit=100))) == 20
        assert len(await second.zones()) == 1
    finally:
        await first.close()
        await second.close()


async def test_unchanged_coalition_sync_is_skipped(durable_url: str) -> None:
    """A sync of the coalition already stored writes nothing; a changed one writes again."""
    await (await open_store(durable_url)).close()
    declared = coalition((IL,), (zone("z1", "il"),))
    engine = writer(create_engine(durable_url))
    try:
        changed = []
        for version in (declared, declared, coalition((IL,), (zone("z1", "il", 15),))):
            async with engine.begin() as conn:
                changed.append(await sync_coalition(conn, version))
    finally:
        await engine.dispose()

    assert changed == [True, False, True]


def _oref_zones(shared_data: Path) -> tuple[Zone, ...]:
    path = shared_data / "oref" / "derived" / "oref_alert_areas.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return tuple(
        Zone(
            id=f"il-{f['properties']['segment']}",
            partner_id="il",
            names={lang: f["properties"][f"name_{lang}"] for lang in ("he", "en", "ar", "ru")},
            shelter_seconds=f["properties"]["migun_time_s"],
            rings=tuple(
                tuple((lat, lon) for lon, lat in ring) for ring in f["geometry"]["coordinates"]
            ),
        )
        for f in features
    )


async def test_the_real_home_front_command_zones_round_trip(
    durable_url: str, shared_data: Path
) -> None:
    """All 1,449 real zones sync in and come back equal, coordinates exact."""
    zones = _oref_zones(shared_data)
    store = await open_store(durable_url)
    try:
        await store.sync_coalition(coalition((IL,), zones))
        got = await store.zones("il")
    finally:
        await store.close()

    assert len(got) == 1449
    assert got == sorted(zones, key=lambda z: z.id)


async def test_unreachable_postgres_is_a_store_error() -> None:
    """A server that refuses connections surfaces as StoreError, not a driver exception."""
    with pytest.raises(StoreError, match="could not migrate"):
        await open_store("postgresql+asyncpg://postgres@127.0.0.1:1/none")


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/tanbih", "sqlite+aiosqlite:///:memory:", "not a url"],
)
async def test_unsupported_urls_are_refused(url: str) -> None:
    """Only SQLite files and PostgreSQL are stores; anything else is refused up front."""
    with pytest.raises(StoreError):
        await open_store(url)


async def test_a_data_directory_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    """A SQLite path under a regular file fails as StoreError naming the directory."""
    (tmp_path / "file").write_text("not a directory")

    with pytest.raises(StoreError, match="data directory"):
        await open_store(f"sqlite+aiosqlite:///{tmp_path / 'file' / 'data' / 'tanbih.db'}")


async def test_sent_instant_is_stored_in_utc(sqlite_store: SqlStore, sqlite_url: str) -> None:
    """The row keeps the UTC instant and the offset apart, so SQL compares instants."""
    rec = record("m1", sent=T0)
    await sqlite_store.record(rec, transition(rec), accepted(rec))
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.exec_driver_sql("SELECT sent_utc, sent_offset_minutes FROM alerts")
            ).one()
    finally:
        await engine.dispose()

    assert tuple(row) == ("2026-03-01 09:00:00.000000", 180)
