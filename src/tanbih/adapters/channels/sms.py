"""The SMS channel through a carrier speaking the Twilio Messages API shape.

The text is the wording's headline, opened by the status word when not Actual, then the reply
instruction with the acknowledgement code ("Reply 1234 ACK to acknowledge"): the contact's
answer comes back as an inbound SMS the node matches by code and number. It is fitted into at
most ``max_segments`` SMS segments (GSM-7, or UCS-2 for Arabic and Hebrew) by cutting the
headline's end, never its first words nor the instruction (``tanbih.domain.sms_text.fit``).

With callbacks configured, the carrier reports delivery receipts (``MessageStatus``) to
``{callbacks}/twilio/messages/status?key=<notification key>``.
"""

from __future__ import annotations

from tanbih.adapters.channels.channel_text import marked, phrases_for
from tanbih.adapters.channels.settings import CallbackSettings
from tanbih.adapters.channels.twilio_api import TwilioAccount
from tanbih.adapters.channels.twilio_callbacks import MESSAGE_STATUS_PATH, callback_url
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult
from tanbih.domain.sms_text import fit


def sms_text(delivery: Delivery, max_segments: int) -> str:
    """The SMS body: marked headline, then how to acknowledge, in the contact's language.

    Raises ``ValueError`` if the instruction alone exceeds ``max_segments``.
    """
    wording = delivery.wording
    headline = marked(wording.headline, delivery.notification.status)
    reply = phrases_for(wording.language).sms_reply.format(code=delivery.ack_code)
    return fit(headline, reply, max_segments)


def sms_text_result(delivery: Delivery, max_segments: int) -> str | DeliveryResult:
    """The SMS body, or the permanent failure of a segment limit too small for any text."""
    try:
        return sms_text(delivery, max_segments)
    except ValueError as exc:
        return DeliveryResult(DeliveryOutcome.FAILED, error=f"SMS text: {exc}")


class TwilioSmsChannel:
    """Sends one SMS per delivery through one carrier account."""

    def __init__(
        self, account: TwilioAccount, callbacks: CallbackSettings | None, max_segments: int
    ) -> None:
        self._account = account
        self._callbacks = callbacks
        self._max_segments = max_segments

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Ask the carrier to send the SMS; accepted (2xx) counts as delivered."""
        text = sms_text_result(delivery, self._max_segments)
        if isinstance(text, DeliveryResult):
            return text
        form = {
            "To": delivery.notification.recipient.channel.address,
            "From": self._account.carrier.sms_from,
            "Body": text,
        }
        if self._callbacks is not None:
            form["StatusCallback"] = callback_url(
                self._callbacks.base_url, MESSAGE_STATUS_PATH, delivery.notification.key
            )
        return await self._account.create("Messages", form)
