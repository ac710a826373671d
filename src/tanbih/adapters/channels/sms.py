"""The SMS channel through a carrier speaking the Twilio Messages API shape.

The text is the wording's headline, opened by the status word when not Actual, then the reply
instruction with the acknowledgement code ("Reply 1234 ACK to acknowledge"): the contact's
answer comes back as an inbound SMS the node matches by code and number. The headline is sent
as the wording gives it; fitting it into GSM-7 or UCS-2 segments is the wording's job.

With callbacks configured, the carrier reports delivery receipts (``MessageStatus``) to
``{callbacks}/twilio/messages/status?key=<notification key>``.
"""

from __future__ import annotations

from tanbih.adapters.channels.channel_text import marked, phrases_for
from tanbih.adapters.channels.settings import CallbackSettings
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.twilio_callbacks import MESSAGE_STATUS_PATH, callback_url
from tanbih.domain.notification import Delivery, DeliveryResult


def sms_text(delivery: Delivery) -> str:
    """The SMS body: marked headline, then how to acknowledge, in the contact's language."""
    wording = delivery.wording
    headline = marked(wording.headline, delivery.notification.status)
    reply = phrases_for(wording.language).sms_reply.format(code=delivery.ack_code)
    return f"{headline}\n{reply}"


class TwilioSmsChannel:
    """Sends one SMS per delivery through one carrier account."""

    def __init__(self, account: TwilioAccount, callbacks: CallbackSettings | None) -> None:
        self._account = account
        self._callbacks = callbacks

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Ask the carrier to send the SMS; accepted (2xx) counts as delivered."""
        form = {
            "To": delivery.notification.recipient.channel.address,
            "From": self._account.carrier.sms_from,
            "Body": sms_text(delivery),
        }
        if self._callbacks is not None:
            form["StatusCallback"] = callback_url(
                self._callbacks.base_url, MESSAGE_STATUS_PATH, delivery.notification.key
            )
        return await self._account.create("Messages", form)
