"""The bus port's promises, held by the in-process bus and by NATS JetStream alike."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

from tanbih.ports import Bus, BusMessage, Verdict

from .conftest import Topic

WAIT_S = 10.0


class Collector:
    """A handler that keeps what it is given and answers with ``verdict_of``."""

    def __init__(self, verdict_of: Callable[[BusMessage], Verdict] = lambda _: Verdict.DONE):
        self.messages: list[BusMessage] = []
        self._verdict_of = verdict_of
        self._grew = asyncio.Event()

    async def __call__(self, message: BusMessage) -> Verdict:
        self.messages.append(message)
        self._grew.set()
        return self._verdict_of(message)

    async def until(self, count: int) -> list[BusMessage]:
        """Wait, bounded, until ``count`` messages came."""
        async with asyncio.timeout(WAIT_S):
            while len(self.messages) < count:
                self._grew.clear()
                await self._grew.wait()
        return self.messages

    def ids(self) -> list[str]:
        return [m.msg_id for m in self.messages]


@contextlib.asynccontextmanager
async def consuming(
    bus: Bus, subject_filter: str, durable: str, handler: Callable[[BusMessage], Awaitable[Verdict]]
):  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    task = asyncio.create_task(bus.consume(subject_filter, durable, handler, stop))
    try:
        yield task
    finally:
        stop.set()
        async with asyncio.timeout(WAIT_S):
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def publish_n(bus: Bus, subject: str, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        assert await bus.publish(subject, f"m{i}".encode(), msg_id=f"id-{i}")


async def test_a_consumer_gets_its_subjects_in_order_with_id_and_headers(
    bus: Bus, topic: Topic
) -> None:
    """Messages for one recipient arrive in publish order, with their id, headers and data;
    another recipient's do not."""
    await bus.publish(topic.cap("a"), b"first", msg_id="x1", headers={"Tanbih-From": "coord"})
    await bus.publish(topic.cap("b"), b"not for a", msg_id="x2")
    await bus.publish(topic.cap("a", "cbrne"), b"second", msg_id="x3")
    got = Collector()
    async with consuming(bus, topic.inbox("a"), "a-cap", got):
        messages = await got.until(2)
    assert [m.data for m in messages] == [b"first", b"second"]
    assert [m.msg_id for m in messages] == ["x1", "x3"]
    assert messages[0].headers["Tanbih-From"] == "coord"
    assert messages[0].subject == topic.cap("a")
    assert messages[0].delivery == 1
    assert messages[0].sequence < messages[1].sequence


async def test_a_message_id_published_twice_is_stored_once(bus: Bus, topic: Topic) -> None:
    """The second publish of an id is reported as a duplicate and never delivered."""
    assert await bus.publish(topic.cap("a"), b"one", msg_id="same")
    assert not await bus.publish(topic.cap("a"), b"one again", msg_id="same")
    await bus.publish(topic.cap("a"), b"marker", msg_id="after")
    got = Collector()
    async with consuming(bus, topic.inbox("a"), "a-cap", got):
        await got.until(2)
    assert [m.data for m in got.messages] == [b"one", b"marker"]


async def test_retry_delivers_again_and_reject_never_does(bus: Bus, topic: Topic) -> None:
    """A RETRY verdict brings the message back (delivery 2); a REJECT one drops it for good."""
    await bus.publish(topic.cap("a"), b"retry me", msg_id="r")
    await bus.publish(topic.cap("a"), b"reject me", msg_id="x")
    await bus.publish(topic.cap("a"), b"fine", msg_id="f")

    def verdict(message: BusMessage) -> Verdict:
        if message.msg_id == "r" and message.delivery == 1:
            return Verdict.RETRY
        return Verdict.REJECT if message.msg_id == "x" else Verdict.DONE

    got = Collector(verdict)
    async with consuming(bus, topic.inbox("a"), "a-cap", got):
        await got.until(4)
        await publish_n(bus, topic.cap("a"), 1)
        await got.until(5)
    assert sorted(got.ids()) == ["f", "id-0", "r", "r", "x"]
    assert [m.delivery for m in got.messages if m.msg_id == "r"] == [1, 2]


