"""CPU and latency of one webhook POST per async HTTP client, to a receiver on loopback.

Run: ``PYTHONPATH=src .venv/bin/python bench/webhook_client.py [--posts N] [--paced N]
[--rate R] [--rounds K] [--clients a,b,...] [--loop uvloop|asyncio]`` (about 4 min).

Each client posts real CAP messages of 1.7-6.2 KB (``shared/data/cap/valid``, each with an
identifier of its own) with the headers the webhook channel sends, over one kept-alive
connection, to ``bench/_webhook_receiver.py`` in a process of its own (it answers 200 at
once and stamps arrivals with the kernel's receive time). Per client and round:

- back to back: ``--posts`` POSTs, each awaited before the next. CPU per POST is this
  process's CPU time (every thread: some clients do their I/O on threads of their own)
  divided by the POSTs; "arrival" is the kernel stamp at the receiver minus the wall clock
  just before the call, "round trip" the call's whole duration.
- paced: ``--paced`` POSTs at ``--rate`` per second, as a node sends them under load (the
  event loop idles between them, as in the node); CPU includes the idle loop's wake-ups.

``channel`` is tanbih's own webhook channel as the registry builds it (signing included), so
its row is what the node pays. The rounds interleave the clients, so that a neighbour's load
on the shared machine falls on all of them alike. Clients that are not installed are skipped:
aiohttp and httpx are the project's dependencies; to compare the others, install them into a
directory of their own (``pip install --target DIR aiosonic niquests pyreqwest curl-cffi``)
and put it on ``PYTHONPATH`` after ``src``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _loopback import LOOPBACK, percentile
from _webhook_receiver import Arrivals, webhook_receiver

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cap" / "valid"
SIZES = (1_000, 8_000)  # bytes: the webhook bodies the issue is about
USER_AGENT = "tanbih-channels/1"
_IDENTIFIER = re.compile(rb"<identifier>[^<]*</identifier>")

Post = Callable[[str, bytes, dict[str, str]], Awaitable[int]]
"""POST a body with headers to a URL; the response status."""


def cap_templates() -> list[tuple[bytes, bytes]]:
    """Real CAP messages of 1-8 KB, split around their identifier's text."""
    templates = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or not SIZES[0] <= path.stat().st_size <= SIZES[1]:
            continue
        match = _IDENTIFIER.search(body := path.read_bytes())
        if match:
            templates.append((body[: match.start()] + b"<identifier>", body[match.end() - 13 :]))
    return templates


def headers_for(identifier: str) -> dict[str, str]:
    """The headers the webhook channel sends (values of the same length)."""
    return {
        "Content-Type": "application/cap+xml",
        "Idempotency-Key": f"n-{identifier}-il-duty-webhook",
        "X-Tanbih-Status": "Exercise",
        "X-Tanbih-Timestamp": str(int(time.time())),
        "X-Tanbih-Signature": "v1=" + "0" * 64,
    }


# -- the clients, each as the channel would configure it: 5 s for all, 2 s to connect ------


@contextlib.asynccontextmanager
async def httpx_client() -> Any:
    import httpx  # noqa: PLC0415

    async with httpx.AsyncClient(
        timeout=httpx.Timeout(5.0, connect=2.0),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    ) as client:

        async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
            async with asyncio.timeout(5.0):
                return (await client.post(url, content=body, headers=headers)).status_code

        yield post


@contextlib.asynccontextmanager
async def aiohttp_client() -> Any:
    import aiohttp  # noqa: PLC0415

    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=5.0, sock_connect=2.0),
        headers={"User-Agent": USER_AGENT},
        cookie_jar=aiohttp.DummyCookieJar(),
    ) as session:

        async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
            async with (
                asyncio.timeout(5.0),
                session.post(url, data=body, headers=headers, allow_redirects=False) as response,
            ):
                await response.read()
                return response.status

        yield post


@contextlib.asynccontextmanager
async def aiosonic_client() -> Any:
    import aiosonic  # noqa: PLC0415

    timeouts = aiosonic.Timeouts(sock_connect=2.0, request_timeout=5.0)
    async with aiosonic.HTTPClient(follow=False) as client:

        async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
            async with asyncio.timeout(5.0):
                response = await client.post(
                    url, data=body, headers={**headers, "User-Agent": USER_AGENT}, timeouts=timeouts
                )
                await response.content()
                return int(response.status_code)

        yield post


