"""What each recipient partner gets of a stored message: the one place releasability applies.

Every way a message leaves the node asks :meth:`Releasability.copy_for`: routing (who is told
at all), every channel's delivery (console, webhook, e-mail, SMS, voice, Apprise) and every API
read by a partner's token. The answer is ``None`` (the matrix withholds the message from that
partner) or a :class:`RecipientCopy`: the level, and the message at that level. Below ``full``
the copy is a new CAP message (:func:`tanbih.domain.redaction.redact`), signed by this node;
at ``full`` it is the stored message, byte for byte, with its own signature.

Redaction is deterministic (relayed identifiers are keyed digests), so a copy is made and signed
once per (message, level) and shared by every recipient at that level, whatever their channel.

CAP's ``scope`` is honoured too: a ``Private`` message (a request to respond) is for the
partners its ``addresses`` name and its poster only; to anyone else it reads as withheld.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tanbih import cap
from tanbih.domain.cap import Alert, Reference, Scope, Status
from tanbih.domain.coalition import Coalition
from tanbih.domain.provenance import message_sources
from tanbih.domain.records import AlertRecord
from tanbih.domain.redaction import Relay, redact, relayed_identifier, relayed_thread_id
from tanbih.domain.releasability import EVERYTHING_SHARED, Level, SharingMatrix, release
from tanbih.pipeline.copy_ids import CopyIds

# Derived from the node secret, so relayed identifiers survive a restart and the secret that
# signs acknowledgement tokens is never used for anything else.
_RELAY_KEY_LABEL = b"tanbih.relay-identifiers"
_CACHED = 1024
# How a CAP ``<scope>Private</scope>`` reads in the stored bytes, whatever the prefix.
_PRIVATE = b">Private</"
_K = TypeVar("_K")
_V = TypeVar("_V")

MessageKey = tuple[str, str, bytes]
"""What the caches of a message are kept by: its id, poster and exact bytes. Not the id alone:
a message planned and then found already stored (a resend, or the same id reused with other
content) must not leave its answers under the stored one's id."""


def _message_key(record: AlertRecord) -> MessageKey:
    return (record.id, record.partner_id, record.xml)


def relay_for(coalition: Coalition, secret: bytes) -> Relay:
    """Who issues this node's ``via_coordinator`` copies: the coordinator, by its sender and name.

    On the coordinator's node that is the node's own sender; on a partner's node, the
    coordinator's first declared sender (the copy is still signed by this node's key).
    """
    node = coalition.node
    coordinator = coalition.coordinator
    sender = node.sender
    if coordinator is not None and coordinator.id != node.partner_id and coordinator.senders:
        sender = coordinator.senders[0]
    key = hmac.new(secret, _RELAY_KEY_LABEL, hashlib.sha256).digest()
    return Relay(sender, key, None if coordinator is None else coordinator.name)


@dataclass(frozen=True, slots=True)
class RecipientCopy:
    """What one recipient partner gets of a message.

    ``alert`` is the message at ``level``; ``xml`` its CAP bytes as sent (the stored bytes at
    ``full``, else the redacted copy signed by this node); ``sources`` the partners whose
    reports the message rests on.
    """

    level: Level
    sources: frozenset[str]
    alert: Alert
    xml: bytes


