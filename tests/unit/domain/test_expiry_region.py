"""The covered region: the box a threat must stay in to matter."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from tanbih.domain.coalition import Zone
from tanbih.domain.expiry import covered_region


def square(zone_id: str, lat: float, lon: float) -> Zone:
    ring = ((lat, lon), (lat, lon + 1), (lat + 1, lon + 1), (lat + 1, lon), (lat, lon))
    return Zone(zone_id, "p", MappingProxyType({"en": zone_id}), 30, (ring,))


def test_region_is_the_zones_bounds_widened_by_the_margin() -> None:
    """The box spans every zone's ring plus the margin on each side, clamped to the globe."""
    box = covered_region([square("a", 30, 34), square("b", 89.5, 178)], margin_deg=2)
    assert (box.south, box.west, box.north, box.east) == (28, 32, 90, 180)
    assert box.contains(31, 35)
    assert not box.contains(27.9, 35)


def test_a_coalition_without_zones_is_refused() -> None:
    """No zones means no region, said plainly."""
    with pytest.raises(ValueError, match="without zones"):
        covered_region([], margin_deg=1)
