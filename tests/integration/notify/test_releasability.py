"""The sharing matrix applied end to end: what partner ``aa`` gets of partner ``bb``'s warnings,
on every channel and through the API, when bb → aa is restricted or withheld."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tests.integration.notify.conftest import (
    Network,
)
from tests.integration.notify.network_setup import (
    AA_DUTY_PHONE,
    SENDERS,
)

from tanbih import cap
from tanbih.domain.cap import Alert, NamedValue, Status
from tanbih.domain.provenance import SOURCE_PARAMETER
from tanbih.domain.redaction import RELAYED_PREFIX

MARKER = "QZSECRETTRACK"


def sharing(level: str) -> str:
    """A matrix where ``bb``'s warnings reach ``aa`` at ``level``, everything else in full."""
    return f"sharing:\n  default: full\n  pairs:\n    - {{from: bb, to: [aa], rule: {level}}}\n"


def leaky(network: Network) -> Alert:
    """A warning of bb over aa's zone whose free text names a track and bb's radar."""
    alert = network.alert(f"EXERCISE: {MARKER} seen by Partner B radar")
    info = replace(alert.infos[0], description=f"track {MARKER}", sender_name="Partner B HQ")
    return replace(alert, source=f"bb radar {MARKER}", note=f"fused {MARKER}", infos=(info,))


def forbidden(alert: Alert, level: str) -> list[str]:
    """What a recipient at ``level`` may find nowhere in what it receives."""
    hidden = [MARKER, alert.identifier, "Partner B radar"]
    if level == "via_coordinator":
        hidden += [SENDERS["bb"], "Partner B HQ"]
    return hidden


def leaks(text: str, hidden: list[str]) -> list[str]:
    return [word for word in hidden if word in text]


@pytest.mark.parametrize(
    "coalition_extra",
    [sharing("zones_only"), sharing("via_coordinator")],
    ids=["zones_only", "via_coordinator"],
)
async def test_a_restricted_partner_gets_only_its_copy_on_every_channel_and_read(
    network: Network, coalition_extra: str
) -> None:
    """aa's webhook, e-mail, console (live and replayed), SMS, call and API reads all carry the
    redacted copy, known by a copy id that is not the warning's; the hub, at full, reads the
    warning as posted; the audit says which level."""
    level = "via_coordinator" if "via_coordinator" in coalition_extra else "zones_only"
    start = network.clock.now()
    alert = leaky(network)
    hidden = forbidden(alert, level)
    async with network.console("aa") as console:
        alert_id = await network.post(alert)
        listed = await network.client.get("/api/v1/alerts", headers=network.auth("aa"))
        [known_id] = [a["id"] for a in listed.json()]
        [live] = await console.events_of(known_id)
    assert known_id != alert_id
    [webhook] = await network.webhooks_to("/aa", 1)
    [mail] = await network.mails(1)
    await network.advance_to(start, 20)
    [sms] = await network.sms_about("EXERCISE")
    [call] = await network.calls(1)
    async with network.console("aa", last_event_id=live.id - 1) as replay:
        [replayed] = await replay.events_of(known_id)

    copy = cap.parse_xml(webhook.body)
    assert copy.identifier.startswith(RELAYED_PREFIX)
    assert copy.sender == (SENDERS["hub"] if level == "via_coordinator" else SENDERS["bb"])
    assert copy.status is Status.EXERCISE
    assert [a.area_desc for a in copy.infos[0].areas] == ["North district"]
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert sms.to == AA_DUTY_PHONE
    assert sms.body.startswith("EXERCISE")
    assert "EXERCISE" in call.twiml
    channels = {
        "webhook": webhook.body.decode(),
        "email": f"{mail['Subject']}\n{text.get_content()}\n{html.get_content()}",
        "console": json.dumps(live.data, ensure_ascii=False),
        "console replay": json.dumps(replayed.data, ensure_ascii=False),
        "sms": sms.body,
        "voice": call.twiml,
    }
    received = {**channels, **await api_reads(network, "aa", known_id)}
    # The warning's own id is a digest of its sender and identifier: aa could test a guess.
    found = {name: leaks(text, [*hidden, alert_id]) for name, text in received.items()}
    assert {name: words for name, words in found.items() if words} == {}
    for path in (f"/api/v1/alerts/{alert_id}", f"/api/v1/alerts/{alert_id}/acks"):
        by_own_id = await network.client.get(path, headers=network.auth("aa"))
        assert by_own_id.status_code == 404, path
    hub = await network.client.get(f"/api/v1/alerts/{alert_id}", headers=network.auth("hub"))
    assert hub.json()["cap"]["identifier"] == alert.identifier
    by_copy_id = await network.client.get(f"/api/v1/alerts/{known_id}", headers=network.auth("hub"))
    assert by_copy_id.status_code == 404
    assert MARKER in hub.text
    entries = [e for e in await network.node.store.events() if e.kind == "alert.redacted"]
    assert [(e.subject, e.partner_id, e.data["level"]) for e in entries] == [
        (alert_id, "aa", level)
    ]
    assert entries[0].data["identifier"] == copy.identifier
    assert entries[0].data["sources"] == ["bb"]


