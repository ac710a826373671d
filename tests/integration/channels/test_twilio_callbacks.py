"""Reading carrier callbacks and checking X-Twilio-Signature (pure functions, Twilio's vectors)."""

from __future__ import annotations

import pytest

from tanbih.adapters.channels.twilio_callbacks import (
    CallStatus,
    InboundSms,
    Unreadable,
    callback_url,
    read_call_status,
    read_inbound_sms,
    read_key_press,
    read_message_status,
    reply_code,
    twilio_signature,
    valid_twilio_signature,
)

# The worked example of Twilio's request-validation documentation and SDK tests.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOCUMENTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_signature_matches_twilios_documented_example() -> None:
    """Our HMAC-SHA1 scheme reproduces the signature Twilio documents for its example."""
    assert twilio_signature(TOKEN, URL, PARAMS) == DOCUMENTED
    assert valid_twilio_signature(TOKEN, URL, PARAMS, DOCUMENTED)


def test_repeated_fields_are_signed_as_twilios_sdks_sign_them() -> None:
    """A field sent several times is signed value by value, sorted, duplicates once."""
    pairs = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    assert twilio_signature(TOKEN, URL, pairs) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", True),
        ("https://mycompany.com/myapp.php?foo=1&bar=2&extra=1", False),
        ("https://mycompany.com:8443/myapp.php?foo=1&bar=2", False),
    ],
)
def test_default_port_is_tolerated_but_any_other_url_change_is_not(url: str, valid: bool) -> None:
    """An explicit :443 still validates (proxies differ); another query or port does not."""
    assert valid_twilio_signature(TOKEN, url, PARAMS, DOCUMENTED) is valid


@pytest.mark.parametrize(
    "signature", [None, "", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "invalid 王", DOCUMENTED.lower()]
)
def test_missing_or_wrong_signature_is_refused(signature: str | None) -> None:
    """No header, a truncated, non-ASCII or re-cased signature: all refused, none raising."""
    assert not valid_twilio_signature(TOKEN, URL, PARAMS, signature)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("4821 ACK", "4821"),
        ("ack 4821", "4821"),
        ("  4821", "4821"),
        ("٤٨٢١ ACK", "4821"),
        ("۴۸۲۱", "4821"),
        ("0042 ack", "0042"),
        ("ACK", None),
        ("", None),
    ],
)
def test_reply_code_is_read_from_any_script_of_digits(body: str, code: str | None) -> None:
    """The first run of digits is the code, Arabic-Indic digits read as ASCII, zeros kept."""
    assert reply_code(body) == code


@pytest.mark.parametrize(
    ("reader", "form", "field"),
    [
        (read_message_status, {"MessageStatus": "delivered"}, "MessageSid"),
        (read_message_status, {"MessageSid": "SM1", "MessageStatus": "lost"}, "MessageStatus"),
        (read_call_status, {"CallSid": "CA1"}, "CallStatus"),
        (read_call_status, {"CallSid": "CA1", "CallStatus": "exploded"}, "CallStatus"),
        (read_key_press, {"Digits": "1"}, "CallSid"),
        (read_inbound_sms, {"MessageSid": "SM1", "Body": "1 ACK"}, "From"),
    ],
)
def test_callback_missing_a_field_or_with_an_unknown_status_is_unreadable(
    reader: object, form: dict[str, str], field: str
) -> None:
    """A callback the node cannot act on says which field is wrong instead of raising."""
    assert callable(reader)
    result = reader(form)
    assert isinstance(result, Unreadable)
    assert result.field == field


def test_inbound_sms_without_a_code_is_read_with_none() -> None:
    """A reply without digits is still a readable message, just not an acknowledgement."""
    reply = read_inbound_sms({"MessageSid": "SM1", "From": "+447700900101", "Body": "who is this?"})
    assert reply == InboundSms("SM1", "+447700900101", "", "who is this?", None)


def test_call_status_without_duration_reads_none() -> None:
    """A ringing call has no CallDuration yet; an odd duration is ignored, not trusted."""
    ringing = read_call_status({"CallSid": "CA1", "CallStatus": "ringing", "CallDuration": "x"})
    assert not isinstance(ringing, Unreadable)
    assert ringing.status is CallStatus.RINGING
    assert ringing.duration is None


def test_callback_url_carries_the_notification_key_escaped() -> None:
    """The key rides in the query, percent-encoded, under the base URL without double slashes."""
    url = callback_url("https://node.example/hooks/", "/twilio/calls/gather", "a/b c")
    assert url == "https://node.example/hooks/twilio/calls/gather?key=a%2Fb%20c"
