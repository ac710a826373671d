"""Prometheus Alertmanager as a system under test: a process for a block, and its alerts.

It runs with ``group_by: ['...']`` (one alert per group), ``group_wait: 0s``, a webhook
receiver at the benchmark's receiver, and ``--cluster.listen-address=`` (no cluster).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from _loopback import free_port
from _processes import Listening, running

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
_AM_CONFIG = """\
route:
  receiver: bench
  group_by: ['...']
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: bench
    webhook_configs:
      - url: http://127.0.0.1:{port}/am
        send_resolved: false
"""


@asynccontextmanager
async def alertmanager(directory: Path, receiver_port: int) -> AsyncIterator[Listening]:
    """Alertmanager for the block; yields its port once ``/-/ready`` answers."""
    config = directory / "alertmanager.yml"
    config.write_text(_AM_CONFIG.format(port=receiver_port))
    port = free_port()
    argv = [
        ALERTMANAGER,
        f"--config.file={config}",
        f"--storage.path={directory / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    async with running(argv, directory / "alertmanager.log", ready=(port, "/-/ready")) as am:
        yield Listening(port, am.pid)


def am_body(identifier: str, starts_at: str) -> bytes:
    """One alert, alone in its group (``group_by: ['...']`` and a unique ``id`` label)."""
    return (
        '[{"labels":{"alertname":"TanbihBench","severity":"critical","id":"'
        + identifier
        + '"},"annotations":{"summary":"EXERCISE: benchmark alert"},"startsAt":"'
        + starts_at
        + '"}]'
    ).encode()
