"""Escalation: what happens while nobody of a partner acknowledges, and after later messages.

Routing tells each partner at once; a partner routed with ``escalate`` also gets an escalation
timer, one per event (thread) and partner. Its policy's steps fall due at ``after`` from the
timer's start, each telling a receiver (duties on channels) of the partner or of the
coordinator; with ``repeat``, the steps run again, round ``r`` starting ``r * every`` after the
first. ``steps_done`` counts step instances notified, rounds included, so a stored timer says
exactly where a restarted node resumes. The first acknowledgement from a partner ends its
escalation.

Later messages of the event (:func:`plan_message`): an Update tells everyone an earlier version
was sent to, plus whoever routing adds, and leaves running timers on their schedule (an Update
never delays escalation, nor restarts it for a partner who acknowledged); a Cancel or an all
clear tells everyone who was told and stops every timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tanbih.domain.coalition import (
    Coalition,
    EscalationPolicies,
    EscalationPolicy,
    EscalationStep,
    Repeat,
    StepTarget,
)
from tanbih.domain.lifecycle import Rule
from tanbih.domain.notification import (
    EscalationTimer,
    Notification,
    NotificationState,
    Recipient,
)
from tanbih.domain.routing import Routing, receiver_recipients


@dataclass(frozen=True, slots=True)
class DueStep:
    """One step instance due: its place in the run (``index``, rounds included) and round."""

    index: int
    round: int
    step: EscalationStep
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Due:
    """The steps due now, the ``steps_done`` to store once they are notified, and what next."""

    steps: tuple[DueStep, ...]
    steps_done: int
    next_due_at: datetime | None


def due_steps(
    policy: EscalationPolicy,
    started_at: datetime,
    steps_done: int,
    acknowledged_at: datetime | None,
    now: datetime,
) -> Due:
    """The steps of ``policy`` due at ``now`` for a timer started at ``started_at``.

    Acknowledged: nothing, ever again. After a pause (a restart) several rounds may be
    overdue; each step is then notified once, in its latest overdue round, not once a round.
    """
    if acknowledged_at is not None:
        return Due((), steps_done, None)
    run = _run(policy, started_at)
    done = steps_done
    while done < len(run) and run[done].due_at <= now:
        done += 1
    # An empty run never enters the comprehension, so the modulo never sees zero steps.
    latest = {item.index % len(policy.steps): item for item in run[steps_done:done]}
    next_due_at = run[done].due_at if done < len(run) else None
    return Due(tuple(sorted(latest.values(), key=lambda s: s.index)), done, next_due_at)


def advance(
    timer: EscalationTimer, policy: EscalationPolicy, now: datetime
) -> tuple[Due, EscalationTimer]:
    """The steps due on ``timer`` at ``now``, and the timer as stored once they are notified."""
    if timer.stopped_at is not None:
        return Due((), timer.steps_done, None), replace(timer, next_due_at=None)
    due = due_steps(policy, timer.started_at, timer.steps_done, timer.acknowledged_at, now)
    return due, replace(timer, steps_done=due.steps_done, next_due_at=due.next_due_at)


def acknowledge(timer: EscalationTimer, at: datetime) -> EscalationTimer:
    """The timer after a partner's acknowledgement at ``at``; the first one counts."""
    if timer.acknowledged_at is not None:
        return timer
    return replace(timer, acknowledged_at=at, next_due_at=None)


def start_timer(
    thread_id: str, partner_id: str, policy: EscalationPolicy, now: datetime
) -> EscalationTimer:
    """A partner's escalation timer for an event, starting at ``now``."""
    run = _run(policy, now)
    return EscalationTimer(thread_id, partner_id, now, 0, run[0].due_at if run else None)


def step_recipients(
    step: EscalationStep,
    coalition: Coalition,
    partner_id: str,
    languages: Iterable[str],
    now: datetime,
) -> tuple[Recipient, ...]:
    """Whom ``step`` of partner ``partner_id``'s escalation tells at ``now``."""
    if step.of is StepTarget.COORDINATOR:
        target = coalition.coordinator
    else:
        target = coalition.partner(partner_id)
    if target is None:
        return ()
    return receiver_recipients(target, step.receiver, languages, now)


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """Whom to tell of a new message of an event, and the event's timers after it."""

    notify: tuple[Recipient, ...]
    timers: tuple[EscalationTimer, ...]


_UPDATES = frozenset({Rule.UPDATE, Rule.RAISE_TO_SHELTER})
_CLOSES = frozenset({Rule.CANCEL, Rule.ALL_CLEAR})


def plan_message(
    rule: Rule,
    thread_id: str,
    routing: Routing,
    earlier: Iterable[Notification],
    timers: Iterable[EscalationTimer],
    policies: EscalationPolicies,
    now: datetime,
) -> MessagePlan:
    """What a message accepted under lifecycle ``rule`` does to notification and escalation.

    ``earlier`` are the notifications of the event's earlier versions (the delivery log),
    ``timers`` its escalation timers. A new event (``issue``) tells whom routing names and
    starts their timers; an Update tells those told before and whom routing adds, keeping
    existing timers; a Cancel or all clear tells those told before and stops every timer;
    an Ack or Error from a partner system tells nobody.
    """
    timers = tuple(timers)
    if rule in _CLOSES:
        stopped = tuple(
            t if t.stopped_at is not None else replace(t, stopped_at=now, next_due_at=None)
            for t in timers
        )
        return MessagePlan(told(earlier), stopped)
    if rule is Rule.ISSUE or rule in _UPDATES:
        running = {timer.partner_id for timer in timers}
        started = tuple(
            start_timer(thread_id, partner_id, policies.for_partner(partner_id), now)
            for partner_id in routing.escalated
            if partner_id not in running
        )
        notify = tuple(dict.fromkeys((*told(earlier), *routing.recipients)))
        return MessagePlan(notify, (*timers, *started))
    return MessagePlan((), timers)


def told(earlier: Iterable[Notification]) -> tuple[Recipient, ...]:
    """Everyone an earlier version was sent or queued to, once each, in log order.

    A failed notification counts: a carrier may have delivered what it reported as failed.
    """
    return tuple(
        dict.fromkeys(n.recipient for n in earlier if n.state is not NotificationState.SUPPRESSED)
    )


def _run(policy: EscalationPolicy, started_at: datetime) -> tuple[DueStep, ...]:
    """Every step instance of the policy, rounds included, in order."""
    repeat = policy.repeat or Repeat(0, timedelta(0))
    return tuple(
        DueStep(r * len(policy.steps) + i, r, step, started_at + repeat.every * r + step.after)
        for r in range(1 + repeat.times)
        for i, step in enumerate(policy.steps)
    )
