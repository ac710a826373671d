"""The node's channel file: SMTP, carrier accounts and webhook secrets, kept out of the
coalition file because they are this node's secrets, not the coalition's agreement.

::

    smtp: {host: 127.0.0.1, port: 2525, sender: "tanbih <alerts@node.example>", security: none}
    carriers:
      - {name: primary, base_url: "http://127.0.0.1:9000", account_sid: AC1, auth_token: t,
         sms_from: "+15005550006", voice_from: "+15005550006"}
    apprise_sms: ["json://127.0.0.1:9001/sms?to={to}"]
    webhook: {secret: "...", format: cap+xml, partners: {il: {secret: "..."}}}
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tanbih.adapters.channels.settings import (
    CallbackSettings,
    CarrierSettings,
    ChannelSettings,
    PartnerWebhook,
    SmtpSecurity,
    SmtpSettings,
    WebhookFormat,
    WebhookSettings,
)
from tanbih.errors import ConfigurationError, Problem


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _Smtp(_Strict):
    host: str
    sender: str
    port: int = 587
    security: SmtpSecurity = Field(SmtpSecurity.STARTTLS, strict=False)
    username: str | None = None
    password: str | None = None
    validate_certs: bool = True


class _Carrier(_Strict):
    name: str
    account_sid: str
    auth_token: str
    sms_from: str
    base_url: str = "https://api.twilio.com"
    voice_from: str | None = None
    voice: bool = True


class _PartnerWebhook(_Strict):
    secret: str | None = None
    format: WebhookFormat | None = Field(None, strict=False)


class _Webhook(_Strict):
    secret: str | None = None
    format: WebhookFormat = Field(WebhookFormat.CAP_XML, strict=False)
    partners: dict[str, _PartnerWebhook] = {}


class _Channels(_Strict):
    smtp: _Smtp | None = None
    carriers: list[_Carrier] = []
    apprise_sms: list[str] = []
    sms_max_segments: int = 3
    webhook: _Webhook = _Webhook()


def load_channel_settings(
    path: Path | None, public_url: str, webhook_secret: str
) -> ChannelSettings:
    """The channel settings in ``path`` (none: webhooks only, signed with ``webhook_secret``).

    Carriers call back under ``public_url``.
    """
    channels = _Channels()
    if path is not None:
        try:
            channels = _Channels.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError([Problem("(file)", str(exc))], source=str(path)) from exc
        except ValidationError as exc:
            problems = [
                Problem(".".join(str(p) for p in e["loc"]) or "(file)", e["msg"])
                for e in exc.errors()
            ]
            raise ConfigurationError(problems, source=str(path)) from exc
    webhook = channels.webhook
    return ChannelSettings(
        smtp=None if channels.smtp is None else SmtpSettings(**channels.smtp.model_dump()),
        carriers=tuple(CarrierSettings(**c.model_dump()) for c in channels.carriers),
        apprise_sms=tuple(channels.apprise_sms),
        sms_max_segments=channels.sms_max_segments,
        webhook=WebhookSettings(
            secret=webhook.secret or webhook_secret,
            format=webhook.format,
            partners=MappingProxyType(
                {k: PartnerWebhook(v.secret, v.format) for k, v in webhook.partners.items()}
            ),
        ),
        callbacks=CallbackSettings(base_url=public_url.rstrip("/") + "/callbacks"),
    )
