"""The partners' duty officers in a headless run: each answers a set time after first being
reached by a person's channel, by that channel's way of acknowledging — or never.

A partner the scenario says nothing about answers after ``DEFAULT_ANSWER_S`` on the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.notification import AckRoute, Delivery
from tanbih.exercise.record import DeliveryRecord
from tanbih.exercise.schema import ActionEntry

DEFAULT_ANSWER_S = 15.0
# How a person acknowledges on each channel that reaches a person (a webhook reaches a system).
_ROUTES = {
    "console": AckRoute.CONSOLE,
    "sms": AckRoute.SMS_REPLY,
    "voice": AckRoute.VOICE_KEY,
    "email": AckRoute.EMAIL_LINK,
}


@dataclass(frozen=True, slots=True)
class Answer:
    """An acknowledgement a duty officer will give."""

    due: datetime
    alert_id: str
    partner_id: str
    contact_id: str
    via: AckRoute
    notification_key: str


class DutyOfficers:
    """Who answers when: reacts to deliveries, hands out the answers that are due."""

    def __init__(self, actions: list[ActionEntry], start: datetime) -> None:
        self._start = start
        self._actions = actions
        self._answered: set[tuple[str, str]] = set()
        self._waiting: list[Answer] = []

    def answer_after(self, partner_id: str, at: datetime) -> float | None:
        """Seconds a partner's duty officer takes to answer at ``at``; ``None``: never."""
        t = (at - self._start).total_seconds()
        chosen: float | None = DEFAULT_ANSWER_S
        for action in sorted(self._actions, key=lambda a: a.at):
            if action.partner != partner_id or action.at > t:
                continue
            if action.never_answers:
                chosen = None
            elif action.answer_after_s is not None:
                chosen = action.answer_after_s
        return chosen

    def _answers_by(self, partner_id: str) -> str | None:
        return next(
            (a.answers_by for a in self._actions if a.partner == partner_id and a.answers_by),
            None,
        )

    def reached(self, record: DeliveryRecord, delivery: Delivery) -> None:
        """A delivery happened: the person reached, if any, will answer in their time.

        Answers are per message; the node counts a partner's first of an event.
        """
        via = _ROUTES.get(record.kind)
        if not record.delivered or via is None:
            return
        key = (record.alert_id, record.partner_id)
        if key in self._answered:
            return
        wait = self.answer_after(record.partner_id, record.at)
        only = self._answers_by(record.partner_id)
        if wait is None or (only is not None and only != record.kind):
            return
        self._answered.add(key)
        self._waiting.append(
            Answer(
                record.at + timedelta(seconds=wait),
                record.alert_id,
                record.partner_id,
                record.contact_id,
                via,
                delivery.notification.key,
            )
        )

    def due(self, now: datetime) -> list[Answer]:
        """The answers due by ``now``, handed out once."""
        ready = [a for a in self._waiting if a.due <= now]
        self._waiting = [a for a in self._waiting if a.due > now]
        return ready

    def next_due(self) -> datetime | None:
        """When the next answer is due."""
        return min((a.due for a in self._waiting), default=None)
