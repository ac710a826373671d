"""The audit chain: each entry of the event log is chained by SHA-256 to the one before it.

The rule, stated so that an auditor outside tanbih can recompute it (docs/audit.md):

* entries are numbered ``seq`` 1, 2, 3, ... without gaps;
* ``hash = SHA-256(canonical({"at", "data", "kind", "partner_id", "prev_hash", "seq",
  "subject"}))`` in lowercase hex, where ``prev_hash`` is the hash of the entry before
  (``GENESIS_HASH``, 64 zeros, before the first);
* ``canonical`` is JSON with keys sorted, no whitespace, UTF-8 without ASCII escapes, no NaN or
  infinity; ``at`` is the UTC time written ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

Now and then the node appends a checkpoint (kind ``audit.checkpoint``): an HMAC-SHA256, under a
key derived from the node secret, of the ``seq`` and ``hash`` of the entry just before it. The
chain shows that nothing was changed after the fact short of rewriting it from that point on; the
checkpoints show that the node, not someone with only the database, wrote it. The walk that
verifies a chain is ``tanbih.domain.audit_walk``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from tanbih.domain.records import Event

GENESIS_HASH = "0" * 64
CHECKPOINT_KIND = "audit.checkpoint"
CHECKPOINT_ALGORITHM = "hmac-sha256"
CHECKPOINT_PURPOSE = "tanbih.audit.checkpoint"
# The checkpoint key is derived, so the node secret (which also signs acknowledgement tokens)
# is never handed to an auditor; the derived key is.
_KEY_LABEL = b"tanbih.audit.checkpoint-key"
MIN_SECRET_BYTES = 32


def utc_text(moment: datetime) -> str:
    """A time as the chain writes it: UTC, microseconds, ``Z`` (naive times are refused)."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc(moment: datetime) -> datetime:
    # A naive time would be taken as the machine's local time: refuse it instead.
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no instant")
    return moment.astimezone(UTC)


def canonical(value: object) -> bytes:
    """The one byte encoding of a JSON value that hashes and signatures are computed over."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def json_data(data: Mapping[str, object]) -> Mapping[str, object]:
    """Event data as a store keeps it (JSON: tuples become lists), read-only.

    Raises ``ValueError`` for data that JSON cannot hold (times, sets, NaN).
    """
    try:
        return MappingProxyType(json.loads(json.dumps(dict(data), allow_nan=False)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"event data is not JSON: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a chain ends: the newest entry's ``seq`` and ``hash`` (``GENESIS`` when empty)."""

    seq: int
    hash: str


GENESIS = ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event of the log with its place in the chain."""

    seq: int
    at: datetime
    kind: str
    subject: str
    partner_id: str | None
    data: Mapping[str, object]
    prev_hash: str
    hash: str

    @property
    def head(self) -> ChainHead:
        """The chain's head once this entry is the newest."""
        return ChainHead(self.seq, self.hash)

    @property
    def event(self) -> Event:
        """The entry as the event log's ``Event``."""
        return Event(self.at, self.kind, self.subject, self.partner_id, self.data, self.seq)

    def content_hash(self) -> str:
        """The hash this entry's fields give: equal to ``hash`` unless something was altered."""
        return entry_hash(self.prev_hash, self.seq, self.event)


def entry_hash(prev_hash: str, seq: int, event: Event) -> str:
    """SHA-256 of the canonical entry: ``event`` logged at ``seq`` after ``prev_hash``."""
    document = {
        "at": utc_text(event.at),
        "data": dict(event.data),
        "kind": event.kind,
        "partner_id": event.partner_id,
        "prev_hash": prev_hash,
        "seq": seq,
        "subject": event.subject,
    }
    return hashlib.sha256(canonical(document)).hexdigest()


