"""Footprint parsing: every kind of invalid input gets its own stable code and builds nothing."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import pytest

from liaison.geometry import (
    MAX_VERTICES,
    Area,
    Circle,
    GeometryError,
    GeometryErrorCode,
    Line,
    parse_footprint,
    parse_line,
    parse_position,
)

C = GeometryErrorCode


def poly(*rings: list[list[Any]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]


def code_of(obj: object) -> GeometryErrorCode:
    with pytest.raises(GeometryError) as info:
        parse_footprint(obj)
    assert isinstance(info.value, ValueError)
    assert info.value.detail in str(info.value)
    return info.value.code


@pytest.mark.parametrize(
    ("obj", "code"),
    [
        ("not a dict", C.INVALID_TYPE),
        ({"type": "Polygon"}, C.INVALID_COORDINATES),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, C.INVALID_TYPE),
        ({"type": "Point", "coordinates": [0, 0]}, C.INVALID_TYPE),
        (poly([[0, 0], [1, 0], [1, 1], [0, 0, 5]]), C.INVALID_COORDINATES),
        (poly([[0, 0], [1, 0], ["x", 1], [0, 0]]), C.INVALID_COORDINATES),
        (poly([[0, 0], [1, 0], [True, 1], [0, 0]]), C.INVALID_COORDINATES),
        (poly([[0, 0], [1, 0], [math.nan, 1], [0, 0]]), C.NON_FINITE),
        (poly([[0, 0], [1, 0], [math.inf, 1], [0, 0]]), C.NON_FINITE),
        (poly([[0, 0], [181, 0], [1, 1], [0, 0]]), C.LONGITUDE_OUT_OF_RANGE),
        (poly([[0, 0], [1, 0], [1, 90.5], [0, 0]]), C.LATITUDE_OUT_OF_RANGE),
        (poly([[0, 0], [1, 0], [1, 1], [0, 1]]), C.UNCLOSED_RING),
        (poly([[0, 0], [1, 0], [0, 0]]), C.TOO_FEW_VERTICES),
        (poly([[0, 0], [1, 0], [1, 0], [0, 0]]), C.DEGENERATE),
        (poly([[0, 0], [1, 0], [2, 0], [0, 0]]), C.DEGENERATE),
        (poly([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), C.SELF_INTERSECTION),
        (poly(SQUARE, [[2, 2], [3, 2], [3, 3], [2, 2]]), C.INVALID_HOLE),
        (poly([[0, 0], [60, 0], [60, 60], [0, 60], [0, 0]]), C.TOO_LARGE),
        ({"type": "Point", "coordinates": [0, 0], "radius_m": 0}, C.INVALID_RADIUS),
        ({"type": "Point", "coordinates": [0, 0], "radius_m": -5}, C.INVALID_RADIUS),
        ({"type": "Point", "coordinates": [0, 0], "radius_m": math.nan}, C.INVALID_RADIUS),
        ({"type": "Point", "coordinates": [0, 0], "radius_m": "5"}, C.INVALID_RADIUS),
        ({"type": "Point", "coordinates": [0, 0], "radius_m": 5e6}, C.TOO_LARGE),
        ({"type": "MultiPolygon", "coordinates": []}, C.INVALID_COORDINATES),
    ],
)
def test_invalid_input_has_a_stable_code(obj: object, code: GeometryErrorCode) -> None:
    assert code_of(obj) is code


def test_too_many_vertices() -> None:
    n = MAX_VERTICES
    ring = [
        [math.cos(2 * math.pi * k / n) * 0.1, math.sin(2 * math.pi * k / n) * 0.1] for k in range(n)
    ]
    assert code_of(poly([*ring, ring[0]])) is C.TOO_MANY_VERTICES


def test_self_intersection_names_the_place() -> None:
    with pytest.raises(GeometryError) as info:
        parse_footprint(poly([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]))
    assert "near (0.5" in info.value.detail


def test_either_winding_is_accepted_and_normalised() -> None:
    ccw = parse_footprint(poly(SQUARE))
    cw = parse_footprint(poly(SQUARE[::-1]))
    assert ccw == cw
    assert isinstance(ccw, Area)
    exterior = ccw.polygons[0][0]
    # Right-hand rule: counter-clockwise exterior (positive shoelace area in lon/lat here).
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(exterior))
    assert area > 0


def test_holes_are_clockwise_after_normalisation() -> None:
    hole = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4], [0.2, 0.2]]
    area = parse_footprint(poly(SQUARE, hole))
    assert isinstance(area, Area)
    ring = area.polygons[0][1]
    shoelace = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring))
    assert shoelace < 0


def test_antimeridian_ring_is_the_short_way_round() -> None:
    area = parse_footprint(poly([[179.5, 0], [-179.5, 0], [-179.5, 1], [179.5, 1], [179.5, 0]]))
    assert isinstance(area, Area)
    # The cap is about 0.7° in radius, not half the globe.
    assert math.degrees(area.cap.radius) < 1.0


def test_antimeridian_split_multipolygon_is_accepted() -> None:
    obj = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[179.5, 0], [180, 0], [180, 1], [179.5, 1], [179.5, 0]]],
            [[[-180, 0], [-179.5, 0], [-179.5, 1], [-180, 1], [-180, 0]]],
        ],
    }
    area = parse_footprint(obj)
    assert isinstance(area, Area)
    assert area.multi
    assert area.to_geojson()["type"] == "MultiPolygon"


def test_ring_around_the_pole() -> None:
    ring = [[-180, 80], [-90, 80], [0, 80], [90, 80], [180, 80]]
    area = parse_footprint(poly(ring))
    assert isinstance(area, Area)
    # Centred on the pole.
    assert area.cap.centre[2] > 0.9999


def test_pole_ring_closing_on_equivalent_point() -> None:
    area = parse_footprint(poly([[10, 89], [130, 89], [-110, 89], [10, 89]]))
    assert isinstance(area, Area)


def test_circle_from_point_with_radius() -> None:
    fp = parse_footprint({"type": "Point", "coordinates": [10.5, 20.25], "radius_m": 1500})
    assert fp == Circle(10.5, 20.25, 1500.0)
    assert fp.to_geojson() == {"type": "Point", "coordinates": [10.5, 20.25], "radius_m": 1500.0}


def test_coordinates_are_quantised() -> None:
    fp = parse_footprint({"type": "Point", "coordinates": [10.123456789, 0.0], "radius_m": 1.23456})
    assert isinstance(fp, Circle)
    assert fp.lon == 10.1234568
    assert fp.radius_m == 1.235


def test_geojson_round_trip() -> None:
    area = parse_footprint(poly(SQUARE))
    assert parse_footprint(area.to_geojson()) == area


def test_lines() -> None:
    line = parse_line({"type": "LineString", "coordinates": [[0, 0], [1, 0], [2, 1]]})
    assert isinstance(line, Line)
    assert parse_line(line.to_geojson()) == line
    with pytest.raises(GeometryError) as info:
        parse_line({"type": "LineString", "coordinates": [[0, 0], [2, 2], [2, 0], [0, 2]]})
    assert info.value.code is C.SELF_INTERSECTION
    with pytest.raises(GeometryError) as info:
        parse_line({"type": "LineString", "coordinates": [[0, 0], [0, 0]]})
    assert info.value.code is C.TOO_FEW_VERTICES


def test_positions() -> None:
    p = parse_position({"type": "Point", "coordinates": [-180, 45]})
    assert (p.lon, p.lat) == (-180.0, 45.0)
    with pytest.raises(GeometryError) as info:
        parse_position({"type": "Point", "coordinates": [0, -91]})
    assert info.value.code is C.LATITUDE_OUT_OF_RANGE


def test_direct_construction_validates_too() -> None:
    with pytest.raises(GeometryError) as info:
        Area(((((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)),),))
    assert info.value.code is C.SELF_INTERSECTION
    with pytest.raises(GeometryError):
        Circle(0.0, 0.0, -1.0)
