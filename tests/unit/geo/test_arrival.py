"""The closed-form arrival times agree with sampling the moving, growing disc finely."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from tanbih.geo.arrival import Legs, circle_touched, edge_entry


def one_leg(
    start: tuple[float, float], velocity: tuple[float, float], reach: float, growth: float
) -> Legs:
    """A leg of 100 s from ``start`` at ``velocity``, reach growing from ``reach``."""
    x, y = start
    return Legs.through(
        np.array([0.0, 100.0]),
        np.array([x, x + 100 * velocity[0]]),
        np.array([y, y + 100 * velocity[1]]),
        np.array([reach, reach + 100 * growth]),
    )


def edge_columns(polygon: shapely.Polygon) -> np.ndarray:
    """The polygon's exterior edges as rows of the zone index's edge table."""
    xy = shapely.get_coordinates(polygon.exterior)
    vector = np.diff(xy, axis=0)
    squared = (vector**2).sum(axis=1)
    return np.column_stack([xy[:-1], vector, 1 / np.sqrt(squared), 1 / squared])


def entry(legs: Legs, polygon: shapely.Polygon) -> float:
    """The first time the leg's reach touches the polygon's outline."""
    edges = edge_columns(polygon)
    return float(edge_entry(legs, np.array([0]), np.array([edges.shape[0]]), edges).min())


def sampled_entry(legs: Legs, polygon: shapely.Polygon) -> float:
    """The same, found by testing every 10 ms."""
    t = np.linspace(0.0, 100.0, 10_001)
    _, _, x, y, vx, vy, reach, growth = legs.table[0]
    points = shapely.points(x + vx * t, y + vy * t)
    near = shapely.distance(points, polygon.exterior) <= reach + growth * t
    return float(t[near.argmax()]) if near.any() else np.inf


def test_entry_times_agree_with_fine_sampling_on_random_legs_and_polygons() -> None:
    """On 200 random legs and star-shaped polygons, both give the same time to within 10 ms."""
    rng = np.random.default_rng(4)
    reached = 0
    for _ in range(200):
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 12)))
        radii = rng.uniform(200, 2_000, angles.size)
        centre = rng.uniform(-8_000, 8_000, 2)
        polygon = shapely.Polygon(
            np.column_stack([np.cos(angles), np.sin(angles)]) * radii[:, None] + centre
        )
        speed, heading = rng.uniform(0, 150), rng.uniform(0, 2 * np.pi)
        legs = one_leg(
            (0.0, 0.0),
            (speed * np.cos(heading), speed * np.sin(heading)),
            rng.uniform(0, 3_000),
            rng.uniform(0, 0.3) * speed,
        )
        expected = sampled_entry(legs, polygon)
        assert entry(legs, polygon) == pytest.approx(expected, abs=1e-2)
        reached += np.isfinite(expected)
    assert 40 < reached < 160


def test_moving_along_an_edge_line_enters_at_the_edge_end() -> None:
    """A point flying along the line of an edge, towards it, reaches it when it reaches its end."""
    square = shapely.box(1_000.0, 0.0, 2_000.0, 1_000.0)
    assert entry(one_leg((0.0, 0.0), (50.0, 0.0), 0.0, 0.0), square) == pytest.approx(20.0)
    assert entry(one_leg((0.0, 1_000.0), (50.0, 0.0), 0.0, 0.0), square) == pytest.approx(20.0)


def test_a_still_threat_reaches_only_what_is_already_within_reach() -> None:
    """Neither moving nor growing, a zone 100 m off is reached at once with 150 m reach, not 50."""
    square = shapely.box(100.0, -50.0, 200.0, 50.0)
    assert entry(one_leg((0.0, 0.0), (0.0, 0.0), 150.0, 0.0), square) == 0.0
    assert entry(one_leg((0.0, 0.0), (0.0, 0.0), 50.0, 0.0), square) == np.inf


def test_a_circle_counts_only_on_legs_that_may_reach_it_first() -> None:
    """A circle ahead is touched; one behind, or already covered whole at the start, is not."""
    legs = one_leg((0.0, 0.0), (100.0, 0.0), 500.0, 10.0)
    circles = np.array([[5_000.0, -9_000.0, 100.0], [-600.0, 0.0, 50.0], [100.0, 100.0, 200.0]])
    touched = circle_touched(legs, np.zeros(3, dtype=np.intp), circles)
    assert touched.tolist() == [True, False, False]
