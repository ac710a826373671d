"""SMS length: GSM-7 or UCS-2, how many segments a text takes, and fitting a warning into some.

A text made only of characters of the GSM 03.38 default alphabet and its extension table goes
as GSM-7: 160 septets in one SMS, 153 per segment when concatenated (the user data header takes
the rest); an extension character (``€ [ ] { } ^ ~ | \\`` and form feed) takes two septets, an
escape and itself, which are never split across segments. Any other character (all of Arabic
and Hebrew) makes the whole text UCS-2: 70 UTF-16 units in one SMS, 67 per segment, with a
character outside the Basic Multilingual Plane taking two units, never split either.

:func:`fit` builds the SMS of a warning: the headline, a line break, the reply instruction. When
that takes more segments than allowed, the headline is cut at a word boundary and ends in an
ellipsis; the instruction is never cut (without it nobody can acknowledge), nor the headline's
first words (where an exercise is marked).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (127 characters: 0x1B is the escape, not a character)."""

GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""The GSM 03.38 extension table: each character is sent as escape + itself, two septets."""


class Encoding(StrEnum):
    """How an SMS's characters are sent."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


_SINGLE = {Encoding.GSM7: 160, Encoding.UCS2: 70}
_PART = {Encoding.GSM7: 153, Encoding.UCS2: 67}
# "…" is not in GSM-7: a Latin headline cut with it would turn the whole SMS into UCS-2 and
# halve what fits.
_ELLIPSIS = {Encoding.GSM7: "...", Encoding.UCS2: "…"}


@dataclass(frozen=True, slots=True)
class SmsLength:
    """A text's encoding, its length in that encoding's units, and the segments it takes."""

    encoding: Encoding
    units: int
    segments: int


def encoding_of(text: str) -> Encoding:
    """GSM-7 if every character is in the default alphabet or its extension, else UCS-2."""
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)
    return Encoding.GSM7 if gsm else Encoding.UCS2


def measure(text: str) -> SmsLength:
    """How long ``text`` is as an SMS; the empty text still takes one segment."""
    encoding = encoding_of(text)
    widths = [_width(c, encoding) for c in text]
    units = sum(widths)
    if units <= _SINGLE[encoding]:
        return SmsLength(encoding, units, 1)
    segments, used = 1, 0
    for width in widths:
        if used + width > _PART[encoding]:
            segments, used = segments + 1, 0
        used += width
    return SmsLength(encoding, units, segments)


def fit(headline: str, instruction: str, max_segments: int) -> str:
    """The SMS ``headline`` + line break + ``instruction`` in at most ``max_segments``.

    Raises ``ValueError`` if even the instruction with an ellipsis for the headline does not
    fit: a configuration mistake, not a property of one alert.
    """
    if max_segments < 1:
        raise ValueError("an SMS takes at least one segment")
    text = f"{headline}\n{instruction}"
    if measure(text).segments <= max_segments:
        return text
    for cut in _cuts(headline):
        kept = headline[:cut].rstrip()
        ellipsis = _ELLIPSIS[encoding_of(f"{kept}\n{instruction}")]
        candidate = f"{kept}{ellipsis}\n{instruction}"
        if measure(candidate).segments <= max_segments:
            return candidate
    raise ValueError(f"the reply instruction alone does not fit in {max_segments} segment(s)")


def _cuts(headline: str) -> list[int]:
    """Where the headline may be cut, longest first: before a space, then anywhere."""
    words = [i for i in range(len(headline) - 1, 0, -1) if headline[i].isspace()]
    # When no word boundary leaves enough room (one very long first word), cut characters.
    return [*words, *range(len(headline) - 1, -1, -1)]


def _width(character: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if character in GSM7_EXTENSION else 1
    return 2 if ord(character) > 0xFFFF else 1
