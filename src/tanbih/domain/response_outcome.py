"""Telling the partners how a threat's response stands, as far as the sharing matrix allows.

The outcome of a response assignment is news about two kinds of partner: the threat's sources
(it tells of their threat) and the responder (it tells of their forces). So a recipient's level
for it is :func:`~tanbih.domain.releasability.release` over the sources *and* the responder:

- ``none`` — the recipient is told nothing;
- ``via_coordinator`` — it learns where the response stands from the coordinator, without the
  responder's name (a partner with no direct relations to it is not named to it);
- ``zones_only`` or ``full`` — it learns where the response stands and who responds.

While a partner is only being asked, nobody else is told who: a request is not a commitment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tanbih.domain.agreement import Agreement
from tanbih.domain.releasability import Level, release
from tanbih.domain.response import ThreatToMeet
from tanbih.domain.response_assignment import Assignment, AssignmentState


@dataclass(frozen=True, slots=True)
class ResponseNotice:
    """What one partner is told: the threat, where its response stands, who responds if it may
    know (``None`` when withheld or when nobody has accepted)."""

    threat_id: str
    state: AssignmentState
    responder: str | None
    level: Level


def response_notices(
    agreement: Agreement,
    threat: ThreatToMeet,
    assignment: Assignment,
    recipients: Iterable[str],
) -> dict[str, ResponseNotice]:
    """The notice each recipient may receive of ``assignment`` (none for those at ``none``)."""
    responder = assignment.responder
    about = set(threat.sources) | ({responder} if responder is not None else set())
    notices = {}
    for recipient in recipients:
        level = release(agreement.sharing, about, recipient, threat.status)
        if level is Level.NONE:
            continue
        # The responder knows it responds, whatever it may know of the sources.
        withheld = level is Level.VIA_COORDINATOR and recipient != responder
        named = None if withheld else responder
        notices[recipient] = ResponseNotice(assignment.threat_id, assignment.state, named, level)
    return notices
