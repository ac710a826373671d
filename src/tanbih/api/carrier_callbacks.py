"""``/callbacks/twilio/...``: what a Twilio-shaped carrier posts back, believed only if signed.

Delivery receipts and call progress are recorded in the event log; an SMS reply with its code
and a key pressed on a call acknowledge for the partner whose contact answered.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response

from tanbih.adapters.channels.twilio_callbacks import (
    CALL_STATUS_PATH,
    GATHER_PATH,
    INBOUND_SMS_PATH,
    MESSAGE_STATUS_PATH,
    SIGNATURE_HEADER,
    Unreadable,
    read_call_status,
    read_inbound_sms,
    read_key_press,
    read_message_status,
    valid_twilio_signature,
)
from tanbih.adapters.channels.voice import key_press_twiml
from tanbih.api.auth import CurrentNode
from tanbih.api.problems import ApiProblem
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import AckRoute, Notification
from tanbih.domain.records import Event
from tanbih.node import Node

PREFIX = "/callbacks"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
Key = Annotated[str, Query(min_length=1, max_length=64)]
TWIML = "application/xml"


async def signed_form(request: Request, node: Node) -> dict[str, str]:
    """The posted form, if one of the configured carriers signed it for this URL; else 403."""
    form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    url = node.channel_settings.callbacks.base_url if node.channel_settings.callbacks else ""
    called = url.removesuffix(PREFIX) + request.url.path
    if request.url.query:
        called += "?" + request.url.query
    signature = request.headers.get(SIGNATURE_HEADER)
    if not any(
        valid_twilio_signature(c.auth_token, called, form, signature)
        for c in node.channel_settings.carriers
    ):
        raise ApiProblem(
            403, "bad-signature", "Forbidden", "the callback is not signed by a carrier"
        )
    return form


def _unreadable(result: Unreadable) -> ApiProblem:
    return ApiProblem(
        400, "unreadable-callback", "Unreadable callback", f"{result.field}: {result.reason}"
    )


async def _record(node: Node, kind: str, key: str, data: dict[str, object]) -> None:
    await node.store.append_event(
        Event(at=node.clock.now(), kind=kind, subject=key, data=MappingProxyType(data))
    )


@router.post(MESSAGE_STATUS_PATH)
async def message_status(request: Request, node: CurrentNode, key: Key) -> Response:
    """An SMS delivery receipt, recorded against its notification."""
    report = read_message_status(await signed_form(request, node))
    if isinstance(report, Unreadable):
        raise _unreadable(report)
    await _record(
        node,
        "sms.status",
        key,
        {"status": report.status.value, "sid": report.message_sid, "error": report.error_code},
    )
    return Response(status_code=204)


@router.post(CALL_STATUS_PATH)
async def call_status(request: Request, node: CurrentNode, key: Key) -> Response:
    """Call progress (busy, no-answer, failed, completed), recorded against its notification."""
    report = read_call_status(await signed_form(request, node))
    if isinstance(report, Unreadable):
        raise _unreadable(report)
    await _record(
        node,
        "call.status",
        key,
        {"status": report.status.value, "sid": report.call_sid, "duration": report.duration},
    )
    return Response(status_code=204)


@router.post(GATHER_PATH)
async def key_pressed(request: Request, node: CurrentNode, key: Key) -> Response:
    """The key pressed on a warning call: 1 acknowledges; the answer is TwiML."""
    press = read_key_press(await signed_form(request, node))
    if isinstance(press, Unreadable):
        raise _unreadable(press)
    notification = await node.store.notification(key)
    acknowledged = press.acknowledged and notification is not None
    if acknowledged and notification is not None:
        await _acknowledge(node, notification, AckRoute.VOICE_KEY)
    language = notification.recipient.language if notification else "en"
    twiml = key_press_twiml(language, acknowledged, node.channel_settings.voice)
    return Response(twiml, media_type=TWIML)


@router.post(INBOUND_SMS_PATH)
async def inbound_sms(request: Request, node: CurrentNode) -> Response:
    """A reply to a warning SMS: its code acknowledges for the partner whose number sent it."""
    sms = read_inbound_sms(await signed_form(request, node))
    if isinstance(sms, Unreadable):
        raise _unreadable(sms)
    partner_id = _partner_of_number(node, sms.sender)
    key = None
    if partner_id is not None and sms.ack_code is not None:
        key = await node.store.reply_code(sms.ack_code, partner_id, node.clock.now())
    notification = None if key is None else await node.store.notification(key)
    if notification is not None:
        await _acknowledge(node, notification, AckRoute.SMS_REPLY)
    await _record(node, "sms.reply", key or "", {"from": sms.sender, "matched": key is not None})
    reply = "Acknowledged. / تم الاستلام / התקבל" if notification else "Code not recognised."
    return Response(f"<Response><Message>{reply}</Message></Response>", media_type=TWIML)


def _partner_of_number(node: Node, number: str) -> str | None:
    for partner in node.coalition.partners:
        for contact in partner.contacts:
            for channel in contact.channels:
                kinds = (ChannelKind.SMS, ChannelKind.VOICE)
                if channel.kind in kinds and channel.address == number:
                    return partner.id
    return None


async def _acknowledge(node: Node, notification: Notification, via: AckRoute) -> None:
    record = await node.store.get(notification.alert_id)
    if record is not None:
        recipient = notification.recipient
        await node.acknowledge(
            record.thread_id,
            recipient.partner_id,
            via,
            contact_id=recipient.contact_id,
            notification_key=notification.key,
        )
