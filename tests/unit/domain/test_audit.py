"""The audit chain's format: canonical bytes, hashes, chaining, checkpoints and export lines."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tanbih.domain.audit import (
    CHECKPOINT_KIND,
    GENESIS,
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    CheckpointKey,
    canonical,
    chain,
    checkpoint_event,
    checkpoint_message,
    entry_document,
    entry_from_document,
    utc_text,
)
from tanbih.domain.records import Event

JERUSALEM = timezone(timedelta(hours=3))
# The worked example of docs/audit.md: an auditor's implementation must give these values.
EXAMPLE = Event(
    at=datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=JERUSALEM),
    kind="alert.accepted",
    subject="3f9a0c",
    partner_id="il",
    data={"stage": 2, "zones": ["Haifa", "חיפה"], "eta_s": 42.5},
)
EXAMPLE_CANONICAL = (
    '{"at":"2026-03-01T09:00:00.250000Z","data":{"eta_s":42.5,"stage":2,'
    '"zones":["Haifa","חיפה"]},"kind":"alert.accepted","partner_id":"il",'
    '"prev_hash":"' + "0" * 64 + '","seq":1,"subject":"3f9a0c"}'
)
EXAMPLE_HASH = "125158b33e0e162230912067742fa6ab4f92eb5cdc25f9b975905d139096a4bb"
NODE_SECRET = b"s" * 32
EXAMPLE_KEY = "e1a8230f475c90bf8d55e3dcceb97404a159bbf79c73b922b88726bc1040dbeb"
EXAMPLE_SIGNATURE = "e9901aff9196b07d679f81ee8ff4427f57078b9317b194250713afa101dee7bf"


def test_the_worked_example_hashes_its_documented_canonical_bytes() -> None:
    """The first entry's hash is SHA-256 of the exact canonical text given in docs/audit.md."""
    (entry,) = chain(GENESIS, [EXAMPLE])

    assert hashlib.sha256(EXAMPLE_CANONICAL.encode()).hexdigest() == EXAMPLE_HASH
    assert entry.hash == EXAMPLE_HASH
    assert entry.prev_hash == GENESIS_HASH == "0" * 64
    assert entry.seq == 1


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 1, 12, 0, tzinfo=JERUSALEM), "2026-03-01T09:00:00.000000Z"),
        (datetime(2026, 3, 1, 9, 0, 0, 7, tzinfo=UTC), "2026-03-01T09:00:00.000007Z"),
        (
            datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            "2025-12-31T23:30:00.000000Z",
        ),
    ],
)
def test_times_are_written_in_utc_with_microseconds_and_z(moment: datetime, text: str) -> None:
    """Any offset gives the same UTC text, always with six fractional digits and Z."""
    assert utc_text(moment) == text


def test_naive_times_cannot_be_chained() -> None:
    """A time without an offset names no instant, so it is refused rather than guessed."""
    with pytest.raises(ValueError, match="naive"):
        chain(GENESIS, [replace(EXAMPLE, at=datetime(2026, 3, 1, 9, 0))])


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ({"b": 1, "a": [True, None]}, '{"a":[true,null],"b":1}'),
        ({"text": 'תנبيه\n"q"'}, '{"text":"תנبيه\\n\\"q\\""}'),
        ({"z": {"y": 1, "x": 2}}, '{"z":{"x":2,"y":1}}'),
        ({"ctl": "\x01"}, '{"ctl":"\\u0001"}'),
    ],
)
def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8(
    value: object, encoded: str
) -> None:
    """Keys sorted at every level, no spaces, non-ASCII as UTF-8, controls escaped."""
    assert canonical(value) == encoded.encode("utf-8")


@pytest.mark.parametrize("data", [{"when": datetime(2026, 1, 1, tzinfo=UTC)}, {"x": float("nan")}])
def test_data_that_json_cannot_hold_is_refused(data: dict[str, object]) -> None:
    """Times and NaN have no one JSON form; chaining them would hash something unstorable."""
    with pytest.raises(ValueError, match="not JSON"):
        chain(GENESIS, [replace(EXAMPLE, data=data)])


def test_each_entry_is_chained_to_the_one_before() -> None:
    """Entries get seq head+1, head+2... and each prev_hash is the hash before it."""
    head = ChainHead(41, "a" * 64)
    entries = chain(head, [EXAMPLE, replace(EXAMPLE, subject="other")])

    assert [e.seq for e in entries] == [42, 43]
    assert entries[0].prev_hash == "a" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert all(e.content_hash() == e.hash for e in entries)


