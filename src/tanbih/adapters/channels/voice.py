"""The voice channel: a call through a carrier speaking the Twilio Calls API shape, with TwiML.

The call reads the warning in the contact's language (``<Say language="ar-SA|he-IL|en-US">``)
``repeat`` times, opened by the status word when not Actual, then asks "press 1 to
acknowledge" inside a ``<Gather numDigits="1">`` whose action is the node's
``/twilio/calls/gather?key=<notification key>``. Call progress (ringing, answered, busy,
no-answer, failed, completed) is reported to ``/twilio/calls/status?key=...``.

A call the carrier accepted (``201``, status ``queued``) counts as delivered; whether anyone
answered is learnt from the status callbacks, and an unacknowledged warning escalates anyway.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from tanbih.adapters.channels.channel_text import marked, phrases_for, primary_language
from tanbih.adapters.channels.settings import CallbackSettings, VoiceSettings
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.twilio_callbacks import CALL_STATUS_PATH, GATHER_PATH, callback_url
from tanbih.domain.notification import Delivery, DeliveryResult

STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
FALLBACK_SAY_LANGUAGE = "en-US"


def say_language(language: str, settings: VoiceSettings) -> str:
    """The ``<Say>`` language for a contact's language tag (``ar`` → ``ar-SA``)."""
    return settings.say_languages.get(primary_language(language), FALLBACK_SAY_LANGUAGE)


def call_twiml(delivery: Delivery, settings: VoiceSettings, gather_url: str | None) -> str:
    """The TwiML the call plays; without a ``gather_url`` it only reads the warning."""
    wording = delivery.wording
    phrases = phrases_for(wording.language)
    spoken = marked(wording.spoken, delivery.notification.status)
    response = ET.Element("Response")
    if gather_url is None:
        for _ in range(settings.repeat):
            _say(response, spoken, wording.language, settings)
        return _document(response)
    gather = ET.SubElement(
        response,
        "Gather",
        numDigits="1",
        action=gather_url,
        method="POST",
        timeout=str(settings.gather_seconds),
    )
    for _ in range(settings.repeat):
        _say(gather, spoken, wording.language, settings)
    _say(gather, phrases.voice_prompt, wording.language, settings)
    # Reached only when the callee pressed nothing before the Gather timed out.
    _say(response, phrases.voice_no_input, wording.language, settings)
    return _document(response)


def key_press_twiml(language: str, acknowledged: bool, settings: VoiceSettings) -> str:
    """The TwiML the node answers a ``<Gather>`` action with: thanks, or "not acknowledged"."""
    phrases = phrases_for(language)
    response = ET.Element("Response")
    _say(
        response,
        phrases.voice_thanks if acknowledged else phrases.voice_no_input,
        language,
        settings,
    )
    return _document(response)


class TwilioVoiceChannel:
    """Places one call per delivery through one carrier account."""

    def __init__(
        self, account: TwilioAccount, settings: VoiceSettings, callbacks: CallbackSettings | None
    ) -> None:
        self._account = account
        self._settings = settings
        self._callbacks = callbacks

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Ask the carrier to place the call; accepted (2xx) counts as delivered."""
        key = delivery.notification.key
        carrier = self._account.carrier
        form: dict[str, str | tuple[str, ...]] = {
            "To": delivery.notification.recipient.channel.address,
            "From": carrier.voice_from or carrier.sms_from,
            "Timeout": str(self._settings.ring_seconds),
        }
        gather_url = None
        if self._callbacks is not None:
            base = self._callbacks.base_url
            gather_url = callback_url(base, GATHER_PATH, key)
            form["StatusCallback"] = callback_url(base, CALL_STATUS_PATH, key)
            form["StatusCallbackMethod"] = "POST"
            form["StatusCallbackEvent"] = STATUS_EVENTS
        form["Twiml"] = call_twiml(delivery, self._settings, gather_url)
        return await self._account.create("Calls", form)


def _say(parent: ET.Element, text: str, language: str, settings: VoiceSettings) -> None:
    attributes = {"language": say_language(language, settings)}
    voice = settings.voices.get(primary_language(language))
    if voice is not None:
        attributes["voice"] = voice
    ET.SubElement(parent, "Say", attributes).text = text


def _document(response: ET.Element) -> str:
    return ET.tostring(response, encoding="unicode", xml_declaration=True)
