"""Small synthetic messages, threads, events and coalitions for the store tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from tanbih.domain.cap import MsgType, Reference, Status
from tanbih.domain.coalition import (
    ChannelAddress,
    ChannelKind,
    Coalition,
    Contact,
    DutyRole,
    NodeIdentity,
    Partner,
    Role,
    Zone,
)
from tanbih.domain.lifecycle import KnownMessage, Rule, Stage, Thread, ThreadState, Transition
from tanbih.domain.records import AlertRecord, Event

JERUSALEM = timezone(timedelta(hours=3))
NEW_YORK = timezone(timedelta(hours=-5))
KOLKATA = timezone(timedelta(hours=5, minutes=30))

# 09:00 UTC, written at +03:00 as CAP senders in the region do.
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=JERUSALEM)
SENDER = "hfc@example.il"

# Bytes that are not text: exact bytes must survive, not a re-encoding.
XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<alert>\xd7\x90\x00\xff</alert>\r\n'


def record(
    identifier: str,
    *,
    sent: datetime = T0,
    sender: str = SENDER,
    status: Status = Status.EXERCISE,
    msg_type: MsgType = MsgType.ALERT,
    thread_id: str | None = None,
    stage: Stage = Stage.EARLY_WARNING,
    partner_id: str = "il",
) -> AlertRecord:
    """An accepted message; an Alert opens its own thread unless ``thread_id`` is given."""
    key = Reference(sender, identifier, sent)
    return AlertRecord(
        key=key,
        status=status,
        msg_type=msg_type,
        thread_id=thread_id if thread_id is not None else f"thread-{identifier}",
        stage=stage,
        expires=sent + timedelta(minutes=30),
        received_at=sent.astimezone(UTC) + timedelta(microseconds=123_456),
        partner_id=partner_id,
        xml=XML + identifier.encode(),
    )


def transition(
    rec: AlertRecord, *, state: ThreadState = ThreadState.OPEN, rule: Rule = Rule.ISSUE
) -> Transition:
    """The transition that accepted ``rec``: its thread now ends with it."""
    message = KnownMessage(rec.key, rec.msg_type, rec.thread_id, rec.expires)
    return Transition(rule, message, Thread(rec.thread_id, state, rec.stage, rec.key))


def accepted(rec: AlertRecord) -> Event:
    """The event logged with ``rec``."""
    return Event(
        at=rec.received_at,
        kind="alert.accepted",
        subject=rec.id,
        partner_id=rec.partner_id,
        data={"identifier": rec.key.identifier, "stage": int(rec.stage)},
    )


def partner(partner_id: str, role: Role = Role.PARTNER) -> Partner:
    """A partner with a contact and a token hash, which the store must not keep."""
    contact = Contact(
        id=f"{partner_id}-duty",
        name="Duty officer",
        duty=DutyRole.DUTY_OFFICER,
        languages=("ar", "en"),
        channels=(ChannelAddress(ChannelKind.SMS, "+000000000"),),
    )
    return Partner(
        id=partner_id,
        name=f"Partner {partner_id.upper()}",
        role=role,
        languages=("ar", "en"),
        senders=(f"{partner_id}@example.org",),
        token_hashes=("sha256:" + "0" * 64,),
        contacts=(contact,),
    )


def zone(zone_id: str, partner_id: str, shelter_seconds: int = 90) -> Zone:
    """A small square zone with a hole, named in three languages."""
    outer = ((31.0, 35.0), (31.0, 35.1), (31.1, 35.1), (31.1, 35.0), (31.0, 35.0))
    hole = ((31.04, 35.04), (31.04, 35.06), (31.06, 35.06), (31.04, 35.04))
    return Zone(
        id=zone_id,
        partner_id=partner_id,
        names={"en": f"Zone {zone_id}", "he": "אזור", "ar": "منطقة"},
        shelter_seconds=shelter_seconds,
        rings=(outer, hole),
    )


def coalition(partners: tuple[Partner, ...], zones: tuple[Zone, ...] = ()) -> Coalition:
    """A coalition of the given partners and zones."""
    return Coalition(
        name="test",
        version="1",
        node=NodeIdentity(partner_id=partners[0].id, sender=partners[0].senders[0]),
        partners=partners,
        zones=zones,
    )


def stored(p: Partner) -> Partner:
    """A partner as the store gives it back: without contacts or token hashes."""
    return replace(p, token_hashes=(), contacts=())