def test_data_is_kept_as_json_and_read_only() -> None:
    """Tuples become lists, as a store gives them back, so the hash recomputes after a read."""
    (entry,) = chain(GENESIS, [replace(EXAMPLE, data={"zones": ("a", "b")})])

    assert entry.data == {"zones": ["a", "b"]}
    with pytest.raises(TypeError):
        entry.data["zones"] = []  # type: ignore[index]


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"at": EXAMPLE.at + timedelta(microseconds=1)},
        {"kind": "alert.refused"},
        {"subject": "other"},
        {"partner_id": None},
        {"data": {"stage": 3}},
        {"prev_hash": "f" * 64},
    ],
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    """Changing any one field of an entry changes the hash its fields give."""
    (entry,) = chain(GENESIS, [EXAMPLE])

    assert replace(entry, **change).content_hash() != entry.hash  # type: ignore[arg-type]


def test_the_checkpoint_key_is_derived_from_the_node_secret_as_documented() -> None:
    """HMAC-SHA256(node secret, label) gives the key; it signs canonical {hash, purpose, seq}."""
    key = CheckpointKey.from_node_secret(NODE_SECRET)
    head = ChainHead(1, EXAMPLE_HASH)

    assert key.secret.hex() == EXAMPLE_KEY
    assert checkpoint_message(head) == (
        b'{"hash":"' + EXAMPLE_HASH.encode() + b'","purpose":"tanbih.audit.checkpoint","seq":1}'
    )
    assert key.sign(head) == EXAMPLE_SIGNATURE
    assert key.signs(head, EXAMPLE_SIGNATURE)
    assert not key.signs(ChainHead(2, EXAMPLE_HASH), EXAMPLE_SIGNATURE)
    assert key.key_id == hashlib.sha256(key.secret).hexdigest()[:16]
    assert EXAMPLE_KEY not in repr(key)


def test_short_secrets_are_refused() -> None:
    """A node secret or checkpoint key under 32 bytes is too weak to sign the log."""
    with pytest.raises(ValueError, match="32 bytes"):
        CheckpointKey.from_node_secret(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        CheckpointKey(b"k" * 31)


def _newest(kind: str = "alert.accepted") -> AuditEntry:
    (entry,) = chain(GENESIS, [replace(EXAMPLE, kind=kind)])
    return entry


@pytest.mark.parametrize(
    ("newest", "due"),
    [(None, False), (_newest(CHECKPOINT_KIND), False), (_newest(), True)],
    ids=["empty log", "checkpoint already newest", "new entries"],
)
def test_a_checkpoint_is_due_only_when_there_is_something_new_to_sign(
    newest: AuditEntry | None, due: bool
) -> None:
    """An empty log or one ending in a checkpoint needs none; otherwise one signs the newest."""
    key = CheckpointKey.from_node_secret(NODE_SECRET)
    at = EXAMPLE.at + timedelta(minutes=5)

    event = checkpoint_event(newest, key, at)

    assert (event is not None) == due
    if event is not None and newest is not None:
        assert event.kind == CHECKPOINT_KIND
        assert event.at == at
        assert dict(event.data) == {
            "algorithm": "hmac-sha256",
            "key_id": key.key_id,
            "signed_seq": newest.seq,
            "signed_hash": newest.hash,
            "signature": key.sign(newest.head),
        }


def test_an_export_line_round_trips_every_field() -> None:
    """entry_document then entry_from_document gives the entry back, hash still matching."""
    (entry,) = chain(GENESIS, [EXAMPLE])
    line = canonical(entry_document(entry))

    back = entry_from_document(json.loads(line))

    assert back == entry
    assert back.content_hash() == back.hash
    assert json.loads(line)["at"] == "2026-03-01T09:00:00.250000Z"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a JSON object"),
        ({"seq": 1}, "'at'"),
        ({**entry_document(_newest()), "seq": "1"}, "'seq'"),
        ({**entry_document(_newest()), "seq": True}, "'seq'"),
        ({**entry_document(_newest()), "data": []}, "'data'"),
        ({**entry_document(_newest()), "at": "2026-03-01T09:00:00"}, "UTC offset"),
    ],
)
def test_a_malformed_export_line_names_what_is_wrong(document: object, message: str) -> None:
    """A line that is not an entry is refused with the field at fault."""
    with pytest.raises(ValueError, match=message):
        entry_from_document(document)
