"""The alert lifecycle: which CAP message may follow which, as one pure decision.

A *thread* is one event's chain of messages: it opens with an ``Alert`` and grows by ``Update``
and ``Cancel`` messages whose ``references`` name earlier messages of it. Its *stage* follows the
staged warnings: early warning (responseType ``Prepare``) → take shelter (``Shelter``) → all
clear (``AllClear``). A ``Cancel`` or an all clear closes the thread. ``Ack`` and ``Error``
messages answer earlier messages without changing the thread.

``decide`` takes what is already known (earlier messages and threads), the incoming message and
``now``, and returns either a ``Transition`` naming the rule applied, or a ``Refusal`` naming the
rule broken. A resent copy of a known message is a ``Duplicate``, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from tanbih.domain.cap import Alert, MsgType, Reference, ResponseType


class Stage(IntEnum):
    """The staged warning a message carries, ordered by how far the event has gone."""

    NONE = 0
    EARLY_WARNING = 1
    TAKE_SHELTER = 2
    ALL_CLEAR = 3


class ThreadState(StrEnum):
    """Whether a thread still accepts Updates."""

    OPEN = "open"
    CANCELLED = "cancelled"
    ALL_CLEAR = "all_clear"


class Rule(StrEnum):
    """The transition rule a message was accepted under."""

    ISSUE = "issue"
    UPDATE = "update"
    RAISE_TO_SHELTER = "raise_to_shelter"
    ALL_CLEAR = "all_clear"
    CANCEL = "cancel"
    ACKNOWLEDGE = "acknowledge"
    REPORT_ERROR = "report_error"


class RefusalReason(StrEnum):
    """The rule an incoming message broke."""

    MISSING_REFERENCES = "missing_references"
    UNKNOWN_REFERENCE = "unknown_reference"
    EXPIRED_REFERENCE = "expired_reference"
    POST_DATED_REFERENCE = "post_dated_reference"
    CIRCULAR_REFERENCE = "circular_reference"
    SENT_IN_FUTURE = "sent_in_future"
    IDENTIFIER_REUSED = "identifier_reused"
    MIXED_THREADS = "mixed_threads"
    THREAD_CANCELLED = "thread_cancelled"
    THREAD_ALL_CLEAR = "thread_all_clear"


@dataclass(frozen=True, slots=True)
class KnownMessage:
    """What the lifecycle remembers of an accepted message."""

    key: Reference
    msg_type: MsgType
    thread_id: str
    expires: datetime | None


@dataclass(frozen=True, slots=True)
class Thread:
    """One event's chain of messages and how far it has gone."""

    id: str
    state: ThreadState
    stage: Stage
    latest: Reference


@dataclass(frozen=True, slots=True)
class Transition:
    """An accepted message: the rule applied, the message as remembered and its thread after it."""

    rule: Rule
    message: KnownMessage
    thread: Thread


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same message received again (same sender, identifier and sent time)."""

    message: KnownMessage


@dataclass(frozen=True, slots=True)
class Refusal:
    """A message that may not follow what is known, and why."""

    reason: RefusalReason
    detail: str


Decision = Transition | Duplicate | Refusal

DEFAULT_CLOCK_SKEW = timedelta(seconds=60)


def reference_text(ref: Reference) -> str:
    """A reference in CAP's ``sender,identifier,sent`` form."""
    return f"{ref.sender},{ref.identifier},{ref.sent.isoformat()}"


def thread_id_of(root: Reference) -> str:
    """A thread is named after the ``Alert`` that opened it."""
    return reference_text(root)


def stage_of(alert: Alert) -> Stage:
    """The staged warning the message carries.

    A message warning some zones and giving others the all clear is still a warning: the event
    goes on. Only a message whose every staged response is ``AllClear`` ends it.
    """
    stages = {
        _STAGE_BY_RESPONSE.get(response, Stage.NONE)
        for info in alert.infos
        for response in info.response_types
    }
    warning = max(stages - {Stage.ALL_CLEAR}, default=Stage.NONE)
    if warning is Stage.NONE and Stage.ALL_CLEAR in stages:
        return Stage.ALL_CLEAR
    return warning


_STAGE_BY_RESPONSE = {
    ResponseType.PREPARE: Stage.EARLY_WARNING,
    ResponseType.SHELTER: Stage.TAKE_SHELTER,
    ResponseType.ALL_CLEAR: Stage.ALL_CLEAR,
}


