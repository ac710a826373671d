"""The accept stage: authorise, decide the lifecycle step, record durably with its event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.cap import (
    Alert,
    Category,
    Certainty,
    Info,
    MsgType,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import ChannelAddress, ChannelKind, Partner, Role
from tanbih.domain.lifecycle import RefusalReason, Rule, Stage
from tanbih.domain.notification import Handover, Notification, Recipient
from tanbih.domain.records import AlertQuery, AlertRecord
from tanbih.errors import AccessDeniedError, StoreConflictError
from tanbih.pipeline.accept import AcceptAlert, Accepted, AlreadyKnown, Plan, Refused
from tanbih.pipeline.notify_plan import NotificationPlan, notification_for

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ISRAEL = Partner("il", "Israel", Role.PARTNER, ("he", "ar", "en"), ("hfc@il.example",))
OBSERVER = Partner("obs", "Observer", Role.OBSERVER, ("en",), ("obs@example.org",))


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def warning(identifier: str, msg_type: MsgType = MsgType.ALERT, **changes: object) -> Alert:
    alert = Alert(
        identifier=identifier,
        sender="hfc@il.example",
        sent=NOW,
        status=Status.EXERCISE,
        msg_type=msg_type,
        scope=Scope.PUBLIC,
        infos=(
            Info(
                categories=(Category.SECURITY,),
                event="UAV",
                urgency=Urgency.EXPECTED,
                severity=Severity.SEVERE,
                certainty=Certainty.LIKELY,
                response_types=(ResponseType.PREPARE,),
                expires=NOW + timedelta(minutes=10),
            ),
        ),
    )
    return replace(alert, **changes)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def accept(store: MemoryStore) -> AcceptAlert:
    return AcceptAlert(store, FixedClock(NOW))


async def test_accepted_alert_is_recorded_with_its_event(
    accept: AcceptAlert, store: MemoryStore
) -> None:
    """An accepted Alert is stored with its exact bytes, its thread and an alert.accepted event."""
    outcome = await accept(warning("w1"), b"<alert/>", ISRAEL)
    assert isinstance(outcome, Accepted)
    assert outcome.rule is Rule.ISSUE
    stored = await store.get(outcome.record.id)
    assert stored is not None
    assert (stored.xml, stored.partner_id, stored.stage) == (b"<alert/>", "il", Stage.EARLY_WARNING)
    assert stored.received_at == NOW
    events = await store.events()
    assert [(e.kind, e.subject, e.data["rule"]) for e in events] == [
        ("alert.accepted", outcome.record.id, "issue")
    ]
    assert events[0].data["notifications"] == 0


async def test_update_joins_the_thread_of_what_it_references(
    accept: AcceptAlert, store: MemoryStore
) -> None:
    """An Update is recorded in the thread of the Alert it references, at the raised stage."""
    first = warning("w1")
    await accept(first, b"1", ISRAEL)
    shelter_info = replace(first.infos[0], response_types=(ResponseType.SHELTER,))
    update = warning("w2", MsgType.UPDATE, references=(first.key,), infos=(shelter_info,))
    outcome = await accept(update, b"2", ISRAEL)
    assert isinstance(outcome, Accepted)
    assert outcome.rule is Rule.RAISE_TO_SHELTER
    threads = await store.threads([outcome.record.thread_id])
    assert threads[outcome.record.thread_id].stage is Stage.TAKE_SHELTER


async def test_resent_message_is_already_known_and_not_stored_twice(
    accept: AcceptAlert, store: MemoryStore
) -> None:
    """The same message twice is stored once; the second answer points at the first."""
    first = await accept(warning("w1"), b"1", ISRAEL)
    again = await accept(warning("w1"), b"1", ISRAEL)
    assert isinstance(first, Accepted)
    assert again == AlreadyKnown(first.record.id)
    assert len(await store.events()) == 1


async def test_refused_message_leaves_the_store_untouched(
    accept: AcceptAlert, store: MemoryStore
) -> None:
    """An Update of an unknown message is refused with its reason: only the refusal is logged."""
    orphan = warning("w9", MsgType.UPDATE, references=(warning("ghost").key,))
    outcome = await accept(orphan, b"9", ISRAEL)
    assert isinstance(outcome, Refused)
    assert outcome.reason is RefusalReason.UNKNOWN_REFERENCE
    assert await store.search(AlertQuery()) == []
    [event] = await store.events()
    assert (event.kind, event.data["reason"]) == ("alert.refused", "unknown_reference")


@pytest.mark.parametrize(
    ("partner", "alert", "words"),
    [
        (OBSERVER, warning("w1", sender="obs@example.org"), "may not post alert"),
        (ISRAEL, warning("w1", sender="someone@else.example"), "not declared"),
    ],
)
async def test_role_and_sender_are_enforced(
    accept: AcceptAlert, store: MemoryStore, partner: Partner, alert: Alert, words: str
) -> None:
    """Observers may not post, and partners may post only under their declared senders."""
    with pytest.raises(AccessDeniedError, match=words):
        await accept(alert, b"x", partner)
    assert await store.events() == []


class Handoff:
    """A dispatcher's side of the handover, recording what the accept stage asked of it."""

    def __init__(self) -> None:
        self.handed: list[tuple[list[str], Handover | None]] = []
        self.given_back: list[Handover | None] = []
        self.messages: list[str] = []

    def reserve(self, notifications: Sequence[Notification], now: datetime) -> Handover:
        return Handover("w1", now + LEASE, frozenset(n.key for n in notifications))

    def hand_over(
        self,
        notifications: Sequence[Notification],
        handover: Handover | None,
        message: tuple[AlertRecord, Alert],
    ) -> None:
        self.handed.append(([n.key for n in notifications], handover))
        self.messages.append(message[0].id)

    def give_back(self, handover: Handover | None, notifications: Sequence[Notification]) -> None:
        self.given_back.append(handover)


