"""The in-process bus: the embedded default, and the fast tests' stand-in for JetStream.

It keeps the same promises as :class:`~tanbih.adapters.bus.jetstream.JetStreamBus` within one
process: one ordered log, publishes deduplicated by message id within a window, durable
consumers that resume where they stopped and share messages between their consuming tasks,
explicit verdicts, redelivery after a delay, and redelivery of a message whose handling task
was cancelled (the in-process form of a worker killed mid-work). Nothing outlives the process.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tanbih.adapters.bus.subjects import matches
from tanbih.ports import BusHandler, BusMessage, Verdict

log = logging.getLogger(__name__)

DEDUP_WINDOW_S = 120.0
REDELIVER_DELAY_S = 0.5


@dataclass(frozen=True, slots=True)
class _Stored:
    subject: str
    data: bytes
    msg_id: str
    headers: Mapping[str, str]


@dataclass(slots=True)
class _Durable:
    subject_filter: str
    next_index: int = 0
    redeliver: list[tuple[float, int]] = field(default_factory=list)
    deliveries: dict[int, int] = field(default_factory=dict)


class MemoryBus:
    """One process's bus (see the module docstring)."""

    def __init__(
        self,
        *,
        dedup_window: float = DEDUP_WINDOW_S,
        redeliver_delay: float = REDELIVER_DELAY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log: list[_Stored] = []
        self._published_at: dict[str, float] = {}
        self._durables: dict[str, _Durable] = {}
        self._dedup_window = dedup_window
        self._redeliver_delay = redeliver_delay
        self._monotonic = monotonic
        # Replaced by a fresh event on every publish: setting the old one wakes every waiter.
        self._published = asyncio.Event()

    async def publish(
        self, subject: str, data: bytes, *, msg_id: str, headers: Mapping[str, str] | None = None
    ) -> bool:
        """Append to the log unless ``msg_id`` was published within the dedup window."""
        now = self._monotonic()
        seen = self._published_at.get(msg_id)
        if seen is not None and now - seen < self._dedup_window:
            return False
        self._published_at[msg_id] = now
        self._log.append(_Stored(subject, data, msg_id, MappingProxyType(dict(headers or {}))))
        published, self._published = self._published, asyncio.Event()
        published.set()
        return True

    async def consume(
        self, subject_filter: str, durable: str, handler: BusHandler, stop: asyncio.Event
    ) -> None:
        """Deliver matching messages to ``handler`` until ``stop``; see the port."""
        state = self._durables.setdefault(durable, _Durable(subject_filter))
        if state.subject_filter != subject_filter:
            raise ValueError(
                f"durable {durable!r} reads {state.subject_filter!r}, not {subject_filter!r}"
            )
        while not stop.is_set():
            index = self._take(state)
            if index is None:
                await self._wait(state, stop)
                continue
            await self._deliver(state, index, handler)

    async def close(self) -> None:
        """Nothing to release."""

    def _take(self, state: _Durable) -> int | None:
        """The next message for ``state``: a redelivery now due, else the next new one."""
        now = self._monotonic()
        if state.redeliver and state.redeliver[0][0] <= now:
            return heapq.heappop(state.redeliver)[1]
        while state.next_index < len(self._log):
            index = state.next_index
            state.next_index += 1
            if matches(state.subject_filter, self._log[index].subject):
                return index
        return None

    async def _deliver(self, state: _Durable, index: int, handler: BusHandler) -> None:
        stored = self._log[index]
        delivery = state.deliveries.get(index, 0) + 1
        state.deliveries[index] = delivery
        message = BusMessage(
            stored.subject, stored.data, stored.msg_id, stored.headers, delivery, index + 1
        )
        try:
            verdict = await handler(message)
        except asyncio.CancelledError:
            # The worker stopped mid-message: someone else gets it at once.
            heapq.heappush(state.redeliver, (self._monotonic(), index))
            raise
        except Exception:
            log.exception("handling %s (%s) failed; delivering it again", stored.msg_id, index)
            verdict = Verdict.RETRY
        if verdict is Verdict.RETRY:
            due = self._monotonic() + self._redeliver_delay
            heapq.heappush(state.redeliver, (due, index))
        else:
            state.deliveries.pop(index, None)

    async def _wait(self, state: _Durable, stop: asyncio.Event) -> None:
        """Until something is published, a redelivery comes due, or ``stop``."""
        timeout = 1.0
        if state.redeliver:
            timeout = max(0.0, min(timeout, state.redeliver[0][0] - self._monotonic()))
        waiters = [asyncio.ensure_future(e.wait()) for e in (self._published, stop)]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
