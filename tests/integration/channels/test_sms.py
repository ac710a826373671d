"""The SMS channel against the fake carrier speaking the Twilio Messages API, callbacks included."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
import pytest
from tests.fakes.carrier import Failure, FakeCarrier
from tests.fakes.receiver import Receiver
from tests.integration.channels.deliveries import ACK_CODE, WORDINGS, DeliveryFactory

from tanbih.adapters.channels.failover import FailoverChannel
from tanbih.adapters.channels.settings import CallbackSettings, CarrierSettings
from tanbih.adapters.channels.sms import TwilioSmsChannel
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.twilio_callbacks import (
    InboundSms,
    MessageStatus,
    MessageStatusReport,
    read_inbound_sms,
    read_message_status,
    valid_twilio_signature,
)
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome
from tanbih.errors import ConfigurationError

CONTACT = "+447700900101"
NODE_NUMBER = "+12025550199"


def sms_channel(
    client: aiohttp.ClientSession,
    fake: FakeCarrier,
    base_url: str,
    callbacks_base: str | None = None,
    *,
    auth_token: str | None = None,
    deadline: float = 2.0,
    max_segments: int = 3,
) -> TwilioSmsChannel:
    """The SMS channel on the fake carrier's account (or a wrong token, if given)."""
    carrier = CarrierSettings(
        name="fake",
        account_sid=fake.account_sid,
        auth_token=auth_token or fake.auth_token,
        sms_from=NODE_NUMBER,
        base_url=base_url,
    )
    callbacks = CallbackSettings(callbacks_base) if callbacks_base else None
    account = TwilioAccount(client, carrier, deadline=deadline)
    return TwilioSmsChannel(account, callbacks, max_segments)


async def test_exercise_sms_is_accepted_marked_with_reply_code_and_receipt_url(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
) -> None:
    """The carrier gets one authenticated SMS opening with EXERCISE, with "Reply 4821 ACK"."""
    fake, base = carrier
    _, callbacks_base = carrier_callbacks
    sent = delivery(ChannelKind.SMS, CONTACT)
    result = await sms_channel(http_client, fake, base, callbacks_base).send(sent)
    (message,) = await fake.wait_for_messages(1)
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert result.provider_id == message.sid
    assert (message.to, message.sender) == (CONTACT, NODE_NUMBER)
    assert message.body.startswith("EXERCISE: hostile UAV approaching")
    assert message.body.endswith(f"Reply {ACK_CODE} ACK to acknowledge")
    assert message.status_callback == (
        f"{callbacks_base}/twilio/messages/status?key={sent.notification.key}"
    )


