"""The stores of the pipeline: messages, observations, responses; the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from tanbih.domain.audit import AuditEntry, CheckpointKey
from tanbih.domain.cap import Reference
from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.lifecycle import KnownMessage, Thread, Transition
from tanbih.domain.notification import (
    EscalationTimer,
    Handover,
    Notification,
)
from tanbih.domain.observation import Observation
from tanbih.domain.records import (
    AlertQuery,
    AlertRecord,
    Event,
    LoggedObservation,
    ObservationOutcome,
)
from tanbih.domain.response_case import ResponseCase
from tanbih.ports.outbox import OutboxStore


class Clock(Protocol):
    """The time, real or simulated (exercises)."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class AlertStore(Protocol):
    """Durable state: accepted messages, their threads, the coalition and the event log.

    The event log is the audit chain (``tanbih.domain.audit``): every append, whatever the
    method, is chained by SHA-256 to the entry before it.
    """

    async def known(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownMessage]:
        """Stored messages by (sender, identifier), for the keys that exist."""
        ...

    async def threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        """Stored threads by id, for the ids that exist."""
        ...

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
        """Store an accepted message, its thread after it and its event, in one transaction.

        The message's ``notifications`` and escalation ``timers`` go in the same transaction
        (the outbox): either the message is stored with everyone it must reach, or nothing is.
        The ``handover``'s notifications are written claimed by its worker until it expires.
        ``audit`` entries (what releasability decided) are chained right after ``event``.
        Raises ``StoreConflictError`` if the (sender, identifier) is already stored.
        """
        ...

    async def remember_copies(self, copies: Sequence[tuple[Reference, str]]) -> None:
        """Keep that each redacted copy sent (its key) stands for the stored message of that
        id: a partner acknowledges the copy it was given."""
        ...

    async def originals(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], AlertRecord]:
        """The stored messages the copies ``keys`` (sender, identifier) stand for, if known."""
        ...

    async def get(self, alert_id: str) -> AlertRecord | None:
        """One stored message by its API id."""
        ...

    async def search(self, query: AlertQuery) -> list[AlertRecord]:
        """Stored messages matching ``query``, newest ``sent`` first."""
        ...

    async def append_event(self, event: Event) -> Event:
        """Append to the event log; returns the event with its ``seq``."""
        ...

    async def events(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events with ``seq`` greater than ``after_seq``, oldest first."""
        ...

    async def audit_entries(self, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """The event log as the audit chain: entries with their hashes, ``seq`` greater than
        ``after_seq``, oldest first, exactly as stored (to be verified, not trusted).
        """
        ...

    async def audit_span(
        self, since: datetime, until: datetime | None = None
    ) -> tuple[int, int] | None:
        """The first and last ``seq`` of an export: from the first entry at or after ``since``
        to the last before ``until`` (all entries between, so the export is one piece of the
        chain). ``None`` if no entry falls in the span.
        """
        ...

    async def checkpoint(self, key: CheckpointKey, at: datetime) -> AuditEntry | None:
        """Sign the newest entry with ``key`` by appending an ``audit.checkpoint`` entry, in one
        transaction; ``None`` if the log is empty or already ends with a checkpoint.
        """
        ...

    async def sync_coalition(self, coalition: Coalition) -> None:
        """Make the stored partners and zones those of ``coalition`` (upsert, drop the rest)."""
        ...

    async def partners(self) -> list[Partner]:
        """Stored partners (without contacts or tokens), by id."""
        ...

    async def zones(self, partner_id: str | None = None) -> list[Zone]:
        """Stored zones, optionally of one partner, by id."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class ObservationLog(Protocol):
    """Every observation partners reported, as received."""

    async def record_observations(
        self, reports: Sequence[Observation], received_at: datetime
    ) -> list[bool]:
        """Keep ``reports`` in one transaction; for each, whether it was new (not a resend)."""
        ...

    async def observation_count(self) -> int:
        """How many reports the log holds."""
        ...

    async def observations_after(self, seq: int, limit: int = 500) -> list[LoggedObservation]:
        """Reports with a ``seq`` greater than ``seq``, in log order, at most ``limit``."""
        ...

    async def observation_head(self) -> int:
        """The newest report's ``seq``; 0 for an empty log."""
        ...

    async def first_observation_since(self, since: datetime) -> int | None:
        """The ``seq`` of the first report received at or after ``since``, if any."""
        ...

    async def last_assessed(self) -> int:
        """The ``seq`` of the newest report with an outcome; 0 if none has one."""
        ...

    async def save_outcomes(self, outcomes: Sequence[tuple[int, ObservationOutcome]]) -> None:
        """Keep what the assessment made of the reports numbered so, in one transaction."""
        ...

    async def observation_outcomes(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ObservationOutcome]:
        """The outcomes of the reports ``keys`` (partner, id) that have one."""
        ...

    async def cursor(self, name: str) -> int | None:
        """Where the reader ``name`` of the log stands, if it ever saved its place."""
        ...

    async def advance_cursor(self, name: str, seq: int) -> None:
        """Save ``seq`` as the place of reader ``name``, unless it stands further already."""
        ...

    async def save_picture(self, picture: str) -> None:
        """Keep the assessing worker's threat picture (a text it wrote), replacing the last."""
        ...

    async def picture(self) -> str | None:
        """The threat picture the assessing worker kept last, if any."""
        ...


class AssessorLease(Protocol):
    """The right to assess a node's observation log, held by one of its workers at a time.

    ``news`` is set when reports were added to the log (it may also stay silent: poll too).
    """

    news: asyncio.Event

    async def take(self) -> bool:
        """Take the lease if no one holds it; whether this worker holds it now."""
        ...

    async def holds(self) -> bool:
        """Whether this worker still holds the lease (it is lost with its connection)."""
        ...

    async def release(self) -> None:
        """Give the lease up (closing the process gives it up too)."""
        ...


class NodeStore(AlertStore, OutboxStore, ObservationLog, Protocol):
    """Everything a node keeps: messages, the coalition, the event log and the outbox."""


class ResponseStore(Protocol):
    """Durable response coordination: each threat's case and capabilities switched.

    Every write carries its audit entries, appended to the chain in the same transaction.
    """

    async def open_case(self, case: ResponseCase, audit: Sequence[Event]) -> bool:
        """Store a new case; ``False`` (nothing written) if the threat already has one."""
        ...

    async def save_case(self, case: ResponseCase, audit: Sequence[Event]) -> ResponseCase | None:
        """Save ``case`` over the revision it was read at; the case as saved, or ``None`` if
        another writer moved it on first (nothing written)."""
        ...

    async def case(self, threat_id: str) -> ResponseCase | None:
        """One threat's case, if it has one."""
        ...

    async def cases(self, *, open_only: bool = False, limit: int = 200) -> list[ResponseCase]:
        """Cases, newest first; ``open_only``: those awaiting an answer."""
        ...

    async def due_cases(self, now: datetime, limit: int = 100) -> list[ResponseCase]:
        """Cases whose request is unanswered at its due time, earliest due first."""
        ...

    async def availability(self) -> dict[tuple[str, str], bool]:
        """Capabilities switched at run time: (partner id, capability) to available."""
        ...

    async def switch_capability(
        self,
        partner_id: str,
        capability: str,
        available: bool,
        *,
        at: datetime,
        by: str,
        audit: Event,
    ) -> None:
        """Record a capability switched on or off, with its audit entry."""
        ...


class RespondStore(NodeStore, ResponseStore, Protocol):
    """What the respond stage needs: messages, timers, the event log and the response cases."""
