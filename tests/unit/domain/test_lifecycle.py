"""The alert lifecycle as a table: which message may follow which, and why not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tanbih.domain.cap import (
    Alert,
    Category,
    Certainty,
    Info,
    MsgType,
    Reference,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.lifecycle import (
    Decision,
    Duplicate,
    KnownMessage,
    RefusalReason,
    Rule,
    Stage,
    Thread,
    ThreadState,
    Transition,
    decide,
    stage_of,
    thread_id_of,
)

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SENDER = "hub@tanbih.example"


def message(
    identifier: str,
    msg_type: MsgType = MsgType.ALERT,
    *,
    at: timedelta = timedelta(0),
    responses: tuple[ResponseType, ...] = (ResponseType.PREPARE,),
    references: tuple[Reference, ...] = (),
    expires_in: timedelta | None = timedelta(minutes=10),
) -> Alert:
    sent = T0 + at
    info = Info(
        categories=(Category.SECURITY,),
        event="UAV",
        urgency=Urgency.EXPECTED,
        severity=Severity.SEVERE,
        certainty=Certainty.LIKELY,
        response_types=responses,
        expires=None if expires_in is None else sent + expires_in,
    )
    return Alert(
        identifier=identifier,
        sender=SENDER,
        sent=sent,
        status=Status.EXERCISE,
        msg_type=msg_type,
        scope=Scope.RESTRICTED,
        restriction="coalition",
        references=references,
        infos=(info,),
    )


class Ledger:
    """What a store would remember, applied by hand so each test reads as a story."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], KnownMessage] = {}
        self.threads: dict[str, Thread] = {}

    def apply(self, alert: Alert, now: datetime | None = None) -> Decision:
        decision = decide(alert, self.known, self.threads, now or alert.sent)
        if isinstance(decision, Transition):
            self.known[(alert.sender, alert.identifier)] = decision.message
            self.threads[decision.thread.id] = decision.thread
        return decision


def accepted(decision: Decision) -> Transition:
    assert isinstance(decision, Transition), decision
    return decision


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
def opened(ledger: Ledger) -> Alert:
    first = message("a1")
    ledger.apply(first)
    return first


def test_alert_opens_a_thread_at_its_stage(ledger: Ledger) -> None:
    """An Alert opens a new open thread named after itself, at the stage it carries."""
    first = message("a1")
    t = accepted(ledger.apply(first))
    assert t.rule is Rule.ISSUE
    assert t.thread == Thread(
        thread_id_of(first.key), ThreadState.OPEN, Stage.EARLY_WARNING, first.key
    )


@pytest.mark.parametrize(
    ("responses", "rule", "stage", "state"),
    [
        ((ResponseType.PREPARE,), Rule.UPDATE, Stage.EARLY_WARNING, ThreadState.OPEN),
        ((ResponseType.SHELTER,), Rule.RAISE_TO_SHELTER, Stage.TAKE_SHELTER, ThreadState.OPEN),
        ((ResponseType.ALL_CLEAR,), Rule.ALL_CLEAR, Stage.ALL_CLEAR, ThreadState.ALL_CLEAR),
        ((ResponseType.MONITOR,), Rule.UPDATE, Stage.EARLY_WARNING, ThreadState.OPEN),
        (
            (ResponseType.SHELTER, ResponseType.ALL_CLEAR),
            Rule.RAISE_TO_SHELTER,
            Stage.TAKE_SHELTER,
            ThreadState.OPEN,
        ),
    ],
)
def test_update_moves_the_thread_by_its_response_type(
    ledger: Ledger,
    opened: Alert,
    responses: tuple[ResponseType, ...],
    rule: Rule,
    stage: Stage,
    state: ThreadState,
) -> None:
    """An Update of an early warning applies the staged-warning rule its responseType names."""
    update = message(
        "a2", MsgType.UPDATE, at=timedelta(seconds=5), responses=responses, references=(opened.key,)
    )
    t = accepted(ledger.apply(update))
    assert (t.rule, t.thread.stage, t.thread.state) == (rule, stage, state)
    assert t.thread.latest == update.key
    assert t.message.thread_id == thread_id_of(opened.key)


def test_stage_never_drops_back_from_shelter(ledger: Ledger, opened: Alert) -> None:
    """After take-shelter, a later early-warning Update keeps the thread at take-shelter."""
    shelter = message(
        "a2",
        MsgType.UPDATE,
        at=timedelta(seconds=5),
        responses=(ResponseType.SHELTER,),
        references=(opened.key,),
    )
    ledger.apply(shelter)
    prepare = message(
        "a3", MsgType.UPDATE, at=timedelta(seconds=9), references=(opened.key, shelter.key)
    )
    t = accepted(ledger.apply(prepare))
    assert (t.rule, t.thread.stage) == (Rule.UPDATE, Stage.TAKE_SHELTER)


def test_cancel_closes_the_thread(ledger: Ledger, opened: Alert) -> None:
    """A Cancel referencing the Alert closes its thread as cancelled."""
    t = accepted(
        ledger.apply(
            message("c1", MsgType.CANCEL, at=timedelta(seconds=3), references=(opened.key,))
        )
    )
    assert (t.rule, t.thread.state) == (Rule.CANCEL, ThreadState.CANCELLED)


