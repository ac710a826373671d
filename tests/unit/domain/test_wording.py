"""The words of a message: the reader's language, and exercise traffic marked in every field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.notification import Wording
from tanbih.domain.wording import mark, marker, pick_info, word

SENT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HEADLINES = {
    "en-US": "Hostile UAV approaching, take shelter",
    "he-IL": "כלי טיס עוין מתקרב, היכנסו למרחב המוגן",
    "ar-SA": "طائرة مسيرة معادية تقترب، احتموا",
}
INSTRUCTIONS = {
    "en-US": "Stay in the protected space for ten minutes",
    "he-IL": "הישארו במרחב המוגן עשר דקות",
    "ar-SA": "ابقوا في المكان المحمي عشر دقائق",
}


def info(language: str, headline: str | None = None, areas: int = 2) -> Info:
    """An info block in ``language`` with its headline, instruction and ``areas`` areas."""
    return Info(
        categories=(Category.SECURITY,),
        event="Hostile UAV",
        urgency=Urgency.IMMEDIATE,
        severity=Severity.SEVERE,
        certainty=Certainty.OBSERVED,
        language=language,
        headline=headline if headline is not None else HEADLINES[language],
        instruction=INSTRUCTIONS[language],
        expires=datetime(2026, 11, 30, 12, 30, tzinfo=UTC),
        areas=tuple(Area(f"Zone {n}") for n in range(1, areas + 1)),
    )


def alert(
    status: Status = Status.ACTUAL,
    msg_type: MsgType = MsgType.ALERT,
    infos: tuple[Info, ...] | None = None,
) -> Alert:
    """An alert in English, Hebrew and Arabic (or ``infos``)."""
    return Alert(
        identifier="a-1",
        sender="hfc@il.example.org",
        sent=SENT,
        status=status,
        msg_type=msg_type,
        scope=Scope.RESTRICTED,
        note="Sensor fault, no threat",
        infos=infos if infos is not None else tuple(info(lang) for lang in HEADLINES),
    )


def fields(wording: Wording) -> dict[str, str]:
    """The four texts of a wording."""
    return {
        "subject": wording.subject,
        "headline": wording.headline,
        "body": wording.body,
        "spoken": wording.spoken,
    }


MARKERS = [
    (Status.EXERCISE, "en", "EXERCISE"),
    (Status.EXERCISE, "he", "תרגיל · EXERCISE"),
    (Status.EXERCISE, "ar", "تمرين · EXERCISE"),
    (Status.TEST, "en", "TEST"),
    (Status.TEST, "he", "בדיקה · TEST"),
    (Status.TEST, "ar", "اختبار · TEST"),
    (Status.SYSTEM, "en", "SYSTEM"),
    (Status.SYSTEM, "ar", "نظام · SYSTEM"),
    (Status.DRAFT, "he", "טיוטה · DRAFT"),
    (Status.EXERCISE, "fr", "EXERCISE"),
]


@pytest.mark.parametrize(
    ("status", "language", "opening"),
    [pytest.param(s, lang, o, id=f"{s.value}-{lang}") for s, lang, o in MARKERS],
)
def test_every_field_of_traffic_that_is_not_actual_opens_with_its_marker(
    status: Status, language: str, opening: str
) -> None:
    """Subject, headline, body and spoken text all begin with the status word(s)."""
    for name, text in fields(word(alert(status), language)).items():
        assert text.startswith(f"{opening}: "), name


@pytest.mark.parametrize(("status", "language", "opening"), MARKERS)
def test_the_english_status_word_is_among_the_first_three_words(
    status: Status, language: str, opening: str
) -> None:
    """Channels check for the English status word in the first words; it is always there."""
    for text in fields(word(alert(status), language)).values():
        leading = [token.strip(":·") for token in text.split()[:3]]
        assert status.value.upper() in leading


@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_actual_traffic_is_not_marked(language: str) -> None:
    """An Actual message reads as written: no status word added."""
    wording = word(alert(), language)
    chosen = next(lang for lang in HEADLINES if lang.startswith(language))
    assert wording.headline == HEADLINES[chosen]
    assert marker(Status.ACTUAL, language) is None


def test_the_spoken_text_says_the_marker_again_at_the_end() -> None:
    """A listener who missed the start of the call hears EXERCISE at its end too."""
    spoken = word(alert(Status.EXERCISE), "he").spoken
    assert spoken == (
        f"תרגיל · EXERCISE: {HEADLINES['he-IL']}. {INSTRUCTIONS['he-IL']}. תרגיל · EXERCISE."
    )
    actual = word(alert(), "en").spoken
    assert actual == f"{HEADLINES['en-US']}. {INSTRUCTIONS['en-US']}."


@pytest.mark.parametrize(
    ("status", "written", "language", "expected"),
    [
        pytest.param(
            Status.EXERCISE,
            "EXERCISE: take shelter",
            "en",
            "EXERCISE: take shelter",
            id="the sender's marker is not repeated",
        ),
        pytest.param(
            Status.EXERCISE,
            "תרגיל: היכנסו למרחב המוגן",
            "he",
            "תרגיל · EXERCISE: היכנסו למרחב המוגן",
            id="the sender's Hebrew marker becomes the full one",
        ),
        pytest.param(
            Status.EXERCISE,
            "EXERCISE EXERCISE EXERCISE - exercise: take shelter",
            "en",
            "EXERCISE: take shelter",
            id="repeated markers collapse into one",
        ),
        pytest.param(
            Status.TEST,
            "Testing the sirens",
            "en",
            "TEST: Testing the sirens",
            id="only whole words count as a marker",
        ),
        pytest.param(
            Status.TEST,
            "EXERCISE: take shelter",
            "en",
            "TEST: EXERCISE: take shelter",
            id="another status's word is left alone",
        ),
        pytest.param(
            Status.ACTUAL,
            "EXERCISE area closed",
            "en",
            "EXERCISE area closed",
            id="Actual text is never touched",
        ),
    ],
)
def test_mark(status: Status, written: str, language: str, expected: str) -> None:
    """Marking replaces a marker the text already opens with instead of doubling it."""
    assert mark(written, status, language) == expected


def test_a_headline_marked_by_its_sender_is_marked_once_in_the_subject() -> None:
    """The subject of an exercise Update carries the marker once, then the message type."""
    infos = (info("en-US", "EXERCISE: take shelter now"),)
    wording = word(alert(Status.EXERCISE, MsgType.UPDATE, infos), "en")
    assert wording.subject == "EXERCISE: UPDATE: take shelter now"
    assert wording.body.count("EXERCISE") == 1


@pytest.mark.parametrize(
    ("language", "chosen"),
    [
        pytest.param("he", "he-IL", id="primary subtag match"),
        pytest.param("ar-EG", "ar-SA", id="regional variants match by primary subtag"),
        pytest.param("fr", "en-US", id="no French: English"),
    ],
)
def test_the_info_in_the_readers_language_is_used(language: str, chosen: str) -> None:
    """The reader's language, else English; the wording says which language it is in."""
    wording = word(alert(), language)
    assert wording.language == chosen
    assert wording.headline == HEADLINES[chosen]


