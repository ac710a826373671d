"""An ``AlertStore`` and ``OutboxStore`` in process memory, for fast tests of the pipeline.

It keeps the SQL store's contract (the same suite runs against both): a duplicate message is a
``StoreConflictError`` with nothing written, searches are newest ``sent`` first, the event log is
append-only with increasing ``seq``, and partners come back without contacts or tokens. The
outbox half lives in ``memory_outbox``. Nothing survives the process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from tanbih.adapters.memory_observations import MemoryObservations
from tanbih.adapters.memory_outbox import MemoryOutbox
from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.lifecycle import KnownMessage, Thread, Transition
from tanbih.domain.notification import EscalationTimer, Notification
from tanbih.domain.records import AlertQuery, AlertRecord, Event
from tanbih.errors import StoreConflictError, StoreError


class MemoryStore(MemoryOutbox, MemoryObservations):
    """The stores' contract over dicts and lists; every method is atomic (no ``await`` inside)."""

    def __init__(self) -> None:
        self._records: dict[str, AlertRecord] = {}
        self._known: dict[tuple[str, str], KnownMessage] = {}
        self._threads: dict[str, Thread] = {}
        MemoryOutbox.__init__(self, self._records, self._threads)
        MemoryObservations.__init__(self)
        self._events: list[Event] = []
        self._partners: dict[str, Partner] = {}
        self._zones: dict[str, Zone] = {}

    async def known(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownMessage]:
        """Stored messages by (sender, identifier), for the keys that exist."""
        return {key: self._known[key] for key in keys if key in self._known}

    async def threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        """Stored threads by id, for the ids that exist."""
        return {tid: self._threads[tid] for tid in thread_ids if tid in self._threads}

    async def record(
        self,
        record: AlertRecord,
        transition: Transition,
        event: Event,
        *,
        notifications: Sequence[Notification] = (),
        timers: Sequence[EscalationTimer] = (),
    ) -> None:
        """Store an accepted message, its thread, its event, its notifications and its
        escalation timers, all or nothing.
        """
        key = (record.key.sender, record.key.identifier)
        if key in self._known:
            raise StoreConflictError(
                f"message {record.key.identifier!r} of {record.key.sender!r} is already stored"
            )
        data = _as_stored(event.data)
        thread_of = self._threads_of(notifications, also={record.id: record.thread_id})
        self._check_threads(timers, also={transition.thread.id})
        self._records[record.id] = record
        self._known[key] = KnownMessage(
            record.key, record.msg_type, record.thread_id, record.expires
        )
        self._threads[transition.thread.id] = transition.thread
        self._append(event, data)
        self._save_timers(timers)
        self._add(notifications, thread_of)

    async def get(self, alert_id: str) -> AlertRecord | None:
        """One stored message by its API id."""
        return self._records.get(alert_id)

    async def search(self, query: AlertQuery) -> list[AlertRecord]:
        """Stored messages matching ``query``, newest ``sent`` first (``sent_after`` is strict)."""
        found = [r for r in self._records.values() if _matches(r, query)]
        found.sort(key=lambda r: (r.key.sent, r.id), reverse=True)
        return found[query.offset : query.offset + query.limit]

    async def append_event(self, event: Event) -> Event:
        """Append to the event log; returns the event with its ``seq``."""
        return self._append(event, _as_stored(event.data))

    async def events(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events with ``seq`` greater than ``after_seq``, oldest first."""
        # seq n sits at index n - 1: the log is never shortened.
        start = max(after_seq, 0)
        return self._events[start : start + max(limit, 0)]

    async def sync_coalition(self, coalition: Coalition) -> None:
        """Make the stored partners and zones those of ``coalition`` (all or nothing)."""
        declared = {p.id for p in coalition.partners}
        orphans = sorted({z.partner_id for z in coalition.zones} - declared)
        if orphans:
            raise StoreError(f"zones of undeclared partners: {', '.join(orphans)}")
        self._partners = {
            p.id: replace(p, token_hashes=(), contacts=()) for p in coalition.partners
        }
        self._zones = {z.id: z for z in coalition.zones}

    async def partners(self) -> list[Partner]:
        """Stored partners (without contacts or tokens), by id."""
        return [self._partners[pid] for pid in sorted(self._partners)]

    async def zones(self, partner_id: str | None = None) -> list[Zone]:
        """Stored zones, optionally of one partner, by id."""
        return [
            self._zones[zid]
            for zid in sorted(self._zones)
            if partner_id is None or self._zones[zid].partner_id == partner_id
        ]

    async def close(self) -> None:
        """Nothing to release."""

    def _append(self, event: Event, data: Mapping[str, object]) -> Event:
        stored = replace(event, data=data, seq=len(self._events) + 1)
        self._events.append(stored)
        return stored


def _as_stored(data: Mapping[str, object]) -> Mapping[str, object]:
    """Event data as the SQL store keeps it: JSON (tuples come back as lists, or it fails)."""
    try:
        return MappingProxyType(json.loads(json.dumps(dict(data))))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"event data is not JSON: {exc}") from exc


def _matches(record: AlertRecord, query: AlertQuery) -> bool:
    return (
        (query.status is None or record.status is query.status)
        and (query.msg_type is None or record.msg_type is query.msg_type)
        and (query.sender is None or record.key.sender == query.sender)
        and (query.thread_id is None or record.thread_id == query.thread_id)
        and (query.sent_after is None or record.key.sent > query.sent_after)
    )