def decide(
    alert: Alert,
    known: Mapping[tuple[str, str], KnownMessage],
    threads: Mapping[str, Thread],
    now: datetime,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> Decision:
    """Decide whether ``alert`` may follow the ``known`` messages (keyed by sender, identifier).

    ``threads`` must hold the thread of every known message the alert references.
    """
    previous = known.get((alert.sender, alert.identifier))
    if previous is not None:
        if previous.key.sent == alert.sent and previous.msg_type == alert.msg_type:
            return Duplicate(previous)
        return Refusal(
            RefusalReason.IDENTIFIER_REUSED,
            f"identifier {alert.identifier!r} of {alert.sender!r} was already used by "
            f"the message sent {previous.key.sent.isoformat()}",
        )
    if alert.sent > now + clock_skew:
        return Refusal(
            RefusalReason.SENT_IN_FUTURE,
            f"sent {alert.sent.isoformat()} is later than now ({now.isoformat()}) "
            f"by more than {clock_skew.total_seconds():.0f} s",
        )
    if alert.msg_type is MsgType.ALERT:
        return _issue(alert)
    return _follow(alert, known, threads, now)


def _issue(alert: Alert) -> Transition:
    thread_id = thread_id_of(alert.key)
    stage = stage_of(alert)
    state = ThreadState.ALL_CLEAR if stage is Stage.ALL_CLEAR else ThreadState.OPEN
    message = KnownMessage(alert.key, alert.msg_type, thread_id, alert.expires)
    return Transition(Rule.ISSUE, message, Thread(thread_id, state, stage, alert.key))


def _follow(
    alert: Alert,
    known: Mapping[tuple[str, str], KnownMessage],
    threads: Mapping[str, Thread],
    now: datetime,
) -> Decision:
    if not alert.references:
        return Refusal(
            RefusalReason.MISSING_REFERENCES,
            f"a {alert.msg_type} must reference the message(s) it follows",
        )
    targets: list[KnownMessage] = []
    for ref in alert.references:
        refusal = _check_reference(alert, ref, known.get((ref.sender, ref.identifier)), now)
        if refusal is not None:
            return refusal
        targets.append(known[(ref.sender, ref.identifier)])
    thread_ids = {target.thread_id for target in targets}
    if len(thread_ids) > 1:
        return Refusal(
            RefusalReason.MIXED_THREADS,
            f"references span {len(thread_ids)} different events: {sorted(thread_ids)}",
        )
    thread = threads[thread_ids.pop()]
    if alert.msg_type in (MsgType.ACK, MsgType.ERROR):
        rule = Rule.ACKNOWLEDGE if alert.msg_type is MsgType.ACK else Rule.REPORT_ERROR
        message = KnownMessage(alert.key, alert.msg_type, thread.id, alert.expires)
        return Transition(rule, message, thread)
    return _advance(alert, thread)


def _check_reference(
    alert: Alert, ref: Reference, target: KnownMessage | None, now: datetime
) -> Refusal | None:
    text = reference_text(ref)
    if ref.sender == alert.sender and ref.identifier == alert.identifier:
        return Refusal(RefusalReason.CIRCULAR_REFERENCE, f"the message references itself: {text}")
    if target is None or target.key.sent != ref.sent:
        return Refusal(RefusalReason.UNKNOWN_REFERENCE, f"no known message {text}")
    if ref.sent > alert.sent:
        return Refusal(
            RefusalReason.POST_DATED_REFERENCE,
            f"{text} was sent after this message ({alert.sent.isoformat()})",
        )
    answers = alert.msg_type in (MsgType.ACK, MsgType.ERROR)
    if not answers and target.expires is not None and target.expires <= now:
        return Refusal(
            RefusalReason.EXPIRED_REFERENCE,
            f"{text} expired at {target.expires.isoformat()}",
        )
    return None


def _advance(alert: Alert, thread: Thread) -> Decision:
    if thread.state is ThreadState.CANCELLED:
        return Refusal(
            RefusalReason.THREAD_CANCELLED,
            f"the event {thread.id} was cancelled; issue a new Alert instead",
        )
    if thread.state is ThreadState.ALL_CLEAR:
        return Refusal(
            RefusalReason.THREAD_ALL_CLEAR,
            f"the event {thread.id} was given the all clear; issue a new Alert instead",
        )
    message = KnownMessage(alert.key, alert.msg_type, thread.id, alert.expires)
    if alert.msg_type is MsgType.CANCEL:
        after = replace(thread, state=ThreadState.CANCELLED, latest=alert.key)
        return Transition(Rule.CANCEL, message, after)
    stage = max(thread.stage, stage_of(alert))
    if stage is Stage.ALL_CLEAR:
        after = replace(thread, state=ThreadState.ALL_CLEAR, stage=stage, latest=alert.key)
        return Transition(Rule.ALL_CLEAR, message, after)
    raised = stage is Stage.TAKE_SHELTER and thread.stage < Stage.TAKE_SHELTER
    rule = Rule.RAISE_TO_SHELTER if raised else Rule.UPDATE
    after = replace(thread, stage=stage, latest=alert.key)
    return Transition(rule, message, after)
