"""The e-mail channel: one multipart message (plain text + HTML) per notification, by SMTP.

What a duty officer receives:

- ``Subject``: the wording's subject, opened by the status word when the message is not
  Actual ("EXERCISE: ...").
- Text and HTML parts in the contact's language (HTML right-to-left for Arabic and Hebrew),
  each ending with the one-time acknowledgement link.
- ``Message-ID: <notification key@sender domain>`` and ``X-Tanbih-Idempotency-Key``: the same
  on every retry, so a mailbox or a filter can drop a duplicate; ``X-Tanbih-Status`` carries
  the CAP status and ``Auto-Submitted`` keeps vacation responders quiet.

SMTP replies 4xx (and lost connections or timeouts) are worth retrying; 5xx are permanent.
"""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib

from tanbih.adapters.channels.channel_text import marked, phrases_for
from tanbih.adapters.channels.settings import SmtpSecurity, SmtpSettings
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult

IDEMPOTENCY_HEADER = "X-Tanbih-Idempotency-Key"
STATUS_HEADER = "X-Tanbih-Status"


class EmailChannel:
    """Delivers notifications as e-mail through one SMTP relay."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        address = parseaddr(settings.sender)[1]
        self._domain = address.rpartition("@")[2] or "tanbih.invalid"

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Hand the message to the relay once; the relay's reply decides the outcome."""
        message = compose_email(delivery, self._settings.sender, self._domain)
        s = self._settings
        try:
            # aiosmtplib's timeout bounds each command; this bounds the conversation.
            async with asyncio.timeout(s.timeout):
                await aiosmtplib.send(
                    message,
                    hostname=s.host,
                    port=s.port,
                    username=s.username,
                    password=s.password,
                    use_tls=s.security is SmtpSecurity.TLS,
                    start_tls=s.security is SmtpSecurity.STARTTLS,
                    validate_certs=s.validate_certs,
                    timeout=s.timeout,
                )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return smtp_failure(exc)
        return DeliveryResult(DeliveryOutcome.DELIVERED, provider_id=message["Message-ID"])


def compose_email(delivery: Delivery, sender: str, domain: str) -> MIMEMultipart:
    """The e-mail for one delivery: headers, text part, HTML part."""
    # The legacy MIME classes, not EmailMessage: Python 3.11's modern header folding can drop
    # the space between two RFC 2047 encoded words, gluing Arabic words of a subject together;
    # the legacy folding keeps spaces inside the encoded words.
    notification = delivery.notification
    wording = delivery.wording
    status = notification.status
    headline = marked(wording.headline, status)
    label = phrases_for(wording.language).acknowledge_link
    text = f"{headline}\n\n{wording.body}\n\n{label}: {delivery.ack_url}\n"
    message = MIMEMultipart("alternative")
    message["Subject"] = marked(wording.subject, status)
    message["From"] = _address(sender)
    message["To"] = notification.recipient.channel.address
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{notification.key}@{domain}>"
    message[IDEMPOTENCY_HEADER] = notification.key
    message[STATUS_HEADER] = status.value
    message["Content-Language"] = wording.language
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(_html(delivery, headline, label), "html", "utf-8"))
    return message


def _address(mailbox: str) -> str:
    name, address = parseaddr(mailbox)
    return formataddr((name, address), charset="utf-8")


def _html(delivery: Delivery, headline: str, label: str) -> str:
    """The HTML part; every piece of text from the message is escaped."""
    wording = delivery.wording
    language = html.escape(wording.language)
    direction = "rtl" if phrases_for(wording.language).right_to_left else "ltr"
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
        for part in wording.body.split("\n\n")
        if part.strip()
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{language}" dir="{direction}">'
        f'<head><meta charset="utf-8"><title>{html.escape(wording.subject)}</title></head>'
        f"<body><p><strong>{html.escape(headline)}</strong></p>{paragraphs}"
        f'<p><a href="{html.escape(delivery.ack_url, quote=True)}">{html.escape(label)}</a></p>'
        "</body></html>\n"
    )


def smtp_failure(exc: Exception) -> DeliveryResult:
    """The delivery result of an SMTP exchange that ended in ``exc``."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        transient = bool(codes) and all(_transient(code) for code in codes)
        outcome = DeliveryOutcome.RETRY if transient else DeliveryOutcome.FAILED
        return DeliveryResult(outcome, error=f"recipient refused: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        outcome = DeliveryOutcome.RETRY if _transient(exc.code) else DeliveryOutcome.FAILED
        return DeliveryResult(outcome, error=f"SMTP {exc.code}: {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # The relay lacks what the settings require (STARTTLS, AUTH): a configuration fix.
        return DeliveryResult(DeliveryOutcome.FAILED, error=f"SMTP: {exc}")
    return DeliveryResult(DeliveryOutcome.RETRY, error=f"SMTP {type(exc).__name__}: {exc}")


def _transient(code: int) -> bool:
    # Only a definite 5xx is permanent; odd codes from a confused relay are worth retrying.
    return not 500 <= code < 600
