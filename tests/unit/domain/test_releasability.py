"""Releasability as tables: the matrix lookup order, and the most restrictive source winning."""

from __future__ import annotations

import pytest

from tanbih.domain.cap import Status
from tanbih.domain.releasability import (
    Level,
    SharingMatrix,
    SharingSheet,
    most_restrictive,
    releasable_to,
    release,
)

FULL, ZONES, VIA, NONE = Level.FULL, Level.ZONES_ONLY, Level.VIA_COORDINATOR, Level.NONE
ACTUAL, EXERCISE, TEST = Status.ACTUAL, Status.EXERCISE, Status.TEST

# The demo's shape: Israel reaches Saudi Arabia and Qatar only through the coordinator, and
# shares zones only with the others; exercises open il -> eg fully and default to full.
DEMO = SharingMatrix(
    base=SharingSheet.of(
        FULL,
        [
            (("il", "sa"), VIA),
            (("sa", "il"), VIA),
            (("il", "qa"), VIA),
            (("qa", "il"), VIA),
            (("il", "eg"), ZONES),
            (("il", "jo"), ZONES),
            (("jo", "bh"), NONE),
        ],
    ),
    overrides={
        EXERCISE: SharingSheet.of(FULL, [(("il", "eg"), FULL)]),
        TEST: SharingSheet.of(ZONES, []),
    },
)


@pytest.mark.parametrize(
    ("source", "recipient", "status", "level"),
    [
        ("il", "sa", ACTUAL, VIA),
        ("sa", "il", ACTUAL, VIA),
        ("il", "eg", ACTUAL, ZONES),
        ("eg", "il", ACTUAL, FULL),
        ("jo", "bh", ACTUAL, NONE),
        ("bh", "jo", ACTUAL, FULL),
        ("il", "il", ACTUAL, FULL),
        ("jo", "jo", TEST, FULL),
        ("xx", "yy", ACTUAL, FULL),
        # Exercise: the override's own pair rule wins over the base's...
        ("il", "eg", EXERCISE, FULL),
        # ...base pair rules still hold where the override names no rule...
        ("il", "sa", EXERCISE, VIA),
        ("il", "jo", EXERCISE, ZONES),
        # ...and the override's default replaces the base default only.
        ("eg", "sa", EXERCISE, FULL),
        ("eg", "sa", TEST, ZONES),
        ("il", "sa", TEST, VIA),
    ],
)
def test_a_cell_is_looked_up_override_pair_base_pair_override_default_base_default(
    source: str, recipient: str, status: Status, level: Level
) -> None:
    """Each ordered pair gets its level by the documented lookup order; one's own is full."""
    assert DEMO.cell(source, recipient, status) is level


@pytest.mark.parametrize(
    ("sources", "recipient", "level"),
    [
        ({"eg"}, "sa", FULL),
        ({"il"}, "sa", VIA),
        ({"eg", "il"}, "sa", VIA),
        ({"il", "jo"}, "bh", NONE),
        ({"il", "jo"}, "eg", ZONES),
        ({"il", "sa"}, "sa", VIA),
        ({"il", "sa"}, "il", VIA),
        ({"il", "eg"}, "il", FULL),
        ({"il"}, "il", FULL),
    ],
)
def test_the_most_restrictive_source_wins(sources: set[str], recipient: str, level: Level) -> None:
    """A threat fused from several partners' reports is released at its strictest source's cell."""
    assert release(DEMO, sources, recipient, ACTUAL) is level


def test_a_warning_needs_a_source() -> None:
    """Releasing a warning with no source partner is a programming error, not a level."""
    with pytest.raises(ValueError, match="at least one source"):
        release(DEMO, set(), "il", ACTUAL)


def test_two_rules_for_one_pair_keep_the_stricter() -> None:
    """A pair named by a symmetric and a directed rule gets the more restrictive of the two."""
    sheet = SharingSheet.of(FULL, [(("a", "b"), ZONES), (("a", "b"), VIA), (("a", "b"), FULL)])
    assert sheet.cells == {("a", "b"): VIA}


def test_levels_are_ordered_from_full_to_none() -> None:
    """full lets one see most, none least; most_restrictive of nothing is full."""
    assert [level.rank for level in (FULL, ZONES, VIA, NONE)] == [0, 1, 2, 3]
    assert FULL.at_least(ZONES)
    assert not NONE.at_least(VIA)
    assert most_restrictive([ZONES, FULL, VIA]) is VIA
    assert most_restrictive([]) is FULL


def test_releasable_to_leaves_out_recipients_that_may_see_nothing() -> None:
    """Only recipients with some level are listed, each with its level."""
    levels = releasable_to(DEMO, {"jo"}, ["bh", "il", "jo"], ACTUAL)
    assert levels == {"il": FULL, "jo": FULL}


def test_a_matrix_without_rules_shares_everything() -> None:
    """The default matrix is full for every pair, and names no pairs."""
    assert SharingMatrix().cell("a", "b", ACTUAL) is FULL
    assert SharingMatrix().pairs() == frozenset()
    assert DEMO.pairs() >= {("il", "sa"), ("il", "eg")}
