"""`make demo` brings up a node with the demo coalition that answers on its API."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import REPO_ROOT

from tanbih.demo import read_tokens

pytestmark = pytest.mark.slow

READY = "demo node ready on"
START_BOUND_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def demo_node(tmp_path: Path) -> Iterator[str]:
    """`make demo` running on a free port with its data in a temporary directory."""
    port = free_port()
    process = subprocess.Popen(
        ["make", "-s", "demo", f"PORT={port}", f"DEMO_DATA={tmp_path / 'data'}"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + START_BOUND_S
    try:
        # Wait on the demo's own "ready" line, bounded, reading output as it comes.
        while not any(READY in line for line in output):
            remaining = deadline - time.monotonic()
            assert remaining > 0, "make demo did not get ready:\n" + "".join(output)
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            line = process.stdout.readline() if ready else ""
            assert line or process.poll() is None, "make demo exited:\n" + "".join(output)
            output.append(line)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


def test_make_demo_serves_the_demo_coalition_with_example_alerts(demo_node: str) -> None:
    """The demo node is healthy, runs the demo coalition and holds the played Exercise alerts."""
    tokens = read_tokens(REPO_ROOT / "examples" / "coalition" / "demo-tokens.env")
    health = httpx.get(f"{demo_node}/healthz", timeout=10).json()
    assert health["status"] == "ok"
    token = next(iter(tokens.values()))
    listed = httpx.get(
        f"{demo_node}/api/v1/alerts",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert listed.status_code == 200
    alerts = listed.json()
    assert len(alerts) >= 5
    assert {a["status"] for a in alerts} == {"Exercise"}
    assert {"Alert", "Update", "Ack"} <= {a["msgType"] for a in alerts}
    first = alerts[-1]
    xml = httpx.get(
        f"{demo_node}{first['href']}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/cap+xml"},
        timeout=10,
    )
    assert xml.headers["content-type"].startswith("application/cap+xml")
    assert b"<status>Exercise</status>" in xml.content
