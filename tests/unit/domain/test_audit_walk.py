"""Verifying a chain: ok, or the first altered, removed, reordered or badly signed entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from tanbih.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainHead,
    CheckpointKey,
    chain,
    checkpoint_event,
)
from tanbih.domain.audit_walk import ChainWalk, ProblemKind, verify_chain
from tanbih.domain.records import Event

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KEY = CheckpointKey.from_node_secret(b"n" * 32)
Chain = list[AuditEntry]


def _log(count: int = 6) -> Chain:
    """Entries seq 1..count, as a store would hold them."""
    events = [
        Event(T0 + timedelta(seconds=i), "alert.accepted", f"s{i}", "il", {"i": i})
        for i in range(1, count + 1)
    ]
    return chain(GENESIS, events)


def _as_stored(entries: Chain) -> Chain:
    """What a store reads back: rows by seq, whatever was done to them."""
    return sorted(entries, key=lambda e: e.seq)


def _at(entries: Chain, seq: int) -> int:
    return next(i for i, e in enumerate(entries) if e.seq == seq)


def _alter_data(entries: Chain) -> Chain:
    i = _at(entries, 3)
    entries[i] = replace(entries[i], data=MappingProxyType({"i": 99}))
    return entries


def _alter_hash(entries: Chain) -> Chain:
    i = _at(entries, 3)
    entries[i] = replace(entries[i], hash="f" * 64)
    return entries


def _alter_prev_hash(entries: Chain) -> Chain:
    i = _at(entries, 3)
    entries[i] = replace(entries[i], prev_hash="f" * 64)
    return entries


def _rewrite_with_its_hash(entries: Chain) -> Chain:
    """Entry 3 changed and its own hash recomputed, the rest left alone."""
    i = _at(entries, 3)
    changed = replace(entries[i], subject="forged")
    entries[i] = replace(changed, hash=changed.content_hash())
    return entries


def _delete(*seqs: int) -> Callable[[Chain], Chain]:
    return lambda entries: [e for e in entries if e.seq not in seqs]


def _swap_seqs(a: int, b: int) -> Callable[[Chain], Chain]:
    """``UPDATE events SET seq = ...``: the two rows trade numbers, keeping their hashes."""

    def swap(entries: Chain) -> Chain:
        swapped = {a: b, b: a}
        return _as_stored([replace(e, seq=swapped.get(e.seq, e.seq)) for e in entries])

    return swap


def _swap_lines(a: int, b: int) -> Callable[[Chain], Chain]:
    """Two lines of an export trade places, each keeping its seq."""

    def swap(entries: Chain) -> Chain:
        i, j = _at(entries, a), _at(entries, b)
        entries[i], entries[j] = entries[j], entries[i]
        return entries

    return swap


@pytest.mark.parametrize(
    ("tamper", "kind", "seq"),
    [
        (_alter_data, ProblemKind.ALTERED, 3),
        (_alter_hash, ProblemKind.ALTERED, 3),
        (_alter_prev_hash, ProblemKind.ALTERED, 3),
        (_rewrite_with_its_hash, ProblemKind.ALTERED, 3),
        (_delete(3), ProblemKind.REMOVED, 3),
        (_delete(1), ProblemKind.REMOVED, 1),
        (_delete(3, 4), ProblemKind.REMOVED, 3),
        (_swap_seqs(3, 4), ProblemKind.REORDERED, 3),
        (_swap_seqs(2, 5), ProblemKind.REORDERED, 2),
        (_swap_seqs(5, 6), ProblemKind.REORDERED, 5),
        (_swap_lines(3, 4), ProblemKind.REORDERED, 3),
        (_swap_lines(2, 6), ProblemKind.REORDERED, 2),
    ],
    ids=[
        "data updated",
        "hash updated",
        "prev_hash updated",
        "entry rewritten with its own hash",
        "row deleted",
        "first row deleted",
        "two rows deleted",
        "adjacent seqs swapped",
        "distant seqs swapped",
        "last two seqs swapped",
        "adjacent lines swapped",
        "distant lines swapped",
    ],
)
def test_the_first_problem_is_named_with_its_kind_and_seq(
    tamper: Callable[[Chain], Chain], kind: ProblemKind, seq: int
) -> None:
    """Each tampering is reported by kind at the seq where it was done, all before it verified."""
    report = verify_chain(tamper(_log()))

    assert not report.ok
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == (kind, seq)
    assert (report.count, report.head.seq) == (seq - 1, seq - 1)


@pytest.mark.parametrize(
    ("entries", "start", "count", "head_seq"),
    [
        ([], GENESIS, 0, 0),
        (_log(), GENESIS, 6, 6),
        (_log()[2:], None, 4, 6),
        (_log()[:3], None, 3, 3),
        (_log()[2:], ChainHead(2, _log()[1].hash), 4, 6),
    ],
    ids=["empty", "whole log", "export from seq 3", "export from seq 1", "continued walk"],
)
def test_an_untouched_chain_verifies(
    entries: Chain, start: ChainHead | None, count: int, head_seq: int
) -> None:
    """Whole logs and pieces of one verify, reporting how many entries and the head."""
    report = verify_chain(entries, start=start)

    assert report.ok
    assert report.count == count
    assert report.head.seq == head_seq
    assert report.head.hash == (entries[-1].hash if entries else GENESIS.hash)


def test_a_piece_of_the_chain_does_not_verify_from_genesis() -> None:
    """Entries from seq 3 on are a removal when the walk expects the whole log."""
    report = verify_chain(_log()[2:])

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == (ProblemKind.REMOVED, 1)
    assert "1-2" in report.problem.detail


def test_an_export_starting_at_seq_1_must_start_from_genesis() -> None:
    """A first entry claiming seq 1 but chained to something else is not trusted as an anchor."""
    first = replace(_log()[0], prev_hash="e" * 64)

    report = verify_chain([first], start=None)

    assert report.problem is not None
    assert report.problem.kind is ProblemKind.ALTERED


def _with_checkpoint(key: CheckpointKey = KEY) -> Chain:
    """Entries 1-3, a checkpoint (seq 4) signing entry 3, then entries 5-6."""
    first = _log(3)
    event = checkpoint_event(first[-1], key, T0 + timedelta(minutes=1))
    assert event is not None
    entries = first + chain(first[-1].head, [event])
    later = [Event(T0 + timedelta(minutes=2 + i), "k", f"t{i}") for i in range(2)]
    return entries + chain(entries[-1].head, later)


def test_checkpoints_verify_with_the_key() -> None:
    """Given the key, a chain with a good checkpoint verifies and counts it."""
    report = verify_chain(_with_checkpoint(), key=KEY)

    assert report.ok
    assert (report.checkpoints, report.last_checkpoint) == (1, 4)
    assert report.signatures_checked


def test_without_the_key_checkpoints_are_linked_but_not_checked() -> None:
    """With no key, a checkpoint signed by another key still passes, and the report says so."""
    report = verify_chain(_with_checkpoint(CheckpointKey(b"x" * 32)))

    assert report.ok
    assert report.checkpoints == 1
    assert not report.signatures_checked


def _forge_signature(entries: Chain) -> Chain:
    checkpoint = entries[3]
    data = {**checkpoint.data, "signature": "0" * 64}
    forged = replace(checkpoint, data=MappingProxyType(data))
    return [*entries[:3], replace(forged, hash=forged.content_hash()), *entries[4:]]


def _rewrite_from(seq: int) -> Callable[[Chain], Chain]:
    """Entry ``seq`` changed and every hash from it on recomputed: a consistent forgery."""

    def rewrite(entries: Chain) -> Chain:
        kept = entries[: seq - 1]
        changed = [replace(entries[seq - 1], subject="forged"), *entries[seq:]]
        head = kept[-1].head if kept else GENESIS
        return kept + chain(head, [e.event for e in changed])

    return rewrite


@pytest.mark.parametrize(
    ("tamper", "key", "detail"),
    [
        (_forge_signature, KEY, "not the node's"),
        (lambda entries: entries, CheckpointKey(b"x" * 32), "signed with key"),
        (_rewrite_from(2), None, "rewritten"),
    ],
    ids=["forged signature", "another node's key", "chain rewritten before it"],
)
def test_a_bad_checkpoint_is_reported_at_its_seq(
    tamper: Callable[[Chain], Chain], key: CheckpointKey | None, detail: str
) -> None:
    """A checkpoint that does not vouch for the chain before it is a bad signature."""
    report = verify_chain(tamper(_with_checkpoint()), key=key)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == (ProblemKind.BAD_SIGNATURE, 4)
    assert detail in report.problem.detail


def test_a_consistent_rewrite_after_the_last_checkpoint_goes_unseen() -> None:
    """The limit of a chain: entries rehashed after the last checkpoint verify (docs/audit.md)."""
    assert verify_chain(_rewrite_from(5)(_with_checkpoint()), key=KEY).ok


def test_a_walk_fed_page_by_page_settles_at_the_first_problem() -> None:
    """Fed in pages, the walk stops changing its answer once a problem is certain."""
    walk = ChainWalk()
    entries = _alter_data(_log())
    for entry in entries[:3]:
        walk.add(entry)

    assert walk.settled
    for entry in entries[3:]:
        walk.add(entry)
    report = walk.report()
    assert report.problem is not None
    assert (report.problem.seq, report.count, report.head.seq) == (3, 2, 2)


def test_a_broken_link_waits_for_the_rest_of_the_chain() -> None:
    """A gap is not settled until the rest is read: the missing entry may yet turn up."""
    walk = ChainWalk(start=None)
    for entry in _swap_lines(3, 4)(_log())[:3]:
        walk.add(entry)

    assert not walk.settled
    assert walk.report().problem is not None
