"""What the respond stage writes to the audit log and tells the consoles, as events.

Each builder takes the values of one move and returns the :class:`~tanbih.domain.records.Event`
(or events) the stage stores with it: the transitions of a case's assignment, a threat nobody
could be asked to meet, a capability switched on or off, and the outcome as one partner is
told it. The warning a case keeps (:class:`~tanbih.domain.response_case.Warned`) is read off
the alert here too.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from tanbih.domain.cap import Alert
from tanbih.domain.lifecycle import stage_of
from tanbih.domain.records import Event, alert_id
from tanbih.domain.response import Ranking
from tanbih.domain.response_assignment import Assignment, Refusal
from tanbih.domain.response_case import (
    AUDIT_KINDS,
    AVAILABILITY_CHANGED,
    NOTICE_PUBLISHED,
    ResponseCase,
    Warned,
    audit_data,
)
from tanbih.domain.response_outcome import ResponseNotice
from tanbih.domain.routing import alert_zones

UNASSIGNED = "response.unassigned"


def warned_of(alert: Alert) -> Warned:
    """The warning ``alert`` as a case keeps it: its id, the zones it warns, their stage."""
    return Warned(
        alert_id(alert.sender, alert.identifier), tuple(sorted(alert_zones(alert))), stage_of(alert)
    )


def considered(ranking: Ranking) -> dict[str, object]:
    """What the ranking weighed, as the case's opening entry records it."""
    return {
        "order": list(ranking.order),
        "excluded": {e.partner_id: e.reason.value for e in ranking.excluded},
        "rule": ranking.rule.name,
    }


def unassigned_entry(threat_id: str, refusal: Refusal, ranking: Ranking, now: datetime) -> Event:
    """The entry of a case opened with nobody to ask, and why."""
    return Event(
        now,
        UNASSIGNED,
        threat_id,
        None,
        MappingProxyType({"reason": refusal.reason.value, **considered(ranking)}),
    )


def transition_entries(case: ResponseCase, assignment: Assignment, known: int) -> list[Event]:
    """The audit entries of the transitions after the first ``known`` of the history."""
    entries = []
    for event in assignment.history[known:]:
        entries.append(
            Event(
                at=event.at,
                kind=AUDIT_KINDS[event.rule],
                subject=case.threat_id,
                partner_id=event.partner_id or event.asked,
                data=MappingProxyType(audit_data(event, case)),
            )
        )
    return entries


def opening_entries(case: ResponseCase, ranking: Ranking) -> list[Event]:
    """The entries of a case opened with a request, the first also saying what was weighed."""
    audit = transition_entries(case, case.assignment, 0)
    first = audit[0]
    audit[0] = Event(
        first.at,
        first.kind,
        first.subject,
        first.partner_id,
        MappingProxyType({**first.data, **considered(ranking)}),
    )
    return audit


def availability_entry(
    partner_id: str, capability: str, available: bool, by: str, now: datetime
) -> Event:
    """The entry of one of ``partner_id``'s capabilities switched on or off by ``by``."""
    return Event(
        at=now,
        kind=AVAILABILITY_CHANGED,
        subject=f"{partner_id}/{capability}",
        partner_id=partner_id,
        data=MappingProxyType({"capability": capability, "available": available, "by": by}),
    )


def notice_entry(
    case: ResponseCase, recipient: str, notice: ResponseNotice, now: datetime
) -> Event:
    """The outcome of ``case`` as ``recipient`` is told it (the console event, audited)."""
    return Event(
        at=now,
        kind=NOTICE_PUBLISHED,
        subject=case.threat_id,
        partner_id=recipient,
        data=MappingProxyType(
            {
                "type": "response",
                "threat": case.threat_id,
                "state": notice.state.value,
                "responder": notice.responder,
                "level": notice.level.value,
                "status": case.threat.status.value,
                "zones": list(case.warned.zones),
                "stage": case.warned.stage.name.lower(),
            }
        ),
    )
