"""Who may do what through the API, by role. Releasability of content comes with the agreement."""

from __future__ import annotations

from enum import StrEnum

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Partner, Role


class Act(StrEnum):
    """Something a caller asks the node to do."""

    POST_ALERT = "post_alert"
    READ_ALERTS = "read_alerts"


_ALLOWED: dict[Role, frozenset[Act]] = {
    Role.COORDINATOR: frozenset(Act),
    Role.PARTNER: frozenset(Act),
    Role.OBSERVER: frozenset({Act.READ_ALERTS}),
}


def denial(partner: Partner, act: Act) -> str | None:
    """Why ``partner`` may not do ``act``; ``None`` when its role allows it."""
    if act in _ALLOWED[partner.role]:
        return None
    act_words = act.value.replace("_", " ")
    return f"partner {partner.id!r} has role {partner.role}, which may not {act_words}"


def sender_denial(partner: Partner, alert: Alert) -> str | None:
    """Why ``partner`` may not post ``alert`` under its ``sender``; ``None`` when it may."""
    if partner.may_send_as(alert.sender):
        return None
    declared = ", ".join(partner.senders) or "none"
    return (
        f"sender {alert.sender!r} is not declared for partner {partner.id!r} (declared: {declared})"
    )
