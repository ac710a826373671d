"""Row mapping of the SQL store: offsets kept beside UTC instants, JSON shapes rebuilt."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

from tanbih.adapters.store import rows
from tanbih.adapters.store.coalition_sync import coalition_digest
from tanbih.domain.cap import MsgType, Reference, Status
from tanbih.domain.coalition import Coalition, NodeIdentity, Partner, Role, Zone
from tanbih.domain.lifecycle import Stage, Thread, ThreadState
from tanbih.domain.records import AlertRecord, Event

PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
SENT = datetime(2026, 3, 1, 14, 30, tzinfo=PLUS_0530)


@pytest.mark.parametrize(
    ("moment", "minutes"),
    [
        (SENT, 330),
        (datetime(2026, 3, 1, tzinfo=UTC), 0),
        (datetime(2026, 3, 1, tzinfo=timezone(timedelta(hours=-9, minutes=-30))), -570),
    ],
)
def test_offset_minutes_and_back_restore_the_written_offset(moment: datetime, minutes: int) -> None:
    """A time split into UTC instant + offset minutes is rebuilt with the same isoformat."""
    assert rows.offset_minutes(moment) == minutes
    rebuilt = rows.at_offset(moment.astimezone(UTC), minutes)
    assert rebuilt.isoformat() == moment.isoformat()


def test_a_naive_time_has_no_offset_to_keep() -> None:
    """A naive datetime is refused: its instant is unknown."""
    with pytest.raises(ValueError, match="naive"):
        rows.offset_minutes(datetime(2026, 3, 1))


def test_an_offset_with_seconds_is_refused() -> None:
    """CAP offsets are whole minutes; anything finer would be silently lost, so it is refused."""
    odd = datetime(2026, 3, 1, tzinfo=timezone(timedelta(minutes=5, seconds=7)))
    with pytest.raises(ValueError, match="whole minutes"):
        rows.offset_minutes(odd)


def test_alert_row_round_trips_through_the_reader() -> None:
    """alert_row then alert_record gives back an equal record, sent offset included."""
    rec = AlertRecord(
        key=Reference("hfc@example.il", "m1", SENT),
        status=Status.ACTUAL,
        msg_type=MsgType.ALERT,
        thread_id="t1",
        stage=Stage.TAKE_SHELTER,
        expires=None,
        received_at=SENT.astimezone(UTC),
        partner_id="il",
        xml=b"<alert/>",
    )
    row = rows.alert_row(rec)
    row["sent_utc"] = row["sent_utc"].astimezone(UTC)  # as the database gives it back

    assert rows.alert_record(row) == rec
    assert rows.alert_record(row).key.sent.isoformat() == SENT.isoformat()


def test_thread_row_round_trips_through_the_reader() -> None:
    """thread_row then thread gives back an equal thread with its latest sent offset."""
    thread = Thread("t1", ThreadState.CANCELLED, Stage.EARLY_WARNING, Reference("s", "m", SENT))

    back = rows.thread(rows.thread_row(thread))

    assert back == thread
    assert back.latest.sent.isoformat() == SENT.isoformat()


def test_zone_and_event_json_come_back_as_tuples_and_read_only_mappings() -> None:
    """Lists from JSON columns become the domain's tuples; dicts become read-only mappings."""
    zone = Zone("z1", "il", {"en": "Z"}, 15, (((31.0, 35.0), (31.1, 35.0), (31.0, 35.0)),))
    event = Event(at=SENT, kind="k", subject="s", data={"a": [1, 2]})

    zone_back = rows.zone(rows.zone_row(zone))
    event_back = rows.event({**rows.event_row(event), "seq": 7})

    assert zone_back == zone
    assert isinstance(zone_back.rings[0][0], tuple)
    assert isinstance(zone_back.names, MappingProxyType)
    assert event_back.seq == 7
    assert isinstance(event_back.data, MappingProxyType)


def test_coalition_digest_covers_what_is_stored_and_nothing_else() -> None:
    """The digest ignores declaration order and secrets, and changes with any stored field."""
    il = Partner("il", "Israel", Role.PARTNER, ("he",), ("hfc@example.il",))
    zones = (
        Zone("z1", "il", {"en": "One"}, 15, (((31.0, 35.0), (31.1, 35.0), (31.0, 35.0)),)),
        Zone("z2", "il", {"en": "Two"}, 90, ()),
    )
    base = Coalition("c", "1", NodeIdentity("il", "hfc@example.il"), (il,), zones)
    moved = replace(zones[0], rings=(((31.0, 35.0), (31.1, 35.00001), (31.0, 35.0)),))

    digest = coalition_digest(base)

    assert coalition_digest(replace(base, zones=zones[::-1])) == digest
    assert coalition_digest(replace(base, partners=(replace(il, token_hashes=("x",)),))) == digest
    assert coalition_digest(replace(base, zones=(moved, zones[1]))) != digest
    assert (
        coalition_digest(replace(base, zones=(replace(zones[0], shelter_seconds=0), zones[1])))
        != digest
    )
    assert coalition_digest(replace(base, partners=(replace(il, senders=()),))) != digest
