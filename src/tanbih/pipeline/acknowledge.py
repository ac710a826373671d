"""The acknowledge stage: a partner's first acknowledgement of an event stops its escalation.

Acknowledgements arrive by many routes (console, e-mail link, SMS reply, a key pressed on a
call, a partner system's CAP Ack); all end here, are stored (the first per partner wins) and
are recorded in the event log.
"""

from __future__ import annotations

from types import MappingProxyType

from tanbih.adapters.metrics import NodeMetrics
from tanbih.domain.notification import Acknowledgement, AckRoute
from tanbih.domain.records import Event, alert_id
from tanbih.ports import Clock, NodeStore


class Acknowledge:
    """Store a partner's acknowledgement of an event and say which one counts."""

    def __init__(self, store: NodeStore, clock: Clock, metrics: NodeMetrics) -> None:
        self._store = store
        self._clock = clock
        self._metrics = metrics

    async def __call__(
        self,
        thread_id: str,
        partner_id: str,
        via: AckRoute,
        *,
        contact_id: str | None = None,
        notification_key: str | None = None,
    ) -> tuple[Acknowledgement, bool]:
        """The partner's first acknowledgement of the event, and whether it is this one."""
        now = self._clock.now()
        ack = Acknowledgement(thread_id, partner_id, via, now, contact_id, notification_key)
        first = await self._store.acknowledge(ack)
        if first == ack:
            await self._record(first)
        return first, first == ack

    async def _record(self, ack: Acknowledgement) -> None:
        await self._store.append_event(
            Event(
                at=ack.at,
                kind="alert.acknowledged",
                subject=ack.thread_id,
                partner_id=ack.partner_id,
                data=MappingProxyType(
                    {"via": ack.via.value, "contact": ack.contact_id, "key": ack.notification_key}
                ),
            )
        )
        sender, identifier, _ = ack.thread_id.split(",", 2)
        root = await self._store.get(alert_id(sender, identifier))
        if root is not None:
            self._metrics.acknowledged(ack.via.value, root.received_at, ack.at)
