"""A coalition of nodes for the federation benchmarks: the integration test's three-partner
coalition (a hub, ``aa`` and ``bb``, aa and bb hearing of each other only through the hub),
its ``tanbih serve`` processes, a PostgreSQL database per node and NATS at 127.0.0.1:4222
under a prefix of the run's own.

The coalition and the process helpers are the integration test's own
(``tests/integration/federation``), so the benchmark runs exactly what the test pins.
"""

from __future__ import annotations

import importlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from _loopback import ROOT, VENV_BIN, free_port
from tanbih.adapters.bus import JetStreamBus, JetStreamOptions
from tanbih.domain.federation import Topology

# The integration test's helpers live under tests/, beside bench/.
sys.path.insert(0, str(ROOT))
_coalition = importlib.import_module("tests.integration.federation.coalition")
_processes = importlib.import_module("tests.integration.federation.processes")
PARTNERS = _coalition.PARTNERS
SENDERS = _coalition.SENDERS
Layout = _coalition.Layout
warning = _coalition.warning
write_coalition = _coalition.write_coalition
Cluster = _processes.Cluster
NodeProcess = _processes.NodeProcess
cluster = _processes.cluster

NATS_URL = "nats://127.0.0.1:4222"
PG = "postgresql://postgres@127.0.0.1:5432"

__all__ = [
    "NATS_URL",
    "PARTNERS",
    "SENDERS",
    "Cluster",
    "Layout",
    "NodeProcess",
    "cluster",
    "databases",
    "delete_streams",
    "observation",
    "served_coordinator",
    "warning",
    "write_coalition",
]


@contextmanager
def served_coordinator(
    layout: Layout, database_url: str, workers: int, directory: Path, webhook_secret: str
) -> Iterator[str]:
    """The hub's node as ``tanbih serve --workers N`` on ``database_url``, its webhooks signed
    with ``webhook_secret``, logging to ``directory``: its base URL until the block ends."""
    channels = directory / "channels.yaml"
    channels.write_text(f"webhook: {{secret: {webhook_secret}}}\n")
    port = free_port()
    env = {
        **os.environ,
        "TANBIH_SIGNING_KEY": str(layout.key("coord")),
        "TANBIH_NODE_SECRET": "bench-coordinator-secret-" + "x" * 32,
        "TANBIH_CHANNELS": str(channels),
    }
    args = [
        str(VENV_BIN / "tanbih"), "serve", "--workers", str(workers),
        "--coalition", str(layout.coalition("coord")), "--database-url", database_url,
        "--data-dir", str(directory / "data"), "--port", str(port),
    ]  # fmt: skip
    with (directory / "serve.log").open("wb") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


@asynccontextmanager
async def databases(partners: Iterable[str]) -> AsyncIterator[dict[str, str]]:
    """A fresh PostgreSQL database per partner, dropped afterwards."""
    names = {p: f"tanbih_bench_{secrets.token_hex(3)}_{p}" for p in partners}
    admin = await asyncpg.connect(f"{PG}/test")
    try:
        for name in names.values():
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield {p: f"postgresql+asyncpg://postgres@127.0.0.1:5432/{n}" for p, n in names.items()}
    finally:
        for name in names.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def delete_streams(prefix: str) -> None:
    """Remove the run's streams from the shared NATS server."""
    bus = await JetStreamBus.connect(NATS_URL, Topology(prefix).streams(), JetStreamOptions())
    await bus.delete_streams()
    await bus.close()


def observation(track: str, lat: float = 30.85) -> dict[str, object]:
    """aa's radar: a drone south of bb's zone flying north at 60 m/s, a new track each time."""
    return {
        "id": f"aa-radar-{track}",
        "sensor": "aa-radar",
        "time": datetime.now(UTC).isoformat(),
        "position": {"lat": lat, "lon": 35.1, "altM": 300},
        "velocity": {"speedMps": 60, "headingDeg": 0},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": track,
    }
