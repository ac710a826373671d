"""Verifying an audit chain: walk it in ``seq`` order and name the first thing wrong.

``ChainWalk`` takes entries one at a time and keeps a few fields of state, so a store can feed
it page by page and a file line by line. The first problem is one of:

* ``altered``: an entry's fields no longer give its hash, or an entry was rewritten together
  with its hash (the next entry was chained to something else: reported at the rewritten one);
* ``removed``: ``seq`` skips (reported at the first missing ``seq``);
* ``reordered``: entries are not where they were chained (``seq`` goes back, or an entry's
  predecessor shows up after it): reported at the first position out of place;
* ``bad-signature``: a checkpoint does not sign the entry before it, or (given the key) its
  signature is not the node's.

A break in the links is only settled once the rest of the chain is read: an entry that turns up
later where it was chained makes it a reordering rather than an alteration or removal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from tanbih.domain.audit import (
    CHECKPOINT_ALGORITHM,
    CHECKPOINT_KIND,
    GENESIS,
    AuditEntry,
    ChainHead,
    CheckpointKey,
)


class ProblemKind(StrEnum):
    """What is wrong at the first bad place of a chain."""

    ALTERED = "altered"
    REMOVED = "removed"
    REORDERED = "reordered"
    BAD_SIGNATURE = "bad-signature"


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first problem of a chain: its kind, the ``seq`` it is at, and what was seen."""

    kind: ProblemKind
    seq: int
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What a walk found: the entries that verified and the first problem, if any.

    ``head`` is the last entry that verified (where the chain is good up to); ``first_seq`` the
    first entry read. ``checkpoints`` counts the checkpoints that verified; their signatures
    were checked only if ``signatures_checked``.
    """

    count: int
    first_seq: int | None
    head: ChainHead
    checkpoints: int
    last_checkpoint: int | None
    signatures_checked: bool
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """Whether every entry read verified."""
        return self.problem is None


@dataclass(frozen=True, slots=True)
class _Tally:
    """The entries verified so far: how many, the last one, and the checkpoints among them."""

    count: int = 0
    head: ChainHead | None = None  # None until the first entry anchors a walk from no start
    checkpoints: int = 0
    last_checkpoint: int | None = None

    def plus(self, entry: AuditEntry) -> _Tally:
        """The tally once ``entry`` verified too."""
        tally = replace(self, count=self.count + 1, head=entry.head)
        if entry.kind != CHECKPOINT_KIND:
            return tally
        return replace(tally, checkpoints=self.checkpoints + 1, last_checkpoint=entry.seq)


@dataclass(frozen=True, slots=True)
class _Suspect:
    """A broken link, waiting for the rest of the chain to tell a reordering from the rest."""

    verdict: ChainProblem  # the problem if no reordering shows up
    seq: int  # the position out of place
    expected_prev: str  # the hash the entry at ``seq`` should have been chained to
    named_prev: str  # the hash the entry found there was chained to
    found_seq: int  # the seq of the entry found there

    def reordering(self, later: AuditEntry) -> str | None:
        """How ``later`` shows the entries were moved; ``None`` if it does not."""
        if later.seq < self.found_seq:
            return f"seq {later.seq} comes after seq {self.found_seq}"
        if later.prev_hash == self.expected_prev:
            return f"the entry at seq {later.seq} was chained at seq {self.seq}"
        if later.hash == self.named_prev:
            return f"the entry at seq {self.seq} was chained after the one at seq {later.seq}"
        return None


class ChainWalk:
    """Verifies a chain entry by entry; ``report()`` at any point says what it found so far.

    ``start`` is the head the first entry must follow: ``GENESIS`` for a whole log, or ``None``
    to trust the first entry's link (an export that begins mid-chain; one beginning at seq 1
    must still start from genesis). Given ``key``, checkpoint signatures are checked too.
    """

    def __init__(
        self, *, start: ChainHead | None = GENESIS, key: CheckpointKey | None = None
    ) -> None:
        self._key = key
        self._tally = _Tally(head=start)
        # The tally before the last entry verified, for when that entry proves rewritten.
        self._before = self._tally
        self._first_seq: int | None = None
        self._problem: ChainProblem | None = None
        self._suspect: _Suspect | None = None

    @property
    def settled(self) -> bool:
        """Whether the first problem is known for sure: reading on would change nothing."""
        return self._problem is not None

    def add(self, entry: AuditEntry) -> None:
        """Take the next entry, in the order stored (by ``seq``) or written (an export)."""
        if self._problem is not None:
            return
        if self._first_seq is None:
            self._first_seq = entry.seq
        if self._suspect is not None:
            moved = self._suspect.reordering(entry)
            if moved is not None:
                self._problem = ChainProblem(ProblemKind.REORDERED, self._suspect.seq, moved)
            return
        head = self._tally.head
        if head is None:
            head = GENESIS if entry.seq == 1 else ChainHead(entry.seq - 1, entry.prev_hash)
        self._check(entry, head)

    def report(self) -> ChainReport:
        """What the walk found; an unsettled broken link gets its verdict now."""
        problem = self._problem or (self._suspect.verdict if self._suspect else None)
        tally = self._tally
        if problem is not None and tally.head is not None and problem.seq == tally.head.seq:
            tally = self._before  # the last entry verified alone, but was rewritten
        return ChainReport(
            count=tally.count,
            first_seq=self._first_seq,
            head=tally.head or GENESIS,
            checkpoints=tally.checkpoints,
            last_checkpoint=tally.last_checkpoint,
            signatures_checked=self._key is not None,
            problem=problem,
        )

    def _check(self, entry: AuditEntry, head: ChainHead) -> None:
        seq = head.seq + 1
        if entry.seq < seq:
            self._problem = ChainProblem(
                ProblemKind.REORDERED, seq, f"seq {entry.seq} comes after seq {head.seq}"
            )
        elif entry.seq > seq:
            missing = str(seq) if entry.seq == seq + 1 else f"{seq}-{entry.seq - 1}"
            self._suspect_at(entry, head, ProblemKind.REMOVED, seq, f"seq {missing} missing")
        elif entry.prev_hash != head.hash:
            if entry.content_hash() == entry.hash and head.seq > 0:
                # Self-consistent but chained to another hash: the entry before was rewritten.
                detail = f"seq {seq} was chained to another version of this entry"
                self._suspect_at(entry, head, ProblemKind.ALTERED, head.seq, detail)
            else:
                detail = "its link to the entry before no longer holds"
                self._suspect_at(entry, head, ProblemKind.ALTERED, seq, detail)
        elif entry.content_hash() != entry.hash:
            self._problem = ChainProblem(
                ProblemKind.ALTERED, seq, "its fields no longer give its hash"
            )
        elif entry.kind == CHECKPOINT_KIND and (reason := self._checkpoint_fault(entry)):
            self._problem = ChainProblem(ProblemKind.BAD_SIGNATURE, seq, reason)
        else:
            self._accept(entry)

    def _suspect_at(
        self, entry: AuditEntry, head: ChainHead, kind: ProblemKind, seq: int, detail: str
    ) -> None:
        verdict = ChainProblem(kind, seq, detail)
        self._suspect = _Suspect(verdict, head.seq + 1, head.hash, entry.prev_hash, entry.seq)

    def _accept(self, entry: AuditEntry) -> None:
        self._before, self._tally = self._tally, self._tally.plus(entry)

    def _checkpoint_fault(self, entry: AuditEntry) -> str | None:
        """Why a checkpoint does not vouch for the entry before it; ``None`` if it does."""
        data = entry.data
        signed = ChainHead(entry.seq - 1, entry.prev_hash)
        if data.get("algorithm") != CHECKPOINT_ALGORITHM:
            return f"unknown algorithm {data.get('algorithm')!r}"
        if data.get("signed_seq") != signed.seq or data.get("signed_hash") != signed.hash:
            return f"it does not sign seq {signed.seq} as chained: the chain before was rewritten"
        if self._key is None:
            return None
        if data.get("key_id") != self._key.key_id:
            return f"signed with key {data.get('key_id')!r}, not {self._key.key_id!r}"
        signature = data.get("signature")
        if not isinstance(signature, str) or not self._key.signs(signed, signature):
            return "its signature is not the node's"
        return None


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    start: ChainHead | None = GENESIS,
    key: CheckpointKey | None = None,
) -> ChainReport:
    """Walk ``entries`` (in ``seq`` order) and report the first problem, or that all verified."""
    walk = ChainWalk(start=start, key=key)
    for entry in entries:
        walk.add(entry)
        if walk.settled:
            break
    return walk.report()
