"""Dedup against the delivery log, as a table: never twice, retries under the same key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.delivery_log import Verdict, admit, dedup, repeat_key
from tanbih.domain.notification import (
    Notification,
    NotificationState,
    Recipient,
    notification_key,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SMS = ChannelAddress(ChannelKind.SMS, "+447700900101")
EMAIL = ChannelAddress(ChannelKind.EMAIL, "duty@il.example.org")


def notification(
    alert_id: str = "a-1", contact_id: str = "il-duty", channel: ChannelAddress = SMS
) -> Notification:
    """A pending notification of ``alert_id`` to ``contact_id`` on ``channel``."""
    return Notification(
        key=notification_key(alert_id, contact_id, channel),
        alert_id=alert_id,
        status=Status.ACTUAL,
        recipient=Recipient("il", contact_id, channel, "he"),
        escalation_step=0,
        created_at=NOW - timedelta(seconds=5),
        deadline=NOW + timedelta(seconds=60),
    )


PENDING = notification()


@pytest.mark.parametrize(
    ("logged", "verdict"),
    [
        pytest.param(None, Verdict.NEW, id="not logged: new"),
        pytest.param(PENDING, Verdict.RETRY, id="queued, never tried: send under its key"),
        pytest.param(
            replace(PENDING, attempts=2, next_attempt_at=NOW),
            Verdict.RETRY,
            id="an attempt due now: retry",
        ),
        pytest.param(
            replace(PENDING, attempts=1, next_attempt_at=NOW + timedelta(seconds=2)),
            Verdict.WAITING,
            id="the next attempt is later: wait",
        ),
        pytest.param(
            replace(PENDING, state=NotificationState.DELIVERED, attempts=1),
            Verdict.DUPLICATE,
            id="delivered: never twice",
        ),
        pytest.param(
            replace(PENDING, state=NotificationState.FAILED, attempts=5),
            Verdict.GAVE_UP,
            id="failed: escalation has taken over",
        ),
        pytest.param(
            replace(PENDING, state=NotificationState.SUPPRESSED),
            Verdict.GAVE_UP,
            id="suppressed: not sent",
        ),
        pytest.param(
            replace(PENDING, attempts=3, deadline=NOW),
            Verdict.GAVE_UP,
            id="pending at its deadline: give up",
        ),
    ],
)
def test_dedup_against_the_delivery_log(logged: Notification | None, verdict: Verdict) -> None:
    """The log's entry for a key decides whether to send now, and why not."""
    log = {} if logged is None else {logged.key: logged}
    assert dedup(PENDING.key, log, NOW) is verdict


@pytest.mark.parametrize(
    ("other", "same"),
    [
        pytest.param(notification(), True, id="same version, contact and channel"),
        pytest.param(notification(alert_id="a-2"), False, id="a later version (an Update)"),
        pytest.param(notification(contact_id="il-deputy"), False, id="another contact"),
        pytest.param(notification(channel=EMAIL), False, id="another channel"),
        pytest.param(
            notification(channel=ChannelAddress(ChannelKind.VOICE, SMS.address)),
            False,
            id="the same number by voice",
        ),
    ],
)
def test_a_duplicate_is_the_same_version_to_the_same_contact_on_the_same_channel(
    other: Notification, same: bool
) -> None:
    """Only the same alert version, contact and channel address count as already delivered."""
    delivered = replace(PENDING, state=NotificationState.DELIVERED)
    verdict = dedup(other.key, {delivered.key: delivered}, NOW)
    assert (verdict is Verdict.DUPLICATE) is same


def test_admit_queues_each_new_key_once() -> None:
    """Candidates already logged, or given twice in one batch, are duplicates."""
    logged = notification(contact_id="il-deputy")
    fresh, again = notification(), notification()
    email = notification(channel=EMAIL)
    admission = admit([fresh, logged, again, email], {logged.key: logged})
    assert admission.new == (fresh, email)
    assert admission.duplicates == (logged, again)


def test_repeat_rounds_have_their_own_keys() -> None:
    """Round 0 keeps the key; each later round gets a different, stable one of the same shape."""
    key = PENDING.key
    assert repeat_key(key, 0) == key
    rounds = [repeat_key(key, n) for n in range(1, 4)]
    assert len({key, *rounds}) == 4
    assert rounds[0] == repeat_key(key, 1)
    assert all(len(k) == len(key) for k in rounds)
    with pytest.raises(ValueError, match="round"):
        repeat_key(key, -1)
