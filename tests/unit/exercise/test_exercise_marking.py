"""What each channel would send of an exercise message opens with EXERCISE: the words come
from the real composers (console, webhook CAP, e-mail subject, SMS text, spoken call)."""

from __future__ import annotations

import pytest
from tests.integration.channels.deliveries import ACTUAL_EN, make_delivery

from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelKind
from tanbih.exercise.channels import words_sent

KINDS = [
    (ChannelKind.CONSOLE, "il-duty"),
    (ChannelKind.WEBHOOK, "https://il.example/cap"),
    (ChannelKind.EMAIL, "duty@il.example.org"),
    (ChannelKind.SMS, "+447700900101"),
    (ChannelKind.VOICE, "+447700900101"),
]


@pytest.mark.parametrize(("kind", "address"), KINDS)
@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_every_channel_marks_exercise_traffic(
    kind: ChannelKind, address: str, language: str
) -> None:
    """Each channel's words for an Exercise message carry its marking, in every language."""
    text, marked = words_sent(kind, make_delivery(kind, address, language=language))
    assert marked, text
    assert "EXERCISE" in text.upper() or "Exercise" in text


def test_an_actual_message_is_not_marked_as_an_exercise() -> None:
    """Only Exercise traffic is marked: a real SMS carries no EXERCISE."""
    delivery = make_delivery(
        ChannelKind.SMS, "+447700900101", status=Status.ACTUAL, wording=ACTUAL_EN
    )
    text, marked = words_sent(ChannelKind.SMS, delivery)
    assert marked
    assert "EXERCISE" not in text.upper()
