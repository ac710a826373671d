"""The voice channel against the fake carrier speaking the Twilio Calls API, DTMF included."""

from __future__ import annotations

from types import MappingProxyType
from xml.etree import ElementTree as ET

import aiohttp
import pytest
from tests.fakes.carrier import Failure, FakeCarrier, PlacedCall
from tests.fakes.receiver import Receiver
from tests.integration.channels.deliveries import ACTUAL_EN, WORDINGS, DeliveryFactory

from tanbih.adapters.channels.settings import CallbackSettings, CarrierSettings, VoiceSettings
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.twilio_callbacks import (
    CallStatus,
    CallStatusReport,
    KeyPress,
    read_call_status,
    read_key_press,
    valid_twilio_signature,
)
from tanbih.adapters.channels.voice import TwilioVoiceChannel, key_press_twiml
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome

CONTACT = "+447700900102"
NODE_VOICE = "+12025550198"


def voice_channel(
    client: aiohttp.ClientSession,
    fake: FakeCarrier,
    base_url: str,
    callbacks_base: str | None,
    settings: VoiceSettings | None = None,
) -> TwilioVoiceChannel:
    """The voice channel on the fake carrier's account."""
    carrier = CarrierSettings(
        name="fake",
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        sms_from="+12025550199",
        voice_from=NODE_VOICE,
        base_url=base_url,
    )
    callbacks = CallbackSettings(callbacks_base) if callbacks_base else None
    account = TwilioAccount(client, carrier, deadline=2.0)
    return TwilioVoiceChannel(account, settings or VoiceSettings(), callbacks)


def says(call: PlacedCall) -> list[tuple[str, str]]:
    """Every ``<Say>`` of the call's TwiML in order: (language, text)."""
    root = ET.fromstring(call.twiml)  # noqa: S314 -- TwiML the channel under test wrote
    return [(say.attrib["language"], say.text or "") for say in root.iter("Say")]


async def test_call_reads_the_exercise_warning_twice_in_hebrew_then_asks_for_key_1(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
) -> None:
    """A Hebrew contact hears the marked warning twice in he-IL, then "press 1" in a Gather."""
    fake, base = carrier
    _, callbacks_base = carrier_callbacks
    sent = delivery(ChannelKind.VOICE, CONTACT, language="he")
    result = await voice_channel(http_client, fake, base, callbacks_base).send(sent)
    (call,) = await fake.wait_for_calls(1)
    key = sent.notification.key
    gather = ET.fromstring(call.twiml).find("Gather")  # noqa: S314 -- our own TwiML
    spoken = "EXERCISE: תרגיל. כלי טיס עוין מתקרב. היערכו לכניסה למרחב מוגן."
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert result.provider_id == call.sid
    assert (call.to, call.sender, call.timeout) == (CONTACT, NODE_VOICE, "30")
    assert gather is not None
    assert gather.attrib["numDigits"] == "1"
    assert call.gather_action == f"{callbacks_base}/twilio/calls/gather?key={key}"
    assert call.status_callback == f"{callbacks_base}/twilio/calls/status?key={key}"
    assert call.status_events == ("initiated", "ringing", "answered", "completed")
    assert says(call) == [
        ("he-IL", spoken),
        ("he-IL", spoken),
        ("he-IL", "הקישו 1 לאישור קבלה."),
        ("he-IL", "לא הוקש מקש. ההתרעה לא אושרה."),
    ]


@pytest.mark.parametrize(
    ("language", "say_language"), [("ar", "ar-SA"), ("en", "en-US"), ("he-IL", "he-IL")]
)
async def test_say_language_follows_the_contact(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    language: str,
    say_language: str,
) -> None:
    """ar → ar-SA, en → en-US, he-IL → he-IL; the first word spoken is "exercise" in any case."""
    fake, base = carrier
    lookup = language.split("-", maxsplit=1)[0]
    sent = delivery(ChannelKind.VOICE, CONTACT, language=language, wording=WORDINGS[lookup])
    await voice_channel(http_client, fake, base, None).send(sent)
    (call,) = await fake.wait_for_calls(1)
    spoken = says(call)
    assert {lang for lang, _ in spoken} == {say_language}
    assert spoken[0][1].upper().startswith("EXERCISE")