@pytest.mark.parametrize(
    "coalition_extra",
    [sharing("zones_only"), sharing("via_coordinator")],
    ids=["zones_only", "via_coordinator"],
)
async def test_a_partner_systems_ack_of_its_redacted_copy_acknowledges_the_warning(
    network: Network,
) -> None:
    """aa's system acknowledges the copy its webhook received, by the copy's identifier: the
    node takes it as aa's acknowledgement of the warning it stands for, and aa's escalation
    stops."""
    alert_id = await network.post(leaky(network))
    [webhook] = await network.webhooks_to("/aa", 1)
    copy = cap.parse_xml(webhook.body)
    assert copy.identifier.startswith(RELAYED_PREFIX)

    response = await network.client.post(
        "/api/v1/alerts",
        content=cap.emit_xml(network.ack(copy, by="aa")),
        headers={**network.auth("aa"), "Content-Type": "application/cap+xml"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["rule"] == "acknowledge"
    thread = await network.thread_of(alert_id)
    acknowledged = await network.node.store.acknowledgements(thread)
    assert [(a.partner_id, a.via.value) for a in acknowledged] == [("aa", "cap_ack")]
    timer = await network.timer(alert_id)
    assert timer.acknowledged_at is not None


@pytest.mark.parametrize("coalition_extra", [sharing("none")], ids=["none"])
async def test_a_withheld_partner_is_told_nothing_and_reads_nothing(network: Network) -> None:
    """With bb → aa ``none``, nothing is queued for aa, its reads answer as if the warning did
    not exist, and the audit records that it was withheld; aa's own warning still reaches it."""
    alert = leaky(network)
    alert_id = await network.post(alert)
    own = network.alert("EXERCISE: control", sender="aa")
    own_id = await network.post(own, by="aa")

    assert await network.notifications(alert_id) == []
    listed = await network.client.get("/api/v1/alerts", headers=network.auth("aa"))
    assert [a["id"] for a in listed.json()] == [own_id]
    for path in (f"/api/v1/alerts/{alert_id}", f"/api/v1/alerts/{alert_id}/acks"):
        response = await network.client.get(path, headers=network.auth("aa"))
        assert response.status_code == 404, path
    ack = await network.client.post(f"/api/v1/alerts/{alert_id}/ack", headers=network.auth("aa"))
    assert ack.status_code == 404
    acks = await network.client.get(
        "/api/v1/console/acks", params={"alert": alert_id}, headers=network.auth("aa")
    )
    assert acks.json() == {}
    assert MARKER not in listed.text
    withheld = [e for e in await network.node.store.events() if e.kind == "alert.withheld"]
    assert [(e.subject, e.partner_id, e.data["level"]) for e in withheld] == [
        (alert_id, "aa", "none")
    ]
    hub = await network.client.get("/api/v1/alerts", headers=network.auth("hub"))
    assert {a["id"] for a in hub.json()} == {alert_id, own_id}


async def api_reads(network: Network, partner: str, alert_id: str) -> dict[str, str]:
    """Everything the partner's token reads of the warning: list, JSON, XML, acks."""
    auth = network.auth(partner)
    listed = await network.client.get("/api/v1/alerts", headers=auth)
    as_json = await network.client.get(f"/api/v1/alerts/{alert_id}", headers=auth)
    as_xml = await network.client.get(
        f"/api/v1/alerts/{alert_id}", headers={**auth, "Accept": "application/cap+xml"}
    )
    acks = await network.client.get(f"/api/v1/alerts/{alert_id}/acks", headers=auth)
    responses = {"list": listed, "get json": as_json, "get xml": as_xml, "acks": acks}
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 200)
    assert [a["id"] for a in listed.json()] == [alert_id]
    assert as_json.json()["identifier"].startswith(RELAYED_PREFIX)
    return {name: r.text for name, r in responses.items()}


def observation(network: Network, track: str, lat: float = 32.1) -> dict[str, object]:
    """A drone west of aa-north flying east into it, reported now."""
    return {
        "id": f"obs-{track}",
        "sensor": f"radar-{track}",
        "time": network.clock.now().isoformat(),
        "position": {"lat": lat, "lon": 34.99, "altM": 300},
        "velocity": {"speedMps": 50, "headingDeg": 90},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": track,
    }


@pytest.mark.parametrize("coalition_extra", [sharing("zones_only")], ids=["zones_only"])
async def test_a_warning_issued_from_a_partners_observations_is_released_by_its_sources(
    network: Network,
) -> None:
    """The hub's warning from bb's report names bb as its source; aa, zones_only for bb, gets
    a copy without it, and sees no track among the threats, even once its own radar joins."""
    posted = await network.client.post(
        "/api/v1/observations", json=observation(network, "bb-trk-1"), headers=network.auth("bb")
    )
    assert posted.status_code == 200, posted.text
    [result] = posted.json()
    [issued_id] = result["issued"]
    [webhook] = await network.webhooks_to("/aa", 1)
    joined = await network.client.post(
        "/api/v1/observations",
        json=observation(network, "aa-trk-9", lat=32.1001),
        headers=network.auth("aa"),
    )
    assert joined.status_code == 200, joined.text

    hub = await network.client.get(f"/api/v1/alerts/{issued_id}", headers=network.auth("hub"))
    parameters = {
        (p["valueName"], p["value"]) for i in hub.json()["cap"]["info"] for p in i["parameter"]
    }
    assert ("tanbih:source", "bb") in parameters
    copy = cap.parse_xml(webhook.body)
    assert copy.sender == SENDERS["hub"]
    assert copy.identifier.startswith(RELAYED_PREFIX)
    kept = {p.value_name.split(":")[1] for i in copy.infos for p in i.parameters}
    assert kept == {"eta", "shelter_seconds"}
    listed = await network.client.get("/api/v1/alerts", headers=network.auth("aa"))
    [known_id] = [a["id"] for a in listed.json()]
    for text in (webhook.body.decode(), (await api_reads(network, "aa", known_id))["get json"]):
        assert "bb-trk-1" not in text
        assert result["threat"] not in text
    threats = {
        partner: (await network.client.get("/api/v1/threats", headers=network.auth(partner))).json()
        for partner in ("aa", "hub", "bb")
    }
    assert threats["aa"] == []
    assert [t["sources"] for t in threats["hub"]] == [["bb", "aa"]]
    assert [t["id"] for t in threats["bb"]] == [result["threat"]]


@pytest.mark.parametrize(
    "coalition_extra",
    ["sharing:\n  default: full\n  pairs:\n    - {from: hub, to: [aa], rule: none}\n"],
    ids=["hub-to-aa-none"],
)
async def test_an_update_resting_on_a_withheld_source_stops_the_partners_escalation(
    network: Network,
) -> None:
    """aa is told of bb's warning; bb's Update also rests on the hub's report, which aa may not
    have: aa is not told of it, its escalation for the event stops, the audit says why."""
    alert = network.alert()
    alert_id = await network.post(alert)
    await network.webhooks_to("/aa", 1)
    update = network.update(alert)
    info = update.infos[0]
    source = NamedValue(SOURCE_PARAMETER, "hub")
    update = replace(update, infos=(replace(info, parameters=(*info.parameters, source)),))
    update_id = await network.post(update)

    told = {(n.alert_id, n.recipient.partner_id) for n in await network.notifications(alert_id)}
    assert (alert_id, "aa") in told
    assert (update_id, "aa") not in told
    timer = await network.timer(alert_id)
    assert timer.stopped_at is not None
    assert timer.next_due_at is None
    withheld = [e for e in await network.node.store.events() if e.kind == "alert.withheld"]
    assert [(e.subject, e.partner_id, e.data["sources"]) for e in withheld] == [
        (update_id, "aa", ["bb", "hub"])
    ]
    response = await network.client.get(f"/api/v1/alerts/{update_id}", headers=network.auth("aa"))
    assert response.status_code == 404
