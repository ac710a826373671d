"""The AlertStore contract, run against every implementation: memory, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from tests.integration.store.samples import (
    KOLKATA,
    NEW_YORK,
    SENDER,
    T0,
    XML,
    accepted,
    record,
    transition,
)

from tanbih.domain.cap import MsgType, Reference, Status
from tanbih.domain.lifecycle import Rule, Stage, ThreadState
from tanbih.domain.records import AlertQuery, Event
from tanbih.errors import StoreConflictError, StoreError
from tanbih.ports import AlertStore


async def test_record_then_get_round_trips_every_field(store: AlertStore) -> None:
    """A recorded message comes back equal, with its exact bytes and its times' offsets."""
    rec = replace(record("m1"), expires=T0.astimezone(NEW_YORK) + timedelta(hours=1))
    await store.record(rec, transition(rec), accepted(rec))

    got = await store.get(rec.id)

    assert got == rec
    assert got is not None
    assert got.xml == XML + b"m1"
    assert got.key.sent.isoformat() == "2026-03-01T12:00:00+03:00"
    assert got.expires is not None
    assert got.expires.utcoffset() is not None
    assert got.received_at.utcoffset() is not None
    assert got.received_at == T0.astimezone(UTC) + timedelta(microseconds=123_456)


async def test_get_of_an_unknown_id_is_none(store: AlertStore) -> None:
    """Asking for an id never stored gives None, not an error."""
    assert await store.get("0" * 24) is None


async def test_known_gives_stored_messages_with_their_sent_offsets(store: AlertStore) -> None:
    """known() answers only for stored keys, and each key's sent time keeps its offset."""
    rec = record("m1", sent=T0.astimezone(KOLKATA))
    await store.record(rec, transition(rec), accepted(rec))

    known = await store.known([(SENDER, "m1"), (SENDER, "never-sent"), ("other@x", "m1")])

    assert list(known) == [(SENDER, "m1")]
    message = known[(SENDER, "m1")]
    assert message == transition(rec).message
    assert message.key.sent.isoformat() == "2026-03-01T14:30:00+05:30"
    assert await store.known([]) == {}


async def test_threads_give_the_thread_after_its_latest_message(store: AlertStore) -> None:
    """A thread is upserted by each message: the store keeps its state after the latest."""
    alert = record("m1")
    await store.record(alert, transition(alert), accepted(alert))
    update = record(
        "m2",
        sent=(T0 + timedelta(minutes=2)).astimezone(NEW_YORK),
        msg_type=MsgType.UPDATE,
        thread_id=alert.thread_id,
        stage=Stage.TAKE_SHELTER,
    )
    await store.record(update, transition(update, rule=Rule.RAISE_TO_SHELTER), accepted(update))

    threads = await store.threads([alert.thread_id, "no-such-thread"])

    assert threads == {alert.thread_id: transition(update).thread}
    thread = threads[alert.thread_id]
    assert thread.stage is Stage.TAKE_SHELTER
    assert thread.latest.sent.isoformat() == "2026-03-01T04:02:00-05:00"
    assert await store.threads([]) == {}


async def test_duplicate_message_conflicts_and_writes_nothing(store: AlertStore) -> None:
    """Recording a (sender, identifier) again raises; message, thread and log stay as they were."""
    first = record("m1")
    await store.record(first, transition(first), accepted(first))
    events_before = await store.events()
    again = replace(first, status=Status.ACTUAL, xml=b"<other/>")

    with pytest.raises(StoreConflictError):
        await store.record(again, transition(again, state=ThreadState.CANCELLED), accepted(again))

    assert await store.get(first.id) == first
    assert await store.threads([first.thread_id]) == {first.thread_id: transition(first).thread}
    assert await store.events() == events_before


async def test_record_appends_its_event_to_the_log(store: AlertStore) -> None:
    """The event given with a message lands in the log with a seq."""
    rec = record("m1")
    await store.record(rec, transition(rec), accepted(rec))

    (logged,) = await store.events()

    assert logged.seq is not None
    assert replace(logged, seq=None) == accepted(rec)


async def test_search_filters_on_each_query_field(store: AlertStore) -> None:
    """Each AlertQuery filter keeps exactly the matching messages."""
    alert = record("a1", status=Status.ACTUAL)
    update = record(
        "a2", sent=T0 + timedelta(minutes=1), msg_type=MsgType.UPDATE, thread_id=alert.thread_id
    )
    other = record("b1", sender="jo@example.jo", sent=T0 + timedelta(minutes=2), partner_id="jo")
    for rec in (alert, update, other):
        await store.record(rec, transition(rec), accepted(rec))

    async def ids(**filters: object) -> list[str]:
        query = AlertQuery(**filters)  # type: ignore[arg-type]
        return [r.key.identifier for r in await store.search(query)]

    assert await ids(status=Status.ACTUAL) == ["a1"]
    assert await ids(status=Status.EXERCISE) == ["b1", "a2"]
    assert await ids(msg_type=MsgType.UPDATE) == ["a2"]
    assert await ids(sender="jo@example.jo") == ["b1"]
    assert await ids(thread_id=alert.thread_id) == ["a2", "a1"]
    assert await ids(sender=SENDER, msg_type=MsgType.ALERT) == ["a1"]
    assert await ids(sender="nobody") == []


