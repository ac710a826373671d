"""Inbound links: what peers address to this node, verified, then put through the pipeline.

Three durable consumers, one per kind (``<partner>-cap``, ``-ack``, ``-obs``), shared by the
node's processes. Each message is read as hostile input:

- CAP (alerts, updates, cancels, acks) is parsed with the hostile-input parser and its
  XML-DSig verified against the keys its sender's partner registers; then it goes through the
  accept stage as that partner's message, exactly as if posted to ``/api/v1/alerts``. A
  message that expired before it arrived (the node was away) is stored as history: accepted
  into the log without notifying anyone.
- Observations carry a detached signature (:mod:`tanbih.federation.seal`) by the reporting
  partner's key; they are kept in the observation log and, while still fresh, assessed.

Anything unreadable, unsigned where signatures are due, altered in transit, from a sender
its partner may not use, or that already passed this node is refused for good (``REJECT``),
logged, and written to the audit log as ``link.refused``. A store failure is a ``RETRY``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import MappingProxyType

from tanbih import cap
from tanbih.domain.coalition import Coalition
from tanbih.domain.federation import Kind, Topology, loops
from tanbih.domain.observation import Observation, observation_problems
from tanbih.domain.records import Event
from tanbih.errors import AccessDeniedError, CapError, StoreError
from tanbih.federation import observation_wire
from tanbih.federation.outbound import FROM, PATH
from tanbih.federation.seal import unsealed
from tanbih.pipeline.accept import AcceptAlert
from tanbih.pipeline.signing import Signatures
from tanbih.ports import Bus, BusMessage, Clock, NodeStore, Verdict

log = logging.getLogger(__name__)

Observe = Callable[[Observation], Awaitable[None]]


class Inbound:
    """Consumes this node's inboxes (see the module docstring)."""

    def __init__(
        self,
        *,
        own: str,
        bus: Bus,
        topology: Topology,
        coalition: Coalition,
        signatures: Signatures,
        accept: AcceptAlert,
        history: AcceptAlert,
        store: NodeStore,
        observe: Observe,
        clock: Clock,
    ) -> None:
        self._own = own
        self._bus = bus
        self._topology = topology
        self._coalition = coalition
        self._signatures = signatures
        self._accept = accept
        self._history = history
        self._store = store
        self._observe = observe
        self._clock = clock
        self.refused = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Consume every inbox until ``stop``."""
        topology, own = self._topology, self._own
        async with asyncio.TaskGroup() as group:
            for kind in Kind:
                handler = self.observation if kind is Kind.OBSERVATION else self.cap
                group.create_task(
                    self._bus.consume(
                        topology.inbox(kind, own), topology.durable(kind, own), handler, stop
                    )
                )

    async def cap(self, message: BusMessage) -> Verdict:
        """A CAP message from a peer: verify, then accept (or keep as history)."""
        if loops(message.headers.get(PATH, "").split(","), self._own):
            return await self._refuse(message, "it already passed through this node")
        now = self._clock.now()
        try:
            document = cap.parse_document(message.data)
        except CapError as exc:
            return await self._refuse(message, f"not readable CAP: {exc}")
        verification = self._signatures.verify(document, now)
        if not verification.accepted:
            return await self._refuse(message, f"signature refused: {verification.message}")
        alert = document.alert
        partner = next((p for p in self._coalition.partners if p.may_send_as(alert.sender)), None)
        if partner is None:
            return await self._refuse(message, f"no partner sends as {alert.sender!r}")
        expired = alert.expires is not None and alert.expires <= now
        accept = self._history if expired else self._accept
        try:
            await accept(alert, message.data, partner)
        except AccessDeniedError as exc:
            return await self._refuse(message, str(exc))
        except StoreError:
            log.exception("storing %s failed; it will come again", message.msg_id)
            return Verdict.RETRY
        return Verdict.DONE

    async def observation(self, message: BusMessage) -> Verdict:
        """An observation from a peer: verify, keep, and assess it while it is fresh."""
        try:
            obs = observation_wire.decode(message.data)
        except observation_wire.WireError as exc:
            return await self._refuse(message, f"not an observation: {exc}")
        now = self._clock.now()
        reason = unsealed(message.data, message.headers, obs.partner_id, self._coalition, now)
        if reason is not None:
            return await self._refuse(message, f"signature refused: {reason}")
        try:
            fresh = await self._store.record_observations([obs], now)
        except StoreError:
            log.exception("storing observation %s failed; it will come again", obs.id)
            return Verdict.RETRY
        # A report too old to fuse (the node was away) stays in the log as history.
        if fresh[0] and not observation_problems(obs, now):
            await self._observe(obs)
        return Verdict.DONE

    async def _refuse(self, message: BusMessage, reason: str) -> Verdict:
        sent_by = message.headers.get(FROM, "?")
        log.error("refused %s from %s on %s: %s", message.msg_id, sent_by, message.subject, reason)
        self.refused += 1
        event = Event(
            at=self._clock.now(),
            kind="link.refused",
            subject=message.msg_id or message.subject,
            data=MappingProxyType(
                {"subject": message.subject, "from": sent_by, "reason": reason[:500]}
            ),
        )
        try:
            await self._store.append_event(event)
        except StoreError:
            log.exception("could not write the refusal of %s to the audit log", message.msg_id)
            return Verdict.RETRY
        return Verdict.REJECT
