"""Any Apprise URL as a channel (Telegram, Signal, Teams, ntfy, ...), and Apprise SMS routes.

Apprise is synchronous, so each notification runs in a worker thread; its own call deadline
bounds it. Apprise reports success or failure without saying why, so a failed send is taken
as worth retrying, except a URL Apprise cannot use at all, which no retry will fix. Errors
name the URL's scheme only: the rest of an Apprise URL usually holds a token.
"""

from __future__ import annotations

import asyncio

import apprise

from tanbih.adapters.channels.channel_text import marked, phrases_for
from tanbih.adapters.channels.sms import sms_text_result
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult

TO_PLACEHOLDER = "{to}"


class AppriseChannel:
    """Delivers to the Apprise URL that is the contact's address on this channel."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Notify the URL once with a marked title and body ending in the acknowledgement link."""
        status = delivery.notification.status
        wording = delivery.wording
        label = phrases_for(wording.language).acknowledge_link
        title = marked(wording.subject, status)
        body = (
            f"{marked(wording.headline, status)}\n\n{wording.body}\n\n{label}: {delivery.ack_url}"
        )
        url = delivery.notification.recipient.channel.address
        return await notify(url, title, body, self._timeout)


class AppriseSmsChannel:
    """An SMS route through an Apprise URL template, ``{to}`` standing for the number."""

    def __init__(self, template: str, timeout: float, max_segments: int) -> None:
        if TO_PLACEHOLDER not in template:
            raise ValueError(f"an Apprise SMS template needs {TO_PLACEHOLDER} for the number")
        self._template = template
        self._timeout = timeout
        self._max_segments = max_segments

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Send the same text an SMS carrier would, through the templated Apprise URL."""
        text = sms_text_result(delivery, self._max_segments)
        if isinstance(text, DeliveryResult):
            return text
        number = delivery.notification.recipient.channel.address
        url = self._template.replace(TO_PLACEHOLDER, number)
        return await notify(url, "", text, self._timeout)


async def notify(url: str, title: str, body: str, deadline: float) -> DeliveryResult:
    """Notify one Apprise URL in a worker thread, within ``deadline`` seconds; never raises."""
    return await asyncio.to_thread(_notify, url, title, body, deadline)


def _notify(url: str, title: str, body: str, deadline: float) -> DeliveryResult:
    scheme = url.partition("://")[0] or "(no scheme)"
    # Memory storage: a node must not scatter Apprise caches over the disk it runs on.
    asset = apprise.AppriseAsset(storage_mode="memory")
    client = apprise.Apprise(asset=asset)
    if not client.add(url):
        return DeliveryResult(
            DeliveryOutcome.FAILED, error=f"{scheme}: not an Apprise URL this node can use"
        )
    result = client.notify(
        body=body, title=title, body_format=apprise.NotifyFormat.TEXT, timeout=deadline
    )
    if result:
        return DeliveryResult(DeliveryOutcome.DELIVERED)
    return DeliveryResult(DeliveryOutcome.RETRY, error=f"{scheme}: {_reason(result)}")


def _reason(result: apprise.AppriseResult) -> str:
    """The last error Apprise logged for the call, else its status name."""
    errors = [entry.message for entry in result.logs() if entry.level in {"ERROR", "WARNING"}]
    return errors[-1][:300] if errors else result.status.name.lower()
