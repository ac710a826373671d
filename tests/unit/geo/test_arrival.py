"""The closed-form arrival times agree with sampling the moving, growing disc finely."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from tanbih.geo.arrival import REACH, Legs, first_entries


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


def circle_of(polygon: shapely.Polygon) -> np.ndarray:
    """The polygon's bounding circle as the zone index keeps it (x, y, radius + 1 m)."""
    centre = shapely.centroid(shapely.minimum_bounding_circle(polygon))
    radius = shapely.minimum_bounding_radius(polygon) + 1.0
    return np.array([[centre.x], [centre.y], [radius]])


def entry(legs: Legs, polygon: shapely.Polygon) -> float:
    """The first time the leg's reach touches the polygon's outline."""
    edges, one = edge_columns(polygon), np.array([0])
    count = np.array([edges.shape[0]])
    return float(first_entries(legs, one, one, circle_of(polygon), edges, one, count)[0])


def sampled_entry(legs: Legs, polygon: shapely.Polygon) -> float:
    """The same, found by testing every 10 ms."""
    t = np.linspace(0.0, 100.0, 10_001)
    _, _, x, y, vx, vy, reach, growth = legs.table[0]
    points = shapely.points(x + vx * t, y + vy * t)
    near = shapely.distance(points, polygon.exterior) <= reach + growth * t
    return float(t[near.argmax()]) if near.any() else np.inf


def test_entry_times_agree_with_fine_sampling_on_random_legs_and_polygons() -> None:
    """On 200 random legs and star-shaped polygons, both give the same time to within 10 ms
    (none for a polygon the reach covers whole at the start: no leg then is the first)."""
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
        x, y, radius = circle_of(polygon)[:, 0]
        if np.hypot(x, y) + radius <= legs.table[0, REACH]:
            expected = np.inf
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


def test_only_a_leg_that_may_reach_a_part_first_solves_it() -> None:
    """A square ahead is reached; one behind, or already covered whole at the start, is not."""
    legs = one_leg((0.0, 0.0), (100.0, 0.0), 500.0, 10.0)
    ahead = entry(legs, shapely.box(4_000.0, -100.0, 4_200.0, 100.0))
    assert ahead == pytest.approx((4_000 - 500) / 110)
    assert entry(legs, shapely.box(-900.0, -100.0, -700.0, 100.0)) == np.inf
    assert entry(legs, shapely.box(-100.0, -100.0, 100.0, 100.0)) == np.inf


def test_a_part_reached_on_a_leg_is_not_solved_on_the_next() -> None:
    """Of two legs that both reach a square, the first gives its time, the second none; each
    alone reaches it, the second later."""
    legs = Legs.through(
        np.array([0.0, 100.0, 200.0]),
        np.array([0.0, 5_000.0, 10_000.0]),
        np.zeros(3),
        np.full(3, 100.0),
    )
    square = shapely.box(4_000.0, -500.0, 6_000.0, 500.0)
    edges, circle = edge_columns(square), circle_of(square)
    both, first, count = np.array([0, 1]), np.array([0]), np.array([edges.shape[0]])
    parts = np.zeros(2, dtype=np.intp)
    together = first_entries(legs, both, parts, circle, edges, first, count)
    assert together.tolist() == [pytest.approx(78.0), np.inf]
    alone = first_entries(legs, np.array([1]), np.array([0]), circle, edges, first, count)
    assert np.isfinite(alone[0])


def test_pairs_out_of_leg_order_are_solved_by_leg() -> None:
    """Given the later leg first, the earlier leg still gives the time and the later none."""
    legs = Legs.through(
        np.array([0.0, 100.0, 200.0]),
        np.array([0.0, 5_000.0, 10_000.0]),
        np.zeros(3),
        np.full(3, 100.0),
    )
    square = shapely.box(4_000.0, -500.0, 6_000.0, 500.0)
    edges, circle, first = edge_columns(square), circle_of(square), np.array([0])
    count, parts = np.array([edges.shape[0]]), np.zeros(2, dtype=np.intp)
    backwards = first_entries(legs, np.array([1, 0]), parts, circle, edges, first, count)
    assert backwards.tolist() == [np.inf, pytest.approx(78.0)]


def test_a_part_already_reached_is_not_solved() -> None:
    """A square ahead, flagged as reached, gets no time."""
    legs = one_leg((0.0, 0.0), (50.0, 0.0), 0.0, 0.0)
    square = shapely.box(1_000.0, 0.0, 2_000.0, 1_000.0)
    edges, circle, one = edge_columns(square), circle_of(square), np.array([0])
    count = np.array([4])
    assert first_entries(legs, one, one, circle, edges, one, count)[0] == pytest.approx(20.0)
    flagged = np.array([True])
    assert first_entries(legs, one, one, circle, edges, one, count, flagged)[0] == np.inf
    assert flagged.tolist() == [True]
