"""``tanbih serve --workers 2`` on PostgreSQL: both workers take traffic, and the work of a
worker killed mid-way is delivered by the other (its claims expire), nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.fakes.http_server import free_port, loopback_listener, serve
from tests.fakes.receiver import Receiver
from tests.integration.conftest import PG_HOST, PG_PORT, _create_database, _drop_database

from tanbih import cap
from tanbih.cap.signature import sign, signing_identity
from tanbih.coalition import load_coalition

from .coalition import warning, write_coalition
from .processes import TANBIH, WEBHOOK_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ALERTS = 20
# A killed worker's claims run out after the dispatcher's lease (30 s with the default timeouts).
WAIT_S = 120.0


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"tanbih_workers_{os.getpid()}_{free_port()}"
    user = await _create_database(name)
    try:
        yield f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await _drop_database(name)


def children(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=out)


async def test_two_workers_deliver_everything_even_when_one_is_killed(
    tmp_path: Path, database: str
) -> None:
    """20 warnings posted to a node of two workers, one SIGKILLed after the first half: every
    warning reaches bb's duty officer's webhook."""
    receiver = Receiver()
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        layout = write_coalition(tmp_path / "c", hooks, all_contacts=True)
        channels = tmp_path / "channels.yaml"
        channels.write_text(f"webhook: {{secret: {WEBHOOK_SECRET}}}\n")
        port = free_port()
        env = {
            **os.environ,
            "TANBIH_SIGNING_KEY": str(layout.key("coord")),
            "TANBIH_NODE_SECRET": "workers-test-secret-" + "x" * 32,
            "TANBIH_CHANNELS": str(channels),
        }
        args = [
            str(TANBIH),
            "serve",
            "--workers",
            "2",
            "--coalition",
            str(layout.coalition("coord")),
            "--database-url",
            database,
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(port),
        ]
        process = start(args, env, tmp_path / "serve.log")
        try:
            await _exercise(process, port, layout.tokens["bb"], layout.key("bb"), layout, receiver)
        finally:
            workers = children(process.pid)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
            # A worker the supervisor was restarting as it stopped would outlive it.
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


async def _exercise(  # type: ignore[no-untyped-def]
    process: subprocess.Popen[bytes], port: int, token: str, key: Path, layout, receiver: Receiver
) -> None:
    base = f"http://127.0.0.1:{port}"
    identity = signing_identity(load_coalition(layout.coalition("bb")), _read(key))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cap+xml"}
    async with httpx.AsyncClient(base_url=base) as client:
        async with asyncio.timeout(90):
            while len(children(process.pid)) < 2 or not await _healthy(client):
                assert process.poll() is None, "tanbih serve --workers 2 exited"
                await asyncio.sleep(0.2)
        workers = children(process.pid)
        posted = []
        for n in range(ALERTS):
            alert = warning("bb", f"workers-{port}-{n}")
            xml = sign(cap.emit_xml(alert), identity.private_key, identity.certificate)
            response = await _post(client, xml, headers)
            assert response.status_code in (200, 201), response.text
            posted.append(alert.identifier)
            if n == ALERTS // 2:
                os.kill(workers[0], signal.SIGKILL)
    expected = set(posted)

    def delivered() -> set[str]:
        return {cap.parse_xml(r.body).identifier for r in receiver.requests if r.path == "/bb"}

    async with asyncio.timeout(WAIT_S):
        while True:
            if delivered() >= expected:
                break
            await asyncio.sleep(0.2)
    assert delivered() == expected


async def _post(client: httpx.AsyncClient, xml: bytes, headers: dict[str, str]) -> httpx.Response:
    """Post, again on a new connection if the worker holding ours was the one killed: the
    identifier makes a resend harmless (200, duplicate)."""
    for _ in range(5):
        try:
            return await client.post("/api/v1/alerts", content=xml, headers=headers)
        except httpx.TransportError:
            continue
    raise AssertionError("no worker took the message")


async def _healthy(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/healthz")).status_code == 200
    except httpx.TransportError:
        return False


def _read(path: Path) -> bytes:
    return path.read_bytes()
