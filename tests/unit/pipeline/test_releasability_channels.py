"""The releasability property, end to end through the node's own code: over random matrices and
warnings resting on several partners' reports, what each channel actually sends a recipient
(webhook body as CAP XML and as JSON, e-mail subject and parts, SMS text, call TwiML, Apprise
title and body, console event as streamed and as replayed) and what the partner's token reads
(alerts list, the message as JSON and as CAP XML) holds nothing the matrix forbids it.

Deliveries go through ``PrepareDelivery`` on an in-memory store, as the dispatcher prepares
them; each channel renders its payload with its own code (the webhook's as the signed request
it would post, Apprise's call caught by a patch).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from datetime import timedelta
from email.header import decode_header, make_header
from functools import partial
from unittest.mock import patch

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.integration.store.samples import accepted, transition
from tests.unit.domain.redaction_samples import (
    RELAY,
    SENT,
    TOKEN_LETTERS,
    Leaky,
    Party,
    forbidden_strings,
    leaky_alert,
    model_violations,
    party,
)

from tanbih import cap
from tanbih.adapters.channels import apprise_channel
from tanbih.adapters.channels.apprise_channel import AppriseChannel
from tanbih.adapters.channels.email import compose_email
from tanbih.adapters.channels.settings import VoiceSettings, WebhookFormat, WebhookSettings
from tanbih.adapters.channels.sms import sms_text
from tanbih.adapters.channels.voice import call_twiml
from tanbih.adapters.channels.webhook import IDEMPOTENCY_HEADER, WebhookRequest, signed_request
from tanbih.adapters.console_stream import CONSOLE_EVENT, ConsoleChannel, ConsoleHub
from tanbih.adapters.memory_store import MemoryStore
from tanbih.api.alerts import AlertSummary, released_json
from tanbih.api.console_sse import sse
from tanbih.cap.signature import sign
from tanbih.cli.keys import new_key_pair
from tanbih.domain.agreement import Agreement
from tanbih.domain.cap import MsgType, NamedValue, ResponseType, Scope, Status
from tanbih.domain.coalition import (
    ChannelAddress,
    ChannelKind,
    Coalition,
    NodeIdentity,
    Partner,
    Role,
)
from tanbih.domain.lifecycle import Stage, thread_id_of
from tanbih.domain.notification import (
    Delivery,
    DeliveryOutcome,
    DeliveryResult,
    Recipient,
    notification_key,
)
from tanbih.domain.provenance import SOURCE_PARAMETER
from tanbih.domain.records import AlertRecord
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet, release
from tanbih.domain.threat import ThreatClass
from tanbih.errors import WithheldError
from tanbih.pipeline.notify_plan import notification_for
from tanbih.pipeline.prepare import PrepareDelivery
from tanbih.pipeline.release import Releasability, relay_for

tokens = st.text(TOKEN_LETTERS, min_size=6, max_size=6).map(lambda t: "QZ" + t)
levels = st.sampled_from(Level)
# The node's partner, the coordinator: what ``via_coordinator`` copies are issued as.
HUB = Party("QZHUBHUB", RELAY.sender, RELAY.name or "")
SECRET = b"property-test-node-secret-of-32-bytes!"
KEY, CERTIFICATE = new_key_pair(HUB.id, "hub-1", now=SENT - timedelta(days=1), days=30)
SIGN = partial(sign, key=KEY, certificate=CERTIFICATE)


class StillClock:
    def now(self):  # type: ignore[no-untyped-def]
        return SENT


@dataclass(frozen=True)
class Situation:
    """A coalition with its matrix, a stored warning, and the partner receiving it."""

    coalition: Coalition
    leaky: Leaky
    record: AlertRecord
    sources: frozenset[str]
    recipient: str
    language: str


@st.composite
def matrices(draw: st.DrawFn, partners: list[str]) -> SharingMatrix:
    """A random matrix over ``partners``: a base sheet and overrides for some statuses."""
    pairs = st.tuples(st.sampled_from(partners), st.sampled_from(partners))

    def sheet(default: st.SearchStrategy[Level | None]) -> st.SearchStrategy[SharingSheet]:
        return st.builds(SharingSheet.of, default, st.lists(st.tuples(pairs, levels)))

    overrides = st.dictionaries(st.sampled_from(Status), sheet(st.none() | levels), max_size=3)
    return SharingMatrix(draw(sheet(levels)), draw(overrides))


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """A warning issued by this node from several partners' reports, or posted by a partner,
    naming its sources in ``tanbih:source`` parameters; a recipient and its language."""
    ids = draw(st.lists(tokens.filter(lambda t: t != HUB.id), min_size=2, max_size=5, unique=True))
    partners = [party(token) for token in ids]
    sources = draw(st.lists(st.sampled_from(partners), min_size=1, max_size=4, unique=True))
    issuer = draw(st.sampled_from([HUB, *partners]))
    languages = draw(st.lists(st.sampled_from(["en", "ar", "he"]), min_size=1, unique=True))
    leaky = leaky_alert(
        issuer,
        sources,
        draw(st.lists(st.from_regex(r"zone-[a-z]{1,6}", fullmatch=True), min_size=1, max_size=3)),
        marker=draw(tokens),
        status=draw(st.sampled_from(Status)),
        msg_type=draw(st.sampled_from([MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL])),
        threat_class=draw(st.sampled_from([*ThreatClass, "QZJUNK"])),
        languages=languages,
        response=draw(st.sampled_from([*ResponseType])),
    )
    named = tuple(NamedValue(SOURCE_PARAMETER, s.id) for s in sources)
    infos = tuple(replace(i, parameters=(*i.parameters, *named)) for i in leaky.alert.infos)
    # A Private message is for the partners its addresses name (and its poster) alone.
    scope = draw(st.sampled_from([Scope.RESTRICTED, Scope.PRIVATE]))
    addressed = draw(st.lists(st.sampled_from([HUB.id, *ids]), min_size=1, unique=True))
    addresses = " ".join(addressed) if scope is Scope.PRIVATE else None
    restriction = "coalition members only" if scope is Scope.RESTRICTED else None
    alert = replace(
        leaky.alert, infos=infos, scope=scope, addresses=addresses, restriction=restriction
    )
    leaky = replace(leaky, alert=alert)
    # This node's warnings rest on the partners they name; a partner's also on the partner.
    rests_on = {s.id for s in sources} | ({issuer.id} if issuer != HUB else set())
    coalition = Coalition(
        name="property",
        version="1",
        node=NodeIdentity(HUB.id, HUB.sender),
        partners=(
            Partner(HUB.id, HUB.name, Role.COORDINATOR, ("en",), (HUB.sender,)),
            *(Partner(p.id, p.name, Role.PARTNER, ("en",), (p.sender,)) for p in partners),
        ),
        agreement=Agreement(
            version="1",
            title="property",
            parties=(HUB.id, *ids),
            sharing=draw(matrices([HUB.id, *ids])),
        ),
    )
    alert = leaky.alert
    record = AlertRecord(
        key=alert.key,
        status=alert.status,
        msg_type=alert.msg_type,
        thread_id=thread_id_of(alert.references[0] if alert.references else alert.key),
        stage=Stage.TAKE_SHELTER,
        expires=SENT + timedelta(minutes=30),
        received_at=SENT,
        partner_id=issuer.id,
        xml=cap.emit_xml(alert),
    )
    recipient = draw(st.sampled_from([HUB.id, *ids]))
    return Situation(
        coalition, leaky, record, frozenset(rests_on), recipient, draw(st.sampled_from(languages))
    )


def forbidden(situation: Situation, level: Level) -> set[str]:
    """What the recipient may find nowhere.

    The coordinator's own names are what a ``via_coordinator`` copy is issued under, and a
    ``zones_only`` copy keeps its issuer's sender, so the API may name the issuing partner.
    """
    hidden = forbidden_strings(situation.leaky, level)
    issuer = situation.leaky.issuer
    if issuer == HUB:
        hidden -= {HUB.id, HUB.sender, HUB.name}
    if level is Level.ZONES_ONLY:
        hidden.discard(issuer.id)
    return hidden


def original_keys(record_id: str) -> set[str]:
    """The idempotency keys the recipient's notifications would have under the original id."""
    return {
        notification_key(
            record_id, "contact", ChannelAddress(kind, f"https://{kind.value}.partner.example/to")
        )
        for kind in ChannelKind
    }


