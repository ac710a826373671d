"""Domain values to table rows and back: the only place that knows both shapes.

Row dicts are keyed by column name. JSON columns hold plain lists and dicts; the domain's tuples
and read-only mappings are rebuilt on the way out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from sqlalchemy import RowMapping

from tanbih.domain.audit import AuditEntry
from tanbih.domain.cap import MsgType, Reference, Status
from tanbih.domain.coalition import Partner, Role, Zone
from tanbih.domain.lifecycle import KnownMessage, Stage, Thread, ThreadState
from tanbih.domain.records import AlertRecord, Event

# A row as read (RowMapping) or as written (dict).
Row = RowMapping | Mapping[str, Any]

_MINUTE = timedelta(minutes=1)


def offset_minutes(moment: datetime) -> int:
    """The UTC offset of an aware time, in whole minutes (CAP offsets are ``±hh:mm``)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no UTC offset")
    minutes, rest = divmod(offset, _MINUTE)
    if rest:
        raise ValueError(f"UTC offset {offset} of {moment.isoformat()} is not whole minutes")
    return int(minutes)


def at_offset(utc: datetime, minutes: int) -> datetime:
    """A stored UTC instant shown again at the offset it was received with."""
    return utc.astimezone(timezone(timedelta(minutes=minutes)))


def alert_row(record: AlertRecord) -> dict[str, Any]:
    """The ``alerts`` row of an accepted message."""
    return {
        "id": record.id,
        "sender": record.key.sender,
        "identifier": record.key.identifier,
        "sent_utc": record.key.sent,
        "sent_offset_minutes": offset_minutes(record.key.sent),
        "status": record.status.value,
        "msg_type": record.msg_type.value,
        "thread_id": record.thread_id,
        "stage": int(record.stage),
        "expires": record.expires,
        "received_at": record.received_at,
        "partner_id": record.partner_id,
        "xml": record.xml,
    }


def alert_key(row: Row) -> Reference:
    """The ``sender,identifier,sent`` of a stored message, with its original offset."""
    sent = at_offset(row["sent_utc"], row["sent_offset_minutes"])
    return Reference(row["sender"], row["identifier"], sent)


def alert_record(row: Row) -> AlertRecord:
    """An ``alerts`` row as the domain's record."""
    return AlertRecord(
        key=alert_key(row),
        status=Status(row["status"]),
        msg_type=MsgType(row["msg_type"]),
        thread_id=row["thread_id"],
        stage=Stage(row["stage"]),
        expires=row["expires"],
        received_at=row["received_at"],
        partner_id=row["partner_id"],
        xml=bytes(row["xml"]),
    )


def known_message(row: Row) -> KnownMessage:
    """What the lifecycle needs of a stored message."""
    return KnownMessage(alert_key(row), MsgType(row["msg_type"]), row["thread_id"], row["expires"])


def thread_row(thread: Thread) -> dict[str, Any]:
    """The ``threads`` row of a thread."""
    return {
        "id": thread.id,
        "state": thread.state.value,
        "stage": int(thread.stage),
        "latest_sender": thread.latest.sender,
        "latest_identifier": thread.latest.identifier,
        "latest_sent_utc": thread.latest.sent,
        "latest_sent_offset_minutes": offset_minutes(thread.latest.sent),
    }


def thread(row: Row) -> Thread:
    """A ``threads`` row as the domain's thread."""
    latest_sent = at_offset(row["latest_sent_utc"], row["latest_sent_offset_minutes"])
    latest = Reference(row["latest_sender"], row["latest_identifier"], latest_sent)
    return Thread(row["id"], ThreadState(row["state"]), Stage(row["stage"]), latest)


def event_row(event: Event) -> dict[str, Any]:
    """The ``events`` row of an event; ``audit_row`` adds its ``seq`` and hashes."""
    return {
        "at": event.at,
        "kind": event.kind,
        "subject": event.subject,
        "partner_id": event.partner_id,
        "data": dict(event.data),
    }


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """The ``events`` row of a chained entry: the event, its ``seq`` and its hashes."""
    return {
        **event_row(entry.event),
        "seq": entry.seq,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def audit_entry(row: Row) -> AuditEntry:
    """An ``events`` row as a chained entry, exactly as stored (for verification)."""
    return AuditEntry(
        seq=int(row["seq"]),
        at=row["at"],
        kind=row["kind"],
        subject=row["subject"],
        partner_id=row["partner_id"],
        data=MappingProxyType(dict(row["data"])),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def event(row: Row) -> Event:
    """An ``events`` row as the domain's event, with its ``seq``."""
    return Event(
        at=row["at"],
        kind=row["kind"],
        subject=row["subject"],
        partner_id=row["partner_id"],
        data=MappingProxyType(dict(row["data"])),
        seq=int(row["seq"]),
    )


def partner_row(partner: Partner) -> dict[str, Any]:
    """The ``partners`` row: contacts and token hashes stay in the coalition file only."""
    return {
        "id": partner.id,
        "name": partner.name,
        "role": partner.role.value,
        "languages": list(partner.languages),
        "senders": list(partner.senders),
    }


def partner(row: Row) -> Partner:
    """A ``partners`` row as a partner without contacts or tokens."""
    return Partner(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        languages=tuple(row["languages"]),
        senders=tuple(row["senders"]),
    )


def zone_row(zone: Zone) -> dict[str, Any]:
    """The ``zones`` row: rings as lists of ``[lat, lon]`` pairs."""
    return {
        "id": zone.id,
        "partner_id": zone.partner_id,
        "names": dict(zone.names),
        "shelter_seconds": zone.shelter_seconds,
        "rings": [[[lat, lon] for lat, lon in ring] for ring in zone.rings],
    }


def zone(row: Row) -> Zone:
    """A ``zones`` row as the domain's zone."""
    return Zone(
        id=row["id"],
        partner_id=row["partner_id"],
        names=MappingProxyType(dict(row["names"])),
        shelter_seconds=row["shelter_seconds"],
        rings=tuple(tuple((lat, lon) for lat, lon in ring) for ring in row["rings"]),
    )
