"""The threat-review loop: the assessor's review run when its next review time comes.

The node runs one (:func:`tanbih.node.start_node`); an observation that changes the next
review time wakes it through ``changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Protocol

import structlog

from tanbih.domain.cap import Alert
from tanbih.ports import Clock

_log = structlog.get_logger("tanbih.node")
# After a threat review fails (the store is away), the next try.
REVIEW_RETRY_SECONDS = 1.0


class Reviewed(Protocol):
    """What the review loop asks of the assessor."""

    def next_review(self) -> datetime | None:
        """When a threat next comes due for review, if any does."""
        ...

    async def review(self, now: datetime) -> tuple[Alert, ...]:
        """Review the threats due at ``now``."""
        ...


async def keep_reviewing(
    assessor: Reviewed,
    clock: Clock,
    changed: asyncio.Event,
    retry_after: float = REVIEW_RETRY_SECONDS,
    stop: asyncio.Event | None = None,
) -> None:
    """Review threats when their next zone comes due, or sooner when an observation changed it.

    A review that fails (its warning could not be stored) is logged and tried again after
    ``retry_after`` seconds: the loop must outlive a store outage, or no zone would ever be
    raised or cleared again. Ends once ``stop`` is set (set ``changed`` too, to wake it).
    """
    while stop is None or not stop.is_set():
        changed.clear()
        due = assessor.next_review()
        wait = None if due is None else max((due - clock.now()).total_seconds(), 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=wait)
        if due is not None and clock.now() >= due:
            try:
                await assessor.review(clock.now())
            except Exception:
                _log.exception("threat_review_failed", retry_in_seconds=retry_after)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout=retry_after)
