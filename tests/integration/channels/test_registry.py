"""build_channels: which channels exist for which settings, and that they work as built."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from tests.fakes.carrier import Failure, FakeCarrier
from tests.fakes.http_server import serve
from tests.fakes.receiver import Received, Receiver, Reply
from tests.integration.channels.deliveries import DeliveryFactory

from tanbih.adapters.channels import (
    CallbackSettings,
    CarrierSettings,
    ChannelSettings,
    PartnerWebhook,
    SmtpSettings,
    WebhookSettings,
    build_channels,
    verify_webhook,
)
from tanbih.adapters.channels.failover import FailoverChannel
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")


class Console:
    """A stand-in for the API's console stream."""

    async def send(self, delivery: Delivery) -> DeliveryResult:
        return DeliveryResult(DeliveryOutcome.DELIVERED)


def carrier_settings(
    name: str, fake: FakeCarrier, base: str, *, voice: bool = True
) -> CarrierSettings:
    return CarrierSettings(
        name=name,
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        sms_from="+12025550199",
        base_url=base,
        voice=voice,
    )


async def test_without_settings_only_webhook_and_apprise_exist() -> None:
    """No SMTP, no carriers: e-mail, SMS and voice are absent rather than failing at send."""
    async with AsyncExitStack() as stack:
        channels = build_channels(ChannelSettings(), stack)
    assert set(channels) == {ChannelKind.WEBHOOK, ChannelKind.APPRISE}


async def test_console_given_by_the_caller_is_kept() -> None:
    """The console stream is built by the API and handed in; the registry lists it."""
    console = Console()
    async with AsyncExitStack() as stack:
        channels = build_channels(ChannelSettings(), stack, console=console)
    assert channels[ChannelKind.CONSOLE] is console


async def test_carriers_then_apprise_templates_make_the_sms_failover_order() -> None:
    """SMS tries the carriers in order, then Apprise templates; voice only carriers with voice."""
    fake = FakeCarrier()
    settings = ChannelSettings(
        smtp=SmtpSettings(host="127.0.0.1", sender="alerts@node.example"),
        carriers=(
            carrier_settings("primary", fake, "http://127.0.0.1:1"),
            carrier_settings("sms-only", fake, "http://127.0.0.1:2", voice=False),
        ),
        apprise_sms=("json://127.0.0.1:3/sms/{to}",),
    )
    async with AsyncExitStack() as stack:
        channels = build_channels(settings, stack)
    sms, voice = channels[ChannelKind.SMS], channels[ChannelKind.VOICE]
    assert set(channels) == set(ChannelKind) - {ChannelKind.CONSOLE}
    assert isinstance(sms, FailoverChannel)
    assert isinstance(voice, FailoverChannel)
    assert [name for name, _ in sms.routes] == ["primary", "sms-only", "apprise-sms-1"]
    assert [name for name, _ in voice.routes] == ["primary"]


def test_secrets_stay_out_of_the_settings_repr() -> None:
    """Logging the settings never prints a token, password, secret or Apprise URL."""
    settings = ChannelSettings(
        smtp=SmtpSettings(host="relay", sender="a@b", password="smtp-pass"),
        carriers=(CarrierSettings("c", "AC1", "carrier-token", "+1202"),),
        apprise_sms=("vonage://key:apprise-secret@1202/{to}",),
        webhook=WebhookSettings(
            secret="hook-secret", partners=MappingProxyType({"il": PartnerWebhook("il-secret")})
        ),
    )
    text = repr(settings)
    for secret in ("smtp-pass", "carrier-token", "apprise-secret", "hook-secret", "il-secret"):
        assert secret not in text


async def test_built_channels_deliver_through_backup_carrier_and_signed_webhook(
    delivery: DeliveryFactory,
    carrier: tuple[FakeCarrier, str],
    backup_carrier: tuple[FakeCarrier, str],
    carrier_callbacks: tuple[Receiver, str],
) -> None:
    """As built from settings: SMS fails over to the backup; the webhook is signed per partner."""
    primary, primary_base = carrier
    backup, backup_base = backup_carrier
    _, callbacks_base = carrier_callbacks
    primary.fail_next(Failure(503))

    def verify(request: Received) -> Reply:
        check = verify_webhook("il-secret", request.headers, request.body, datetime.now(UTC))
        return Reply(204 if check else 401)

    partner = Receiver(verify)
    settings = ChannelSettings(
        carriers=(
            carrier_settings("primary", primary, primary_base),
            carrier_settings("backup", backup, backup_base),
        ),
        webhook=WebhookSettings(
            secret="global", partners=MappingProxyType({"il": PartnerWebhook("il-secret")})
        ),
        callbacks=CallbackSettings(callbacks_base),
    )
    async with AsyncExitStack() as stack, serve(partner.app) as partner_base:
        channels = build_channels(settings, stack)
        sms = await channels[ChannelKind.SMS].send(delivery(ChannelKind.SMS, "+447700900101"))
        hook = await channels[ChannelKind.WEBHOOK].send(
            delivery(ChannelKind.WEBHOOK, f"{partner_base}/cap")
        )
    (message,) = await backup.wait_for_messages(1)
    assert sms.outcome is DeliveryOutcome.DELIVERED, sms.error
    assert sms.provider_id == message.sid
    assert message.status_callback is not None
    assert message.status_callback.startswith(f"{callbacks_base}/twilio/messages/status?key=")
    assert hook.outcome is DeliveryOutcome.DELIVERED, hook.error
