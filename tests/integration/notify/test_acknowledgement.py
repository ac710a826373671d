"""An acknowledgement by each route (console, e-mail link, SMS reply, key press, CAP Ack) stops
the partner's escalation, and is stored with who, when and how.

Each test posts the alert under test and a control alert at the same instant. After the
acknowledgement the clock is moved past the last step: the control's deputy and coordinator
SMS arrive, so the escalation round that would have escalated the acknowledged alert too is
over, and the acknowledged alert must have queued nothing more.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tests.integration.notify.conftest import (
    UNDER_TEST,
    Network,
    assert_escalation_stopped,
    escalate_to_phones,
    post_both,
)
from tests.integration.notify.network_setup import (
    AA_DUTY_PHONE,
    CARRIER_NUMBER,
)

from tanbih import cap
from tanbih.domain.ack_token import AckClaim, issue
from tanbih.domain.coalition import ChannelKind

REPLY_CODE = re.compile(r"(\d{4,6}) ACK")


async def acknowledgements(network: Network, alert_id: str) -> list[dict[str, object]]:
    """The event's acknowledgements as the API shows them to partner aa."""
    response = await network.client.get(
        f"/api/v1/alerts/{alert_id}/acks", headers=network.auth("aa")
    )
    assert response.status_code == 200
    shown: list[dict[str, object]] = response.json()
    return shown


async def notification_key(network: Network, alert_id: str, kind: ChannelKind) -> str:
    """The key of the alert's first notification on ``kind``."""
    return next(
        n.key
        for n in await network.notifications(alert_id)
        if n.alert_id == alert_id and n.recipient.channel.kind is kind
    )


async def test_a_console_acknowledgement_stops_escalation(network: Network) -> None:
    """The console's ack is the partner's first; a second one is told it came too late."""
    posted = await post_both(network)

    first = await network.client.post(
        f"/api/v1/alerts/{posted.alert_id}/ack",
        json={"contact": "aa-duty"},
        headers=network.auth("aa"),
    )
    again = await network.client.post(
        f"/api/v1/alerts/{posted.alert_id}/ack", headers=network.auth("aa")
    )

    stranger = await network.client.post(
        f"/api/v1/alerts/{posted.alert_id}/ack",
        json={"contact": "bb-duty"},
        headers=network.auth("aa"),
    )

    assert stranger.status_code == 422
    assert first.status_code == again.status_code == 200
    assert first.json()["first"] is True
    assert again.json() == {**first.json(), "first": False}
    [shown] = await acknowledgements(network, posted.alert_id)
    assert (shown["partner"], shown["via"], shown["contact"]) == ("aa", "console", "aa-duty")
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None


async def test_an_email_link_acknowledges_once_and_refuses_forged_and_reused_tokens(
    network: Network,
) -> None:
    """The link in the mail acknowledges by POST; a forged token and the same one again do not."""
    posted = await post_both(network)
    mails = await network.mails(2)
    [mail] = [m for m in mails if UNDER_TEST in m["Subject"]]
    text = mail.get_body(("plain",))
    assert text is not None
    found = re.search(re.escape(f"{network.url}/ack/") + r"(\S+)", text.get_content())
    assert found is not None
    token = found.group(1)
    email_key = await notification_key(network, posted.alert_id, ChannelKind.EMAIL)
    expires = network.clock.now() + timedelta(hours=1)
    forged = issue(AckClaim(email_key, "aa", "aa-duty", expires), b"not the node's secret " * 2)

    page = await network.client.get(f"/ack/{token}")
    refused = await network.client.post(f"/ack/{forged}")
    nothing_yet = await acknowledgements(network, posted.alert_id)
    used = await network.client.post(f"/ack/{token}")
    reused = await network.client.post(f"/ack/{token}")

    assert page.status_code == 200
    assert f'action="/ack/{token}"' in page.text
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("token-forged")
    assert nothing_yet == []
    assert used.status_code == 200
    assert reused.status_code == 409
    [shown] = await acknowledgements(network, posted.alert_id)
    assert (shown["via"], shown["contact"]) == ("email_link", "aa-duty")
    [ack] = await network.node.store.acknowledgements(await network.thread_of(posted.alert_id))
    assert ack.notification_key == email_key
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None