@contextlib.asynccontextmanager
async def niquests_client() -> Any:
    import niquests  # noqa: PLC0415

    async with niquests.AsyncSession() as session:
        session.headers["User-Agent"] = USER_AGENT
        yield _requests_style(session)


@contextlib.asynccontextmanager
async def pyreqwest_client() -> Any:
    from datetime import timedelta  # noqa: PLC0415

    from pyreqwest.client import ClientBuilder  # noqa: PLC0415

    builder = ClientBuilder().user_agent(USER_AGENT).follow_redirects(False)
    builder = builder.timeout(timedelta(seconds=5)).connect_timeout(timedelta(seconds=2))
    async with builder.build() as client:

        async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
            async with asyncio.timeout(5.0):
                request = client.post(url).headers(headers).body_bytes(body).build()
                response = await request.send()
                await response.bytes()
                return int(response.status)

        yield post


@contextlib.asynccontextmanager
async def curl_cffi_client() -> Any:
    from curl_cffi.requests import AsyncSession  # noqa: PLC0415

    async with AsyncSession(headers={"User-Agent": USER_AGENT}) as session:
        yield _requests_style(session)


def _requests_style(session: Any) -> Callable[[str, bytes, dict[str, str]], Awaitable[int]]:
    """The POST of a session with requests' API (niquests, curl_cffi)."""

    async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        async with asyncio.timeout(5.0):
            response = await session.post(
                url, data=body, headers=headers, timeout=(2.0, 5.0), allow_redirects=False
            )
            return int(response.status_code)

    return post


@contextlib.asynccontextmanager
async def tanbih_channel() -> Any:
    from tanbih.adapters.channels.registry import build_channels  # noqa: PLC0415
    from tanbih.adapters.channels.settings import ChannelSettings, WebhookSettings  # noqa: PLC0415
    from tanbih.domain.cap import Status  # noqa: PLC0415
    from tanbih.domain.coalition import ChannelAddress, ChannelKind  # noqa: PLC0415
    from tanbih.domain.notification import (  # noqa: PLC0415
        Delivery,
        DeliveryOutcome,
        Notification,
        Recipient,
        Wording,
    )

    settings = ChannelSettings(webhook=WebhookSettings(secret="bench-webhook-secret-" + "x" * 24))
    wording = Wording("en", "EXERCISE", "EXERCISE", "EXERCISE", "EXERCISE")
    async with AsyncExitStack() as stack:
        channel = build_channels(settings, stack)[ChannelKind.WEBHOOK]

        async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
            key = headers["Idempotency-Key"]
            recipient = Recipient("il", "il-duty", ChannelAddress(ChannelKind.WEBHOOK, url), "en")
            now = datetime.now(UTC)
            notification = Notification(key, key, Status.EXERCISE, recipient, 0, now, now)
            result = await channel.send(Delivery(notification, body, wording, "1", "", key))
            return 200 if result.outcome is DeliveryOutcome.DELIVERED else 0

        yield post


CLIENTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "httpx": ("httpx", httpx_client),
    "aiohttp": ("aiohttp", aiohttp_client),
    "aiosonic": ("aiosonic", aiosonic_client),
    "niquests": ("niquests", niquests_client),
    "pyreqwest": ("pyreqwest", pyreqwest_client),
    "curl_cffi": ("curl_cffi", curl_cffi_client),
    "channel": ("tanbih", tanbih_channel),
}


@dataclass(slots=True)
class Samples:
    """What one client measured, over every round."""

    cpu_ns: list[float] = field(default_factory=list)  # per POST, one value per round
    arrival_ns: list[int] = field(default_factory=list)
    round_trip_ns: list[int] = field(default_factory=list)
    paced_cpu_ns: list[float] = field(default_factory=list)
    paced_arrival_ns: list[int] = field(default_factory=list)


