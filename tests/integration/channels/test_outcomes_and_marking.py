"""The HTTP status table every HTTP channel shares, and the marking guard every channel applies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
import pytest

from tanbih.adapters.channels.channel_text import is_marked, marked, phrases_for
from tanbih.adapters.channels.http_outcome import (
    HttpAnswer,
    classify_status,
    response_result,
    retry_after_seconds,
    transport_result,
)
from tanbih.domain.cap import Status
from tanbih.domain.notification import DeliveryOutcome

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RETRY, FAILED, DELIVERED = DeliveryOutcome.RETRY, DeliveryOutcome.FAILED, DeliveryOutcome.DELIVERED


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, DELIVERED),
        (202, DELIVERED),
        (204, DELIVERED),
        (101, FAILED),
        (302, FAILED),
        (400, FAILED),
        (401, FAILED),
        (403, FAILED),
        (404, FAILED),
        (408, RETRY),
        (409, FAILED),
        (413, FAILED),
        (422, FAILED),
        (425, RETRY),
        (429, RETRY),
        (500, RETRY),
        (502, RETRY),
        (503, RETRY),
        (504, RETRY),
        (599, RETRY),
    ],
)
def test_status_table(status: int, outcome: DeliveryOutcome) -> None:
    """2xx delivered; 408, 425, 429 and 5xx retried; every other status fails for good."""
    assert classify_status(status) is outcome


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sun, 01 Mar 2026 09:01:30 GMT", 90.0),
        ("Sun, 01 Mar 2026 08:59:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date(value: str, seconds: float | None) -> None:
    """Retry-After is delta-seconds or an HTTP-date; a past date means now; junk is ignored."""
    assert retry_after_seconds(value, NOW) == seconds


def test_refusal_keeps_the_receivers_words_and_provider_id() -> None:
    """A 4xx result names the status, the reason phrase and what the receiver said."""

    def read(answer: HttpAnswer) -> tuple[str, str]:
        body = json.loads(answer.body)
        return body["sid"], body["message"]

    answer = HttpAnswer(422, "Unprocessable Entity", {}, b'{"sid": "X1", "message": "bad area"}')
    result = response_result(answer, read, NOW)
    assert result.outcome is FAILED
    assert result.provider_id == "X1"
    assert result.error == "HTTP 422 Unprocessable Entity: bad area"


@pytest.mark.parametrize(
    ("exc", "outcome", "words"),
    [
        (aiohttp.ClientOSError(111, "refused"), RETRY, "connection failed"),
        (aiohttp.ServerDisconnectedError(), RETRY, "connection failed"),
        (aiohttp.SocketTimeoutError("slow"), RETRY, "timeout"),
        (TimeoutError(), RETRY, "timeout"),
        (aiohttp.ClientPayloadError("cut"), RETRY, "ClientPayloadError"),
        (aiohttp.NonHttpUrlClientError("ftp://example.com/cap"), FAILED, "bad URL"),
        (aiohttp.InvalidUrlClientError("http://"), FAILED, "bad URL"),
        (UnicodeError("label empty or too long"), FAILED, "bad URL"),
    ],
)
def test_transport_errors_are_retried_except_bad_urls(
    exc: Exception, outcome: DeliveryOutcome, words: str
) -> None:
    """No response at all is worth a retry, unless the URL itself can never work."""
    result = transport_result(exc)
    assert result.outcome is outcome
    assert (result.error or "").startswith(words)


@pytest.mark.parametrize(
    ("text", "status", "expected"),
    [
        ("EXERCISE: take shelter", Status.EXERCISE, "EXERCISE: take shelter"),
        ("Exercise. Take shelter.", Status.EXERCISE, "Exercise. Take shelter."),
        ("[EXERCISE] take shelter", Status.EXERCISE, "[EXERCISE] take shelter"),
        ("EXERCISE · תרגיל: היכנסו", Status.EXERCISE, "EXERCISE · תרגיל: היכנסו"),
        ("تمرين: احتموا الآن", Status.EXERCISE, "EXERCISE: تمرين: احتموا الآن"),
        ("تمرين · EXERCISE: احتموا الآن", Status.EXERCISE, "تمرين · EXERCISE: احتموا الآن"),
        ("رسالة نظام · SYSTEM: اختبار", Status.SYSTEM, "رسالة نظام · SYSTEM: اختبار"),
        ("take shelter now", Status.EXERCISE, "EXERCISE: take shelter now"),
        ("a b c EXERCISE", Status.EXERCISE, "EXERCISE: a b c EXERCISE"),
        ("«EXERCISE» take shelter", Status.EXERCISE, "«EXERCISE» take shelter"),
        ("take shelter now", Status.TEST, "TEST: take shelter now"),
        ("EXERCISE: take shelter", Status.TEST, "TEST: EXERCISE: take shelter"),
        ("take shelter now", Status.SYSTEM, "SYSTEM: take shelter now"),
        ("take shelter now", Status.DRAFT, "DRAFT: take shelter now"),
        ("take shelter now", Status.ACTUAL, "take shelter now"),
    ],
)
def test_marking_guard_puts_the_status_word_first_unless_already_there(
    text: str, status: Status, expected: str
) -> None:
    """Non-Actual text must show its status in the first three words; Actual is untouched."""
    assert marked(text, status) == expected
    assert is_marked(marked(text, status), status)


@pytest.mark.parametrize(
    ("language", "rtl"), [("ar", True), ("he-IL", True), ("en", False), ("fr", False)]
)
def test_channel_phrases_fall_back_to_english(language: str, rtl: bool) -> None:
    """Arabic and Hebrew have their own right-to-left phrases; other languages get English."""
    phrases = phrases_for(language)
    assert phrases.right_to_left is rtl
    assert "{code}" in phrases.sms_reply
    if language == "fr":
        assert phrases == phrases_for("en")