async def test_arabic_sms_keeps_arabic_text_after_the_exercise_marking(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """An Arabic contact's SMS opens with EXERCISE, then the Arabic headline and reply text."""
    fake, base = carrier
    await sms_channel(http_client, fake, base).send(
        delivery(ChannelKind.SMS, CONTACT, language="ar")
    )
    (message,) = await fake.wait_for_messages(1)
    assert message.body.startswith("EXERCISE: تمرين: طائرة مسيرة معادية تقترب")
    assert message.body.endswith(f"للتأكيد أرسل {ACK_CODE} ACK")
    assert message.num_segments == 2  # UCS-2: 70 characters per single segment
    assert message.status_callback is None


@pytest.mark.parametrize(
    ("language", "max_segments", "limit"), [("en", 1, 160), ("ar", 1, 70), ("he", 2, 134)]
)
async def test_long_headline_is_cut_to_the_segment_limit_keeping_marking_and_reply(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    language: str,
    max_segments: int,
    limit: int,
) -> None:
    """A headline too long for the limit is cut at its end; EXERCISE and the reply code stay."""
    fake, base = carrier
    wording = WORDINGS[language]
    filler = " ".join([wording.body.replace("\n", " ")] * 12)
    long = replace(wording, headline=f"{wording.headline} {filler}")
    sent = delivery(ChannelKind.SMS, CONTACT, language=language, wording=long)
    result = await sms_channel(http_client, fake, base, max_segments=max_segments).send(sent)
    (message,) = await fake.wait_for_messages(1)
    headline, _, reply = message.body.rpartition("\n")
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert message.num_segments <= max_segments
    assert len(message.body) <= limit
    assert message.body.upper().startswith("EXERCISE")
    assert headline.endswith(("...", "…"))
    assert ACK_CODE in reply


async def test_segment_limit_too_small_for_the_reply_fails_without_sending(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """Zero segments cannot hold the reply instruction: a permanent, local failure."""
    fake, base = carrier
    channel = sms_channel(http_client, fake, base, max_segments=0)
    result = await channel.send(delivery(ChannelKind.SMS, CONTACT))
    assert result.outcome is DeliveryOutcome.FAILED
    assert (result.error or "").startswith("SMS text:")
    assert fake.messages == []


@pytest.mark.parametrize(
    ("failure", "outcome", "words"),
    [
        (Failure(503, 20503, "Service Unavailable"), DeliveryOutcome.RETRY, "HTTP 503"),
        (
            Failure(429, 20429, "Too Many Requests", headers={"Retry-After": "3"}),
            DeliveryOutcome.RETRY,
            "retry after 3 s",
        ),
        (
            Failure(400, 21211, "The 'To' number is not a valid phone number."),
            DeliveryOutcome.FAILED,
            "21211: The 'To' number",
        ),
        (
            Failure(400, 21610, "Attempt to send to unsubscribed recipient"),
            DeliveryOutcome.FAILED,
            "21610",
        ),
    ],
)
async def test_carrier_errors_are_classified_and_quoted(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    failure: Failure,
    outcome: DeliveryOutcome,
    words: str,
) -> None:
    """Carrier 5xx and 429 are retried, 4xx fail; the error quotes the carrier's code and words."""
    fake, base = carrier
    fake.fail_next(failure)
    result = await sms_channel(http_client, fake, base).send(delivery(ChannelKind.SMS, CONTACT))
    assert result.outcome is outcome
    assert words in (result.error or "")
    assert fake.messages == []


async def test_wrong_auth_token_is_refused_permanently(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """A carrier answering 401 (code 20003) is a configuration fault, not worth retrying."""
    fake, base = carrier
    channel = sms_channel(http_client, fake, base, auth_token="not-the-token")
    result = await channel.send(delivery(ChannelKind.SMS, CONTACT))
    assert result.outcome is DeliveryOutcome.FAILED
    assert "20003: Authenticate" in (result.error or "")


async def test_account_sid_that_basic_auth_cannot_carry_is_a_configuration_error(
    http_client: aiohttp.ClientSession,
) -> None:
    """A ':' in the account sid cannot be sent as basic auth: refused when the account is built."""
    carrier = CarrierSettings(name="odd", account_sid="AC:1", auth_token="t", sms_from=NODE_NUMBER)
    with pytest.raises(ConfigurationError, match="carrier odd: account_sid"):
        TwilioAccount(http_client, carrier, deadline=2.0)


async def test_slow_carrier_is_retried(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, carrier: tuple[FakeCarrier, str]
) -> None:
    """A carrier that does not answer within the deadline gives a retryable timeout."""
    fake, base = carrier
    release = asyncio.Event()
    fake.fail_next(Failure(hold=release))
    try:
        result = await sms_channel(http_client, fake, base, deadline=0.2).send(
            delivery(ChannelKind.SMS, CONTACT)
        )
    finally:
        release.set()
    assert result.outcome is DeliveryOutcome.RETRY
    assert (result.error or "").startswith("timeout")


@pytest.mark.parametrize(
    ("status", "error_code", "undelivered"),
    [("delivered", None, False), ("undelivered", "30003", True), ("failed", "30008", True)],
)
async def test_delivery_receipts_reach_the_node_signed_and_readable(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
    status: str,
    error_code: str | None,
    undelivered: bool,
) -> None:
    """A receipt posted to the StatusCallback carries a valid signature and reads as a report."""
    fake, base = carrier
    callbacks, callbacks_base = carrier_callbacks
    sent = delivery(ChannelKind.SMS, CONTACT)
    await sms_channel(http_client, fake, base, callbacks_base).send(sent)
    (message,) = await fake.wait_for_messages(1)
    await fake.send_receipt(message, status, error_code)
    (request,) = await callbacks.wait_for(1)
    signature = request.headers["x-twilio-signature"]
    report = read_message_status(request.form)
    assert valid_twilio_signature(fake.auth_token, request.url, request.form_pairs, signature)
    assert request.url.endswith(f"?key={sent.notification.key}")
    assert report == MessageStatusReport(message.sid, MessageStatus(status), CONTACT, error_code)
    assert isinstance(report, MessageStatusReport)
    assert report.status.undelivered is undelivered


async def test_reply_sms_reaches_the_node_with_its_acknowledgement_code(
    carrier: tuple[FakeCarrier, str], carrier_callbacks: tuple[Receiver, str]
) -> None:
    """The contact's "4821 ACK" arrives signed from the contact's number, code read as 4821."""
    fake, _ = carrier
    callbacks, _ = carrier_callbacks
    await fake.send_reply(CONTACT, f"{ACK_CODE} ACK", to=NODE_NUMBER)
    (request,) = await callbacks.wait_for(1)
    reply = read_inbound_sms(request.form)
    signature = request.headers["x-twilio-signature"]
    assert valid_twilio_signature(fake.auth_token, request.url, request.form_pairs, signature)
    assert isinstance(reply, InboundSms)
    assert (reply.sender, reply.to, reply.ack_code) == (CONTACT, NODE_NUMBER, ACK_CODE)


async def test_forged_or_altered_callback_fails_the_signature_check(
    carrier: tuple[FakeCarrier, str], carrier_callbacks: tuple[Receiver, str]
) -> None:
    """A reply checked with another token, or with its body altered, is not believed."""
    fake, _ = carrier
    callbacks, _ = carrier_callbacks
    await fake.send_reply(CONTACT, f"{ACK_CODE} ACK", to=NODE_NUMBER)
    (request,) = await callbacks.wait_for(1)
    signature = request.headers["x-twilio-signature"]
    altered = [(k, "+447700900999" if k == "From" else v) for k, v in request.form_pairs]
    assert not valid_twilio_signature("another-token", request.url, request.form_pairs, signature)
    assert not valid_twilio_signature(fake.auth_token, request.url, altered, signature)
    assert not valid_twilio_signature(fake.auth_token, request.url, request.form_pairs, None)


async def test_failover_moves_to_the_next_carrier_when_one_fails(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    backup_carrier: tuple[FakeCarrier, str],
) -> None:
    """The first carrier's 503 sends the SMS through the second, whose sid is the result's."""
    first, first_base = carrier
    second, second_base = backup_carrier
    first.fail_next(Failure(503))
    failover = FailoverChannel(
        [
            ("first", sms_channel(http_client, first, first_base)),
            ("second", sms_channel(http_client, second, second_base)),
        ]
    )
    result = await failover.send(delivery(ChannelKind.SMS, CONTACT))
    (message,) = await second.wait_for_messages(1)
    assert result.outcome is DeliveryOutcome.DELIVERED
    assert result.provider_id == message.sid
    assert first.messages == []


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        (
            Failure(400, 21408, "Permission to send an SMS has not been enabled"),
            None,
            DeliveryOutcome.DELIVERED,
        ),
        (Failure(503), Failure(400, 21211, "invalid"), DeliveryOutcome.RETRY),
        (
            Failure(400, 21211, "invalid"),
            Failure(401, 20003, "Authenticate"),
            DeliveryOutcome.FAILED,
        ),
    ],
)
async def test_failover_outcome_over_both_carriers(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    backup_carrier: tuple[FakeCarrier, str],
    first: Failure,
    second: Failure | None,
    outcome: DeliveryOutcome,
) -> None:
    """Even a permanent refusal moves on; all failing is retryable if any failure was."""
    one, one_base = carrier
    two, two_base = backup_carrier
    one.fail_next(first)
    if second is not None:
        two.fail_next(second)
    failover = FailoverChannel(
        [
            ("one", sms_channel(http_client, one, one_base)),
            ("two", sms_channel(http_client, two, two_base)),
        ]
    )
    result = await failover.send(delivery(ChannelKind.SMS, CONTACT))
    assert result.outcome is outcome
    if outcome is not DeliveryOutcome.DELIVERED:
        assert (result.error or "").startswith("one: HTTP")
        assert "; two: HTTP" in (result.error or "")