class Releasability:
    """The sharing matrix applied to stored messages, with each redacted copy made once."""

    def __init__(self, coalition: Coalition, relay: Relay, sign: Callable[[bytes], bytes]) -> None:
        agreement = coalition.agreement
        self._matrix: SharingMatrix = EVERYTHING_SHARED if agreement is None else agreement.sharing
        self._own = coalition.node.partner_id
        self._partners = frozenset(p.id for p in coalition.partners)
        self._coordinator = coalition.coordinator
        self._relay = relay
        self._ids = CopyIds(relay.key)
        self._sign = sign
        self._copies: OrderedDict[tuple[MessageKey, Level], RecipientCopy] = OrderedDict()
        self._sources: OrderedDict[MessageKey, frozenset[str]] = OrderedDict()
        # The matrix's answer per (sources, status, recipient): few distinct ones, asked often.
        self._levels: dict[tuple[frozenset[str], Status, str], Level] = {}
        # Per message, the partners a Private one is for (None: not private), read once.
        self._addressees: OrderedDict[MessageKey, frozenset[str] | None] = OrderedDict()

    @property
    def relay(self) -> Relay:
        """Who issues relayed copies, and the key of their identifiers."""
        return self._relay

    def sources(self, record: AlertRecord, alert: Alert | None = None) -> frozenset[str]:
        """The partners whose reports a stored message rests on (:mod:`~tanbih.domain.provenance`).

        ``alert`` is the parsed message if the caller has it; else the record is read (once:
        the answer is kept).
        """
        key = _message_key(record)
        cached = self._sources.get(key)
        if cached is not None:
            return cached
        message = alert if alert is not None else cap.parse_stored(record.xml)
        sources = message_sources(message, record.partner_id, self._own, self._partners)
        _keep(self._sources, key, sources)
        return sources

    def level(self, sources: frozenset[str], status: Status, recipient: str) -> Level:
        """The level at which ``recipient`` may see a message of ``status`` from ``sources``."""
        key = (sources, status, recipient)
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = release(self._matrix, sources, recipient, status)
        return level

    def level_of(self, record: AlertRecord, recipient: str, alert: Alert | None = None) -> Level:
        """The level at which ``recipient`` may see a stored message."""
        if not self.addressed(record, recipient, alert):
            return Level.NONE
        return self.level(self.sources(record, alert), record.status, recipient)

    def addressed(self, record: AlertRecord, recipient: str, alert: Alert | None = None) -> bool:
        """Whether CAP's ``scope`` lets ``recipient`` have the message at all: a ``Private``
        one goes to the partners its ``addresses`` name, and back to its poster, only."""
        if recipient == record.partner_id:
            return True
        key = _message_key(record)
        if key not in self._addressees:
            _keep(self._addressees, key, self._addressees_of(record, alert))
        addressees = self._addressees[key]
        return addressees is None or recipient in addressees

    @staticmethod
    def _addressees_of(record: AlertRecord, alert: Alert | None) -> frozenset[str] | None:
        """The partners a ``Private`` message is for; ``None`` when it is not private."""
        # Most messages are not private: the bytes say so without parsing them.
        if _PRIVATE not in record.xml:
            return None
        message = alert if alert is not None else cap.parse_stored(record.xml)
        if message.scope is not Scope.PRIVATE:
            return None
        return frozenset((message.addresses or "").split())

    def copy_for(self, record: AlertRecord, alert: Alert, recipient: str) -> RecipientCopy | None:
        """What partner ``recipient`` gets of the stored ``record`` (parsed: ``alert``).

        ``None``: the matrix withholds it from that partner, who must receive nothing of it.
        """
        if not self.addressed(record, recipient, alert):
            return None
        sources = self.sources(record, alert)
        level = self.level(sources, record.status, recipient)
        if level is Level.NONE:
            return None
        if level is Level.FULL:
            return RecipientCopy(level, sources, alert, record.xml)
        key = (_message_key(record), level)
        cached = self._copies.get(key)
        if cached is not None:
            self._copies.move_to_end(key)
            return cached
        redacted = redact(alert, level, self._relay)
        if redacted is None:  # only for ``none``, handled above
            return None
        copy = RecipientCopy(level, sources, redacted, self._sign(cap.emit_xml(redacted)))
        _keep(self._copies, key, copy)
        return copy

    def copy_key(self, record: AlertRecord, level: Level) -> Reference:
        """The sender and identifier a copy at ``level`` carries, without making the copy."""
        if level in (Level.FULL, Level.NONE):
            return record.key
        sender = self._relay.sender if level is Level.VIA_COORDINATOR else record.key.sender
        return Reference(
            sender, relayed_identifier(self._relay, level, record.key), record.key.sent
        )

    def known_id(self, record: AlertRecord, level: Level) -> str:
        """The id a recipient at ``level`` knows the message by: its own at ``full``, else an
        opaque copy id (:mod:`~tanbih.pipeline.copy_ids`) that reveals nothing of the original."""
        if level in (Level.FULL, Level.NONE):
            return record.id
        return self._ids.copy_id(record.id, level)

    def message_id_known_as(self, known_id: str) -> str:
        """The id of the stored message a recipient's id names (:meth:`known_id`); whether that
        recipient may use it is :meth:`known_id`'s to say."""
        read = self._ids.read(known_id)
        return known_id if read is None else read[0]

    def copy_thread_id(self, record: AlertRecord, level: Level) -> str:
        """The thread id of a stored message as a recipient at ``level`` knows it."""
        if level in (Level.FULL, Level.NONE):
            return record.thread_id
        return relayed_thread_id(self._relay, level, record.thread_id)

    def copy_partner(self, record: AlertRecord, level: Level) -> str:
        """Which partner a recipient at ``level`` is told the message came from."""
        if level is Level.VIA_COORDINATOR and self._coordinator is not None:
            return self._coordinator.id
        return record.partner_id


def _keep(cache: OrderedDict[_K, _V], key: _K, value: _V) -> None:
    cache[key] = value
    if len(cache) > _CACHED:
        cache.popitem(last=False)
