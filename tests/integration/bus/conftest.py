"""Buses for contract tests: the in-process bus and NATS JetStream at 127.0.0.1:4222.

Each test gets its own subject prefix and streams on the shared NATS server, deleted after it.
Without a server the JetStream tests skip on a laptop and fail under CI=true.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from tests.conftest import unavailable

from tanbih.adapters.bus import JetStreamBus, JetStreamOptions, MemoryBus
from tanbih.errors import BusError
from tanbih.ports import Bus

NATS_URL = "nats://127.0.0.1:4222"
# Short enough that a test of redelivery after a dead worker waits a second or two. Not a
# multiple of the adapter's 1 s fetch wait: a redelivery due just as a pull request expires
# is counted as a first delivery by NATS 2.9 (seen 4-7 times in 60 runs at 1.0 s).
ACK_WAIT_S = 1.5


class Topic:
    """A test's own subjects and streams: ``<prefix>.cap.<recipient>.<category>`` and so on."""

    def __init__(self) -> None:
        self.prefix = f"t{secrets.token_hex(4)}"
        self.streams = {
            f"{self.prefix.upper()}_ALERTS": [f"{self.prefix}.cap.>"],
            f"{self.prefix.upper()}_OBSERVATIONS": [f"{self.prefix}.obs.>"],
        }

    def cap(self, recipient: str, category: str = "security") -> str:
        return f"{self.prefix}.cap.{recipient}.{category}"

    def inbox(self, recipient: str) -> str:
        return f"{self.prefix}.cap.{recipient}.>"


@pytest.fixture
def topic() -> Topic:
    """Subjects and streams no other test uses."""
    return Topic()


async def jetstream(topic: Topic, **options: float) -> JetStreamBus:
    """A JetStream bus over the test's streams, or the test is unavailable."""
    try:
        return await JetStreamBus.connect(
            NATS_URL,
            topic.streams,
            JetStreamOptions(
                ack_wait=ACK_WAIT_S, redeliver_delay=0.2, connect_timeout=2.0, **options
            ),
        )
    except BusError as exc:
        unavailable(f"NATS JetStream not reachable at {NATS_URL}: {exc}")
        raise AssertionError("unreachable") from exc


@pytest.fixture(params=["memory", "jetstream"])
async def bus(request: pytest.FixtureRequest, topic: Topic) -> AsyncIterator[Bus]:
    """Each bus in turn, over the test's own subjects."""
    if request.param == "memory":
        yield MemoryBus(redeliver_delay=0.2)
        return
    js = await jetstream(topic)
    try:
        yield js
    finally:
        await js.delete_streams()
        await js.close()
