"""Dedup against the delivery log, as Prometheus Alertmanager's dedup stage does.

The delivery log is every notification the node has queued, by key. A key is the idempotency
key of one alert version to one contact on one channel address
(:func:`~tanbih.domain.notification.notification_key`), so "same key" means "same alert
version, same contact, same channel": a contact never gets it twice. Before anything is queued,
:func:`admit` drops candidates whose key is already logged (or given twice in the batch); before
each attempt, :func:`dedup` says whether a logged notification is to be sent (again, under the
same key), or not, and why.

A deliberate repeat of an escalation round is not a duplicate: :func:`repeat_key` gives it its
own key, so receivers that drop duplicates by key still show it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tanbih.domain.notification import Notification, NotificationState


class Verdict(StrEnum):
    """What the delivery log says about sending a notification now."""

    NEW = "new"
    """Not in the log: log it, then send it."""
    RETRY = "retry"
    """Logged, undelivered, an attempt due: send it under the same key (a queued row's first
    attempt too: after a crash, nobody knows whether it went out)."""
    DUPLICATE = "duplicate"
    """Delivered already: never twice."""
    WAITING = "waiting"
    """Logged, undelivered, its next attempt later: not now."""
    GAVE_UP = "gave_up"
    """Failed, suppressed, or past its deadline: no more attempts; escalation takes over."""


def dedup(key: str, log: Mapping[str, Notification], now: datetime) -> Verdict:
    """The verdict on sending notification ``key`` at ``now``, given the delivery ``log``."""
    logged = log.get(key)
    if logged is None:
        return Verdict.NEW
    if logged.state is NotificationState.DELIVERED:
        return Verdict.DUPLICATE
    if logged.state is not NotificationState.PENDING or now >= logged.deadline:
        return Verdict.GAVE_UP
    if logged.next_attempt_at is not None and logged.next_attempt_at > now:
        return Verdict.WAITING
    return Verdict.RETRY


@dataclass(frozen=True, slots=True)
class Admission:
    """Candidates split into those to queue and those already logged or given twice."""

    new: tuple[Notification, ...]
    duplicates: tuple[Notification, ...]


def admit(candidates: Iterable[Notification], log: Mapping[str, Notification]) -> Admission:
    """Which ``candidates`` to queue: each key once, and only if the log does not have it."""
    seen = set(log)
    new: list[Notification] = []
    duplicates: list[Notification] = []
    for candidate in candidates:
        if candidate.key in seen:
            duplicates.append(candidate)
        else:
            seen.add(candidate.key)
            new.append(candidate)
    return Admission(tuple(new), tuple(duplicates))


def repeat_key(key: str, round_number: int) -> str:
    """The key of ``key``'s notification in escalation round ``round_number`` (0: itself).

    Each round's repeat is its own notification, so it is neither deduplicated against the
    first round nor dropped by a receiver that has seen the first; its retries share its key.
    """
    if round_number < 0:
        raise ValueError("an escalation round is 0 or more")
    if round_number == 0:
        return key
    return hashlib.sha256(f"{key}\x00round\x00{round_number}".encode()).hexdigest()[:32]
