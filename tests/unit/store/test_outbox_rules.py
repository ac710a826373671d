"""The outbox rules both stores keep: what a settlement changes, how a timer save merges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tanbih.adapters.store.outbox_rules import Settlement, merge_timer, settled
from tanbih.domain.notification import (
    Attempt,
    DeliveryOutcome,
    EscalationTimer,
    NotificationState,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=5)
PENDING, DELIVERED, FAILED, SUPPRESSED = (
    NotificationState.PENDING,
    NotificationState.DELIVERED,
    NotificationState.FAILED,
    NotificationState.SUPPRESSED,
)
FRESH = Settlement(PENDING, 0, None, None, None, None)
OK = Attempt("k", NOW, DeliveryOutcome.DELIVERED, provider_id="p1")
BUSY = Attempt("k", NOW, DeliveryOutcome.RETRY, error="503")


@pytest.mark.parametrize(
    ("attempt", "state", "next_at", "error", "expected"),
    [
        (OK, DELIVERED, None, None, Settlement(DELIVERED, 1, None, NOW, "p1", None)),
        (BUSY, PENDING, LATER, None, Settlement(PENDING, 1, LATER, None, None, "503")),
        (BUSY, FAILED, LATER, "deadline", Settlement(FAILED, 1, None, NOW, None, "deadline")),
        (None, SUPPRESSED, None, "dup", Settlement(SUPPRESSED, 0, None, NOW, None, "dup")),
        (None, PENDING, LATER, None, Settlement(PENDING, 0, LATER, None, None, None)),
    ],
)
def test_settling_a_pending_notification(
    attempt: Attempt | None,
    state: NotificationState,
    next_at: datetime | None,
    error: str | None,
    expected: Settlement,
) -> None:
    """A pending row takes the new state; final ones get settled_at and no next attempt."""
    assert settled(FRESH, attempt, state, next_at, NOW, error) == expected


@pytest.mark.parametrize("final", [DELIVERED, FAILED, SUPPRESSED])
def test_a_final_notification_keeps_its_state_and_counts_a_late_attempt(
    final: NotificationState,
) -> None:
    """A late settlement never reopens a final row; its attempt is still counted."""
    stored = Settlement(final, 1, None, NOW, "p0", "old")

    after = settled(stored, BUSY, PENDING, LATER, LATER, None)

    assert after == Settlement(final, 2, None, NOW, "p0", "503")


def test_a_delivery_after_retries_keeps_the_last_error_seen() -> None:
    """last_error remembers the latest failure even once delivered; provider id is the new one."""
    retried = Settlement(PENDING, 2, NOW, None, None, "503")

    assert settled(retried, OK, DELIVERED, None, LATER, None) == Settlement(
        DELIVERED, 3, None, LATER, "p1", "503"
    )


TIMER = EscalationTimer("t1", "jo", NOW, steps_done=2, next_due_at=NOW + timedelta(seconds=20))


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        (
            replace(TIMER, steps_done=3, next_due_at=LATER),
            replace(TIMER, steps_done=3, next_due_at=LATER),
        ),
        (replace(TIMER, steps_done=1, next_due_at=NOW), TIMER),  # stale writer: ignored
        (replace(TIMER, started_at=LATER, steps_done=3), replace(TIMER, steps_done=3)),
        (replace(TIMER, acknowledged_at=LATER), replace(TIMER, acknowledged_at=LATER)),
    ],
)
def test_merging_a_saved_timer(incoming: EscalationTimer, expected: EscalationTimer) -> None:
    """A save moves forward only, keeps the first start, and adds an acknowledgement."""
    assert merge_timer(TIMER, incoming) == expected


def test_an_acknowledgement_or_stop_once_stored_is_never_cleared() -> None:
    """A stale timer without acknowledged_at or stopped_at cannot erase them."""
    stored = replace(TIMER, acknowledged_at=NOW, stopped_at=LATER)

    merged = merge_timer(stored, replace(TIMER, steps_done=5))

    assert (merged.steps_done, merged.acknowledged_at, merged.stopped_at) == (5, NOW, LATER)


def test_a_new_timer_is_saved_as_given() -> None:
    """With nothing stored, the incoming timer is the stored one."""
    assert merge_timer(None, TIMER) is TIMER
