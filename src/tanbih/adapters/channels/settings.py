"""How the node's channels are configured: one frozen value, filled from the coalition file
or the environment by the composition root, and read only by ``registry.build_channels``.

Secrets (SMTP password, carrier auth tokens, webhook secrets) live here in memory only; the
``repr`` of each value hides them so a logged setting never leaks one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"  # plain SMTP; only for a relay on the same host or a test server
    STARTTLS = "starttls"  # upgrade after connecting, usually port 587
    TLS = "tls"  # TLS from the first byte, usually port 465


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The SMTP relay the e-mail channel hands messages to."""

    host: str
    sender: str  # the From address, e.g. "tanbih <alerts@node.example>"
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    validate_certs: bool = True
    timeout: float = 10.0  # seconds for the whole SMTP conversation


@dataclass(frozen=True, slots=True)
class CarrierSettings:
    """One carrier account speaking the Twilio REST API shape (Twilio itself, or a look-alike).

    ``base_url`` is the API root without the version (``https://api.twilio.com``). Voice
    calls go out from ``voice_from`` (default: ``sms_from``); a carrier without voice sets
    ``voice=False``.
    """

    name: str
    account_sid: str
    auth_token: str = field(repr=False)
    sms_from: str
    base_url: str = "https://api.twilio.com"
    voice_from: str | None = None
    voice: bool = True


class WebhookFormat(StrEnum):
    """What a webhook receiver is sent: the CAP XML as signed, or its JSON mirror."""

    CAP_XML = "cap+xml"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class PartnerWebhook:
    """One partner's webhook terms; unset fields fall back to the global ones."""

    secret: str | None = field(default=None, repr=False)
    format: WebhookFormat | None = None


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Secrets and formats for webhook deliveries, globally and per partner id.

    A partner with no secret of its own and no global secret gets no webhook at all: a
    delivery to it fails permanently rather than going out unsigned.
    """

    secret: str | None = field(default=None, repr=False)
    format: WebhookFormat = WebhookFormat.CAP_XML
    partners: Mapping[str, PartnerWebhook] = field(default_factory=lambda: MappingProxyType({}))

    def secret_for(self, partner_id: str) -> str | None:
        """The secret a delivery to ``partner_id`` is signed with."""
        own = self.partners.get(partner_id)
        return own.secret if own is not None and own.secret is not None else self.secret

    def format_for(self, partner_id: str) -> WebhookFormat:
        """The body format a delivery to ``partner_id`` is sent in."""
        own = self.partners.get(partner_id)
        return own.format if own is not None and own.format is not None else self.format


@dataclass(frozen=True, slots=True)
class CallbackSettings:
    """Where carriers call the node back: the public base URL of its carrier endpoints.

    Per-delivery callbacks carry the notification key as ``?key=``; see
    ``twilio_callbacks.CallbackPaths`` for the paths under ``base_url``.
    """

    base_url: str


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """How calls speak: the Twilio ``<Say>`` language per primary language, and voices."""

    say_languages: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"ar": "ar-SA", "he": "he-IL", "en": "en-US"})
    )
    voices: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    repeat: int = 2  # the warning is read this many times before the key prompt
    gather_seconds: int = 10  # how long the call waits for a key after the prompt
    ring_seconds: int = 30  # how long the phone rings before the carrier gives up


@dataclass(frozen=True, slots=True)
class HttpTimeouts:
    """Seconds allowed to HTTP channels: to connect, and for the whole exchange."""

    connect: float = 2.0
    total: float = 5.0


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """Everything ``build_channels`` needs; a channel kind whose settings are absent is absent.

    - ``smtp``: the e-mail channel exists only with it.
    - ``carriers``: Twilio-shaped accounts, tried in order for SMS and voice.
    - ``apprise_sms``: Apprise URL templates for SMS, ``{to}`` standing for the E.164 number,
      tried after the carriers.
    - ``callbacks``: required for SMS delivery receipts, call status and DTMF acknowledgement;
      without it carriers are asked for no callbacks.
    - ``sms_max_segments``: the longest SMS, in segments (3 is 201 Arabic or Hebrew characters,
      459 GSM-7 ones); a longer headline is cut at a word, the reply instruction never.
    """

    smtp: SmtpSettings | None = None
    carriers: tuple[CarrierSettings, ...] = ()
    apprise_sms: tuple[str, ...] = field(default=(), repr=False)
    sms_max_segments: int = 3
    webhook: WebhookSettings = WebhookSettings()
    callbacks: CallbackSettings | None = None
    voice: VoiceSettings = VoiceSettings()
    http: HttpTimeouts = HttpTimeouts()
    apprise_timeout: float = 10.0
