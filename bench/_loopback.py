"""Loopback plumbing for the benchmarks: the address, the repository's paths, a free port,
percentiles.

The rest of the notification benchmarks' plumbing has modules of its own: a lean HTTP/1.1
client (``_http_client.py``), subprocess lifetimes and a process's CPU and memory
(``_processes.py``), and the kernel-stamped webhook receiver (``_webhook_receiver.py``).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0-100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))
    return ordered[rank]
