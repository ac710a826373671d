"""Later messages of an event: an Update and a Cancel reach everyone who was told of the alert,
on every channel they were told on; a Cancel stops every escalation, an Update none."""

from __future__ import annotations

from tests.integration.notify.conftest import (
    UNDER_TEST,
    Network,
    assert_escalation_stopped,
    escalate_to_phones,
    post_both,
)
from tests.integration.notify.network_setup import (
    AA_DEPUTY_PHONE,
    AA_DUTY_PHONE,
)

from tanbih import cap
from tanbih.domain.coalition import ChannelKind

SHELTER = "EXERCISE: take shelter now"


async def test_an_update_reaches_everyone_told_and_escalation_keeps_its_schedule(
    network: Network,
) -> None:
    """After the 20 s step an Update goes to the webhook, mailbox, console, SMS and call of the
    duty officer, and the deputy's 45 s step still comes at 45 s, with the Update's words."""
    start = network.clock.now()
    alert = network.alert(f"EXERCISE: {UNDER_TEST}")
    async with network.console("aa") as console:
        alert_id = await network.post(alert)
        await console.events_of(alert_id)
        await network.advance_to(start, 20)
        await network.sms(1)
        await network.calls(1)
        network.clock.advance(5)
        update = network.update(alert, SHELTER)
        update_id = await network.post(update)

        [first, second] = await network.webhooks_to("/aa", 2)
        [_, mail] = await network.mails(2)
        [event] = await console.events_of(update_id)
        [_, sms] = await network.sms(2)
        [_, call] = await network.calls(2)

    assert first.body == cap.emit_xml(alert)
    assert second.body == cap.emit_xml(update)
    assert second.headers["idempotency-key"] != first.headers["idempotency-key"]
    assert mail["Subject"].startswith("EXERCISE")
    assert "UPDATE" in mail["Subject"]
    assert "UPDATE" in event.data["subject"]
    assert (sms.to, call.to) == (AA_DUTY_PHONE, AA_DUTY_PHONE)
    assert "take shelter now" in sms.body
    assert "take shelter now" in call.twiml
    told = {
        (n.recipient.contact_id, n.recipient.channel.kind)
        for n in await network.notifications(alert_id)
        if n.alert_id == update_id
    }
    assert {contact for contact, _ in told} == {"aa-duty"}
    assert {kind for _, kind in told} == {
        ChannelKind.CONSOLE,
        ChannelKind.EMAIL,
        ChannelKind.WEBHOOK,
        ChannelKind.SMS,
        ChannelKind.VOICE,
    }

    await network.advance_to(start, 45)
    [deputy] = [m for m in await network.sms(3) if m.to == AA_DEPUTY_PHONE]
    assert "take shelter now" in deputy.body


async def test_an_update_after_an_acknowledgement_is_told_but_does_not_restart_escalation(
    network: Network,
) -> None:
    """An acknowledged partner hears of the Update on its channels and is not escalated again."""
    posted = await post_both(network)
    acked = await network.client.post(
        f"/api/v1/alerts/{posted.alert_id}/ack", headers=network.auth("aa")
    )
    assert acked.status_code == 200
    update = network.update(posted.alert, SHELTER)
    update_id = await network.post(update)

    requests = await network.webhooks_to("/aa", 3)

    assert [r.body for r in requests].count(cap.emit_xml(update)) == 1
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None
    assert timer.stopped_at is None
    update_steps = {
        n.escalation_step
        for n in await network.notifications(posted.alert_id)
        if n.alert_id == update_id
    }
    assert update_steps == {0}


async def test_a_cancel_reaches_everyone_told_and_stops_every_escalation(
    network: Network,
) -> None:
    """A Cancel after the 20 s step goes to the duty officer's webhook, mailbox, console, SMS and
    call, and neither the deputy nor the hub is ever escalated to."""
    posted = await post_both(network)
    async with network.console("aa") as console:
        await escalate_to_phones(network, posted)
        cancel = network.cancel(posted.alert)
        cancel_id = await network.post(cancel)
        [event] = await console.events_of(cancel_id)

    cancels = [r for r in await network.webhooks_to("/aa", 3) if r.body == cap.emit_xml(cancel)]
    mails = await network.mails(3)
    cancelled = [m for m in mails if "CANCELLED" in m["Subject"]]
    texts = [m for m in await network.sms(3) if "cancelled" in m.body.lower()]
    calls = [c for c in await network.calls(3) if "cancelled" in c.twiml.lower()]

    assert len(cancels) == 1
    assert [m["To"] for m in cancelled] == ["duty@aa.example.org"]
    assert cancelled[0]["Subject"].startswith("EXERCISE")
    assert "CANCELLED" in event.data["subject"]
    assert [m.to for m in texts] == [AA_DUTY_PHONE]
    assert [c.to for c in calls] == [AA_DUTY_PHONE]
    timer = await assert_escalation_stopped(network, posted)
    assert timer.stopped_at is not None
    assert timer.acknowledged_at is None
