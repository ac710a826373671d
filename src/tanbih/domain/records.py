"""What the node keeps: accepted messages as records, and the append-only event log."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from tanbih.domain.cap import MsgType, Reference, Status
from tanbih.domain.lifecycle import Stage
from tanbih.domain.observation import Observation


def alert_id(sender: str, identifier: str) -> str:
    """The node-independent id of a message: CAP makes ``identifier`` unique per ``sender``."""
    digest = hashlib.sha256(f"{sender}\x00{identifier}".encode()).hexdigest()
    return digest[:24]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An accepted CAP message: the exact bytes, and the fields the node queries on."""

    key: Reference
    status: Status
    msg_type: MsgType
    thread_id: str
    stage: Stage
    expires: datetime | None
    received_at: datetime
    partner_id: str
    xml: bytes

    @property
    def id(self) -> str:
        """The message's id in the API."""
        return alert_id(self.key.sender, self.key.identifier)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only event log. ``seq`` is given by the store."""

    at: datetime
    kind: str
    subject: str
    partner_id: str | None = None
    data: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters for listing stored messages, newest first."""

    status: Status | None = None
    msg_type: MsgType | None = None
    sender: str | None = None
    thread_id: str | None = None
    sent_after: datetime | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class LoggedObservation:
    """A report as the observation log keeps it: ``seq`` orders the log as written."""

    seq: int
    observation: Observation
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ObservationOutcome:
    """What the assessment made of one report.

    ``association``: ``new``, ``track_id`` or ``gate`` (how it was fused into ``threat_id``),
    ``duplicate`` (a resend), ``stale`` (too old to fuse by the time it was assessed), or
    ``queued`` (kept, not assessed yet). ``issued``: the ids of the CAP messages it caused.
    """

    threat_id: str | None
    association: str
    issued: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The outcome as the observation log stores it."""
        return {
            "threat": self.threat_id,
            "association": self.association,
            "issued": list(self.issued),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, object]) -> ObservationOutcome:
        """An outcome as the observation log stored it."""
        threat, issued = body.get("threat"), body.get("issued")
        return cls(
            threat_id=threat if isinstance(threat, str) else None,
            association=str(body.get("association", "")),
            issued=tuple(str(i) for i in issued) if isinstance(issued, list) else (),
        )


QUEUED = ObservationOutcome(None, "queued")
