"""Migration 0006 on a log written before it: reports numbered in the order received."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, String, Text, column, insert, table
from sqlalchemy.engine import Connection
from tests.integration.store.test_observation_log import REPORT, T0

from tanbih.adapters.store import open_store, upgrade
from tanbih.adapters.store.engine import create_engine, writer
from tanbih.adapters.store.migrate import alembic_config
from tanbih.adapters.store.schema import UtcDateTime
from tanbih.adapters.store.sql_observations import observation_row

# The observations table as revision 0005 left it: no seq, no outcome.
_V0005_OBSERVATIONS = table(
    "observations",
    column("partner_id", Text),
    column("id", Text),
    column("time", UtcDateTime),
    column("received_at", UtcDateTime),
    column("status", String),
    column("body", JSON),
)


async def test_reports_kept_before_0006_are_numbered_as_received_and_marked_stale(
    durable_url: str,
) -> None:
    """Reports stored before the log was numbered get seqs in the order received (not the
    order inserted), read back whole, count as assessed (stale), and new ones follow them."""
    await upgrade(durable_url)
    await _run(durable_url, lambda config: command.downgrade(config, "0005"))
    late, early = replace(REPORT, id="late"), replace(REPORT, id="early")
    rows = []
    for obs, seconds in ((late, 5), (early, 1)):
        row = observation_row(obs, T0 + timedelta(seconds=seconds), 0)
        del row["seq"]
        rows.append(row)
    engine = create_engine(durable_url)
    try:
        async with writer(engine).begin() as conn:
            await conn.execute(insert(_V0005_OBSERVATIONS), rows)
    finally:
        await engine.dispose()
    await upgrade(durable_url)

    store = await open_store(durable_url)
    try:
        logged = await store.observations_after(0)
        outcomes = await store.observation_outcomes([("il", "late"), ("il", "early")])
        last_assessed = await store.last_assessed()
        await store.record_observations([replace(REPORT, id="new")], T0 + timedelta(seconds=9))
        head = await store.observation_head()
    finally:
        await store.close()

    assert [(e.seq, e.observation) for e in logged] == [(1, early), (2, late)]
    assert {o.association for o in outcomes.values()} == {"stale"}
    assert last_assessed == 2
    assert head == 3


async def _run(url: str, step: Callable[[Config], None]) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config)

    engine = create_engine(url)
    try:
        async with writer(engine).begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