LEASE = timedelta(seconds=30)


def to_one_contact(contact: str) -> Plan:
    async def plan(
        alert: Alert, record: AlertRecord, rule: Rule, source: Partner, now: datetime
    ) -> NotificationPlan:
        recipient = Recipient("jo", contact, ChannelAddress(ChannelKind.WEBHOOK, "https://x"), "en")
        return NotificationPlan((notification_for(record, recipient, now, LEASE, record.id),))

    return plan


class TakenMeanwhile(MemoryStore):
    """A store where another process stores every message first."""

    async def record(self, *args: Any, **kwargs: Any) -> None:
        await super().record(*args, **kwargs)  # the other process's write
        raise StoreConflictError("stored by another process")


class CountingReads(MemoryStore):
    """A store that counts the reads of stored messages."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def known(self, keys: Any) -> Any:
        self.reads += 1
        return await super().known(keys)


async def test_a_new_alert_is_stored_without_reading_the_store_first() -> None:
    """An Alert follows nothing: the write's unique key alone says whether it is new."""
    store = CountingReads()
    outcome = await AcceptAlert(store, FixedClock(NOW))(warning("w1"), b"1", ISRAEL)
    assert isinstance(outcome, Accepted)
    assert store.reads == 0


async def test_a_resend_found_at_the_write_is_read_then_and_already_known() -> None:
    """The resend's write finds it stored: only then is the store read, once."""
    store = CountingReads()
    accept = AcceptAlert(store, FixedClock(NOW))
    first = await accept(warning("w1"), b"1", ISRAEL)
    again = await accept(warning("w1"), b"1", ISRAEL)
    assert isinstance(first, Accepted)
    assert again == AlreadyKnown(first.record.id)
    assert store.reads == 1
    assert len(await store.events()) == 1


async def test_an_identifier_reused_is_refused_when_the_write_finds_it(
    accept: AcceptAlert, store: MemoryStore
) -> None:
    """Another message under a stored one's identifier is refused, not taken for a resend."""
    await accept(warning("w1"), b"1", ISRAEL)
    reused = await accept(warning("w1", sent=NOW + timedelta(minutes=1)), b"2", ISRAEL)
    assert isinstance(reused, Refused)
    assert reused.reason is RefusalReason.IDENTIFIER_REUSED
    assert [event.kind for event in await store.events()] == ["alert.accepted", "alert.refused"]


async def test_a_stored_message_hands_its_notifications_to_the_dispatcher_claimed(
    store: MemoryStore,
) -> None:
    """The rows go in claimed by the dispatcher's worker, which is handed them afterwards."""
    handoff = Handoff()
    accept = AcceptAlert(store, FixedClock(NOW), plan=to_one_contact("a"), handoff=handoff)

    outcome = await accept(warning("w1"), b"<alert/>", ISRAEL)

    assert isinstance(outcome, Accepted)
    [stored] = await store.notifications()
    assert handoff.handed == [([stored.key], Handover("w1", NOW + LEASE, frozenset({stored.key})))]
    assert handoff.messages == [outcome.record.id]
    assert await store.claim("w2", NOW, LEASE, limit=10) == []
    assert handoff.given_back == []


async def test_a_message_another_process_stored_gives_the_slots_back() -> None:
    """When the write loses the race, the reserved slots are freed and nothing is handed."""
    handoff = Handoff()
    accept = AcceptAlert(
        TakenMeanwhile(), FixedClock(NOW), plan=to_one_contact("a"), handoff=handoff
    )

    outcome = await accept(warning("w1"), b"<alert/>", ISRAEL)

    assert isinstance(outcome, AlreadyKnown)
    assert handoff.handed == []
    [given_back] = handoff.given_back
    assert given_back is not None
    assert len(given_back.keys) == 1