@pytest.mark.parametrize(
    ("closing", "reason"),
    [
        ((MsgType.CANCEL, (ResponseType.PREPARE,)), RefusalReason.THREAD_CANCELLED),
        ((MsgType.UPDATE, (ResponseType.ALL_CLEAR,)), RefusalReason.THREAD_ALL_CLEAR),
    ],
)
@pytest.mark.parametrize("follow_up", [MsgType.UPDATE, MsgType.CANCEL])
def test_closed_thread_refuses_updates_and_cancels(
    ledger: Ledger,
    opened: Alert,
    closing: tuple[MsgType, tuple[ResponseType, ...]],
    reason: RefusalReason,
    follow_up: MsgType,
) -> None:
    """Once cancelled or all-cleared, a thread refuses any further Update or Cancel."""
    close = message(
        "x1", closing[0], at=timedelta(seconds=3), responses=closing[1], references=(opened.key,)
    )
    accepted(ledger.apply(close))
    refusal = ledger.apply(
        message("x2", follow_up, at=timedelta(seconds=6), references=(opened.key, close.key))
    )
    assert not isinstance(refusal, Transition | Duplicate)
    assert refusal.reason is reason


@pytest.mark.parametrize("answer", [MsgType.ACK, MsgType.ERROR])
def test_ack_and_error_answer_without_changing_the_thread(
    ledger: Ledger, opened: Alert, answer: MsgType
) -> None:
    """Ack and Error are recorded in the thread they answer and leave its state unchanged."""
    before = ledger.threads[thread_id_of(opened.key)]
    t = accepted(
        ledger.apply(message("k1", answer, at=timedelta(seconds=2), references=(opened.key,)))
    )
    assert t.rule is (Rule.ACKNOWLEDGE if answer is MsgType.ACK else Rule.REPORT_ERROR)
    assert t.thread == before


def test_ack_of_an_expired_message_is_still_accepted(ledger: Ledger, opened: Alert) -> None:
    """A late Ack is a record worth keeping, so expiry does not refuse it."""
    late = message("k1", MsgType.ACK, at=timedelta(hours=1), references=(opened.key,))
    assert accepted(ledger.apply(late)).rule is Rule.ACKNOWLEDGE


def refusal_reason(decision: Decision) -> RefusalReason:
    assert not isinstance(decision, Transition | Duplicate), decision
    return decision.reason


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("no_references", RefusalReason.MISSING_REFERENCES),
        ("unknown_identifier", RefusalReason.UNKNOWN_REFERENCE),
        ("wrong_sent_time", RefusalReason.UNKNOWN_REFERENCE),
        ("expired", RefusalReason.EXPIRED_REFERENCE),
        ("post_dated", RefusalReason.POST_DATED_REFERENCE),
        ("self", RefusalReason.CIRCULAR_REFERENCE),
    ],
)
def test_bad_references_are_refused(
    ledger: Ledger, opened: Alert, case: str, reason: RefusalReason
) -> None:
    """An Update with missing, unknown, expired, post-dated or circular references is refused."""
    at = timedelta(seconds=30)
    refs = {
        "no_references": (),
        "unknown_identifier": (Reference(SENDER, "nope", opened.sent),),
        "wrong_sent_time": (replace(opened.key, sent=opened.sent + timedelta(seconds=1)),),
        "expired": (opened.key,),
        "post_dated": (opened.key,),
        "self": (Reference(SENDER, "u1", T0 + at),),
    }[case]
    if case == "expired":
        at = timedelta(minutes=11)
    if case == "post_dated":
        at = -timedelta(seconds=5)
    update = message("u1", MsgType.UPDATE, at=at, references=refs)
    assert refusal_reason(ledger.apply(update, now=T0 + max(at, timedelta(0)))) is reason


def test_references_across_two_events_are_refused(ledger: Ledger, opened: Alert) -> None:
    """One Update cannot continue two different events."""
    other = message("b1", at=timedelta(seconds=1))
    ledger.apply(other)
    update = message(
        "u1", MsgType.UPDATE, at=timedelta(seconds=2), references=(opened.key, other.key)
    )
    assert refusal_reason(ledger.apply(update)) is RefusalReason.MIXED_THREADS


def test_resent_message_is_a_duplicate_not_an_error(ledger: Ledger, opened: Alert) -> None:
    """Receiving the same message again is reported as a duplicate of the stored one."""
    decision = ledger.apply(opened)
    assert isinstance(decision, Duplicate)
    assert decision.message.key == opened.key


def test_reused_identifier_with_other_content_is_refused(ledger: Ledger, opened: Alert) -> None:
    """A sender may not reuse an identifier for a message sent at another time."""
    reused = message("a1", at=timedelta(seconds=7))
    assert refusal_reason(ledger.apply(reused)) is RefusalReason.IDENTIFIER_REUSED


def test_message_from_the_future_is_refused(ledger: Ledger) -> None:
    """A message sent more than the allowed clock skew after now is refused."""
    early = message("f1", at=timedelta(minutes=5))
    assert refusal_reason(ledger.apply(early, now=T0)) is RefusalReason.SENT_IN_FUTURE


@pytest.mark.parametrize(
    ("responses", "stage"),
    [
        ((), Stage.NONE),
        ((ResponseType.MONITOR,), Stage.NONE),
        ((ResponseType.PREPARE,), Stage.EARLY_WARNING),
        ((ResponseType.PREPARE, ResponseType.SHELTER), Stage.TAKE_SHELTER),
        ((ResponseType.ALL_CLEAR,), Stage.ALL_CLEAR),
        ((ResponseType.ALL_CLEAR, ResponseType.MONITOR), Stage.ALL_CLEAR),
        ((ResponseType.SHELTER, ResponseType.ALL_CLEAR), Stage.TAKE_SHELTER),
    ],
)
def test_stage_of_takes_the_highest_response(
    responses: tuple[ResponseType, ...], stage: Stage
) -> None:
    """A message's stage is its furthest warning; all clear only when nothing is still warned."""
    assert stage_of(message("s", responses=responses)) is stage
