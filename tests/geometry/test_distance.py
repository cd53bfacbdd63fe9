"""Exact geodesic distances: circles are true circles, edges are great-circle arcs, 1 cm."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from liaison.geometry import (
    TOLERANCE_M,
    Area,
    Circle,
    Position,
    distance_m,
    parse_footprint,
    within_distance,
)
from liaison.geometry.sphere import to_lonlat, to_xyz

GEOD = Geod(ellps="WGS84")


def square(lon: float, lat: float, size: float) -> Area:
    fp = parse_footprint(
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [lon, lat],
                    [lon + size, lat],
                    [lon + size, lat + size],
                    [lon, lat + size],
                    [lon, lat],
                ]
            ],
        }
    )
    assert isinstance(fp, Area)
    return fp


def dense_arc_distance(
    a: tuple[float, float], b: tuple[float, float], p: tuple[float, float], n: int = 400_001
) -> float:
    va = to_xyz(*a)
    vb = to_xyz(*b)
    omega = np.arccos(np.clip(va @ vb, -1, 1))
    t = np.linspace(0, 1, n)
    q = (np.sin((1 - t) * omega)[:, None] * va + np.sin(t * omega)[:, None] * vb) / np.sin(omega)
    lon, lat = to_lonlat(q)
    _, _, d = GEOD.inv(lon, lat, np.full(n, p[0]), np.full(n, p[1]))
    return float(np.min(d))


def test_circle_point_is_the_exact_geodesic_distance() -> None:
    circle = Circle(30.0, 50.0, 1000.0)
    lon, lat, _ = GEOD.fwd(30.0, 50.0, 77.0, 1000.004)
    p = Position(float(lon), float(lat))
    _, _, d = GEOD.inv(30.0, 50.0, p.lon, p.lat)
    assert distance_m(circle, p) == pytest.approx(d - 1000.0, abs=1e-6)
    assert within_distance(circle, p, 0.0)  # within the 1 cm tolerance
    lon, lat, _ = GEOD.fwd(30.0, 50.0, 77.0, 1000.05)
    assert not within_distance(circle, Position(float(lon), float(lat)), 0.0)


def test_point_inside_circle_is_zero() -> None:
    assert distance_m(Circle(0.0, 0.0, 500.0), Position(0.001, 0.001)) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "p"),
    [
        ((0.0, 0.0), (20.0, 10.0), (12.0, 3.0)),  # long oblique edge
        ((1.0, 1.0), (0.0, 1.0), (0.5, 1.1)),  # the arc bulges poleward of lat 1
        ((179.9, -10.0), (-179.9, -10.02), (179.95, -10.03)),  # across the antimeridian
        ((10.0, 89.0), (100.0, 89.0), (55.0, 89.5)),  # near the pole
    ],
)
def test_point_to_edge_matches_dense_sampling_to_a_centimetre(
    a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]
) -> None:
    # A thin triangle with the edge a→b; p lies outside on the edge's side.
    va, vb = to_xyz(*a), to_xyz(*b)
    mid = (va + vb) / 2
    vp = to_xyz(*p)
    third = mid - (vp - mid) * 0.5
    third /= np.linalg.norm(third)
    lon, lat = to_lonlat(third)
    area = Area(((((a, b, (float(lon), float(lat)), a)),),))
    expected = dense_arc_distance(a, b, p)
    got = distance_m(Position(*p), area)
    assert got == pytest.approx(expected, abs=0.01)
    assert got <= expected + 1e-6  # never above a true point-to-point distance


def test_great_circle_edges_not_lonlat_lines() -> None:
    # The top edge of this square bulges ~4.2 m north of latitude 1 at its middle.
    sq = square(0.0, 0.0, 1.0)
    _, _, along_parallel = GEOD.inv(0.5, 1.0, 0.5, 1.1)
    assert distance_m(Position(0.5, 1.1), sq) == pytest.approx(along_parallel - 4.21, abs=0.01)


def test_circle_polygon_is_centre_distance_minus_radius() -> None:
    sq = square(0.02, 0.0, 0.01)
    centre = Position(0.015, 0.005)
    d_centre = distance_m(centre, sq)
    assert distance_m(Circle(0.015, 0.005, 300.0), sq) == pytest.approx(d_centre - 300.0, abs=1e-6)
    assert within_distance(Circle(0.015, 0.005, 300.0), sq, d_centre - 300.0)
    assert not within_distance(Circle(0.015, 0.005, 300.0), sq, d_centre - 300.02)


def test_polygons_that_overlap_or_touch_are_zero_apart() -> None:
    assert distance_m(square(0.0, 0.0, 0.01), square(0.005, 0.005, 0.01)) == 0.0
    assert distance_m(square(0.0, 0.0, 0.01), square(0.01, 0.0, 0.01)) == 0.0
    assert within_distance(square(0.0, 0.0, 0.01), square(0.01, 0.0, 0.01), 0.0)


def test_polygon_in_hole_is_apart() -> None:
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8], [0.2, 0.2]]
    donut = parse_footprint({"type": "Polygon", "coordinates": [ring, hole]})
    inner = square(0.4, 0.4, 0.2)
    assert distance_m(donut, inner) > 20_000
    assert not within_distance(donut, inner, 0.0)
    assert within_distance(donut, Circle(0.5, 0.5, 40_000.0), 0.0)


def test_across_the_antimeridian() -> None:
    west = Circle(179.999, 0.0, 50.0)
    east = Circle(-179.999, 0.0, 50.0)
    _, _, d = GEOD.inv(179.999, 0.0, -179.999, 0.0)
    assert d < 300
    assert distance_m(west, east) == pytest.approx(d - 100.0, abs=1e-6)
    a = parse_footprint(
        {
            "type": "Polygon",
            "coordinates": [
                [[179.99, 0], [-179.99, 0], [-179.99, 0.01], [179.99, 0.01], [179.99, 0]]
            ],
        }
    )
    assert within_distance(a, Circle(180.0, 0.005, 1.0), 0.0)
    assert within_distance(a, Circle(-179.98, 0.005, 1.0), 1200.0)
    assert not within_distance(a, Circle(-179.98, 0.005, 1.0), 1000.0)


def test_near_the_pole() -> None:
    cap = parse_footprint(
        {
            "type": "Polygon",
            "coordinates": [[[-180, 89.9], [-90, 89.9], [0, 89.9], [90, 89.9], [180, 89.9]]],
        }
    )
    assert within_distance(cap, Position(37.0, 90.0), 0.0)  # the pole itself
    across = Circle(0.0, 89.95, 100.0)
    other = Circle(180.0, 89.95, 100.0)
    _, _, d = GEOD.inv(0.0, 89.95, 180.0, 89.95)
    assert distance_m(across, other) == pytest.approx(d - 200.0, abs=1e-6)


def test_tolerance_is_one_centimetre() -> None:
    assert TOLERANCE_M == 0.01