class Bodies:
    """Unique CAP bodies, cycling through the corpus."""

    def __init__(self) -> None:
        self._templates = cap_templates()
        self._count = 0

    def next(self) -> tuple[str, bytes]:
        self._count += 1
        identifier = f"bench-{self._count:08d}"
        head, tail = self._templates[self._count % len(self._templates)]
        return identifier, head + identifier.encode() + tail


async def run_phase(
    post: Post, url: str, bodies: Bodies, arrivals: Arrivals, count: int, interval: float
) -> tuple[float, list[int], list[int]]:
    """CPU ns per POST, arrival and round-trip ns of each, ``interval`` s apart (0: at once)."""
    starts: dict[str, int] = {}
    round_trips = []
    cpu_start = time.process_time_ns()
    next_at = time.perf_counter()
    for _ in range(count):
        if interval:
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        identifier, body = bodies.next()
        headers = headers_for(identifier)
        began = time.perf_counter_ns()
        starts[identifier] = time.time_ns()
        status = await post(url, body, headers)
        round_trips.append(time.perf_counter_ns() - began)
        if status != 200:
            raise RuntimeError(f"the receiver answered {status}")
    cpu = (time.process_time_ns() - cpu_start) / count
    await arrivals.wait_for("/tanbih", list(starts), within=10)
    seen = arrivals.of("/tanbih")
    return cpu, [seen[i] - started for i, started in starts.items() if i in seen], round_trips


async def measure(args: argparse.Namespace) -> dict[str, Samples]:
    """Every installed client, ``args.rounds`` times, interleaved."""
    names = [n for n in args.clients.split(",") if importlib.util.find_spec(CLIENTS[n][0])]
    results = {name: Samples() for name in names}
    bodies = Bodies()
    async with webhook_receiver() as arrivals:
        url = f"http://{LOOPBACK}:{arrivals.port}/tanbih"
        for _ in range(args.rounds):
            for name in names:
                async with CLIENTS[name][1]() as post:
                    await run_phase(post, url, bodies, arrivals, 100, 0)  # warm-up
                    cpu, arrived, trips = await run_phase(
                        post, url, bodies, arrivals, args.posts, 0
                    )
                    paced_cpu, paced, _ = await run_phase(
                        post, url, bodies, arrivals, args.paced, 1 / args.rate
                    )
                samples = results[name]
                samples.cpu_ns.append(cpu)
                samples.arrival_ns += arrived
                samples.round_trip_ns += trips
                samples.paced_cpu_ns.append(paced_cpu)
                samples.paced_arrival_ns += paced
    return results


def report(results: dict[str, Samples], args: argparse.Namespace) -> None:
    """One line per client: CPU per POST and latency percentiles, in microseconds."""
    us = 1e-3
    print(
        f"{args.rounds} rounds x {args.posts} back to back + {args.paced} at {args.rate:g}/s, "
        f"loop {args.loop}; CPU = median of rounds, us"
    )
    print(
        f"{'client':10} {'CPU/POST':>8} {'arr p50':>8} {'arr p99':>8} {'rt p50':>8} "
        f"{'rt p99':>8} | {'paced CPU':>9} {'arr p50':>8} {'arr p99':>8}"
    )
    for name, s in results.items():
        print(
            f"{name:10} {percentile(s.cpu_ns, 50) * us:8.0f} "
            f"{percentile(s.arrival_ns, 50) * us:8.0f} {percentile(s.arrival_ns, 99) * us:8.0f} "
            f"{percentile(s.round_trip_ns, 50) * us:8.0f} "
            f"{percentile(s.round_trip_ns, 99) * us:8.0f} | "
            f"{percentile(s.paced_cpu_ns, 50) * us:9.0f} "
            f"{percentile(s.paced_arrival_ns, 50) * us:8.0f} "
            f"{percentile(s.paced_arrival_ns, 99) * us:8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000, help="back-to-back POSTs per round")
    parser.add_argument("--paced", type=int, default=200, help="paced POSTs per round")
    parser.add_argument("--rate", type=float, default=20.0, help="paced POSTs per second")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop  # noqa: PLC0415

        results = uvloop.run(measure(args))
    else:
        results = asyncio.run(measure(args))
    report(results, args)


if __name__ == "__main__":
    main()
