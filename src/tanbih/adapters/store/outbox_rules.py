"""The outbox rules both stores keep (SQL and memory), as pure functions.

- A settlement moves only a pending notification; a final one (delivered, failed, suppressed)
  keeps its state, though a late attempt is still counted and logged. A late worker whose lease
  ran out must not turn a delivered notification back into a pending one.
- A saved timer never goes back: fewer ``steps_done`` than stored means a stale writer, and an
  acknowledgement or a stop, once stored, stays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tanbih.domain.notification import Attempt, EscalationTimer, NotificationState


@dataclass(frozen=True, slots=True)
class Settlement:
    """The columns of a notification that a settlement writes."""

    state: NotificationState
    attempts: int
    next_attempt_at: datetime | None
    settled_at: datetime | None
    provider_id: str | None
    last_error: str | None


def settled(
    stored: Settlement,
    attempt: Attempt | None,
    state: NotificationState,
    next_attempt_at: datetime | None,
    now: datetime,
    error: str | None,
) -> Settlement:
    """The notification's columns after settling it in ``state`` (see the module's rules)."""
    attempts = stored.attempts + (0 if attempt is None else 1)
    provider_id = (attempt.provider_id if attempt else None) or stored.provider_id
    last_error = error or (attempt.error if attempt else None) or stored.last_error
    if stored.state is not NotificationState.PENDING:
        return replace(stored, attempts=attempts, provider_id=provider_id, last_error=last_error)
    final = state is not NotificationState.PENDING
    return Settlement(
        state=state,
        attempts=attempts,
        next_attempt_at=None if final else next_attempt_at,
        settled_at=now if final else None,
        provider_id=provider_id,
        last_error=last_error,
    )


def merge_timer(stored: EscalationTimer | None, incoming: EscalationTimer) -> EscalationTimer:
    """The timer to store when ``incoming`` is saved over ``stored``."""
    if stored is None:
        return incoming
    ahead = incoming if incoming.steps_done >= stored.steps_done else stored
    return replace(
        ahead,
        started_at=stored.started_at,
        acknowledged_at=stored.acknowledged_at or incoming.acknowledged_at,
        stopped_at=stored.stopped_at or incoming.stopped_at,
    )


def timer_is_running(timer: EscalationTimer) -> bool:
    """Whether the escalation still goes on: neither acknowledged nor stopped."""
    return timer.acknowledged_at is None and timer.stopped_at is None
