"""SMS length as tables: GSM-7 or UCS-2, segments, and fitting a warning into a few."""

from __future__ import annotations

import pytest

from tanbih.domain.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    SmsLength,
    encoding_of,
    fit,
    measure,
)

GSM7, UCS2 = Encoding.GSM7, Encoding.UCS2
HEBREW = "היכנסו למרחב המוגן"
ARABIC = "احتموا الآن"


def test_the_alphabet_tables_have_their_gsm_sizes() -> None:
    """128 default-alphabet codes less the escape, and the ten extension characters."""
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param("EXERCISE: take shelter now", GSM7, id="plain English"),
        pytest.param("Café Zürich £5 @ 10:00 ¿¡ Øresund ΔΣΩ", GSM7, id="accents and Greek"),
        pytest.param("Cost: 5€ [x] {y} ~z^ |a| \\b", GSM7, id="extension characters"),
        pytest.param("line one\nline two\r\n", GSM7, id="line breaks"),
        pytest.param("", GSM7, id="empty"),
        pytest.param("â", UCS2, id="a letter outside the default alphabet"),
        pytest.param("`backtick`", UCS2, id="the backtick is not GSM"),
        pytest.param("wait…", UCS2, id="the ellipsis character is not GSM"),
        pytest.param(HEBREW, UCS2, id="Hebrew"),
        pytest.param(ARABIC, UCS2, id="Arabic"),
        pytest.param("Reply 1234 ACK " + ARABIC, UCS2, id="one Arabic word turns it all"),
        pytest.param("take cover 🚨", UCS2, id="emoji"),
    ],
)
def test_encoding(text: str, encoding: Encoding) -> None:
    """GSM-7 only when every character is in the default alphabet or its extension."""
    assert encoding_of(text) is encoding


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a" * 160, SmsLength(GSM7, 160, 1), id="160 septets: one SMS"),
        pytest.param("a" * 161, SmsLength(GSM7, 161, 2), id="161 septets: two segments"),
        pytest.param("a" * 306, SmsLength(GSM7, 306, 2), id="2 x 153"),
        pytest.param("a" * 307, SmsLength(GSM7, 307, 3), id="2 x 153 + 1"),
        pytest.param("€" * 80, SmsLength(GSM7, 160, 1), id="extension characters count double"),
        pytest.param("€" * 81, SmsLength(GSM7, 162, 2), id="81 euro signs: two segments"),
        pytest.param(
            "a" * 152 + "€" + "a" * 152,
            SmsLength(GSM7, 306, 3),
            id="an escape pair is never split across segments",
        ),
        pytest.param("ש" * 70, SmsLength(UCS2, 70, 1), id="70 Hebrew letters: one SMS"),
        pytest.param("ش" * 71, SmsLength(UCS2, 71, 2), id="71 Arabic letters: two segments"),
        pytest.param("ش" * 134, SmsLength(UCS2, 134, 2), id="2 x 67"),
        pytest.param("ש" * 135, SmsLength(UCS2, 135, 3), id="2 x 67 + 1"),
        pytest.param("🚨" * 35, SmsLength(UCS2, 70, 1), id="an emoji takes two UTF-16 units"),
        pytest.param(
            "ש" * 66 + "🚨" + "ש" * 66,
            SmsLength(UCS2, 134, 3),
            id="a surrogate pair is never split across segments",
        ),
        pytest.param("", SmsLength(GSM7, 0, 1), id="empty: still one SMS"),
    ],
)
def test_measure(text: str, expected: SmsLength) -> None:
    """Units and segments: 160/153 septets for GSM-7, 70/67 UTF-16 units for UCS-2."""
    assert measure(text) == expected


