"""The request to respond as CAP: private to the partner asked, no more than zones and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.response_request import is_request, request_identifier, request_message

T0 = datetime(2026, 11, 29, 18, 0, 0, 250_000, tzinfo=UTC)
DUE = T0 + timedelta(seconds=60)
JO = Area("Jordan", geocodes=(NamedValue("tanbih:zone", "jo-territory"),))
SA = Area("Saudi Arabia (north)", geocodes=(NamedValue("tanbih:zone", "sa-territory.1"),))


def info(language: str, areas: tuple[Area, ...], zone_ids: tuple[str, ...]) -> Info:
    """A warning's info for ``areas``, with the parameters an issued warning carries."""
    timing = [
        value
        for zone in zone_ids
        for value in (
            NamedValue(f"tanbih:eta:{zone}", "2026-11-29T18:05:00+00:00"),
            NamedValue(f"tanbih:shelter_seconds:{zone}", "90"),
        )
    ]
    return Info(
        categories=(Category.SECURITY,),
        event="Hostile UAV" if language == "en" else "طائرة مسيرة",
        urgency=Urgency.IMMEDIATE,
        severity=Severity.EXTREME,
        certainty=Certainty.OBSERVED,
        language=language,
        response_types=(ResponseType.SHELTER,),
        event_codes=(NamedValue("tanbih:threat_class", "uav"), NamedValue("tanbih:track", "x")),
        expires=T0 + timedelta(minutes=30),
        headline="take shelter",
        description="from il-northern-radar-2",
        parameters=(
            NamedValue("tanbih:threat", "t1"),
            NamedValue("tanbih:source", "il"),
            *timing,
        ),
        areas=areas,
    )


def warning(status: Status = Status.ACTUAL) -> Alert:
    """A warning with two stages' infos in English and one in Arabic."""
    return Alert(
        identifier="hub@coord.example.org:t1:1",
        sender="hub@coord.example.org",
        sent=T0,
        status=status,
        msg_type=MsgType.ALERT,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        source="il-northern-radar-2",
        note="EXERCISE EXERCISE EXERCISE: tanbih threat t1" if status is Status.EXERCISE else None,
        incidents="t1",
        infos=(
            info("en", (JO,), ("jo-territory",)),
            info("en", (SA,), ("sa-territory.1",)),
            info("ar", (JO, SA), ("jo-territory", "sa-territory.1")),
        ),
    )


def request(status: Status = Status.ACTUAL) -> Alert:
    return request_message(
        warning(status), threat_id="t1", partner_id="sa", number=2, due_at=DUE, now=T0
    )


def test_the_request_is_private_to_the_partner_asked() -> None:
    """Scope Private, addressed to the partner, sent by the warning's sender, whole seconds."""
    sent = request()
    assert (sent.scope, sent.addresses, sent.restriction) == (Scope.PRIVATE, "sa", None)
    assert sent.identifier == request_identifier("hub@coord.example.org", "t1", 2)
    assert sent.identifier == "hub@coord.example.org:t1:respond:2"
    assert (sent.sender, sent.msg_type, sent.incidents) == (
        "hub@coord.example.org",
        MsgType.ALERT,
        "t1",
    )
    assert sent.sent == T0.replace(microsecond=0)
    assert sent.source is None


def test_one_info_per_language_holds_every_zone_of_that_language() -> None:
    """The warning's per-stage infos are merged: each language once, its areas and times."""
    sent = request()
    assert [i.language for i in sent.infos] == ["en", "ar"]
    for merged in sent.infos:
        assert merged.areas == (JO, SA)
        assert merged.response_types == (ResponseType.EXECUTE,)
        assert merged.urgency is Urgency.IMMEDIATE
        assert merged.expires == T0 + timedelta(minutes=30)


def test_the_request_carries_zones_times_and_class_only() -> None:
    """No source, track, sensor or free text of the warning passes into the request."""
    for merged in request().infos:
        names = [p.value_name for p in merged.parameters]
        assert names == [
            "tanbih:threat",
            "tanbih:eta:jo-territory",
            "tanbih:shelter_seconds:jo-territory",
            "tanbih:eta:sa-territory.1",
            "tanbih:shelter_seconds:sa-territory.1",
        ]
        assert [(c.value_name, c.value) for c in merged.event_codes] == [
            ("tanbih:respond", "request"),
            ("tanbih:threat_class", "uav"),
        ]
        assert merged.description is None


@pytest.mark.parametrize(
    ("status", "english", "arabic"),
    [
        (Status.ACTUAL, "Request to respond: Hostile UAV", "طلب استجابة: طائرة مسيرة"),
        (
            Status.EXERCISE,
            "EXERCISE: Request to respond: Hostile UAV",
            "تمرين: طلب استجابة: طائرة مسيرة",
        ),
    ],
)
def test_headlines_say_what_is_asked_and_mark_an_exercise_first(
    status: Status, english: str, arabic: str
) -> None:
    """Each language's headline opens with the exercise word when the traffic is Exercise."""
    en, ar = request(status).infos
    assert (en.headline or "").startswith(english)
    assert (ar.headline or "").startswith(arabic)
    assert "18:01:00 UTC" in (en.instruction or "")
    assert request(status).status is status


def test_an_exercise_request_keeps_the_exercise_note() -> None:
    """Exercise traffic is marked in the note too; actual traffic has none."""
    assert request(Status.EXERCISE).note == "EXERCISE EXERCISE EXERCISE: tanbih threat t1"
    assert request(Status.ACTUAL).note is None


def test_a_request_is_told_from_a_warning() -> None:
    """The event code marks requests; the warning has none."""
    assert is_request(request())
    assert not is_request(warning())
