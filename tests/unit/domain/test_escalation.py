"""Escalation as tables: which step is due when, and what later messages do to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.unit.domain.routing_samples import (
    CONSOLE,
    DAY,
    SMS,
    STANDARD,
    alert,
    coalition,
    receiver,
)

from tanbih.domain.coalition import (
    EscalationPolicies,
    EscalationPolicy,
    EscalationStep,
    StepTarget,
)
from tanbih.domain.escalation import (
    MessagePlan,
    acknowledge,
    advance,
    due_steps,
    plan_message,
    start_timer,
    step_recipients,
    told,
)
from tanbih.domain.lifecycle import Rule
from tanbih.domain.notification import (
    EscalationTimer,
    Notification,
    NotificationState,
    Recipient,
    notification_key,
)
from tanbih.domain.routing import route

T0 = DAY
THREAD = "thread-1"


def at(seconds: float) -> datetime:
    """``seconds`` after the timer started."""
    return T0 + timedelta(seconds=seconds)


# STANDARD: 20 s duty officer, 45 s deputy, 60 s coordinator; two more rounds every 120 s,
# so step instances fall due at 20, 45, 60 | 140, 165, 180 | 260, 285, 300.
@pytest.mark.parametrize(
    ("now", "steps_done", "due", "done", "next_at"),
    [
        pytest.param(0, 0, [], 0, 20, id="at the start nothing is due yet"),
        pytest.param(19.9, 0, [], 0, 20, id="just before the first step"),
        pytest.param(20, 0, [0], 1, 45, id="the first step is due at its delay"),
        pytest.param(30, 1, [], 1, 45, id="a step already done is not due again"),
        pytest.param(50, 1, [1], 2, 60, id="the deputy after 45 s"),
        pytest.param(61, 0, [0, 1, 2], 3, 140, id="overdue steps of one round all fall due"),
        pytest.param(140, 3, [3], 4, 165, id="the second round starts 120 s after the first"),
        pytest.param(
            265, 0, [4, 5, 6], 7, 285, id="after a pause each step once, in its latest round"
        ),
        pytest.param(400, 0, [6, 7, 8], 9, None, id="all rounds overdue: the last round once"),
        pytest.param(400, 9, [], 9, None, id="every round done: nothing more"),
    ],
)
def test_due_steps(
    now: float, steps_done: int, due: list[int], done: int, next_at: float | None
) -> None:
    """The steps due now, the count to store, and when the next one falls due."""
    result = due_steps(STANDARD, T0, steps_done, None, at(now))
    assert [step.index for step in result.steps] == due
    assert result.steps_done == done
    assert result.next_due_at == (None if next_at is None else at(next_at))


def test_due_steps_say_their_round_and_step() -> None:
    """Each due step carries its round and the policy step it repeats."""
    result = due_steps(STANDARD, T0, 3, None, at(140))
    (step,) = result.steps
    assert (step.round, step.step, step.due_at) == (1, STANDARD.steps[0], at(140))


@pytest.mark.parametrize("acknowledged", [at(5), at(500)])
def test_an_acknowledged_escalation_has_nothing_due_ever(acknowledged: datetime) -> None:
    """Once a partner acknowledged, no step is due and none will be, whatever the clock says."""
    result = due_steps(STANDARD, T0, 1, acknowledged, at(1000))
    assert (result.steps, result.steps_done, result.next_due_at) == ((), 1, None)


@pytest.mark.parametrize(
    ("policy", "now", "due", "next_at"),
    [
        pytest.param(EscalationPolicy(), 100, [], None, id="no steps: nothing, ever"),
        pytest.param(
            EscalationPolicy(STANDARD.steps), 100, [0, 1, 2], None, id="no repeat: one round"
        ),
        pytest.param(
            EscalationPolicy((EscalationStep(timedelta(0), receiver(CONSOLE)), STANDARD.steps[0])),
            0,
            [0],
            20,
            id="a step after 0 s is due at once",
        ),
    ],
)
def test_policies_without_repeat_or_steps(
    policy: EscalationPolicy, now: float, due: list[int], next_at: float | None
) -> None:
    """A policy without repeat runs once; one without steps never has anything due."""
    result = due_steps(policy, T0, 0, None, at(now))
    assert [step.index for step in result.steps] == due
    assert result.next_due_at == (None if next_at is None else at(next_at))


def timer(**changes: Any) -> EscalationTimer:
    """Partner aa's timer, started at T0, nothing done yet, with ``changes``."""
    return replace(EscalationTimer(THREAD, "aa", T0, 0, at(20)), **changes)


def test_start_timer_is_due_at_the_first_step() -> None:
    """A new timer starts now with nothing done, due at the first step's delay."""
    assert start_timer(THREAD, "aa", STANDARD, T0) == EscalationTimer(THREAD, "aa", T0, 0, at(20))
    assert start_timer(THREAD, "hub", EscalationPolicy(), T0).next_due_at is None


def test_advance_stores_where_the_escalation_stands() -> None:
    """Advancing a timer returns the steps due and the timer with them counted as done."""
    due, after = advance(timer(), STANDARD, at(50))
    assert [step.index for step in due.steps] == [0, 1]
    assert after == timer(steps_done=2, next_due_at=at(60))


