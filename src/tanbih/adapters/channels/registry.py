"""The one module that knows every channel and builds them from ``ChannelSettings``.

::

    kind      built from                             present when
    ───────   ────────────────────────────────────   ──────────────────────────────────
    console   given by the caller (the API's stream)  the caller passes one
    webhook   WebhookChannel                          always (a partner without a secret
                                                       fails permanently, unsigned never)
    email     EmailChannel                            settings.smtp is set
    sms       FailoverChannel over the carriers,      at least one carrier or template
              then the Apprise SMS templates
    voice     FailoverChannel over the carriers       at least one carrier with voice
              with voice
    apprise   AppriseChannel                          always

HTTP sessions (aiohttp's) are created here, one per webhook channel and one per carrier account
(shared by its SMS and voice routes, so both reuse its connections); ``stack`` closes them.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import aiohttp

from tanbih.adapters.channels.apprise_channel import AppriseChannel, AppriseSmsChannel
from tanbih.adapters.channels.email import EmailChannel
from tanbih.adapters.channels.failover import FailoverChannel
from tanbih.adapters.channels.settings import ChannelSettings, HttpTimeouts
from tanbih.adapters.channels.sms import TwilioSmsChannel
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.voice import TwilioVoiceChannel
from tanbih.adapters.channels.webhook import WebhookChannel
from tanbih.domain.coalition import ChannelKind
from tanbih.ports import Channel

USER_AGENT = "tanbih-channels/1"


def build_channels(
    settings: ChannelSettings, stack: AsyncExitStack, *, console: Channel | None = None
) -> dict[ChannelKind, Channel]:
    """Every configured channel by kind; their HTTP clients close when ``stack`` does."""
    channels: dict[ChannelKind, Channel] = {}
    if console is not None:
        channels[ChannelKind.CONSOLE] = console
    deadline = settings.http.total
    channels[ChannelKind.WEBHOOK] = WebhookChannel(
        _session(settings.http, stack), settings.webhook, deadline=deadline
    )
    if settings.smtp is not None:
        channels[ChannelKind.EMAIL] = EmailChannel(settings.smtp)
    sms_routes: list[tuple[str, Channel]] = []
    voice_routes: list[tuple[str, Channel]] = []
    for carrier in settings.carriers:
        account = TwilioAccount(_session(settings.http, stack), carrier, deadline=deadline)
        sms = TwilioSmsChannel(account, settings.callbacks, settings.sms_max_segments)
        sms_routes.append((carrier.name, sms))
        if carrier.voice:
            voice = TwilioVoiceChannel(account, settings.voice, settings.callbacks)
            voice_routes.append((carrier.name, voice))
    for number, template in enumerate(settings.apprise_sms, start=1):
        route = AppriseSmsChannel(template, settings.apprise_timeout, settings.sms_max_segments)
        sms_routes.append((f"apprise-sms-{number}", route))
    if sms_routes:
        channels[ChannelKind.SMS] = FailoverChannel(sms_routes)
    if voice_routes:
        channels[ChannelKind.VOICE] = FailoverChannel(voice_routes)
    channels[ChannelKind.APPRISE] = AppriseChannel(settings.apprise_timeout)
    return channels


def http_session(timeouts: HttpTimeouts) -> aiohttp.ClientSession:
    """The HTTP session a channel posts through (``http_outcome.post`` never follows redirects).

    Call it with an event loop running. It keeps no cookies (a receiver's are never sent
    back) and reads no netrc; the proxy the environment names is chosen per request by
    ``http_outcome.post`` (``proxies``), not by aiohttp's ``trust_env``, which would read the
    environment on a thread for every request.
    """
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeouts.total, sock_connect=timeouts.connect),
        headers={"User-Agent": USER_AGENT},
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def _session(timeouts: HttpTimeouts, stack: AsyncExitStack) -> aiohttp.ClientSession:
    session = http_session(timeouts)
    stack.push_async_callback(session.close)
    return session
