"""An ``AlertStore`` and ``OutboxStore`` in process memory, for fast tests of the pipeline.

It keeps the SQL store's contract (the same suite runs against both): a duplicate message is a
``StoreConflictError`` with nothing written, searches are newest ``sent`` first, the event log is
the audit chain (append-only, seq 1, 2, 3... each entry hashed onto the one before), and
partners come back without contacts or tokens. The outbox half lives in ``memory_outbox``, the
response cases in ``memory_responses``.
Nothing survives the process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from tanbih.adapters.memory_observations import MemoryObservations
from tanbih.adapters.memory_outbox import MemoryOutbox
from tanbih.adapters.memory_responses import MemoryResponses
from tanbih.domain.audit import GENESIS, AuditEntry, CheckpointKey, chain, checkpoint_event
from tanbih.domain.cap import Reference
from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.lifecycle import KnownMessage, Thread, Transition
from tanbih.domain.notification import EscalationTimer, Handover, Notification
from tanbih.domain.records import AlertQuery, AlertRecord, Event
from tanbih.errors import StoreConflictError, StoreError


class MemoryStore(MemoryOutbox, MemoryObservations, MemoryResponses):
    """The stores' contract over dicts and lists; every method is atomic (no ``await`` inside)."""

    def __init__(self) -> None:
        self._records: dict[str, AlertRecord] = {}
        self._known: dict[tuple[str, str], KnownMessage] = {}
        self._threads: dict[str, Thread] = {}
        MemoryOutbox.__init__(self, self._records, self._threads)
        MemoryObservations.__init__(self)
        self._log: list[AuditEntry] = []
        MemoryResponses.__init__(self, lambda events: self._log.extend(self._chained(events)))
        self._partners: dict[str, Partner] = {}
        self._zones: dict[str, Zone] = {}
        self._copies: dict[tuple[str, str], str] = {}

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
        handover: Handover | None = None,
        audit: Sequence[Event] = (),
    ) -> None:
        """Store an accepted message, its thread, its event (then ``audit``), its
        notifications and its escalation timers, all or nothing; the ``handover``'s
        notifications go in claimed.
        """
        key = (record.key.sender, record.key.identifier)
        if key in self._known:
            raise StoreConflictError(
                f"message {record.key.identifier!r} of {record.key.sender!r} is already stored"
            )
        times = (record.key.sent, record.expires, record.received_at)
        naive = [t for t in times if t is not None and t.utcoffset() is None]
        if naive:
            # The SQL stores keep instants: a time without an offset has none.
            raise StoreError(f"naive datetime {naive[0].isoformat()} cannot be stored")
        entries = self._chained([event, *audit])
        thread_of = self._threads_of(notifications, also={record.id: record.thread_id})
        self._check_threads(timers, also={transition.thread.id})
        self._records[record.id] = record
        self._known[key] = KnownMessage(
            record.key, record.msg_type, record.thread_id, record.expires
        )
        self._threads[transition.thread.id] = transition.thread
        self._log.extend(entries)
        self._save_timers(timers)
        self._add(notifications, thread_of, handover=handover)

    async def remember_copies(self, copies: Sequence[tuple[Reference, str]]) -> None:
        """Keep that each copy (its key) stands for the stored message of that id."""
        for key, original in copies:
            self._copies.setdefault((key.sender, key.identifier), original)

    async def originals(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], AlertRecord]:
        """The stored messages the copies ``keys`` (sender, identifier) stand for, if known."""
        found = {key: self._records.get(self._copies.get(key, "")) for key in keys}
        return {key: record for key, record in found.items() if record is not None}

    async def get(self, alert_id: str) -> AlertRecord | None:
        """One stored message by its API id."""
        return self._records.get(alert_id)

    async def search(self, query: AlertQuery) -> list[AlertRecord]:
        """Stored messages matching ``query``, newest ``sent`` first (``sent_after`` is strict)."""
        found = [r for r in self._records.values() if _matches(r, query)]
        found.sort(key=lambda r: (r.key.sent, r.id), reverse=True)
        return found[query.offset : query.offset + query.limit]

    async def append_event(self, event: Event) -> Event:
        """Append to the event log, chained; returns the event with its ``seq``."""
        (entry,) = self._chained([event])
        self._log.append(entry)
        return entry.event

    async def events(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events with ``seq`` greater than ``after_seq``, oldest first."""
        return [entry.event for entry in await self.audit_entries(after_seq, limit)]

    async def audit_entries(self, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """Entries with their hashes, ``seq`` greater than ``after_seq``, oldest first."""
        # seq n sits at index n - 1: the log is never shortened.
        start = max(after_seq, 0)
        return self._log[start : start + max(limit, 0)]

    async def audit_span(
        self, since: datetime, until: datetime | None = None
    ) -> tuple[int, int] | None:
        """The first and last ``seq`` of an export from ``since`` to ``until`` (exclusive)."""
        starts = [e.seq for e in self._log if e.at >= since]
        ends = [e.seq for e in self._log if until is None or e.at < until]
        if not starts or not ends or starts[0] > ends[-1]:
            return None
        return starts[0], ends[-1]

    async def checkpoint(self, key: CheckpointKey, at: datetime) -> AuditEntry | None:
        """Sign the chain's head by appending a checkpoint; ``None`` if nothing new to sign."""
        newest = self._log[-1] if self._log else None
        event = checkpoint_event(newest, key, at)
        if event is None:
            return None
        (entry,) = self._chained([event])
        self._log.append(entry)
        return entry

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

    def _chained(self, events: Sequence[Event]) -> list[AuditEntry]:
        """``events`` chained after the newest entry, not yet appended (data kept as JSON)."""
        head = self._log[-1].head if self._log else GENESIS
        try:
            return chain(head, events)
        except ValueError as exc:
            raise StoreError(f"cannot log the event: {exc}") from exc


def _matches(record: AlertRecord, query: AlertQuery) -> bool:
    return (
        (query.status is None or record.status is query.status)
        and (query.msg_type is None or record.msg_type is query.msg_type)
        and (query.sender is None or record.key.sender == query.sender)
        and (query.thread_id is None or record.thread_id == query.thread_id)
        and (query.sent_after is None or record.key.sent > query.sent_after)
    )
