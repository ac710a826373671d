"""What a channel sends for a notification: the CAP bytes, the words, an acknowledgement token.

The CAP message is read once per version and kept while its notifications go out. What is sent
is the recipient partner's copy (:meth:`tanbih.pipeline.release.Releasability.copy_for`): the
CAP bytes and the words both come from it, so every channel carries only what the sharing
matrix releases to that partner. The words are in the recipient's language and marked when the
message is not Actual.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from itertools import islice

from tanbih import cap
from tanbih.domain.ack_token import REPLY_CODE_DIGITS, AckClaim, issue, reply_codes
from tanbih.domain.cap import Alert, Reference
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, Notification
from tanbih.domain.records import AlertRecord
from tanbih.domain.releasability import Level
from tanbih.domain.wording import word
from tanbih.errors import StoreError, WithheldError
from tanbih.pipeline.release import Releasability
from tanbih.ports import Clock, NodeStore

# An acknowledgement link or reply code stays good this long: longer than any escalation.
ACK_VALIDITY = timedelta(hours=12)
_CACHED_MESSAGES = 256
_TRIES = 8  # codes tried per width before a longer one
_REPLY_CHANNELS = frozenset({ChannelKind.SMS, ChannelKind.VOICE})


class PrepareDelivery:
    """Builds a ``Delivery`` for each notification the dispatcher is about to send."""

    def __init__(
        self,
        store: NodeStore,
        clock: Clock,
        secret: bytes,
        public_url: str,
        releasability: Releasability,
    ) -> None:
        self._store = store
        self._releasability = releasability
        self._clock = clock
        self._secret = secret
        self._public_url = public_url.rstrip("/")
        self._messages: OrderedDict[str, tuple[AlertRecord, Alert]] = OrderedDict()
        self._copies: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def __call__(self, notification: Notification) -> Delivery:
        """The delivery of ``notification``, with a fresh signed acknowledgement token.

        Raises ``WithheldError`` when the sharing matrix releases nothing of the message to the
        recipient's partner.
        """
        record, alert = await self._message(notification.alert_id)
        recipient = notification.recipient
        copy = self._releasability.copy_for(record, alert, recipient.partner_id)
        if copy is None:
            raise WithheldError(
                f"message {record.id} is released to partner {recipient.partner_id!r} not at all"
            )
        if copy.level is not Level.FULL:
            await self._remember_copy(record.id, copy.alert.key)
        now = self._clock.now()
        expires = now + ACK_VALIDITY
        claim = AckClaim(notification.key, recipient.partner_id, recipient.contact_id, expires)
        token = issue(claim, self._secret)
        code = ""
        if recipient.channel.kind in _REPLY_CHANNELS:
            code = await self._reply_code(notification)
        return Delivery(
            notification=notification,
            cap_xml=copy.xml,
            wording=word(copy.alert, recipient.language),
            ack_code=code,
            ack_url=f"{self._public_url}/ack/{token}",
            message_id=self._releasability.known_id(record, copy.level),
        )

    def remember(self, record: AlertRecord, alert: Alert) -> None:
        """Keep a message just stored, so its first notifications need not read it back."""
        self._messages[record.id] = (record, alert)
        self._messages.move_to_end(record.id)
        if len(self._messages) > _CACHED_MESSAGES:
            self._messages.popitem(last=False)

    async def _remember_copy(self, alert_id: str, copy: Reference) -> None:
        """Keep what a redacted copy stands for (once per process): its recipient's system
        acknowledges it by the copy's identifier."""
        key = (copy.sender, copy.identifier)
        if key in self._copies:
            return
        await self._store.remember_copies([(copy, alert_id)])
        self._copies[key] = None
        if len(self._copies) > _CACHED_MESSAGES:
            self._copies.popitem(last=False)

    async def _message(self, alert_id: str) -> tuple[AlertRecord, Alert]:
        cached = self._messages.get(alert_id)
        if cached is not None:
            self._messages.move_to_end(alert_id)
            return cached
        record = await self._store.get(alert_id)
        if record is None:
            raise StoreError(f"notification of unknown message {alert_id}")
        alert = cap.parse_stored(record.xml)
        self.remember(record, alert)
        return record, alert

    async def _reply_code(self, notification: Notification) -> str:
        """The shortest derived code the partner has free, held for this notification."""
        partner = notification.recipient.partner_id
        now = self._clock.now()
        for digits in REPLY_CODE_DIGITS:
            for code in islice(reply_codes(notification.key, self._secret, digits), _TRIES):
                if await self._store.save_reply_code(
                    code, partner, notification.key, now + ACK_VALIDITY, now=now
                ):
                    return code
        raise StoreError(f"no free reply code for partner {partner}")
