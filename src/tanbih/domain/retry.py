"""When to try a notification again: exponential backoff with full jitter, capped, until a
deadline after which the notification is failed and escalation takes over.

After the n-th failed attempt (n ≥ 1) the next one is due at ``now + jitter × ceiling(n)``,
where ``ceiling(n) = min(max_delay, first_delay × multiplier^(n-1))`` and ``jitter`` is a
random number in [0, 1] the caller draws ("full jitter": workers that failed together spread
out instead of retrying in step). A retry that would fall after the deadline is not made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.notification import DeliveryOutcome, DeliveryResult, NotificationState


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How retries spread out: the first ceiling, its growth per attempt, and its cap."""

    first_delay: timedelta = timedelta(seconds=1)
    multiplier: float = 2.0
    max_delay: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        if self.first_delay <= timedelta(0):
            raise ValueError(f"first_delay must be positive, not {self.first_delay}")
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be at least 1, not {self.multiplier}")
        if self.max_delay < self.first_delay:
            raise ValueError(f"max_delay {self.max_delay} is below first_delay {self.first_delay}")

    def ceiling(self, attempts_so_far: int) -> timedelta:
        """The longest wait after ``attempts_so_far`` failed attempts (at least one)."""
        if attempts_so_far < 1:
            raise ValueError(f"a retry follows at least one attempt, not {attempts_so_far}")
        cap = self.max_delay.total_seconds()
        try:
            grown = self.first_delay.total_seconds() * self.multiplier ** (attempts_so_far - 1)
        except OverflowError:  # many attempts with a large multiplier: past any cap
            grown = cap
        return timedelta(seconds=min(cap, grown))


def next_attempt(
    attempts_so_far: int,
    result: DeliveryResult,
    now: datetime,
    deadline: datetime,
    policy: RetryPolicy,
    jitter: float,
) -> datetime | None:
    """When to try again after the attempt that gave ``result``; ``None`` to try no more.

    ``attempts_so_far`` counts the attempt just made. Only a retryable result is tried again,
    and only if the retry falls no later than ``deadline``.
    """
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be in [0, 1], not {jitter}")
    if result.outcome is not DeliveryOutcome.RETRY:
        return None
    at = now + policy.ceiling(attempts_so_far) * jitter
    return at if at <= deadline else None


def state_after(result: DeliveryResult, next_attempt_at: datetime | None) -> NotificationState:
    """Where a notification stands after an attempt: delivered, waiting to retry, or failed."""
    if result.outcome is DeliveryOutcome.DELIVERED:
        return NotificationState.DELIVERED
    if next_attempt_at is not None:
        return NotificationState.PENDING
    return NotificationState.FAILED