async def test_another_partners_acknowledgement_leaves_the_partners_escalation_running(
    network: Network,
) -> None:
    """Partner bb acknowledging leaves aa's escalation running: aa is texted at 20 s."""
    start = network.clock.now()
    alert_id = await network.post(network.alert(f"EXERCISE: {UNDER_TEST}"))

    acked = await network.client.post(f"/api/v1/alerts/{alert_id}/ack", headers=network.auth("bb"))
    await network.advance_to(start, 20)
    [sms] = await network.sms_about(UNDER_TEST)

    assert acked.status_code == 200
    assert sms.to == AA_DUTY_PHONE
    assert [a["partner"] for a in await acknowledgements(network, alert_id)] == ["bb"]
    assert (await network.timer(alert_id)).acknowledged_at is None


async def test_an_email_link_is_refused_once_expired(network: Network) -> None:
    """Twelve hours after it was sent, the mail's link no longer acknowledges."""
    start = network.clock.now()
    alert_id = await network.post(network.alert())
    [mail] = await network.mails(1)
    text = mail.get_body(("plain",))
    assert text is not None
    found = re.search(re.escape(f"{network.url}/ack/") + r"(\S+)", text.get_content())
    assert found is not None

    network.clock.at = start + timedelta(hours=12, seconds=1)
    response = await network.client.post(f"/ack/{found.group(1)}")

    assert response.status_code == 403
    assert response.json()["type"].endswith("token-expired")
    assert await acknowledgements(network, alert_id) == []


async def test_an_sms_reply_with_its_code_from_the_duty_officers_phone_stops_escalation(
    network: Network,
) -> None:
    """The reply code acknowledges only from the number it was sent to, and only its alert."""
    posted = await post_both(network)
    await escalate_to_phones(network, posted)
    [sms] = await network.sms_about(UNDER_TEST)
    found = REPLY_CODE.search(sms.body)
    assert found is not None
    code = found.group(1)

    stranger = await network.carrier.send_reply("+447700900999", f"{code} ACK", CARRIER_NUMBER)
    nothing_yet = await acknowledgements(network, posted.alert_id)
    reply = await network.carrier.send_reply(AA_DUTY_PHONE, f"{code} ACK", CARRIER_NUMBER)

    assert stranger.status_code == reply.status_code == 200
    assert "not recognised" in stranger.text
    assert nothing_yet == []
    assert "Acknowledged" in reply.text
    [shown] = await acknowledgements(network, posted.alert_id)
    assert (shown["via"], shown["contact"]) == ("sms_reply", "aa-duty")
    assert await acknowledgements(network, posted.control_id) == []
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None


async def test_pressing_one_on_the_warning_call_stops_escalation(network: Network) -> None:
    """Another key is not an acknowledgement; 1 is, and the callee is thanked."""
    posted = await post_both(network)
    await escalate_to_phones(network, posted)
    call = await network.call_about(UNDER_TEST)

    wrong = await network.carrier.press(call, "2")
    nothing_yet = await acknowledgements(network, posted.alert_id)
    right = await network.carrier.press(call, "1")

    assert wrong.status_code == right.status_code == 200
    assert right.headers["content-type"].startswith("application/xml")
    assert right.text != wrong.text
    assert nothing_yet == []
    [shown] = await acknowledgements(network, posted.alert_id)
    assert (shown["via"], shown["contact"]) == ("voice_key", "aa-duty")
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None


async def test_a_partner_systems_cap_ack_stops_escalation(network: Network) -> None:
    """A CAP Ack from the affected partner referencing the alert is its acknowledgement."""
    posted = await post_both(network)

    response = await network.client.post(
        "/api/v1/alerts",
        content=cap.emit_xml(network.ack(posted.alert, by="aa")),
        headers={**network.auth("aa"), "Content-Type": "application/cap+xml"},
    )

    assert response.status_code == 201
    assert response.json()["rule"] == "acknowledge"
    [shown] = await acknowledgements(network, posted.alert_id)
    assert (shown["partner"], shown["via"], shown["contact"]) == ("aa", "cap_ack", None)
    timer = await assert_escalation_stopped(network, posted)
    assert timer.acknowledged_at is not None