async def received(situation: Situation, releasability: Releasability) -> dict[str, str] | None:
    """Every payload each channel sends the recipient, and every API read of its token;
    ``None`` when every channel refused to prepare the delivery (withheld)."""
    store = MemoryStore()
    record = situation.record
    level = releasability.level_of(record, situation.recipient)
    notifications = [
        notification_for(
            record,
            Recipient(
                situation.recipient,
                "contact",
                ChannelAddress(kind, f"https://{kind.value}.partner.example/to"),
                situation.language,
            ),
            SENT,
            timedelta(minutes=5),
            releasability.known_id(record, level),
        )
        for kind in ChannelKind
    ]
    await store.record(record, transition(record), accepted(record), notifications=notifications)
    clock = StillClock()
    prepare = PrepareDelivery(store, clock, SECRET, "https://node.example", releasability)  # type: ignore[arg-type]
    deliveries: dict[ChannelKind, Delivery] = {}
    withheld = 0
    for notification in notifications:
        try:
            deliveries[notification.recipient.channel.kind] = await prepare(notification)
        except WithheldError:
            withheld += 1
    if withheld:
        assert withheld == len(ChannelKind), "a message is withheld on every channel or none"
        return None
    payloads = {
        "email": _email(deliveries[ChannelKind.EMAIL]),
        "sms": sms_text(deliveries[ChannelKind.SMS], max_segments=10),
        "voice": call_twiml(deliveries[ChannelKind.VOICE], VoiceSettings(), "https://n/gather"),
        "apprise": await _apprise(deliveries[ChannelKind.APPRISE]),
    }
    for format in WebhookFormat:
        body, key = _webhook(deliveries[ChannelKind.WEBHOOK], format)
        payloads[f"webhook {format}"] = body
        payloads[f"webhook {format} idempotency key"] = key
    console = ConsoleChannel(store, ConsoleHub(), clock)  # type: ignore[arg-type]
    result = await console.send(deliveries[ChannelKind.CONSOLE])
    assert result.outcome is DeliveryOutcome.DELIVERED
    [logged] = [e for e in await store.events() if e.kind == CONSOLE_EVENT]
    payloads["console"] = sse(logged)
    alert = cap.parse_xml(record.xml)
    copy = releasability.copy_for(record, alert, situation.recipient)
    summary = AlertSummary.released(releasability, record, situation.recipient)
    assert copy is not None
    assert summary is not None
    payloads["api list"] = summary.model_dump_json(by_alias=True)
    document = released_json(releasability, record, copy, situation.recipient)
    payloads["api json"] = json.dumps(document, ensure_ascii=False)
    payloads["api xml"] = copy.xml.decode()
    return payloads


