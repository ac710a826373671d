"""Who is on duty: a partner's duty roster read at one instant, in the partner's own time zone.

A shift names the contacts holding each duty (duty officer, deputy, liaison) from a start to an
end time on the weekdays it starts on; one that ends at or before its start runs past midnight
and still belongs to the day it started (Friday 20:00-08:00 covers Saturday 03:00). Wall-clock
times are compared in the roster's IANA zone, so a shift keeps its local hours across daylight
saving time changes. Where the roster names nobody for a duty at that instant, or a partner has
no roster, the contacts whose standing ``duty`` it is stand in: a gap in a roster must never
leave a partner with nobody to warn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tanbih.domain.coalition import Contact, DutyRole, Partner, Roster, Shift


def on_duty(roster: Roster, role: DutyRole, now: datetime) -> tuple[str, ...]:
    """The ids of the contacts holding ``role`` at ``now`` by the roster, in shift order, once.

    ``now`` must be timezone-aware: a naive time would be read in the host's zone.
    """
    if now.tzinfo is None:
        raise ValueError("on_duty needs a timezone-aware time")
    local = now.astimezone(ZoneInfo(roster.time_zone))
    found: dict[str, None] = {}
    for shift in roster.shifts:
        if _covers(shift, local):
            found.update(dict.fromkeys(shift.on_duty.get(role, ())))
    return tuple(found)


def duty_contacts(partner: Partner, role: DutyRole, now: datetime) -> tuple[Contact, ...]:
    """The partner's contacts holding ``role`` at ``now``: by its roster, else by standing duty."""
    if partner.roster is not None:
        ids = on_duty(partner.roster, role, now)
        by_id = {contact.id: contact for contact in partner.contacts}
        rostered = tuple(by_id[i] for i in ids if i in by_id)
        if rostered:
            return rostered
    return tuple(contact for contact in partner.contacts if contact.duty is role)


def _covers(shift: Shift, local: datetime) -> bool:
    """Whether ``shift`` is running at the local wall-clock time ``local``."""
    clock = local.time()
    today = local.weekday()
    if shift.start < shift.end:
        return today in shift.days and shift.start <= clock < shift.end
    # Past midnight: the evening part of a shift starting today, or the morning part of one
    # that started yesterday.
    yesterday = (local - timedelta(days=1)).weekday()
    return (today in shift.days and clock >= shift.start) or (
        yesterday in shift.days and clock < shift.end
    )