async def test_search_orders_by_instant_not_by_local_clock_text(store: AlertStore) -> None:
    """Newest first compares instants: 10:00+00:00 is newer than 12:00+03:00."""
    east = record("east", sent=T0)  # 09:00 UTC
    west = record("west", sent=T0.replace(hour=10, tzinfo=UTC))  # 10:00 UTC
    india = record("india", sent=T0.astimezone(KOLKATA) - timedelta(hours=1))  # 08:00 UTC
    for rec in (east, west, india):
        await store.record(rec, transition(rec), accepted(rec))

    found = await store.search(AlertQuery())

    assert [r.key.identifier for r in found] == ["west", "east", "india"]
    assert found[2].key.sent.utcoffset() == timedelta(hours=5, minutes=30)


async def test_search_pages_with_limit_and_offset(store: AlertStore) -> None:
    """limit and offset cut the newest-first list into pages."""
    for minute in range(5):
        rec = record(f"m{minute}", sent=T0 + timedelta(minutes=minute))
        await store.record(rec, transition(rec), accepted(rec))

    async def page(limit: int, offset: int) -> list[str]:
        found = await store.search(AlertQuery(limit=limit, offset=offset))
        return [r.key.identifier for r in found]

    assert await page(2, 0) == ["m4", "m3"]
    assert await page(2, 2) == ["m2", "m1"]
    assert await page(2, 4) == ["m0"]
    assert await page(2, 6) == []


async def test_search_sent_after_is_strict_and_compares_instants(store: AlertStore) -> None:
    """sent_after keeps messages sent strictly later, whatever offset the bound is written at."""
    for minute in range(3):
        rec = record(f"m{minute}", sent=T0 + timedelta(minutes=minute))
        await store.record(rec, transition(rec), accepted(rec))

    bound = (T0 + timedelta(minutes=1)).astimezone(NEW_YORK)
    found = await store.search(AlertQuery(sent_after=bound))

    assert [r.key.identifier for r in found] == ["m2"]


async def test_append_event_gives_increasing_seqs(store: AlertStore) -> None:
    """Each appended event comes back with a seq greater than the one before, data intact."""
    data = {"zones": ["z1", "z2"], "eta_s": 42.5, "nested": {"ok": True, "none": None}}
    first = await store.append_event(Event(at=T0, kind="threat.assessed", subject="t1", data=data))
    second = await store.append_event(Event(at=T0, kind="threat.assessed", subject="t2"))

    assert first.seq is not None
    assert second.seq is not None
    assert second.seq > first.seq
    assert dict(first.data) == data
    assert await store.events() == [first, second]


async def test_events_page_after_a_seq_oldest_first(store: AlertStore) -> None:
    """events(after_seq, limit) reads the log forward from a seq, in pages."""
    appended = [
        await store.append_event(
            Event(at=T0 + timedelta(seconds=i), kind="k", subject=f"s{i}", partner_id="il")
        )
        for i in range(5)
    ]
    seqs = [e.seq or 0 for e in appended]

    assert await store.events(limit=2) == appended[:2]
    assert await store.events(after_seq=seqs[1], limit=2) == appended[2:4]
    assert await store.events(after_seq=seqs[3]) == appended[4:]
    assert await store.events(after_seq=seqs[4]) == []
    assert all(e.at.utcoffset() is not None for e in await store.events())


async def test_a_naive_time_is_refused_and_nothing_is_written(store: AlertStore) -> None:
    """A message whose expiry has no offset cannot be stored as an instant: a StoreError, and
    neither the message nor its event is kept."""
    rec = replace(record("m1"), expires=T0.replace(tzinfo=None))

    with pytest.raises(StoreError):
        await store.record(rec, transition(rec), accepted(rec))

    assert await store.get(rec.id) is None
    assert await store.events() == []


async def test_event_data_is_kept_as_json(store: AlertStore) -> None:
    """Event data round-trips as JSON: tuples come back as lists, and non-JSON is refused."""
    kept = await store.append_event(Event(at=T0, kind="k", subject="s", data={"z": ("a", "b")}))
    rec = record("m1")
    unstorable = replace(accepted(rec), data={"when": T0})

    with pytest.raises(StoreError):
        await store.append_event(unstorable)
    with pytest.raises(StoreError):
        await store.record(rec, transition(rec), unstorable)

    assert dict(kept.data) == {"z": ["a", "b"]}
    assert await store.events() == [replace(kept, data={"z": ["a", "b"]})]
    assert await store.get(rec.id) is None


async def test_a_redacted_copy_is_read_back_as_the_message_it_stands_for(
    store: AlertStore,
) -> None:
    """A copy's key leads to the stored original; remembering it again changes nothing, and
    an unknown copy leads nowhere."""
    rec = record("m1")
    await store.record(rec, transition(rec), accepted(rec))
    copy = Reference("hub@example.org", "tanbih-relay-0123", rec.key.sent)
    await store.remember_copies([(copy, rec.id)])
    await store.remember_copies([(copy, rec.id)])

    found = await store.originals([("hub@example.org", "tanbih-relay-0123"), ("x", "y")])

    assert found == {("hub@example.org", "tanbih-relay-0123"): rec}