def _email(delivery: Delivery) -> str:
    message = compose_email(delivery, "tanbih <alerts@node.example>", "node.example")
    parts = [str(make_header(decode_header(message["Subject"])))]
    for part in message.walk():
        body = part.get_payload(decode=True)
        if isinstance(body, bytes):
            parts.append(body.decode("utf-8"))
    return "\n".join(parts)


async def _apprise(delivery: Delivery) -> str:
    sent: list[str] = []

    async def notify(url: str, title: str, body: str, deadline: float) -> DeliveryResult:
        sent.append(f"{title}\n{body}")
        return DeliveryResult(DeliveryOutcome.DELIVERED)

    with patch.object(apprise_channel, "notify", notify):
        await AppriseChannel(timeout=1.0).send(delivery)
    return "\n".join(sent)


def _webhook(delivery: Delivery, format: WebhookFormat) -> tuple[str, str]:
    """The body the webhook posts, and its idempotency key."""
    settings = WebhookSettings(secret="webhook-secret", format=format)
    request = signed_request(delivery, settings, timestamp=0)
    assert isinstance(request, WebhookRequest), request
    return request.body.decode(), request.headers[IDEMPOTENCY_HEADER]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_no_channel_and_no_read_gives_a_recipient_what_the_matrix_forbids(
    situation: Situation,
) -> None:
    """Withheld on every channel and read, or received only as the copy its level allows."""
    coalition = situation.coalition
    releasability = Releasability(coalition, relay_for(coalition, SECRET), SIGN)
    assert coalition.agreement is not None
    alert, record, recipient = situation.leaky.alert, situation.record, situation.recipient
    level = release(coalition.agreement.sharing, situation.sources, recipient, record.status)
    addressed = (alert.addresses or "").split()
    if alert.scope is Scope.PRIVATE and recipient not in (*addressed, record.partner_id):
        level = Level.NONE
    event(f"level {level}")
    payloads = asyncio.run(received(situation, releasability))
    if level is Level.NONE:
        assert payloads is None
        assert AlertSummary.released(releasability, situation.record, situation.recipient) is None
        return
    assert payloads is not None
    if level is Level.FULL:
        assert payloads["api xml"] == situation.record.xml.decode()
        return
    copy = cap.parse_xml(payloads["webhook cap+xml"].encode())
    assert model_violations(copy, level) == []
    assert "Signature" in payloads["webhook cap+xml"]
    # Nor the original's id, or an idempotency key made from it: a recipient could hash a
    # guessed source's sender and identifier and compare.
    record_id = situation.record.id
    hidden = forbidden(situation, level) | {record_id} | original_keys(record_id)
    leaks = {name: sorted(s for s in hidden if s in text) for name, text in payloads.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
