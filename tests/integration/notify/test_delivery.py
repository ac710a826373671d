"""An alert posted to the node's API reaches every channel the routing and escalation name."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.notify.conftest import (
    Network,
)
from tests.integration.notify.network_setup import (
    AA_DUTY_EMAIL,
    AA_DUTY_PHONE,
    CARRIER_NUMBER,
    WEBHOOK_SECRET,
)

from tanbih import cap
from tanbih.adapters.channels import WebhookCheck, verify_webhook
from tanbih.domain.coalition import ChannelKind


async def test_an_alert_reaches_the_partners_webhook_signed_with_the_cap_bytes(
    network: Network,
) -> None:
    """The affected partner's webhook gets the posted CAP bytes, HMAC-signed, keyed, marked."""
    alert = network.alert()
    alert_id = await network.post(alert)

    [request] = await network.webhooks_to("/aa", 1)

    assert verify_webhook(WEBHOOK_SECRET, request.headers, request.body, datetime.now(UTC)) is (
        WebhookCheck.VALID
    )
    assert verify_webhook("another secret", request.headers, request.body, datetime.now(UTC)) is (
        WebhookCheck.BAD_SIGNATURE
    )
    assert request.body == cap.emit_xml(alert)
    assert request.headers["content-type"] == "application/cap+xml"
    assert request.headers["x-tanbih-status"] == "Exercise"
    [webhook] = [
        n
        for n in await network.notifications(alert_id)
        if n.recipient.channel.kind is ChannelKind.WEBHOOK
    ]
    assert request.headers["idempotency-key"] == webhook.key


async def test_an_exercise_alert_reaches_the_duty_officers_mailbox_marked_with_an_ack_link(
    network: Network,
) -> None:
    """The e-mail's subject opens with EXERCISE; text and HTML both carry the one-time link."""
    await network.post(network.alert())

    [mail] = await network.mails(1)

    assert mail["To"] == AA_DUTY_EMAIL
    assert mail["Subject"].startswith("EXERCISE")
    assert mail["X-Tanbih-Status"] == "Exercise"
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None
    assert html is not None
    link = f"{network.url}/ack/"
    assert link in text.get_content()
    assert link in html.get_content()
    assert text.get_content().lstrip().startswith("EXERCISE")


async def test_an_alert_reaches_the_partners_console_stream(network: Network) -> None:
    """A console of the affected partner, connected before the alert, gets it live, marked."""
    async with network.console("aa") as console:
        alert_id = await network.post(network.alert())
        [event] = await console.events_of(alert_id)

    assert event.data["status"] == "Exercise"
    assert event.data["contact"] == "aa-duty"
    assert event.data["subject"].startswith("EXERCISE")
    assert event.data["step"] == 0
    assert event.id == event.data["seq"]


async def test_a_console_reconnecting_with_its_last_event_id_gets_what_it_missed(
    network: Network,
) -> None:
    """A console that was away while an Update went out reads it on reconnecting, then lives on."""
    alert = network.alert()
    async with network.console("aa") as away:
        alert_id = await network.post(alert)
        [seen] = await away.events_of(alert_id)
    async with network.console("aa") as watching:
        update_id = await network.post(network.update(alert))
        [missed] = await watching.events_of(update_id)

        async with network.console("aa", last_event_id=seen.id) as back:
            [caught_up] = await back.events_of(update_id)
            cancel_id = await network.post(network.cancel(alert))
            [live] = await back.events_of(cancel_id)

    assert caught_up == missed
    assert caught_up.id > seen.id
    assert live.id > caught_up.id


async def test_after_twenty_seconds_unacknowledged_the_duty_officer_gets_an_sms_and_a_call(
    network: Network,
) -> None:
    """At 20 s the carrier is asked for an SMS with a reply code and a call that gathers a key."""
    start = network.clock.now()
    await network.post(network.alert())
    await network.webhooks_to("/aa", 1)

    await network.advance_to(start, 20)
    [sms] = await network.sms(1)
    [call] = await network.calls(1)

    assert (sms.to, sms.sender) == (AA_DUTY_PHONE, CARRIER_NUMBER)
    assert sms.body.startswith("EXERCISE")
    assert "ACK" in sms.body
    assert sms.status_callback is not None
    assert sms.status_callback.startswith(f"{network.url}/callbacks/twilio/messages/status?key=")
    assert call.to == AA_DUTY_PHONE
    assert call.gather_action.startswith(f"{network.url}/callbacks/twilio/calls/gather?key=")
    assert "EXERCISE" in call.twiml
    assert call.status_callback is not None


async def test_carrier_callbacks_are_believed_only_when_signed(network: Network) -> None:
    """Signed receipts and call statuses are recorded; an unsigned callback is refused."""
    start = network.clock.now()
    await network.post(network.alert())
    await network.advance_to(start, 20)
    [sms] = await network.sms(1)
    [call] = await network.calls(1)

    receipt = await network.carrier.send_receipt(sms, "delivered")
    busy = await network.carrier.send_call_status(call, "busy")
    assert sms.status_callback is not None
    forged = await network.client.post(
        sms.status_callback,
        data={"MessageSid": sms.sid, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )

    assert (receipt.status_code, busy.status_code, forged.status_code) == (204, 204, 403)
    events = await network.node.store.events()
    callbacks = {"sms.status", "call.status"}
    recorded = [(e.kind, e.data["status"]) for e in events if e.kind in callbacks]
    assert recorded == [("sms.status", "delivered"), ("call.status", "busy")]
