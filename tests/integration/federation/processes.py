"""Nodes as separate ``tanbih serve`` processes, each on its own PostgreSQL database, linked
over NATS JetStream at 127.0.0.1:4222 under a subject prefix of the test's own."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.fakes.http_server import free_port

from .coalition import PARTNERS, Layout

TANBIH = Path(sys.executable).with_name("tanbih")
START_S = 90.0
WEBHOOK_SECRET = "federation-test-webhook-secret"


@dataclass
class NodeProcess:
    """One partner's node: its process, its port, its database, where it logs."""

    partner: str
    port: int
    database_url: str
    data_dir: Path
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start ``tanbih serve`` and wait, bounded, until ``/healthz`` answers."""
        args = [
            str(TANBIH),
            "serve",
            "--coalition",
            self.env["TANBIH_COALITION"],
            "--database-url",
            self.database_url,
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
        ]
        self.process = _spawn(args, self.env, self.log)
        async with httpx.AsyncClient() as client, asyncio.timeout(START_S):
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.partner} exited: {self.log.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush, as a power cut."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@dataclass
class Cluster:
    """The coalition's three nodes."""

    layout: Layout
    prefix: str
    nodes: dict[str, NodeProcess] = field(default_factory=dict)

    def headers(self, partner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.layout.tokens[partner]}"}


def cluster(layout: Layout, databases: dict[str, str], tmp_path: Path, nats_url: str) -> Cluster:
    """The three nodes' settings (not started)."""
    prefix = f"f{secrets.token_hex(4)}"
    channels = tmp_path / "channels.yaml"
    channels.write_text(f"webhook: {{secret: {WEBHOOK_SECRET}}}\n")
    result = Cluster(layout, prefix)
    for partner in PARTNERS:
        data_dir = tmp_path / f"data-{partner}"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "TANBIH_COALITION": str(layout.coalition(partner)),
            "TANBIH_SIGNING_KEY": str(layout.key(partner)),
            "TANBIH_NODE_SECRET": f"federation-test-secret-{partner}-" + "x" * 32,
            "TANBIH_CHANNELS": str(channels),
            "TANBIH_BUS_URL": nats_url,
            "TANBIH_BUS_PREFIX": prefix,
            "TANBIH_BUS_ACK_WAIT": "3",
            "TANBIH_PEERS": ",".join(PARTNERS),
        }
        result.nodes[partner] = NodeProcess(
            partner,
            free_port(),
            databases[partner],
            data_dir,
            env,
            tmp_path / f"{partner}.log",
        )
    return result


def _spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(args, env=env, stdout=log, stderr=log)
