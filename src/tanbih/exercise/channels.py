"""The exercise's partners behind the node's channels: each attempt is recorded with the words
the real channel would send, faults make it fail, and people are reached.

In a headless run nobody real may be called: webhooks, e-mail, SMS and calls end here, at the
simulated partner, after the real composer (``sms_text``, ``call_twiml``, ``compose_email``)
built what would be sent, so the marking is checked on what would really leave the node. The
console channel is the node's own, wrapped: its stream is written as in production.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

from tanbih.adapters.channels.channel_text import is_marked, marked
from tanbih.adapters.channels.email import compose_email
from tanbih.adapters.channels.settings import VoiceSettings
from tanbih.adapters.channels.sms import sms_text
from tanbih.adapters.channels.voice import call_twiml
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult
from tanbih.exercise.faults import Faults
from tanbih.exercise.record import DeliveryRecord
from tanbih.ports import Channel, Clock

_SIMULATED = frozenset({ChannelKind.WEBHOOK, ChannelKind.EMAIL, ChannelKind.SMS, ChannelKind.VOICE})
Reached = Callable[[DeliveryRecord, Delivery], None]


class ExerciseChannel:
    """One channel kind as the exercise's partners see it."""

    def __init__(
        self,
        kind: ChannelKind,
        inner: Channel,
        *,
        clock: Clock,
        start: datetime,
        faults: Faults,
        reached: Reached,
    ) -> None:
        self._kind = kind
        self._inner = inner
        self._clock = clock
        self._start = start
        self._faults = faults
        self._reached = reached

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Fail if a fault breaks this channel now; else deliver and record what was sent."""
        notification = delivery.notification
        recipient = notification.recipient
        now = self._clock.now()
        text, is_ok = words_sent(self._kind, delivery)
        fault = self._faults.breaking(
            self._kind, recipient.partner_id, (now - self._start).total_seconds()
        )
        if fault is not None:
            result = DeliveryResult(DeliveryOutcome.RETRY, error=f"exercise fault: {fault.kind}")
        elif self._kind in _SIMULATED:
            result = DeliveryResult(
                DeliveryOutcome.DELIVERED, provider_id=f"exercise-{notification.key}"
            )
        else:
            result = await self._inner.send(delivery)
        record = DeliveryRecord(
            at=self._clock.now(),
            partner_id=recipient.partner_id,
            contact_id=recipient.contact_id,
            kind=self._kind.value,
            alert_id=notification.alert_id,
            escalation_step=notification.escalation_step,
            delivered=result.outcome is DeliveryOutcome.DELIVERED,
            marked=is_ok,
            text=text[:200],
            error=result.error,
        )
        self._reached(record, delivery)
        return result


def words_sent(kind: ChannelKind, delivery: Delivery) -> tuple[str, bool]:
    """The first words the channel would send, and whether they carry the status's marking."""
    status = delivery.notification.status
    if kind is ChannelKind.SMS:
        text = sms_text(delivery, 3)
    elif kind is ChannelKind.VOICE:
        twiml = ET.fromstring(call_twiml(delivery, VoiceSettings(), None))  # noqa: S314 -- ours
        text = next((say.text or "" for say in twiml.iter("Say")), "")
    elif kind is ChannelKind.EMAIL:
        text = str(compose_email(delivery, "exercise@tanbih.invalid", "tanbih.invalid")["Subject"])
    elif kind is ChannelKind.WEBHOOK:
        text = f"CAP status {_cap_status(delivery.cap_xml)}"
        return text, status is Status.ACTUAL or text.endswith(status.value)
    else:
        text = marked(delivery.wording.subject, status)
    return text, is_marked(text, status)


def _cap_status(xml: bytes) -> str:
    start = xml.find(b"<status>")
    if start < 0:
        start = xml.find(b":status>")
    end = xml.find(b"</", start)
    return xml[start:end].split(b">", 1)[-1].decode() if start >= 0 and end > start else "?"
