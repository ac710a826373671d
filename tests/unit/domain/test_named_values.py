"""NamedValues made many at once are the values their constructor makes, and as frozen."""

from __future__ import annotations

import dataclasses

import pytest

from tanbih.domain.cap import NamedValue, named_values


def test_values_made_at_once_equal_those_made_one_by_one() -> None:
    """Each pair gives the value NamedValue(name, value) gives: equal, same hash, same repr."""
    names = [f"tanbih:eta:z{n}" for n in range(5)]
    values = (f"2026-01-01T00:00:0{n}+00:00" for n in range(5))
    made = named_values(names, values)
    expected = [NamedValue(f"tanbih:eta:z{n}", f"2026-01-01T00:00:0{n}+00:00") for n in range(5)]
    assert made == expected
    assert [hash(v) for v in made] == [hash(v) for v in expected]
    assert [repr(v) for v in made] == [repr(v) for v in expected]


def test_values_made_at_once_stay_frozen() -> None:
    """Setting a field of one afterwards is refused, as for any NamedValue."""
    (value,) = named_values(["a"], ["b"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.value = "c"  # type: ignore[misc]


def test_no_names_make_no_values() -> None:
    """An empty message part makes an empty list."""
    assert named_values([], []) == []
