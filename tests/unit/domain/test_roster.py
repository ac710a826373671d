"""Who is on duty: shifts by weekday and time of day, past midnight, in the partner's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from types import MappingProxyType

import pytest
from tests.unit.domain.routing_samples import partner

from tanbih.domain.coalition import DutyRole, Role, Roster, Shift
from tanbih.domain.roster import duty_contacts, on_duty

SUN_TO_THU = frozenset({6, 0, 1, 2, 3})
FRI_SAT = frozenset({4, 5})
DUTY, DEPUTY = DutyRole.DUTY_OFFICER, DutyRole.DEPUTY


def shift(days: frozenset[int], start: int, end: int, duty: str, deputy: str) -> Shift:
    """A shift from ``start`` to ``end`` o'clock with one duty officer and one deputy."""
    return Shift(days, time(start), time(end), MappingProxyType({DUTY: (duty,), DEPUTY: (deputy,)}))


# Israel's demo roster: Sunday-Thursday day and night watches, 24-hour weekend watches.
ISRAEL = Roster(
    "Asia/Jerusalem",
    (
        shift(SUN_TO_THU, 7, 19, "noa", "yossi"),
        shift(SUN_TO_THU, 19, 7, "yossi", "noa"),
        shift(FRI_SAT, 7, 7, "yossi", "noa"),
    ),
)
# Israel Standard Time, in force in the week of Sunday 2026-11-29.
WINTER = timezone(timedelta(hours=2))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """Jerusalem wall-clock time ``day`` days after Sunday 2026-11-29, as a UTC instant."""
    return datetime(2026, 11, 29, hour, minute, tzinfo=WINTER).astimezone(UTC) + timedelta(days=day)


@pytest.mark.parametrize(
    ("now", "role", "expected"),
    [
        pytest.param(local(1, 12), DUTY, ("noa",), id="monday noon: day watch"),
        pytest.param(local(1, 12), DEPUTY, ("yossi",), id="monday noon: the day watch's deputy"),
        pytest.param(local(1, 7), DUTY, ("noa",), id="a shift starts at its start time"),
        pytest.param(local(1, 18, 59), DUTY, ("noa",), id="a minute before the night watch"),
        pytest.param(local(1, 19), DUTY, ("yossi",), id="a shift ends at its end time"),
        pytest.param(local(1, 6, 59), DUTY, ("yossi",), id="monday dawn: sunday's night watch"),
        pytest.param(local(4, 23), DUTY, ("yossi",), id="thursday night watch, before midnight"),
        pytest.param(local(5, 3), DUTY, ("yossi",), id="friday 03:00: thursday's night watch"),
        pytest.param(local(5, 3), DEPUTY, ("noa",), id="friday 03:00: its deputy"),
        pytest.param(local(5, 12), DUTY, ("yossi",), id="friday noon: the weekend watch"),
        pytest.param(local(7, 6), DUTY, ("yossi",), id="sunday dawn: saturday's 24-hour watch"),
        pytest.param(local(7, 7), DUTY, ("noa",), id="sunday 07:00: the week's first day watch"),
    ],
)
def test_on_duty_by_weekday_and_time_of_day(
    now: datetime, role: DutyRole, expected: tuple[str, ...]
) -> None:
    """The roster names whoever's shift covers the local wall-clock time, midnight or not."""
    assert on_duty(ISRAEL, role, now) == expected


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [(3, ("yossi",)), (4, ("noa",)), (15, ("noa",)), (16, ("yossi",))],
)
def test_shifts_keep_local_hours_in_summer_time(utc_hour: int, expected: tuple[str, ...]) -> None:
    """In July Jerusalem is UTC+3, so the 07:00 and 19:00 changes fall at 04:00 and 16:00 UTC."""
    monday = datetime(2026, 7, 6, utc_hour, 30, tzinfo=UTC)
    assert on_duty(ISRAEL, DUTY, monday) == expected


def test_the_time_zone_is_the_rosters_not_the_callers() -> None:
    """The same instant falls in different shifts in Riyadh (UTC+3) and in Cairo (UTC+2)."""
    instant = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
    day_watch = (shift(frozenset(range(7)), 7, 19, "day", "night"),)
    assert on_duty(Roster("Asia/Riyadh", day_watch), DUTY, instant) == ("day",)
    assert on_duty(Roster("Africa/Cairo", day_watch), DUTY, instant) == ()


def test_overlapping_shifts_name_everyone_once_in_shift_order() -> None:
    """Two shifts covering the same time both count; a contact in both is named once."""
    roster = Roster(
        "UTC",
        (
            shift(frozenset(range(7)), 8, 16, "ann", "bob"),
            shift(frozenset(range(7)), 12, 20, "cid", "ann"),
        ),
    )
    noon = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert on_duty(roster, DUTY, noon) == ("ann", "cid")
    assert on_duty(roster, DEPUTY, noon) == ("bob", "ann")
    assert on_duty(roster, DutyRole.LIAISON, noon) == ()


def test_a_naive_time_is_refused() -> None:
    """A time without a zone would be read in the host's zone, so it is an error."""
    with pytest.raises(ValueError, match="timezone-aware"):
        on_duty(ISRAEL, DUTY, datetime(2026, 11, 30, 12, 0))


def test_duty_contacts_follow_the_roster() -> None:
    """With a roster, the contacts on duty are those its shift names, as Contact values."""
    roster = Roster("UTC", (shift(frozenset(range(7)), 0, 0, "aa-deputy", "aa-duty"),))
    aa = partner("aa", Role.PARTNER, ("ar",), roster)
    assert [c.id for c in duty_contacts(aa, DUTY, datetime(2026, 11, 30, tzinfo=UTC))] == [
        "aa-deputy"
    ]


@pytest.mark.parametrize(
    "roster",
    [
        pytest.param(None, id="no roster"),
        pytest.param(
            Roster("UTC", (shift(frozenset(range(7)), 8, 16, "aa-deputy", "aa-duty"),)),
            id="a gap in the roster",
        ),
        pytest.param(
            Roster("UTC", (shift(frozenset(range(7)), 0, 0, "someone-gone", "aa-duty"),)),
            id="the roster names an unknown contact",
        ),
    ],
)
def test_standing_duty_stands_in_when_the_roster_names_nobody(roster: Roster | None) -> None:
    """Without a rostered contact for a duty, the contacts whose standing duty it is are used."""
    aa = partner("aa", Role.PARTNER, ("ar",), roster)
    night = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    assert [c.id for c in duty_contacts(aa, DUTY, night)] == ["aa-duty"]