def test_without_english_the_first_info_is_used() -> None:
    """An alert with neither the reader's language nor English is worded from its first info."""
    only_hebrew = alert(infos=(info("he-IL"), info("ar-SA")))
    assert pick_info(only_hebrew, "fr") == info("he-IL")
    assert word(only_hebrew, "fr").language == "he-IL"


@pytest.mark.parametrize(
    ("language", "update_word"), [("en", "UPDATE"), ("he", "עדכון"), ("ar", "تحديث")]
)
def test_an_update_says_so_in_its_subject(language: str, update_word: str) -> None:
    """An Update's subject names the message type in the reader's language."""
    subject = word(alert(msg_type=MsgType.UPDATE), language).subject
    assert subject.startswith(f"{update_word}: ")


def test_a_cancel_without_info_still_says_what_it_is() -> None:
    """A Cancel with no info block: a fixed 'cancelled' headline, the note in the body."""
    cancel = alert(Status.EXERCISE, MsgType.CANCEL, infos=())
    wording = word(cancel, "he")
    assert wording.headline == "תרגיל · EXERCISE: ההתרעה בוטלה"
    assert wording.subject == "תרגיל · EXERCISE: ביטול: ההתרעה בוטלה"
    assert wording.body.endswith("Sensor fault, no threat")
    assert wording.language == "he"


def test_the_body_lists_areas_and_the_expiry() -> None:
    """The body gives the instruction, the areas by name and when the warning expires."""
    body = word(alert(), "en").body
    assert body.split("\n\n") == [
        HEADLINES["en-US"],
        INSTRUCTIONS["en-US"],
        "Areas: Zone 1, Zone 2",
        "Valid until: 2026-11-30 12:30+00:00",
    ]


def test_many_areas_are_counted_not_all_named() -> None:
    """Past twelve areas the body names twelve and counts the rest."""
    many = alert(infos=(info("he-IL", areas=20),))
    area_line = word(many, "he").body.split("\n\n")[2]
    assert area_line == "אזורים: " + ", ".join(f"Zone {n}" for n in range(1, 13)) + " (+8)"


def test_an_info_without_headline_is_worded_by_its_event() -> None:
    """Without a headline, the event names the warning."""
    plain = alert(infos=(replace(info("en-US"), headline=None),))
    assert word(plain, "en").headline == "Hostile UAV"
