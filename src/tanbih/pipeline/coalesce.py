"""Gathering a threat's early-warning changes into fewer messages.

Early-warning changes of one threat (zones joining or leaving its path) are gathered into at
most one message per ``COALESCE``; take-shelter and the threat's end go out at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tanbih.domain.fusion import Threat
from tanbih.pipeline.zone_columns import ColumnDecision

COALESCE = timedelta(seconds=10)


def held_until(
    decision: ColumnDecision, threat: Threat, last_issued: datetime | None, now: datetime
) -> datetime | None:
    """Until when these changes may wait for the threat's next message; ``None``: send now.

    Only early-warning changes of a live threat that had a message less than ``COALESCE`` ago
    wait; a zone to take shelter, or the threat's end, never does.
    """
    if not decision.changed.size or not threat.is_live or last_issued is None:
        return None
    if now - last_issued >= COALESCE:
        return None
    if decision.shelters:
        return None
    return last_issued + COALESCE