REPLY_EN = "Reply 1234 ACK to acknowledge"
REPLY_HE = "לאישור השיבו 1234 ACK"
LONG_EN = (
    "EXERCISE: Hostile UAV approaching from the east, expected over the northern valleys "
    "within four minutes; take shelter in the protected space and stay there until the all "
    "clear is given by the Home Front Command"
)
LONG_HE = (
    "תרגיל · EXERCISE: כלי טיס עוין חדר מכיוון מזרח וצפוי לחלוף מעל העמקים הצפוניים "
    "בתוך ארבע דקות; היכנסו למרחב המוגן ושהו בו עד להודעה חדשה"
)
LONG_AR = (
    "تمرين · EXERCISE: طائرة مسيّرة معادية تقترب من الشرق ومن المتوقع أن تعبر فوق "
    "الوديان الشمالية خلال أربع دقائق؛ احتموا في المكان المحمي وابقوا فيه حتى إشعار آخر"
)


def test_a_short_warning_is_sent_whole() -> None:
    """Headline and instruction that fit are joined by a line break, nothing cut."""
    assert (
        fit("EXERCISE: take shelter now", REPLY_EN, 1) == f"EXERCISE: take shelter now\n{REPLY_EN}"
    )


@pytest.mark.parametrize(
    ("headline", "reply", "segments", "encoding", "ellipsis"),
    [
        pytest.param(LONG_EN, REPLY_EN, 1, GSM7, "...", id="English in one SMS"),
        pytest.param(LONG_HE, REPLY_HE, 1, UCS2, "…", id="Hebrew in one SMS"),
        pytest.param(LONG_AR, "للتأكيد أرسل 1234 ACK", 2, UCS2, "…", id="Arabic in two"),
    ],
)
def test_a_long_headline_is_cut_at_a_word_with_an_ellipsis(
    headline: str, reply: str, segments: int, encoding: Encoding, ellipsis: str
) -> None:
    """The headline loses its last words, not the instruction nor the exercise marker."""
    text = fit(headline, reply, segments)
    kept, instruction = text.split("\n")
    assert instruction == reply
    assert kept.endswith(ellipsis)
    assert headline.startswith(kept.removesuffix(ellipsis))
    assert headline[len(kept) - len(ellipsis)] == " "
    assert kept.split()[:3] == headline.split()[:3]
    length = measure(text)
    assert (length.encoding, length.segments <= segments) == (encoding, True)


def test_the_cut_keeps_as_many_words_as_fit() -> None:
    """One more word would not fit: the cut is the longest that does."""
    text = fit(LONG_EN, REPLY_EN, 1)
    kept = text.split("\n")[0].removesuffix("...")
    next_word = LONG_EN[len(kept) :].split(maxsplit=1)[0]
    assert measure(f"{kept} {next_word}...\n{REPLY_EN}").segments > 1


def test_a_latin_headline_stays_gsm_after_the_cut() -> None:
    """The GSM-7 ellipsis '...' keeps an English SMS at 160 characters, not 70."""
    assert encoding_of(fit(LONG_EN, REPLY_EN, 1)) is GSM7


def test_one_endless_word_is_cut_by_characters() -> None:
    """With no word boundary that fits, the headline is cut inside its word."""
    text = fit("EXERCISE:" + "x" * 300, REPLY_EN, 1)
    assert measure(text).segments == 1
    assert text.startswith("EXERCISE:xxx")
    assert text.endswith(f"...\n{REPLY_EN}")


def test_more_segments_keep_more_of_the_headline() -> None:
    """Allowing two segments sends the long English headline whole."""
    assert fit(LONG_EN, REPLY_EN, 2) == f"{LONG_EN}\n{REPLY_EN}"


@pytest.mark.parametrize("segments", [0, -1])
def test_no_segment_at_all_is_a_mistake(segments: int) -> None:
    """At least one segment must be allowed."""
    with pytest.raises(ValueError, match="at least one"):
        fit("x", "y", segments)


def test_an_instruction_too_long_for_the_segments_is_a_mistake() -> None:
    """If the instruction alone does not fit, no cut of the headline can help."""
    with pytest.raises(ValueError, match="instruction"):
        fit("EXERCISE: shelter", "ש" * 80, 1)
