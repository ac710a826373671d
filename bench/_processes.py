"""Processes under test for the benchmarks: started for a block and stopped after, waited for
until they answer, and their CPU time and memory read from ``/proc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from _http_client import HttpClient


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds a process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far, all its threads."""
    return sum(cpu_times(pid))


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``RssAnon`` of a process, in KiB, from ``/proc``."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0])
    return found


@dataclass(frozen=True, slots=True)
class Listening:
    """A server process under test: its port on 127.0.0.1 and its process id."""

    port: int
    pid: int


async def wait_until_ready(
    port: int, path: str, process: asyncio.subprocess.Process, within: float
) -> None:
    """Poll ``GET path`` until it answers 200; fail if ``process`` exits or time runs out."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"the process exited with {process.returncode} while starting")
        client = HttpClient(port)
        try:
            if (await client.request("GET", path)).status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            await client.close()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing answered 200 on :{port}{path} within {within} s")


@asynccontextmanager
async def running(
    argv: Sequence[str],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    ready: tuple[int, str] | None = None,
    within: float = 60.0,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A subprocess for the block, its output in ``log``; stopped (TERM, then KILL) after it.

    With ``ready=(port, path)`` the block starts once ``GET path`` answers 200.
    """
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            env={**os.environ, **(env or {})},
        )
    try:
        if ready is not None:
            try:
                await wait_until_ready(*ready, process, within)
            except (RuntimeError, TimeoutError) as exc:
                tail = (await asyncio.to_thread(log.read_bytes))[-3000:].decode(errors="replace")
                raise RuntimeError(f"{argv[0]} did not start: {exc}\n{tail}") from exc
        yield process
    finally:
        await stop(process)


async def stop(process: asyncio.subprocess.Process, within: float = 10.0) -> None:
    """Terminate ``process`` and wait for it; kill it if it lingers."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), within)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
