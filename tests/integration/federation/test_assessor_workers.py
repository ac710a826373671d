"""Two worker processes of one node on PostgreSQL: one threat picture between them.

Each worker is a ``tanbih serve`` process with ``TANBIH_WORKERS=2`` over the same database,
on a port of its own so the test chooses which worker takes each report (``serve --workers``
shares one socket and leaves that to the kernel). Reports of one drone posted alternately to
the two are fused by the one worker holding the assessor's lease into one threat with one
warning thread; when that worker is killed the other takes the lease and assesses what comes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tests.fakes.http_server import free_port, loopback_listener, serve
from tests.fakes.receiver import Receiver
from tests.integration.conftest import PG_HOST, PG_PORT, _create_database, _drop_database

from tanbih.adapters.store import open_store
from tanbih.domain.records import AlertQuery

from .coalition import SENDERS, write_coalition
from .processes import WEBHOOK_SECRET, NodeProcess

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_S = 30.0
ASSESSOR = """
SELECT a.application_name FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'tanbih assessor %'
  AND a.datname = current_database()
"""


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"tanbih_assessor_{os.getpid()}_{free_port()}"
    user = await _create_database(name)
    try:
        yield f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await _drop_database(name)


def report(track: str, n: int, now: datetime) -> dict[str, Any]:
    """Report ``n`` of a drone heading north towards bb's zone at 60 m/s, one second apart."""
    return {
        "id": f"{track}-{n}",
        "sensor": "aa-radar",
        "time": (now + timedelta(seconds=n)).isoformat(),
        "position": {"lat": 30.9 + n * 60 / 111_000, "lon": 35.1, "altM": 300},
        "velocity": {"speedMps": 60, "headingDeg": 0},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": track,
    }


async def assessor_pid(database: str) -> int | None:
    """The pid of the worker holding the assessor's lease, from its connection's name."""
    conn = await asyncpg.connect(database.replace("postgresql+asyncpg", "postgresql"))
    try:
        names = [row[0] for row in await conn.fetch(ASSESSOR)]
    finally:
        await conn.close()
    return int(names[0].rsplit("-", 1)[1]) if names else None


async def test_one_assessor_fuses_for_both_workers_and_another_takes_over(
    tmp_path: Path, database: str
) -> None:
    """Six reports of one drone posted alternately to two workers make ONE threat and one
    warning thread; once the assessing worker is SIGKILLed the other assesses new reports."""
    receiver = Receiver()
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        layout = write_coalition(tmp_path / "c", hooks, all_contacts=True)
        channels = tmp_path / "channels.yaml"
        channels.write_text(f"webhook: {{secret: {WEBHOOK_SECRET}}}\n")
        env = {
            **os.environ,
            "TANBIH_COALITION": str(layout.coalition("coord")),
            "TANBIH_SIGNING_KEY": str(layout.key("coord")),
            "TANBIH_NODE_SECRET": "assessor-test-secret-" + "x" * 32,
            "TANBIH_CHANNELS": str(channels),
            "TANBIH_WORKERS": "2",
        }
        workers = [
            NodeProcess(
                "coord", free_port(), database, tmp_path / f"w{n}", env, tmp_path / f"w{n}.log"
            )
            for n in range(2)
        ]
        try:
            for worker in workers:  # one after the other: each migrates the database at start
                worker.data_dir.mkdir()
                await worker.start()
            await _exercise(workers, layout.tokens["aa"], database)
        finally:
            for worker in workers:
                worker.stop()


async def _threats_only_from(
    assessing: NodeProcess, other: NodeProcess, client: httpx.AsyncClient, threats: set[str]
) -> None:
    """Both workers show the assessing worker's picture: the other from what it keeps in the
    database (within a second)."""
    pictured = await client.get(f"{assessing.url}/api/v1/threats")
    assert pictured.status_code == 200, pictured.text
    assert {t["id"] for t in pictured.json()} == threats
    async with asyncio.timeout(WAIT_S):
        while True:
            elsewhere = await client.get(f"{other.url}/api/v1/threats")
            assert elsewhere.status_code == 200, elsewhere.text
            if {t["id"] for t in elsewhere.json()} == threats:
                break
            await asyncio.sleep(0.2)
    assert elsewhere.json()[0]["zones"] == pictured.json()[0]["zones"]
    assert elsewhere.json()[0]["path"]  # predicted by the worker asked, from the kept motion


async def _exercise(workers: list[NodeProcess], token: str, database: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC) - timedelta(seconds=10)
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        threats = set()
        for n in range(6):
            worker = workers[n % 2]
            response = await client.post(
                f"{worker.url}/api/v1/observations", json=report("aa-7", n, now)
            )
            assert response.status_code == 200, response.text
            [result] = response.json()
            assert result["association"] in {"new", "track_id", "gate"}, result
            threats.add(result["threat"])
        assert len(threats) == 1

        store = await open_store(database, migrate=False)
        try:
            warnings = await store.search(AlertQuery(sender=SENDERS["coord"], limit=100))
        finally:
            await store.close()
        assert warnings
        assert len({w.thread_id for w in warnings}) == 1

        pid = await assessor_pid(database)
        [assessing] = [w for w in workers if w.process is not None and w.process.pid == pid]
        [other] = [w for w in workers if w is not assessing]
        await _threats_only_from(assessing, other, client, threats)
        assessing.kill()

        async with asyncio.timeout(WAIT_S):
            n = 0
            while True:
                response = await client.post(
                    f"{other.url}/api/v1/observations", json=report("aa-8", n, now)
                )
                assert response.status_code == 200, response.text
                [result] = response.json()
                if result["association"] != "queued":
                    break
                n += 1
        assert result["association"] == "new"
        assert result["issued"]
        assert other.process is not None
        assert await assessor_pid(database) == other.process.pid
    # Reports taken while no worker assessed (answered "queued") are assessed all the same.
    posted = [("aa", f"aa-8-{k}") for k in range(n + 1)]
    store = await open_store(database, migrate=False)
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                outcomes = await store.observation_outcomes(posted)
                if len(outcomes) == len(posted):
                    break
                await asyncio.sleep(0.1)
    finally:
        await store.close()
    assert {o.association for o in outcomes.values()} <= {"new", "track_id", "gate"}
