"""Open-loop rate steps against a system under test, and a ramp of them to its maximum.

A step posts one alert per request at a fixed rate, each POST at its scheduled time whether or
not earlier ones were answered, and waits (bounded by ``DRAIN_SECONDS``) for their webhooks at
the receiver (``_webhook_receiver.py``). Latency is from just before a request is written to
the kernel's receive stamp of its webhook. A ramp doubles the rate from ``RAMP_START`` until a
step is not sustained, then refines once between the last sustained and the first not.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from _http_client import HttpClient
from _loopback import percentile
from _processes import Listening, cpu_seconds
from _webhook_receiver import Arrivals

# How long to wait for the webhooks of a step after its last POST: a system that falls behind
# drains its backlog within it, so every step starts on an idle system.
DRAIN_SECONDS = 30.0
RAMP_START = 25
RAMP_MAX = 12_800


@dataclass(slots=True)
class System:
    """One system under test: how to post an alert to it and where its webhook lands."""

    name: str
    server: Listening
    path: str
    body: Callable[[str], bytes]
    headers: dict[str, str]
    endpoint: str
    client: HttpClient = field(init=False)
    idle_cpu: float = 0.0  # CPU seconds per second it uses doing nothing (polling loops)

    def __post_init__(self) -> None:
        self.client = HttpClient(self.server.port)


@dataclass(slots=True)
class Step:
    """What one run of alerts at one rate measured."""

    system: str
    rate: float
    posted: int
    arrived: int
    failures: Counter[str]
    latencies_ms: list[float]  # in posting order, for arrived alerts
    response_ms: list[float]
    achieved_rate: float
    ids: list[str]
    cpu_ms: float  # the system's CPU time per alert beyond idle (its threads; not PostgreSQL's)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def client_bound(self) -> bool:
        return self.achieved_rate < 0.95 * self.rate

    @property
    def growing(self) -> bool:
        """Latency grows through the step: the system falls behind (a backlog).

        Judged on 40 alerts or more: a quarter of fewer is too few to tell growth from noise.
        """
        if len(self.latencies_ms) < 40:
            return False
        quarter = len(self.latencies_ms) // 4
        first = percentile(self.latencies_ms[:quarter], 50)
        last = percentile(self.latencies_ms[-quarter:], 50)
        return last > 2 * first + 10.0

    @property
    def sustained(self) -> bool:
        complete = self.arrived == self.posted and not self.failures
        return complete and not self.growing and not self.client_bound

    def line(self) -> str:
        response = percentile(self.response_ms, 50), percentile(self.response_ms, 99)
        flags = [
            flag
            for flag, on in (
                ("MISSING", self.arrived < self.posted),
                (f"POST-FAILED {dict(self.failures)}", bool(self.failures)),
                ("GROWING", self.growing),
                ("CLIENT-BOUND", self.client_bound),
            )
            if on
        ]
        return (
            f"{self.system:<22} {self.rate:>7,.0f} {self.achieved_rate:>8,.0f} "
            f"{self.posted:>6} {self.arrived:>6} {self.p50:>8.2f} {self.p99:>8.2f} "
            f"{response[0]:>8.2f} {response[1]:>8.2f} {self.cpu_ms:>7.2f}  {' '.join(flags)}"
        )


HEADER = (
    f"{'system':<22} {'rate/s':>7} {'posted/s':>8} {'posts':>6} {'hooks':>6} "
    f"{'p50 ms':>8} {'p99 ms':>8} {'resp p50':>8} {'resp p99':>8} {'cpu ms':>7}"
)


async def run_step(system: System, arrivals: Arrivals, rate: float, count: int, tag: str) -> Step:
    """Post ``count`` alerts at ``rate``/s, open loop; wait (bounded) for their webhooks."""
    ids = [f"{tag}-{i}" for i in range(count)]
    bodies = [system.body(i) for i in ids]
    starts: dict[str, int] = {}
    responses: list[float] = []
    failures: Counter[str] = Counter()

    async def post(identifier: str, body: bytes) -> None:
        try:
            response = await system.client.request("POST", system.endpoint, body, system.headers)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            failures[type(exc).__name__] += 1
            return
        starts[identifier] = response.started_ns
        responses.append((time.time_ns() - response.started_ns) / 1e6)
        if response.status >= 300:
            failures[f"{response.status}: {response.body[:120].decode(errors='replace')}"] += 1

    tasks: list[asyncio.Task[None]] = []
    cpu, clock = cpu_seconds(system.server.pid), time.monotonic()
    begin = time.monotonic() + 0.01
    for i, (identifier, body) in enumerate(zip(ids, bodies, strict=True)):
        delay = begin + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(identifier, body)))
    posting = max(time.monotonic() - begin, 1e-9)
    achieved = (count - 1) / posting if count > 1 else rate
    await asyncio.gather(*tasks)
    await arrivals.wait_for(system.path, ids, DRAIN_SECONDS)
    used = cpu_seconds(system.server.pid) - cpu - system.idle_cpu * (time.monotonic() - clock)
    cpu_ms = used * 1000 / count
    seen = arrivals.of(system.path)
    latencies = [(seen[i] - starts[i]) / 1e6 for i in ids if i in seen and i in starts]
    arrived = sum(1 for i in ids if i in seen)
    return Step(
        system.name, rate, count, arrived, failures, latencies, responses, achieved, ids, cpu_ms
    )


async def ramp(system: System, arrivals: Arrivals, seconds: float, out: list[Step]) -> str:
    """Double the rate until a step is not sustained, refine once; the sustained figure."""
    best: Step | None = None
    rate = RAMP_START
    failed_at: Step | None = None
    while rate <= RAMP_MAX:
        tag = f"ramp{rate}-{slug(system)}"
        step = await run_step(system, arrivals, rate, int(rate * seconds), tag)
        out.append(step)
        print(step.line(), flush=True)
        if not step.sustained:
            failed_at = step
            break
        best = step
        rate *= 2
        await asyncio.sleep(0.5)
    if failed_at is not None and not failed_at.client_bound:
        middle = math.sqrt((best.rate if best else RAMP_START / 2) * failed_at.rate)
        middle = float(f"{middle:.2g}")
        await asyncio.sleep(1.0)
        if best is None or best.rate < middle < failed_at.rate:
            tag = f"mid{middle}-{slug(system)}"
            step = await run_step(system, arrivals, middle, int(middle * seconds), tag)
            out.append(step)
            print(step.line(), flush=True)
            if step.sustained:
                best = step
            else:
                failed_at = step
    if best is None:
        return f"< {failed_at.rate if failed_at else RAMP_START:,.0f}/s"
    if failed_at is None or failed_at.client_bound:
        return f"≥ {best.rate:,.0f}/s (client-bound)"
    return f"{best.rate:,.0f}/s"


def slug(system: System) -> str:
    """The system's name reduced to letters and digits, for alert ids."""
    return "".join(c for c in system.name if c.isalnum())
