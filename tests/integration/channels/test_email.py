"""The e-mail channel against a real SMTP server (aiosmtpd) listening on loopback."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from tests.conftest import unavailable
from tests.fakes.http_server import free_port
from tests.fakes.smtp import SmtpRecorder, smtp_server
from tests.integration.channels.deliveries import ACK_URL, ACTUAL_EN, DeliveryFactory

from tanbih.adapters.channels.email import EmailChannel
from tanbih.adapters.channels.settings import SmtpSecurity, SmtpSettings
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome

SENDER = "tanbih <alerts@node.example>"
TO = "duty@il.example.org"


def plain(port: int) -> EmailChannel:
    """The channel on a relay without TLS or AUTH (the test server)."""
    settings = SmtpSettings(
        host="127.0.0.1", port=port, sender=SENDER, security=SmtpSecurity.NONE, timeout=5.0
    )
    return EmailChannel(settings)


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[SmtpRecorder, int]]:
    """A recording SMTP server and its port."""
    recorder = SmtpRecorder()
    async with smtp_server(recorder) as port:
        yield recorder, port


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


async def test_exercise_email_arrives_marked_with_both_parts_link_and_key(
    smtp: tuple[SmtpRecorder, int], delivery: DeliveryFactory
) -> None:
    """The relay receives one multipart e-mail: EXERCISE subject, text + HTML, link, key."""
    recorder, port = smtp
    sent = delivery(ChannelKind.EMAIL, TO)
    result = await plain(port).send(sent)
    (mail,) = await recorder.wait_for(1)
    message = mail.message
    text, html = parts(message)
    key = sent.notification.key
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert result.provider_id == f"<{key}@node.example>"
    assert mail.rcpt_tos == (TO,)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"].startswith("EXERCISE:")
    assert message["Message-ID"] == f"<{key}@node.example>"
    assert message["X-Tanbih-Idempotency-Key"] == key
    assert message["X-Tanbih-Status"] == "Exercise"
    assert message["Content-Language"] == "en"
    assert text.startswith("EXERCISE: hostile UAV approaching")
    assert f"Acknowledge receipt: {ACK_URL}" in text
    assert "Shelter within 60 s of the siren." in text
    assert "<strong>EXERCISE: hostile UAV approaching" in html
    assert ">Acknowledge receipt</a>" in html


async def test_html_part_escapes_the_wording_and_the_link(
    smtp: tuple[SmtpRecorder, int], delivery: DeliveryFactory
) -> None:
    """Markup-like text in the wording and the link is escaped, never interpreted."""
    recorder, port = smtp
    await plain(port).send(delivery(ChannelKind.EMAIL, TO))
    (mail,) = await recorder.wait_for(1)
    _, html = parts(mail.message)
    assert "Haifa Bay &lt;north&gt; &amp; Krayot." in html
    assert "<north>" not in html
    assert 'href="https://node.example/ack/tok_AbC123?x=1&amp;y=&lt;2&gt;"' in html
    assert '<html lang="en" dir="ltr">' in html


async def test_arabic_contact_reads_arabic_right_to_left_with_english_marking_first(
    smtp: tuple[SmtpRecorder, int], delivery: DeliveryFactory
) -> None:
    """An Arabic wording is sent in Arabic, RTL, its subject still opening with EXERCISE."""
    recorder, port = smtp
    await plain(port).send(delivery(ChannelKind.EMAIL, TO, language="ar"))
    (mail,) = await recorder.wait_for(1)
    message = mail.message
    text, html = parts(message)
    assert message["Subject"] == "EXERCISE: تمرين: طائرة مسيرة معادية — استعدوا للاحتماء"
    assert message["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in html
    assert "المناطق: خليج حيفا." in text
    assert f"تأكيد الاستلام: {ACK_URL}" in text


async def test_test_status_is_marked_and_actual_is_not(
    smtp: tuple[SmtpRecorder, int], delivery: DeliveryFactory
) -> None:
    """Test traffic opens with TEST; Actual traffic goes out with its subject unchanged."""
    recorder, port = smtp
    channel = plain(port)
    await channel.send(delivery(ChannelKind.EMAIL, TO, status=Status.TEST, wording=ACTUAL_EN))
    await channel.send(delivery(ChannelKind.EMAIL, TO, status=Status.ACTUAL, wording=ACTUAL_EN))
    test, actual = await recorder.wait_for(2)
    assert test.message["Subject"] == "TEST: Hostile UAV — take shelter now"
    assert test.message["X-Tanbih-Status"] == "Test"
    assert actual.message["Subject"] == "Hostile UAV — take shelter now"


@pytest.mark.parametrize(
    ("rcpt", "data", "outcome"),
    [
        ("450 4.2.1 Mailbox busy", None, DeliveryOutcome.RETRY),
        ("550 5.1.1 No such user", None, DeliveryOutcome.FAILED),
        (None, "451 4.3.0 Try again later", DeliveryOutcome.RETRY),
        (None, "554 5.6.0 Message rejected", DeliveryOutcome.FAILED),
    ],
)
async def test_smtp_4xx_is_retried_and_5xx_is_permanent(
    smtp: tuple[SmtpRecorder, int],
    delivery: DeliveryFactory,
    rcpt: str | None,
    data: str | None,
    outcome: DeliveryOutcome,
) -> None:
    """A transient SMTP reply (4xx) asks for a retry; a permanent one (5xx) fails for good."""
    recorder, port = smtp
    if rcpt is not None:
        recorder.rcpt_replies.append(rcpt)
    if data is not None:
        recorder.data_replies.append(data)
    result = await plain(port).send(delivery(ChannelKind.EMAIL, TO))
    reply = rcpt or data
    assert reply is not None
    assert result.outcome is outcome
    assert reply.split()[0] in (result.error or "")
    assert recorder.mails == []


async def test_relay_that_refuses_connections_is_retried(delivery: DeliveryFactory) -> None:
    """No SMTP server at the configured port is transient: the relay may come back."""
    result = await plain(free_port()).send(delivery(ChannelKind.EMAIL, TO))
    assert result.outcome is DeliveryOutcome.RETRY
    assert result.error is not None


@pytest.fixture
def tls_context(tmp_path: Path) -> ssl.SSLContext:
    """A server TLS context with a throw-away self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        unavailable("openssl is not installed")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_starttls_and_login_are_used_when_configured(
    tls_context: ssl.SSLContext, delivery: DeliveryFactory
) -> None:
    """With STARTTLS and credentials set, the relay that requires both accepts the mail."""
    recorder = SmtpRecorder()
    async with smtp_server(recorder, tls_context=tls_context, users={"tanbih": "s3cret"}) as port:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=port,
            sender=SENDER,
            security=SmtpSecurity.STARTTLS,
            username="tanbih",
            password="s3cret",
            validate_certs=False,  # the test certificate is self-signed
            timeout=5.0,
        )
        result = await EmailChannel(settings).send(delivery(ChannelKind.EMAIL, TO))
        (mail,) = await recorder.wait_for(1)
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert mail.authenticated_as == "tanbih"


async def test_wrong_password_is_a_permanent_failure(
    tls_context: ssl.SSLContext, delivery: DeliveryFactory
) -> None:
    """A relay refusing the credentials (535) fails the attempt for good: retrying won't help."""
    recorder = SmtpRecorder()
    async with smtp_server(recorder, tls_context=tls_context, users={"tanbih": "s3cret"}) as port:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=port,
            sender=SENDER,
            security=SmtpSecurity.STARTTLS,
            username="tanbih",
            password="wrong",
            validate_certs=False,
            timeout=5.0,
        )
        result = await EmailChannel(settings).send(delivery(ChannelKind.EMAIL, TO))
    assert result.outcome is DeliveryOutcome.FAILED
    assert "535" in (result.error or "")