async def test_without_callbacks_the_call_only_reads_the_warning(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """With no callback URL there is nowhere to send a key press: no Gather, no prompt."""
    fake, base = carrier
    await voice_channel(http_client, fake, base, None).send(delivery(ChannelKind.VOICE, CONTACT))
    (call,) = await fake.wait_for_calls(1)
    assert "<Gather" not in call.twiml
    assert call.status_callback is None
    assert len(says(call)) == 2


async def test_actual_call_is_not_marked_and_uses_configured_voice(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """An Actual warning is read as worded, with the voice the settings name for English."""
    fake, base = carrier
    settings = VoiceSettings(voices=MappingProxyType({"en": "Polly.Joanna"}), repeat=3)
    sent = delivery(ChannelKind.VOICE, CONTACT, status=Status.ACTUAL, wording=ACTUAL_EN)
    await voice_channel(http_client, fake, base, None, settings).send(sent)
    (call,) = await fake.wait_for_calls(1)
    root = ET.fromstring(call.twiml)  # noqa: S314 -- our own TwiML
    assert [say.text for say in root.iter("Say")] == [ACTUAL_EN.spoken] * 3
    assert {say.attrib["voice"] for say in root.iter("Say")} == {"Polly.Joanna"}


async def test_key_1_reaches_the_gather_action_signed_as_an_acknowledgement(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
) -> None:
    """Pressing 1 posts Digits=1 to the Gather action, signed; it reads as acknowledged."""
    fake, base = carrier
    callbacks, callbacks_base = carrier_callbacks
    sent = delivery(ChannelKind.VOICE, CONTACT)
    await voice_channel(http_client, fake, base, callbacks_base).send(sent)
    (call,) = await fake.wait_for_calls(1)
    await fake.press(call, "1")
    (request,) = await callbacks.wait_for(1)
    press = read_key_press(request.form)
    signature = request.headers["x-twilio-signature"]
    assert valid_twilio_signature(fake.auth_token, request.url, request.form_pairs, signature)
    assert request.url == call.gather_action
    assert press == KeyPress(call.sid, "1", NODE_VOICE, CONTACT)
    assert isinstance(press, KeyPress)
    assert press.acknowledged


async def test_other_key_is_not_an_acknowledgement(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
) -> None:
    """Pressing 9 reaches the node but does not acknowledge."""
    fake, base = carrier
    callbacks, callbacks_base = carrier_callbacks
    await voice_channel(http_client, fake, base, callbacks_base).send(
        delivery(ChannelKind.VOICE, CONTACT)
    )
    (call,) = await fake.wait_for_calls(1)
    await fake.press(call, "9")
    (request,) = await callbacks.wait_for(1)
    press = read_key_press(request.form)
    assert isinstance(press, KeyPress)
    assert not press.acknowledged


@pytest.mark.parametrize(
    ("status", "duration", "unreached"),
    [
        ("busy", None, True),
        ("no-answer", None, True),
        ("failed", None, True),
        ("completed", 42, False),
    ],
)
async def test_call_status_callbacks_arrive_signed_and_read_as_reports(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
    status: str,
    duration: int | None,
    unreached: bool,
) -> None:
    """Busy, no-answer and failed read as unreached; completed carries its duration."""
    fake, base = carrier
    callbacks, callbacks_base = carrier_callbacks
    await voice_channel(http_client, fake, base, callbacks_base).send(
        delivery(ChannelKind.VOICE, CONTACT)
    )
    (call,) = await fake.wait_for_calls(1)
    await fake.send_call_status(call, status, duration)
    (request,) = await callbacks.wait_for(1)
    report = read_call_status(request.form)
    signature = request.headers["x-twilio-signature"]
    assert valid_twilio_signature(fake.auth_token, request.url, request.form_pairs, signature)
    assert report == CallStatusReport(call.sid, CallStatus(status), CONTACT, duration)
    assert isinstance(report, CallStatusReport)
    assert report.status.unreached is unreached


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (Failure(503), DeliveryOutcome.RETRY),
        (
            Failure(400, 21215, "Geo Permission configuration is not permitting call"),
            DeliveryOutcome.FAILED,
        ),
    ],
)
async def test_carrier_refusing_the_call_is_classified(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    failure: Failure,
    outcome: DeliveryOutcome,
) -> None:
    """A 503 from the Calls API is retried; a 400 fails with the carrier's code."""
    fake, base = carrier
    fake.fail_next(failure)
    result = await voice_channel(http_client, fake, base, None).send(
        delivery(ChannelKind.VOICE, CONTACT)
    )
    assert result.outcome is outcome
    assert str(failure.code) in (result.error or "")
    assert fake.calls == []


@pytest.mark.parametrize(
    ("language", "acknowledged", "expected"),
    [
        ("en", True, ("en-US", "Acknowledged. Thank you.")),
        ("ar", True, ("ar-SA", "تم التأكيد. شكرا.")),
        ("he", False, ("he-IL", "לא הוקש מקש. ההתרעה לא אושרה.")),
    ],
)
def test_key_press_answer_speaks_the_contacts_language(
    language: str, acknowledged: bool, expected: tuple[str, str]
) -> None:
    """The TwiML answering a key press thanks the callee, or says nothing was acknowledged."""
    root = ET.fromstring(key_press_twiml(language, acknowledged, VoiceSettings()))  # noqa: S314
    (say,) = root.iter("Say")
    assert (say.attrib["language"], say.text) == expected
