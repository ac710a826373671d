"""What a Twilio-shaped carrier posts back to the node, read into small values; and the check
that it really came from the carrier (``X-Twilio-Signature``).

Pure functions over the form fields and the URL the carrier called; the API wires them to
routes under the node's callback base URL:

====================================  ================================  =====================
path                                  carrier sends                     read with
====================================  ================================  =====================
``/twilio/messages/status?key=K``     SMS delivery receipts             ``read_message_status``
``/twilio/messages/inbound``          replies ("1234 ACK"); set as the  ``read_inbound_sms``
                                      number's messaging webhook
``/twilio/calls/status?key=K``        call progress, busy, no-answer    ``read_call_status``
``/twilio/calls/gather?key=K``        the key pressed (DTMF)            ``read_key_press``
====================================  ================================  =====================

``K`` is the notification key the channel put in the URL. Every request must pass
``valid_twilio_signature`` with the carrier's auth token and the exact URL it called (as the
carrier saw it: scheme, host and query included) before it is believed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
MESSAGE_STATUS_PATH = "/twilio/messages/status"
INBOUND_SMS_PATH = "/twilio/messages/inbound"
CALL_STATUS_PATH = "/twilio/calls/status"
GATHER_PATH = "/twilio/calls/gather"
ACK_DIGIT = "1"


def callback_url(base_url: str, path: str, key: str) -> str:
    """The URL a carrier calls back for one notification."""
    return f"{base_url.rstrip('/')}{path}?key={quote(key, safe='')}"


class CallStatus(StrEnum):
    """Twilio's ``CallStatus``."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def unreached(self) -> bool:
        """Whether the call ended without anyone answering it."""
        return self in {
            CallStatus.BUSY,
            CallStatus.NO_ANSWER,
            CallStatus.FAILED,
            CallStatus.CANCELED,
        }


class MessageStatus(StrEnum):
    """Twilio's ``MessageStatus`` for outbound messages."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    CANCELED = "canceled"

    @property
    def undelivered(self) -> bool:
        """Whether the message will not reach the phone."""
        return self in {MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.CANCELED}


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A callback that lacks a field or carries a value we do not know."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class MessageStatusReport:
    """A delivery receipt for one SMS."""

    message_sid: str
    status: MessageStatus
    to: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class InboundSms:
    """An SMS a contact sent to the node's number; ``ack_code`` is the code it carries."""

    message_sid: str
    sender: str
    to: str
    body: str
    ack_code: str | None


@dataclass(frozen=True, slots=True)
class CallStatusReport:
    """Where one call stands; ``duration`` in seconds once it is over."""

    call_sid: str
    status: CallStatus
    to: str
    duration: int | None = None


@dataclass(frozen=True, slots=True)
class KeyPress:
    """The digits a callee pressed in answer to the prompt; ``acknowledged`` if it was 1."""

    call_sid: str
    digits: str
    sender: str
    to: str

    @property
    def acknowledged(self) -> bool:
        """Whether the callee pressed the acknowledgement key."""
        return self.digits == ACK_DIGIT


def read_message_status(form: Mapping[str, str]) -> MessageStatusReport | Unreadable:
    """An SMS status callback (``MessageSid``, ``MessageStatus``, ``To``, ``ErrorCode``)."""
    missing = _missing(form, "MessageSid", "MessageStatus")
    if missing:
        return missing
    try:
        status = MessageStatus(form["MessageStatus"])
    except ValueError:
        return Unreadable("MessageStatus", f"unknown status {form['MessageStatus']!r}")
    error = form.get("ErrorCode") or None
    return MessageStatusReport(form["MessageSid"], status, form.get("To", ""), error)


def read_inbound_sms(form: Mapping[str, str]) -> InboundSms | Unreadable:
    """An incoming SMS (``MessageSid``, ``From``, ``To``, ``Body``) and its acknowledgement code."""
    missing = _missing(form, "MessageSid", "From")
    if missing:
        return missing
    body = form.get("Body", "")
    return InboundSms(form["MessageSid"], form["From"], form.get("To", ""), body, reply_code(body))


def read_call_status(form: Mapping[str, str]) -> CallStatusReport | Unreadable:
    """A call status callback (``CallSid``, ``CallStatus``, ``To``, ``CallDuration``)."""
    missing = _missing(form, "CallSid", "CallStatus")
    if missing:
        return missing
    try:
        status = CallStatus(form["CallStatus"])
    except ValueError:
        return Unreadable("CallStatus", f"unknown status {form['CallStatus']!r}")
    duration_text = form.get("CallDuration", "")
    duration = int(duration_text) if duration_text.isdigit() else None
    return CallStatusReport(form["CallSid"], status, form.get("To", ""), duration)


def read_key_press(form: Mapping[str, str]) -> KeyPress | Unreadable:
    """A ``<Gather>`` action request (``CallSid``, ``Digits``, ``From``, ``To``)."""
    missing = _missing(form, "CallSid")
    if missing:
        return missing
    return KeyPress(
        form["CallSid"], form.get("Digits", ""), form.get("From", ""), form.get("To", "")
    )


_CODE = re.compile(r"\d+")


def reply_code(body: str) -> str | None:
    """The first run of digits in a reply ("1234 ACK", "ack ١٢٣٤"), as ASCII digits."""
    found = _CODE.search(body)
    if found is None:
        return None
    # Arabic-Indic and other script digits arrive from Arabic keyboards.
    return "".join(str(unicodedata.digit(c)) for c in found.group())


def twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]
) -> str:
    """Twilio's signature: base64 HMAC-SHA1 over the URL then each ``name + value``, sorted."""
    pairs = params.items() if isinstance(params, Mapping) else params
    data = url + "".join(name + value for name, value in sorted(set(pairs)))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_twilio_signature(
    auth_token: str,
    url: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    signature: str | None,
) -> bool:
    """Whether ``signature`` is the carrier's for this URL and form, as Twilio's libraries judge.

    Like them, the URL is tried as given and with its default port added or removed, because
    proxies disagree on whether ``:443`` is part of the URL the carrier called.
    """
    if not signature:
        return False
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    offered = signature.encode("utf-8")
    checks = [
        hmac.compare_digest(twilio_signature(auth_token, candidate, pairs).encode("ascii"), offered)
        for candidate in _port_variants(url)
    ]
    return any(checks)


def _port_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port is None and default is not None:
        other = parts._replace(netloc=f"{parts.netloc}:{default}")
    elif parts.port == default:
        other = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    else:
        return [url]
    return [url, urlunsplit(other)] if host else [url]


def _missing(form: Mapping[str, str], *names: str) -> Unreadable | None:
    for name in names:
        if not form.get(name):
            return Unreadable(name, "missing")
    return None