def chain(head: ChainHead, events: Iterable[Event]) -> list[AuditEntry]:
    """``events`` as the entries that follow ``head``, each chained to the one before, as a
    store keeps them: times in UTC, data as JSON.

    Raises ``ValueError`` for a naive time or data that is not JSON.
    """
    entries: list[AuditEntry] = []
    for event in events:
        at, data = _utc(event.at), json_data(event.data)
        stored = Event(at, event.kind, event.subject, event.partner_id, data)
        seq = head.seq + 1
        digest = entry_hash(head.hash, seq, stored)
        entries.append(
            AuditEntry(
                seq, at, event.kind, event.subject, event.partner_id, data, head.hash, digest
            )
        )
        head = ChainHead(seq, digest)
    return entries


@dataclass(frozen=True, slots=True)
class CheckpointKey:
    """The key checkpoints are signed with (HMAC-SHA256); ``from_node_secret`` derives it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a checkpoint key needs at least {MIN_SECRET_BYTES} bytes")

    @classmethod
    def from_node_secret(cls, node_secret: bytes) -> CheckpointKey:
        """The node's checkpoint key: HMAC-SHA256(node secret, ``tanbih.audit.checkpoint-key``)."""
        if len(node_secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the node secret needs at least {MIN_SECRET_BYTES} bytes")
        return cls(hmac.new(node_secret, _KEY_LABEL, hashlib.sha256).digest())

    @property
    def key_id(self) -> str:
        """A short public name of the key: the first 16 hex digits of its SHA-256."""
        return hashlib.sha256(self.secret).hexdigest()[:16]

    def sign(self, head: ChainHead) -> str:
        """The signature (hex) of a chain ending at ``head``."""
        return hmac.new(self.secret, checkpoint_message(head), hashlib.sha256).hexdigest()

    def signs(self, head: ChainHead, signature: str) -> bool:
        """Whether ``signature`` is this key's signature of ``head`` (constant-time compare)."""
        return hmac.compare_digest(self.sign(head), signature)


def checkpoint_message(head: ChainHead) -> bytes:
    """The bytes a checkpoint signs: canonical ``{"hash", "purpose", "seq"}`` of the head."""
    return canonical({"hash": head.hash, "purpose": CHECKPOINT_PURPOSE, "seq": head.seq})


def checkpoint_event(newest: AuditEntry | None, key: CheckpointKey, at: datetime) -> Event | None:
    """The checkpoint to append after ``newest``; ``None`` if there is nothing new to sign.

    An empty log, or one whose newest entry is a checkpoint already, needs none: a node that
    checkpoints on a timer does not fill an idle log with checkpoints.
    """
    if newest is None or newest.kind == CHECKPOINT_KIND:
        return None
    data: dict[str, Any] = {
        "algorithm": CHECKPOINT_ALGORITHM,
        "key_id": key.key_id,
        "signed_seq": newest.seq,
        "signed_hash": newest.hash,
        "signature": key.sign(newest.head),
    }
    return Event(at, CHECKPOINT_KIND, "chain", None, MappingProxyType(data))


def entry_document(entry: AuditEntry) -> dict[str, object]:
    """An entry as one line of an export (``canonical`` encodes it): every field, as hashed."""
    return {
        "seq": entry.seq,
        "at": utc_text(entry.at),
        "kind": entry.kind,
        "subject": entry.subject,
        "partner_id": entry.partner_id,
        "data": dict(entry.data),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def entry_from_document(document: object) -> AuditEntry:
    """An export line back as an entry; ``ValueError`` names the first field that is wrong."""
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    fields: dict[str, type | tuple[type, ...]] = {
        "seq": int,
        "at": str,
        "kind": str,
        "subject": str,
        "partner_id": (str, type(None)),
        "data": dict,
        "prev_hash": str,
        "hash": str,
    }
    for name, kinds in fields.items():
        value = document.get(name)
        if name not in document or not isinstance(value, kinds) or isinstance(value, bool):
            raise ValueError(f"field {name!r} is missing or of the wrong type")
    at = datetime.fromisoformat(document["at"])
    if at.utcoffset() is None:
        raise ValueError("field 'at' has no UTC offset")
    return AuditEntry(
        document["seq"],
        at,
        document["kind"],
        document["subject"],
        document["partner_id"],
        MappingProxyType(document["data"]),
        document["prev_hash"],
        document["hash"],
    )
