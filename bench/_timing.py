"""Timing one call over and over, by the wall clock and by the thread's CPU clock."""

from __future__ import annotations

import time
from collections.abc import Callable

Timings = tuple[list[int], list[int]]
"""Wall and CPU nanoseconds per call."""


def sample(call: Callable[[], object], seconds: float, at_most: int = 100_000) -> Timings:
    """Wall and CPU nanoseconds per call, for ``seconds`` or ``at_most`` calls, after a warm-up."""
    for _ in range(20):
        call()
    wall: list[int] = []
    cpu: list[int] = []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    deadline = clock() + int(seconds * 1e9)
    while len(wall) < at_most:
        start, cpu_start = clock(), cpu_clock()
        call()
        end, cpu_end = clock(), cpu_clock()
        wall.append(end - start)
        cpu.append(cpu_end - cpu_start)
        if end > deadline:
            break
    return wall, cpu
