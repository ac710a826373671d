"""Federation: which node sends what to which, over which subject, and who relays.

Each partner may run its own node; the nodes that exchange messages are its *peers* (the
partners that run a node on the coalition's bus, or that a link reaches over HTTPS). A node
sends only what it *originated*: messages it issued, and at the coordinator's hub also the
messages posted to it by partners without a node of their own. Everything a node received
from a peer stays with it, except at the hub, which relays to the partners that may hear of a
source only through it.

For a message from ``sources`` (the partners whose reports it rests on), each peer other than
the origin gets it at the level the sharing matrix gives (:func:`releasability.release`):

- ``full`` — the message as signed by its sender;
- ``zones_only`` — redacted and signed by this node; only when this node's partner is the
  sender (a node never signs under another's name), otherwise the hub relays it instead;
- ``via_coordinator`` — only the coordinator's node sends it (redacted, signed by the hub):
  a partner's node leaves it to the hub, which received the message at its own level;
- ``none`` — nothing.

Loop prevention: what came from a peer is never originated again; the hub relays only what
a peer originated (never a relay), never back to that peer, only at ``via_coordinator``; and
every message carries the nodes it passed through, so a node drops one that names itself.
Acknowledgements (CAP ``Ack``) go only to the peers whose partners sent what they acknowledge.
Observations go to peers at ``full``, and to the coordinator at any level but ``none``: the
hub fuses them to warn others in its own name and never passes an observation on.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, SharingMatrix, release


class Kind(StrEnum):
    """What a bus message carries; each kind has its stream."""

    OBSERVATION = "obs"
    ALERT = "cap"
    ACK = "ack"


_STREAM_NAMES = {Kind.OBSERVATION: "OBSERVATIONS", Kind.ALERT: "ALERTS", Kind.ACK: "ACKS"}
_NOT_A_TOKEN = re.compile(r"[^a-z0-9_-]")


def token(text: str) -> str:
    """``text`` as one subject part: lower case, anything but letters, digits, ``-`` and ``_``
    replaced by ``_`` (dots, spaces and wildcards would change the subject's meaning)."""
    return _NOT_A_TOKEN.sub("_", text.lower()) or "_"


@dataclass(frozen=True, slots=True)
class Topology:
    """Subjects, streams and consumer names of one coalition's bus, under ``prefix``.

    Subjects: ``<prefix>.<kind>.<recipient partner>.<category>``; a node reads
    ``<prefix>.<kind>.<its partner>.>`` under the durable name ``<its partner>-<kind>``.
    """

    prefix: str = "tanbih"

    def subject(self, kind: Kind, recipient: str, category: str) -> str:
        """Where a message of ``kind`` for ``recipient`` in ``category`` is published."""
        return f"{token(self.prefix)}.{kind}.{token(recipient)}.{token(category)}"

    def inbox(self, kind: Kind, recipient: str) -> str:
        """The filter of everything of ``kind`` addressed to ``recipient``."""
        return f"{token(self.prefix)}.{kind}.{token(recipient)}.>"

    def durable(self, kind: Kind, recipient: str) -> str:
        """The durable consumer name ``recipient``'s node reads its inbox of ``kind`` under."""
        return f"{token(recipient)}-{kind}"

    def stream(self, kind: Kind) -> str:
        """The stream that keeps messages of ``kind``."""
        return f"{token(self.prefix).upper()}_{_STREAM_NAMES[kind]}"

    def streams(self) -> dict[str, list[str]]:
        """Every stream and the subjects it keeps."""
        return {self.stream(k): [f"{token(self.prefix)}.{k}.>"] for k in Kind}


@dataclass(frozen=True, slots=True)
class Send:
    """Send a message to ``recipient``'s node at ``level``."""

    recipient: str
    level: Level


@dataclass(frozen=True, slots=True)
class Federation:
    """This node's place among its peers."""

    own: str
    coordinator: str | None
    peers: frozenset[str]
    matrix: SharingMatrix

    @property
    def is_hub(self) -> bool:
        """Whether this node is the coordinator's, which relays."""
        return self.own == self.coordinator

    def originated(self, origin: str) -> bool:
        """Whether a message stored under partner ``origin`` is this node's to send: its own,
        or at the hub one posted by a partner without a node. Never what came from a peer, nor,
        at a partner's node, what it received from the hub in another partner's name."""
        return origin == self.own or (self.is_hub and origin not in self.peers)

    def sends(
        self, origin: str, sources: Collection[str], status: Status, own_sender: bool
    ) -> list[Send]:
        """Where a CAP message stored under ``origin`` goes, and at what level (module doc).

        ``own_sender``: the message's sender is one of this node's partner's, so this node
        may sign a redacted copy of it.
        """
        if not self.originated(origin):
            return self._relays(origin, sources, status)
        sends = []
        for recipient in sorted(self.peers - {self.own, origin}):
            level = release(self.matrix, sources, recipient, status)
            if level is Level.ZONES_ONLY and not own_sender:
                level = Level.VIA_COORDINATOR
            if level is Level.NONE or (level is Level.VIA_COORDINATOR and not self.is_hub):
                continue
            sends.append(Send(recipient, level))
        return sends

    def _relays(self, origin: str, sources: Collection[str], status: Status) -> list[Send]:
        if not self.is_hub:
            return []
        return [
            Send(recipient, Level.VIA_COORDINATOR)
            for recipient in sorted(self.peers - {self.own, origin})
            if release(self.matrix, sources, recipient, status) is Level.VIA_COORDINATOR
        ]

    def ack_recipients(self, origin: str, answered_partners: Iterable[str]) -> list[str]:
        """The peers an Ack stored under ``origin`` goes to: those whose messages it answers."""
        if not self.originated(origin):
            return []
        return sorted(set(answered_partners) & (self.peers - {self.own}))

    def observation_recipients(self, reporter: str, status: Status) -> list[str]:
        """The peers an observation by ``reporter`` (posted to this node) goes to."""
        if not self.originated(reporter):
            return []
        recipients = []
        for recipient in sorted(self.peers - {self.own, reporter}):
            level = release(self.matrix, (reporter,), recipient, status)
            hub = recipient == self.coordinator and level is not Level.NONE
            if level is Level.FULL or hub:
                recipients.append(recipient)
        return recipients


def loops(path: Iterable[str], own: str) -> bool:
    """Whether a message that passed through the nodes ``path`` already passed this one."""
    return own in path
