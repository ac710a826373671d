"""The retry policy: capped exponential backoff with full jitter, bounded by a deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tanbih.domain.notification import DeliveryOutcome, DeliveryResult, NotificationState
from tanbih.domain.retry import RetryPolicy, next_attempt, state_after

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FAR = NOW + timedelta(hours=1)
POLICY = RetryPolicy(timedelta(seconds=1), 2.0, timedelta(seconds=30))
RETRY = DeliveryResult(DeliveryOutcome.RETRY, error="503")
DELIVERED = DeliveryResult(DeliveryOutcome.DELIVERED, provider_id="p1")
FAILED = DeliveryResult(DeliveryOutcome.FAILED, error="404")


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [(1, 1), (2, 2), (3, 4), (5, 16), (6, 30), (50, 30), (5000, 30)],
)
def test_the_ceiling_doubles_per_attempt_up_to_the_cap(attempts: int, ceiling: float) -> None:
    """The longest wait grows by the multiplier each attempt and never passes max_delay."""
    assert POLICY.ceiling(attempts) == seconds(ceiling)


@pytest.mark.parametrize(
    ("attempts", "jitter", "due_in"),
    [
        (1, 0.0, 0.0),  # full jitter may retry at once
        (1, 1.0, 1.0),
        (3, 0.5, 2.0),
        (4, 0.25, 2.0),
        (10, 1.0, 30.0),  # capped
        (10, 0.1, 3.0),
    ],
)
def test_a_retryable_result_is_due_again_at_jitter_times_the_ceiling(
    attempts: int, jitter: float, due_in: float
) -> None:
    """The next attempt is now + jitter × ceiling(attempts)."""
    assert next_attempt(attempts, RETRY, NOW, FAR, POLICY, jitter) == NOW + seconds(due_in)


@pytest.mark.parametrize("result", [DELIVERED, FAILED])
def test_a_delivered_or_permanently_failed_result_is_not_tried_again(
    result: DeliveryResult,
) -> None:
    """Only a retryable outcome gets another attempt."""
    assert next_attempt(1, result, NOW, FAR, POLICY, 0.5) is None


@pytest.mark.parametrize(
    ("deadline_in", "jitter", "expected_in"),
    [
        (4.0, 1.0, 4.0),  # exactly at the deadline: still tried
        (3.9, 1.0, None),  # just after it: failed now instead
        (3.9, 0.5, 2.0),  # the same ceiling, a lucky draw: still in time
        (-1.0, 0.0, None),  # the deadline already passed
    ],
)
def test_no_retry_falls_after_the_deadline(
    deadline_in: float, jitter: float, expected_in: float | None
) -> None:
    """A retry is made only if it is due no later than the notification's deadline."""
    expected = None if expected_in is None else NOW + seconds(expected_in)

    got = next_attempt(3, RETRY, NOW, NOW + seconds(deadline_in), POLICY, jitter)

    assert got == expected


def test_a_huge_multiplier_over_many_attempts_stays_at_the_cap() -> None:
    """Growth that overflows a float is simply the cap, not an error."""
    policy = RetryPolicy(seconds(1), 1e6, seconds(60))

    assert policy.ceiling(10_000) == seconds(60)


@pytest.mark.parametrize("jitter", [-0.1, 1.1])
def test_jitter_outside_zero_to_one_is_refused(jitter: float) -> None:
    """The caller's random draw must be a fraction of the ceiling."""
    with pytest.raises(ValueError, match="jitter"):
        next_attempt(1, RETRY, NOW, FAR, POLICY, jitter)


def test_a_retry_before_any_attempt_is_refused() -> None:
    """Zero attempts so far is a caller bug: there is nothing to retry."""
    with pytest.raises(ValueError, match="at least one attempt"):
        next_attempt(0, RETRY, NOW, FAR, POLICY, 0.5)


@pytest.mark.parametrize(
    ("first", "multiplier", "cap"),
    [(0.0, 2.0, 30.0), (1.0, 0.5, 30.0), (10.0, 2.0, 5.0)],
)
def test_a_policy_that_cannot_back_off_is_refused(
    first: float, multiplier: float, cap: float
) -> None:
    """A non-positive first delay, a shrinking multiplier or a cap below the start are errors."""
    with pytest.raises(ValueError, match=r"must|below"):
        RetryPolicy(seconds(first), multiplier, seconds(cap))


@pytest.mark.parametrize(
    ("result", "next_at", "state"),
    [
        (DELIVERED, None, NotificationState.DELIVERED),
        (RETRY, NOW, NotificationState.PENDING),
        (RETRY, None, NotificationState.FAILED),  # out of time: escalation takes over
        (FAILED, None, NotificationState.FAILED),
    ],
)
def test_state_after_an_attempt(
    result: DeliveryResult, next_at: datetime | None, state: NotificationState
) -> None:
    """Delivered is final, a scheduled retry stays pending, anything else has failed."""
    assert state_after(result, next_at) is state
