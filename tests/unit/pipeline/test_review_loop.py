"""The node's threat-review loop outlives a review that fails."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from tanbih.domain.cap import Alert
from tanbih.errors import StoreError
from tanbih.pipeline.review_loop import keep_reviewing

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BOUND = 5.0


class FixedClock:
    def now(self) -> datetime:
        return NOW


class FailingOnce:
    """An assessor always due for review whose first review fails as a store outage would."""

    def __init__(self) -> None:
        self.reviews = 0
        self.reviewed_again = asyncio.Event()

    def next_review(self) -> datetime | None:
        return NOW - timedelta(seconds=1)

    async def review(self, now: datetime) -> tuple[Alert, ...]:
        self.reviews += 1
        if self.reviews == 1:
            raise StoreError("database unreachable")
        self.reviewed_again.set()
        return ()


async def test_a_failed_review_is_tried_again_and_the_loop_goes_on() -> None:
    """The failure is logged, not raised: the loop reviews again after the retry delay."""
    assessor = FailingOnce()
    loop = asyncio.create_task(
        keep_reviewing(assessor, FixedClock(), asyncio.Event(), retry_after=0.01)
    )
    try:
        await asyncio.wait_for(assessor.reviewed_again.wait(), BOUND)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop

    assert assessor.reviews >= 2