def test_a_stopped_timer_never_advances() -> None:
    """After a Cancel or all clear stopped it, a timer has nothing due."""
    due, after = advance(timer(stopped_at=at(10)), STANDARD, at(300))
    assert due.steps == ()
    assert after.next_due_at is None


def test_the_first_acknowledgement_counts() -> None:
    """Acknowledging sets the time and clears the next due time; a second one changes nothing."""
    first = acknowledge(timer(), at(12))
    assert (first.acknowledged_at, first.next_due_at) == (at(12), None)
    assert acknowledge(first, at(30)) is first


def test_step_recipients_reach_the_partner_or_the_coordinator() -> None:
    """A step of aa's escalation reaches aa's contacts, or with ``of: coordinator`` the hub's."""
    world = coalition()
    deputy, hub = STANDARD.steps[1], STANDARD.steps[2]
    to_deputy = step_recipients(deputy, world, "aa", ["en"], T0)
    assert [(r.contact_id, r.channel.kind) for r in to_deputy] == [
        ("aa-deputy", CONSOLE),
        ("aa-deputy", SMS),
    ]
    assert hub.of is StepTarget.COORDINATOR
    to_hub = step_recipients(hub, world, "aa", ["en"], T0)
    assert [(r.partner_id, r.contact_id) for r in to_hub] == [("hub", "hub-duty")]
    assert step_recipients(deputy, world, "zz", ["en"], T0) == ()


def notification(recipient: Recipient, state: NotificationState) -> Notification:
    """A notification of the event's first version to ``recipient``."""
    return Notification(
        key=notification_key("a-0", recipient.contact_id, recipient.channel),
        alert_id="a-0",
        status=alert().status,
        recipient=recipient,
        escalation_step=0,
        created_at=T0,
        deadline=at(60),
        state=state,
    )


def test_told_is_everyone_sent_or_queued_to_even_if_it_failed() -> None:
    """Delivered, pending and failed notifications count as told; suppressed ones do not."""
    world = coalition()
    people = route(world, alert(), "hub", frozenset({"aa", "bb"}), DAY).recipients
    states = [
        NotificationState.DELIVERED,
        NotificationState.PENDING,
        NotificationState.FAILED,
        NotificationState.SUPPRESSED,
    ]
    earlier = [notification(r, s) for r, s in zip(people, states, strict=False)]
    assert told([*earlier, earlier[0]]) == tuple(people[:3])


POLICIES = EscalationPolicies(STANDARD)


def plan(
    rule: Rule, affected: set[str], earlier: list[Notification], timers: list[EscalationTimer]
) -> MessagePlan:
    """The plan for a message routed to ``affected`` at 30 s, under ``rule``."""
    routing = route(coalition(), alert(), "hub", frozenset(affected), at(30))
    return plan_message(rule, THREAD, routing, earlier, timers, POLICIES, at(30))


def test_a_new_event_tells_whom_routing_names_and_starts_their_timers() -> None:
    """Issue: notify the routed recipients, one timer per partner routed to escalate."""
    result = plan(Rule.ISSUE, {"aa"}, [], [])
    assert {r.partner_id for r in result.notify} == {"aa", "cc"}
    assert result.timers == (EscalationTimer(THREAD, "aa", at(30), 0, at(50)),)


@pytest.mark.parametrize("rule", [Rule.UPDATE, Rule.RAISE_TO_SHELTER])
def test_an_update_retells_everyone_and_keeps_escalation_where_it_is(rule: Rule) -> None:
    """Update: those told before and routing's new recipients; timers run on, acks stand."""
    first = route(coalition(), alert(), "hub", frozenset({"aa"}), T0).recipients
    earlier = [notification(r, NotificationState.DELIVERED) for r in first]
    acked = timer(steps_done=1, acknowledged_at=at(25), next_due_at=None)
    result = plan(rule, {"aa", "bb"}, earlier, [acked])
    assert result.notify[: len(first)] == first
    assert {r.partner_id for r in result.notify} == {"aa", "bb", "cc"}
    assert len(result.notify) == len(set(result.notify))
    assert result.timers == (acked, EscalationTimer(THREAD, "bb", at(30), 0, at(50)))


@pytest.mark.parametrize("rule", [Rule.CANCEL, Rule.ALL_CLEAR])
def test_a_cancel_or_all_clear_tells_those_told_and_stops_every_timer(rule: Rule) -> None:
    """Cancel or all clear: only those told before, every running timer stopped now."""
    first = route(coalition(), alert(), "hub", frozenset({"aa"}), T0).recipients
    earlier = [notification(r, NotificationState.DELIVERED) for r in first]
    stopped_before = timer(partner_id="bb", stopped_at=at(10), next_due_at=None)
    result = plan(rule, {"aa", "bb"}, earlier, [timer(steps_done=1), stopped_before])
    assert result.notify == first
    assert result.timers == (
        timer(steps_done=1, stopped_at=at(30), next_due_at=None),
        stopped_before,
    )


@pytest.mark.parametrize("rule", [Rule.ACKNOWLEDGE, Rule.REPORT_ERROR])
def test_acks_and_errors_from_partner_systems_tell_nobody(rule: Rule) -> None:
    """A CAP Ack or Error answers a message: no notifications, timers untouched."""
    result = plan(rule, {"aa"}, [], [timer()])
    assert result.notify == ()
    assert result.timers == (timer(),)
