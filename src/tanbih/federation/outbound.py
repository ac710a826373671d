"""Outbound links: what this node accepted goes to the peers entitled to it.

The sender follows the event log, not the accept stage: every ``alert.accepted`` entry, by
whichever process of the node wrote it (API, assessment, inbound link), is looked at in log
order, and :class:`~tanbih.domain.federation.Federation` says who gets it at what level. So a
message is sent only once it is stored, and a node that restarts sends again what it accepted
in the last ``replay`` window: the bus drops what it already holds (``Nats-Msg-Id``) and the
receivers' accept stage what they already stored, so nothing is lost and nothing doubles.
A send that fails is tried again, holding back the entries after it (order is kept).

Each redacted copy sent is remembered with the message it stands for: the recipient
acknowledges the copy, and the accept stage reads its Ack as one of the original. At the hub,
such an Ack of another partner's message goes on to that source's node as the hub's own Ack
(:func:`~tanbih.domain.redaction.relayed_ack`), where the sharing matrix allows.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from tanbih import cap
from tanbih.api.observation_models import observation_body
from tanbih.domain.cap import Alert, MsgType, Reference
from tanbih.domain.coalition import Coalition
from tanbih.domain.federation import Federation, Kind, Topology
from tanbih.domain.records import AlertRecord, Event
from tanbih.domain.redaction import RELAYED_PREFIX, redact, relayed_ack
from tanbih.domain.releasability import Level
from tanbih.errors import BusError, CapError, StoreError
from tanbih.federation import observation_wire
from tanbih.federation.https_peer import HttpsPeer
from tanbih.pipeline.release import Releasability
from tanbih.pipeline.signing import Signatures
from tanbih.pipeline.waiting import either
from tanbih.ports import AlertStore, Bus, Clock

log = logging.getLogger(__name__)

FROM = "Tanbih-From"
PATH = "Tanbih-Path"
REPLAY = timedelta(hours=1)
_PAGE = 500
_RETRY_S = 1.0
_POLL_S = 1.0


def msg_id(kind: Kind, recipient: str, sender: str, identifier: str) -> str:
    """The idempotency key of one message to one recipient (``Nats-Msg-Id``)."""
    digest = hashlib.sha256(f"{sender}\n{identifier}".encode()).hexdigest()[:32]
    return f"{kind}.{recipient}.{digest}"


def category_of(alert: Alert) -> str:
    """The subject part for a CAP message's category (its first info's first one)."""
    for info in alert.infos:
        for category in info.categories:
            return category.value
    return "other"


class Outbound:
    """Sends what the node accepted to its peers (see the module docstring)."""

    def __init__(
        self,
        *,
        store: AlertStore,
        bus: Bus,
        topology: Topology,
        federation: Federation,
        coalition: Coalition,
        releasability: Releasability,
        signatures: Signatures,
        clock: Clock,
        https: Mapping[str, HttpsPeer],
        wake: asyncio.Event,
        replay: timedelta = REPLAY,
    ) -> None:
        self._store = store
        self._bus = bus
        self._topology = topology
        self._federation = federation
        self._coalition = coalition
        self._releasability = releasability
        self._signatures = signatures
        self._clock = clock
        self._https = https
        self._wake = wake
        self._replay = replay
        self.sent = 0

    async def run(self, stop: asyncio.Event, cursor: int) -> None:
        """Follow the event log after ``cursor`` (see ``start``) and send until ``stop``."""
        while not stop.is_set():
            self._wake.clear()
            try:
                events = await self._store.events(cursor, limit=_PAGE)
            except StoreError:
                log.exception("reading the event log failed; trying again")
                events = []
            for event in events:
                await self._send_until_done(event, stop)
                if stop.is_set():
                    return
                cursor = event.seq or cursor
            if len(events) < _PAGE:
                await either(self._wake, stop, _POLL_S)

    async def publish(
        self,
        kind: Kind,
        recipient: str,
        category: str,
        data: bytes,
        key: str,
        path: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """One message to one peer: over HTTPS where a link says so, else on the bus.

        ``key`` is its idempotency key, ``path`` the nodes it passed, ``headers`` any more
        (an observation's signature). Over HTTPS an observation is posted as the API takes it,
        the peer's token standing for the detached signature.
        """
        peer = self._https.get(recipient)
        if peer is not None:
            if kind is Kind.OBSERVATION:
                await peer.send_observation(observation_body(observation_wire.decode(data)))
            else:
                await peer.send(data)
            return
        subject = self._topology.subject(kind, recipient, category)
        sent = {**(headers or {}), FROM: self._federation.own, PATH: path}
        await self._bus.publish(subject, data, msg_id=key, headers=sent)
        self.sent += 1

    async def start(self) -> int:
        """The seq after which to start: the first entry of the replay window, else the head.

        Taken before the node accepts anything, so that no message accepted at start-up falls
        before the head and is never sent.
        """
        now = self._clock.now()
        span = await self._store.audit_span(now - self._replay)
        if span is not None:
            return span[0] - 1
        whole = await self._store.audit_span(datetime(1970, 1, 1, tzinfo=UTC))
        return 0 if whole is None else whole[1]

    async def _send_until_done(self, event: Event, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._forward(event)
                return
            except (BusError, StoreError) as exc:
                log.warning("sending %s to peers failed (%s); trying again", event.subject, exc)
                await either(stop, stop, _RETRY_S)
            except CapError:
                log.exception("stored message %s is not readable CAP; not sent", event.subject)
                return

    async def _forward(self, event: Event) -> None:
        if event.kind != "alert.accepted":
            return
        origin = event.partner_id or ""
        if not (self._federation.originated(origin) or self._federation.is_hub):
            return  # received from a peer: only the hub passes anything on
        record = await self._store.get(event.subject)
        if record is None or _expired(record, self._clock.now()):
            return  # history is not forwarded: it would alarm nobody
        alert = cap.parse_stored(record.xml)
        origin = record.partner_id
        if alert.msg_type is MsgType.ACK:
            answered = {self._partner_of(ref.sender) for ref in alert.references}
            partners = {partner for partner in answered if partner is not None}
            for recipient in self._federation.ack_recipients(origin, partners):
                key = msg_id(Kind.ACK, recipient, alert.sender, alert.identifier)
                await self.publish(Kind.ACK, recipient, "ack", record.xml, key, self._path(origin))
            await self._tell_sources(record, alert)
            return
        own = self._coalition.partner(self._federation.own)
        own_sender = own is not None and own.may_send_as(alert.sender)
        sources = self._releasability.sources(record, alert)
        for send in self._federation.sends(origin, sources, alert.status, own_sender):
            # CAP's scope first: a Private message goes only to the partners it addresses.
            if not self._releasability.addressed(record, send.recipient, alert):
                continue
            copy = self._copy(record, alert, send.recipient, send.level)
            if copy is None:
                continue
            message, xml = copy
            if message.identifier != alert.identifier:
                # A redacted copy: the recipient will acknowledge it by its own identifier.
                await self._store.remember_copies([(message.key, record.id)])
            key = msg_id(Kind.ALERT, send.recipient, message.sender, message.identifier)
            path = self._path(origin)
            await self.publish(Kind.ALERT, send.recipient, category_of(alert), xml, key, path)

    async def _tell_sources(self, record: AlertRecord, ack: Alert) -> None:
        """A partner's Ack of copies this node relayed goes on to each source's node as this
        node's own Ack of the source's message, naming no one (``relayed_ack``), where the
        matrix lets the acknowledging partner's messages reach that source at all."""
        relayed = [
            (ref.sender, ref.identifier)
            for ref in ack.references
            if ref.identifier.startswith(RELAYED_PREFIX)
        ]
        originals = await self._store.originals(relayed) if relayed else {}
        acknowledging = record.partner_id
        answered: dict[str, list[Reference]] = {}
        for original in originals.values():
            source = original.partner_id
            if source in (self._federation.own, acknowledging):
                continue
            if source not in self._federation.peers:
                continue
            level = self._releasability.level(frozenset({acknowledging}), ack.status, source)
            if level is not Level.NONE:
                answered.setdefault(source, []).append(original.key)
        for source, keys in sorted(answered.items()):
            passed_on = relayed_ack(ack, tuple(keys), self._releasability.relay)
            xml = self._signatures.sign(cap.emit_xml(passed_on))
            key = msg_id(Kind.ACK, source, passed_on.sender, passed_on.identifier)
            await self.publish(Kind.ACK, source, "ack", xml, key, self._path(acknowledging))

    def _copy(
        self, record: AlertRecord, alert: Alert, recipient: str, level: Level
    ) -> tuple[Alert, bytes] | None:
        """The message at ``level`` and its signed bytes: the copy the node's channels send
        that recipient when the levels agree (made once, shared), else redacted here (a
        ``zones_only`` of another's sender goes ``via_coordinator`` from the hub)."""
        copy = self._releasability.copy_for(record, alert, recipient)
        if copy is not None and copy.level is level:
            return copy.alert, copy.xml
        redacted = redact(alert, level, self._releasability.relay)
        if redacted is None:
            return None
        return redacted, self._signatures.sign(cap.emit_xml(redacted))

    def _partner_of(self, sender: str) -> str | None:
        return next((p.id for p in self._coalition.partners if p.may_send_as(sender)), None)

    def _path(self, origin: str) -> str:
        """The nodes a message passed: its origin's, then this one when relaying."""
        own = self._federation.own
        return own if origin == own or origin not in self._federation.peers else f"{origin},{own}"


def _expired(record: AlertRecord, now: datetime) -> bool:
    return record.expires is not None and record.expires <= now
