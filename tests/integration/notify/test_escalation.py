"""Escalation on the injected clock: each step of the policy falls due on its second, not before.

Every step is checked against a control alert posted one second earlier: moving the clock to a
second before a step makes the control's step fall due in the same escalation round, so once
the carrier has the control's messages the round is over, and the alert under test must not
have escalated yet.
"""

from __future__ import annotations

from tests.integration.notify.conftest import (
    Network,
)
from tests.integration.notify.network_setup import (
    AA_DEPUTY_PHONE,
    AA_DUTY_PHONE,
    HUB_DUTY_PHONE,
)

from tanbih.domain.coalition import ChannelKind

# (seconds, numbers texted, numbers called) of the test coalition's policy.
SCHEDULE = (
    (20, [AA_DUTY_PHONE], [AA_DUTY_PHONE]),
    (45, [AA_DEPUTY_PHONE], []),
    (60, [HUB_DUTY_PHONE], []),
)


async def test_an_unacknowledged_alert_escalates_on_schedule(network: Network) -> None:
    """Unacknowledged, the duty officer is texted and called at 20 s, the deputy texted at 45 s
    and the hub's duty officer texted at 60 s, none of them a second early."""
    control_start = network.clock.now()
    await network.post(network.alert("EXERCISE: control drone"))
    start = network.clock.advance(1)
    alert_id = await network.post(network.alert("EXERCISE: drone under test"))
    texts = calls = 0

    for step, (seconds, texted, called) in enumerate(SCHEDULE, start=1):
        await network.advance_to(control_start, seconds)
        texts, calls = texts + len(texted), calls + len(called)
        early = await network.sms(texts)
        await network.calls(calls)
        assert all("control drone" in m.body for m in early[-len(texted) :])
        assert step not in await network.steps_queued(alert_id), f"step {step} came early"

        await network.advance_to(start, seconds)
        texts, calls = texts + len(texted), calls + len(called)
        sent = (await network.sms(texts))[-len(texted) :]
        placed = (await network.calls(calls))[-len(called) :] if called else []

        assert [m.to for m in sent] == texted
        assert all(m.body.startswith("EXERCISE: drone under test") for m in sent)
        assert [c.to for c in placed] == called
        assert all("drone under test" in c.twiml for c in placed)

    by_step = {
        (n.escalation_step, n.recipient.contact_id, n.recipient.channel.kind)
        for n in await network.notifications(alert_id)
    }
    assert by_step == {
        (0, "aa-duty", ChannelKind.CONSOLE),
        (0, "aa-duty", ChannelKind.EMAIL),
        (0, "aa-duty", ChannelKind.WEBHOOK),
        (1, "aa-duty", ChannelKind.SMS),
        (1, "aa-duty", ChannelKind.VOICE),
        (2, "aa-deputy", ChannelKind.SMS),
        (3, "hub-duty", ChannelKind.SMS),
    }
    timer = await network.timer(alert_id)
    assert (timer.steps_done, timer.next_due_at) == (3, None)