async def test_a_handler_that_raises_gets_the_message_again(bus: Bus, topic: Topic) -> None:
    """An exception in the handler is a retry, not a loss."""
    await bus.publish(topic.cap("a"), b"boom once", msg_id="b")
    calls: list[int] = []

    async def flaky(message: BusMessage) -> Verdict:
        calls.append(message.delivery)
        if message.delivery == 1:
            raise RuntimeError("store down")
        return Verdict.DONE

    got = Collector()

    async def handler(message: BusMessage) -> Verdict:
        verdict = await flaky(message)
        return await got(message) if verdict is Verdict.DONE else verdict

    async with consuming(bus, topic.inbox("a"), "a-cap", handler):
        await got.until(1)
    assert calls == [1, 2]


async def test_a_durable_consumer_resumes_after_what_it_acknowledged(
    bus: Bus, topic: Topic
) -> None:
    """Stopped and started again under its name, a consumer gets what came meanwhile, in order,
    and nothing twice."""
    await publish_n(bus, topic.cap("b"), 3)
    first = Collector()
    async with consuming(bus, topic.inbox("b"), "b-cap", first):
        await first.until(3)
    await publish_n(bus, topic.cap("b"), 4, start=3)
    second = Collector()
    async with consuming(bus, topic.inbox("b"), "b-cap", second):
        await second.until(4)
        await asyncio.sleep(0)
    assert first.ids() == ["id-0", "id-1", "id-2"]
    assert second.ids() == ["id-3", "id-4", "id-5", "id-6"]


async def test_consumers_sharing_a_durable_name_share_the_work(bus: Bus, topic: Topic) -> None:
    """Two workers of one node consuming under one name get every message once between them."""
    total = 40
    seen: list[str] = []
    done = asyncio.Event()

    async def worker(message: BusMessage) -> Verdict:
        seen.append(message.msg_id)
        if len(seen) >= total:
            done.set()
        await asyncio.sleep(0.005)
        return Verdict.DONE

    async with (
        consuming(bus, topic.inbox("b"), "b-cap", worker),
        consuming(bus, topic.inbox("b"), "b-cap", worker),
    ):
        await publish_n(bus, topic.cap("b"), total)
        async with asyncio.timeout(WAIT_S):
            await done.wait()
    assert sorted(seen) == sorted(f"id-{i}" for i in range(total))


async def test_a_message_whose_worker_dies_is_delivered_to_the_next(bus: Bus, topic: Topic) -> None:
    """A worker killed before it settles a message loses nothing: another gets it again."""
    await bus.publish(topic.cap("b"), b"in flight", msg_id="w")
    started = asyncio.Event()

    async def hangs(message: BusMessage) -> Verdict:
        started.set()
        await asyncio.Event().wait()
        return Verdict.DONE

    stop = asyncio.Event()
    dying = asyncio.create_task(bus.consume(topic.inbox("b"), "b-cap", hangs, stop))
    async with asyncio.timeout(WAIT_S):
        await started.wait()
    dying.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dying
    got = Collector()
    async with consuming(bus, topic.inbox("b"), "b-cap", got):
        await got.until(1)
    assert got.messages[0].msg_id == "w"
    assert got.messages[0].delivery == 2


@pytest.mark.parametrize("recipient", ["a", "b"])
async def test_different_durables_each_get_everything_they_filter(
    bus: Bus, topic: Topic, recipient: str
) -> None:
    """Consumers of different names are independent: each reads its filter from the start."""
    await publish_n(bus, topic.cap(recipient), 2)
    one, two = Collector(), Collector()
    async with consuming(bus, topic.inbox(recipient), f"{recipient}-one", one):
        await one.until(2)
    async with consuming(bus, topic.inbox(recipient), f"{recipient}-two", two):
        await two.until(2)
    assert one.ids() == two.ids() == ["id-0", "id-1"]
