"""The test alert, its wordings in three languages, and deliveries of it to any address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import (
    Delivery,
    Notification,
    Recipient,
    Wording,
    notification_key,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ALERT_ID = "alert-0001"
ACK_CODE = "4821"
ACK_URL = "https://node.example/ack/tok_AbC123?x=1&y=<2>"

CAP_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>tanbih-test-0001</identifier>
  <sender>coord@tanbih.example</sender>
  <sent>2026-03-01T12:00:00+03:00</sent>
  <status>Exercise</status>
  <msgType>Alert</msgType>
  <scope>Restricted</scope>
  <restriction>Coalition duty officers</restriction>
  <info>
    <language>en</language>
    <category>Security</category>
    <event>Hostile UAV</event>
    <responseType>Prepare</responseType>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>2026-03-01T12:30:00+03:00</expires>
    <headline>EXERCISE: hostile UAV approaching, prepare to take shelter</headline>
    <area><areaDesc>Test zone north</areaDesc></area>
  </info>
</alert>
"""

WORDINGS = {
    "en": Wording(
        language="en",
        subject="EXERCISE: Hostile UAV — prepare to take shelter (Haifa Bay)",
        headline="EXERCISE: hostile UAV approaching, prepare to take shelter",
        body="Zones: Haifa Bay <north> & Krayot.\n\nShelter within 60 s of the siren.",
        spoken="Exercise. Hostile UAV approaching Haifa Bay. Prepare to take shelter.",
    ),
    "ar": Wording(
        language="ar",
        subject="تمرين: طائرة مسيرة معادية — استعدوا للاحتماء",
        headline="تمرين: طائرة مسيرة معادية تقترب، استعدوا للاحتماء",
        body="المناطق: خليج حيفا.\n\nاحتموا خلال 60 ثانية.",
        spoken="تمرين. طائرة مسيرة معادية تقترب. استعدوا للاحتماء.",
    ),
    "he": Wording(
        language="he",
        subject="EXERCISE · תרגיל: כלי טיס עוין מתקרב",
        headline="EXERCISE · תרגיל: כלי טיס עוין מתקרב, היערכו לכניסה למרחב מוגן",
        body="אזורים: מפרץ חיפה.",
        spoken="תרגיל. כלי טיס עוין מתקרב. היערכו לכניסה למרחב מוגן.",
    ),
}

ACTUAL_EN = Wording(
    language="en",
    subject="Hostile UAV — take shelter now",
    headline="Hostile UAV: take shelter now",
    body="Zones: Haifa Bay.",
    spoken="Hostile UAV. Take shelter now.",
)

DeliveryFactory = Callable[..., Delivery]


def make_delivery(
    kind: ChannelKind,
    address: str,
    *,
    language: str = "en",
    status: Status = Status.EXERCISE,
    wording: Wording | None = None,
    partner_id: str = "il",
) -> Delivery:
    """A delivery of the test alert to one contact on one address."""
    channel = ChannelAddress(kind, address)
    recipient = Recipient(partner_id, f"{partner_id}-duty", channel, language)
    notification = Notification(
        key=notification_key(ALERT_ID, recipient.contact_id, channel),
        alert_id=ALERT_ID,
        status=status,
        recipient=recipient,
        escalation_step=0,
        created_at=T0,
        deadline=T0 + timedelta(minutes=5),
    )
    chosen = wording or WORDINGS[language]
    return Delivery(
        notification, CAP_XML, replace(chosen), ACK_CODE, ACK_URL, notification.alert_id
    )
