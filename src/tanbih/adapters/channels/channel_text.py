"""Words the channels add around a message's own wording, and the guard on its marking.

``Wording`` arrives already in the contact's language and already marked when the message is
not Actual. Channels still check the marking at the last moment before anything leaves the
node, because traffic that is not Actual must never be presented as Actual: ``marked`` puts
the status word first if the wording forgot it.

The phrases here are the channels' own chrome (the acknowledgement link's label, the SMS reply
instruction, the voice key prompt) in the languages the coalition works in; other languages
fall back to English.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanbih.domain.cap import Status

MARKING_WINDOW = 3
"""The status word must be among this many leading words ("رسالة نظام · SYSTEM" is three)."""
_PUNCTUATION = ":;-–—·.,!?()[]|/\\\"'«»"


def marking_word(status: Status) -> str | None:
    """The word that must open every text of a message with this status, if any."""
    return None if status is Status.ACTUAL else status.value.upper()


def is_marked(text: str, status: Status) -> bool:
    """Whether ``text`` carries the status word among its first words (or needs none)."""
    word = marking_word(status)
    if word is None:
        return True
    # Punctuation between words ("تمرين · EXERCISE:") is not a word.
    words = [token.strip(_PUNCTUATION) for token in text.upper().split()]
    return word in [w for w in words if w][:MARKING_WINDOW]


def marked(text: str, status: Status) -> str:
    """``text`` as it must leave the node: opened by the status word when not Actual."""
    if is_marked(text, status):
        return text
    return f"{marking_word(status)}: {text}"


@dataclass(frozen=True, slots=True)
class Phrases:
    """The channels' own words in one language; ``{code}`` is the acknowledgement code."""

    acknowledge_link: str
    sms_reply: str
    voice_prompt: str
    voice_thanks: str
    voice_no_input: str
    right_to_left: bool = False


_PHRASES = {
    "en": Phrases(
        acknowledge_link="Acknowledge receipt",
        sms_reply="Reply {code} ACK to acknowledge",
        voice_prompt="Press 1 to acknowledge.",
        voice_thanks="Acknowledged. Thank you.",
        voice_no_input="No key was pressed. This warning is not acknowledged.",
    ),
    "ar": Phrases(
        acknowledge_link="تأكيد الاستلام",
        sms_reply="للتأكيد أرسل {code} ACK",
        voice_prompt="اضغط 1 لتأكيد الاستلام.",
        voice_thanks="تم التأكيد. شكرا.",
        voice_no_input="لم يتم الضغط على أي مفتاح. لم يتم تأكيد هذا التحذير.",
        right_to_left=True,
    ),
    "he": Phrases(
        acknowledge_link="אישור קבלה",
        sms_reply="לאישור השיבו {code} ACK",
        voice_prompt="הקישו 1 לאישור קבלה.",
        voice_thanks="הקבלה אושרה. תודה.",
        voice_no_input="לא הוקש מקש. ההתרעה לא אושרה.",
        right_to_left=True,
    ),
}


def primary_language(tag: str) -> str:
    """The primary subtag of a language tag, lower-case (``ar-SA`` → ``ar``)."""
    return tag.split("-", maxsplit=1)[0].lower()


def phrases_for(language: str) -> Phrases:
    """The channel phrases for a language tag, English when we have none for it."""
    return _PHRASES.get(primary_language(language), _PHRASES["en"])
