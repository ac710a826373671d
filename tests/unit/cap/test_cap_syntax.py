"""CAP's text syntaxes: what reads, what is refused and with which words."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pytest

from tanbih.cap.syntax import (
    format_number,
    format_time,
    parse_circle,
    parse_polygon,
    parse_reference,
    parse_time,
)
from tanbih.domain.cap import Circle, Point, Polygon, Reference


def test_polygon_reads_signs_and_any_white_space() -> None:
    """Pairs may carry signs and be separated by any white space, newlines included."""
    assert parse_polygon(" +1.5,-2\n\t3,.5 ") == Polygon((Point(1.5, -2.0), Point(3.0, 0.5)))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1,2 3,4,5", "'3,4,5' is not a 'lat,lon' pair"),
        ("1,2 34", "'34' is not a 'lat,lon' pair"),
        ("1..2,3", "'1..2,3' is not a 'lat,lon' pair"),
        ("1,2, 3,4", "'1,2,' is not a 'lat,lon' pair"),
        ("nan,1", "whitespace-separated 'lat,lon' pairs"),
        ("1e5,1", "whitespace-separated 'lat,lon' pairs"),
        ("١,٢", "whitespace-separated 'lat,lon' pairs"),
    ],
)
def test_polygon_refusals_name_the_bad_pair(text: str, words: str) -> None:
    """A malformed polygon is refused naming the first bad pair (or the syntax in general)."""
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_polygon(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1,2", "not a CAP circle"),
        ("1,2 3 4", "not a CAP circle"),
        ("1;2 3", "not a CAP circle"),
        ("1,2 3..", "radius '3..' is not a number"),
        ("12 3", "'12' is not a 'lat,lon' pair"),
    ],
)
def test_circle_refusals(text: str, words: str) -> None:
    """A circle is exactly 'lat,lon radius'."""
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_circle(text)


def test_circle_reads() -> None:
    """``lat,lon radius`` gives centre and radius in km."""
    assert parse_circle("32.9525,-115.5527 0") == Circle(Point(32.9525, -115.5527), 0.0)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("a,b", "not 'sender,identifier,sent'"),
        (",b,2003-06-11T20:30:00-07:00", "not 'sender,identifier,sent'"),
        ("a,b,2003-06-11T20:30:00", "is not a CAP time"),
        ("a,b,2003-06-31T20:30:00-07:00", "is not a real date and time"),
    ],
)
def test_reference_refusals(entry: str, words: str) -> None:
    """A references entry is sender,identifier,sent with a CAP time."""
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_reference(entry)


def test_reference_reads() -> None:
    """An entry reads into sender, identifier and an aware time."""
    reference = parse_reference("a@b,ID-1,2003-06-11T20:30:00-00:00")
    assert reference == Reference("a@b", "ID-1", datetime(2003, 6, 11, 20, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    "text", ["2003-06-11T20:30:00Z", "2003-06-11T20:30:00.5+00:00", "2003-06-11 20:30:00+00:00"]
)
def test_time_refuses_what_cap_forbids(text: str) -> None:
    """No 'Z', no fractions, a 'T' between date and time: CAP's own pattern."""
    with pytest.raises(ValueError, match="is not a CAP time"):
        parse_time(text)


def test_naive_time_cannot_be_written() -> None:
    """Writing a time without offset is refused rather than guessed."""
    with pytest.raises(ValueError, match="no time-zone offset"):
        format_time(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("value", "written"), [(1e-05, "0.00001"), (1e16, "10000000000000000"), (-2.5, "-2.5")]
)
def test_numbers_are_plain_decimals_reading_back_exactly(value: float, written: str) -> None:
    """Numbers are written without exponent and read back to the same float."""
    assert format_number(value) == written
    assert float(written) == value


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_numbers_cannot_be_written(value: float) -> None:
    """NaN and infinity have no decimal form."""
    with pytest.raises(ValueError, match="cannot be written"):
        format_number(value)
