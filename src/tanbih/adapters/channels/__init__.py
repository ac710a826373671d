"""Channels: the ways a notification leaves the node (webhook, e-mail, SMS, voice, Apprise).

Each channel has one method, ``send(delivery) -> DeliveryResult``, whose outcome says whether
a retry may help; none raises a third-party exception. ``registry.build_channels`` is the one
place that knows them all; see docs/notification.md for what each one sends.
"""

from tanbih.adapters.channels.registry import build_channels
from tanbih.adapters.channels.settings import (
    CallbackSettings,
    CarrierSettings,
    ChannelSettings,
    HttpTimeouts,
    PartnerWebhook,
    SmtpSecurity,
    SmtpSettings,
    VoiceSettings,
    WebhookFormat,
    WebhookSettings,
)
from tanbih.adapters.channels.webhook_signature import WebhookCheck, verify_webhook

__all__ = [
    "CallbackSettings",
    "CarrierSettings",
    "ChannelSettings",
    "HttpTimeouts",
    "PartnerWebhook",
    "SmtpSecurity",
    "SmtpSettings",
    "VoiceSettings",
    "WebhookCheck",
    "WebhookFormat",
    "WebhookSettings",
    "build_channels",
    "verify_webhook",
]
