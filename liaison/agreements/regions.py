"""Areas and lines named in obligations, and where an operation's footprint falls.

Obligations are signed text, so their shapes are kept float-free: positions
are integers of 1e-7 degrees (``coordinates_e7``), the convention mandates
already use. A body may be written with ordinary GeoJSON ``coordinates`` and is
normalised to that form before anything is signed.

A *line* is only meaningful with the side that is "beyond" it (a bomb line
binds one side). The region beyond a line running west–east is everything
north (or south) of it within the line's span of longitude, so such a line
must run monotonically in longitude; a line beyond which is ``east`` or
``west`` must run monotonically in latitude.

Predicates here are planar in longitude/latitude (as in :mod:`liaison.domain.mandate`):
adequate for the areas and lines of an agreement, which are drawn far from the
poles and the antimeridian, and stated as a limit in ``docs/agreements.md``. A
footprint that merely touches a forbidden region counts as entering it, so the
checker errs towards reporting.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = [
    "E7",
    "SIDES",
    "Side",
    "area_shape",
    "beyond_shape",
    "footprint_shape",
    "normalise_area",
    "normalise_line",
]

E7 = 10_000_000
Side = Literal["north", "south", "east", "west"]
SIDES: tuple[str, ...] = ("north", "south", "east", "west")
#: metres per degree of latitude, for the rough circle of a footprint given by a radius
_METRES_PER_DEGREE = 111_320


def _e7(value: Any, where: str, *, scaled: bool) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if scaled:
        if not isinstance(value, int):
            raise ValueError(f"{where}: coordinates_e7 must be integers of 1e-7 degrees")
        return value
    try:
        number = Decimal(str(value)) if isinstance(value, int | float | str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{where}: expected a finite number, got {value!r}")
    return int((number * E7).to_integral_value())


def _position(raw: Any, where: str, *, scaled: bool) -> tuple[int, int]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        raise ValueError(f"{where}: a position is [longitude, latitude]")
    lon, lat = _e7(raw[0], where, scaled=scaled), _e7(raw[1], where, scaled=scaled)
    if not -180 * E7 <= lon <= 180 * E7:
        raise ValueError(f"{where}: longitude {lon / E7} is not within [-180, 180]")
    if not -90 * E7 <= lat <= 90 * E7:
        raise ValueError(f"{where}: latitude {lat / E7} is not within [-90, 90]")
    return lon, lat


def _coordinates(geo: Mapping[str, Any], kind: str) -> tuple[Any, bool]:
    if "coordinates_e7" in geo:
        return geo["coordinates_e7"], True
    if "coordinates" in geo:
        return geo["coordinates"], False
    raise ValueError(f"a {kind} needs 'coordinates' (degrees) or 'coordinates_e7' (1e-7 degrees)")


def _ring(raw: Any, where: str, *, scaled: bool) -> list[list[int]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValueError(f"{where}: a ring is a list of positions")
    ring = [list(_position(p, f"{where}[{i}]", scaled=scaled)) for i, p in enumerate(raw)]
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise ValueError(
            f"{where}: a ring needs at least four positions, the last equal to the first"
        )
    return ring


def _polygon(raw: Any, where: str, *, scaled: bool) -> list[list[list[int]]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise ValueError(f"{where}: a polygon is a non-empty list of rings")
    return [_ring(r, f"{where}[{i}]", scaled=scaled) for i, r in enumerate(raw)]


def normalise_area(value: Any) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon in its signed normal form (``coordinates_e7``)."""
    if not isinstance(value, Mapping):
        raise ValueError("an area must be a GeoJSON Polygon or MultiPolygon object")
    kind = value.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"an area must be a Polygon or a MultiPolygon, not {kind!r}")
    raw, scaled = _coordinates(value, kind)
    if kind == "Polygon":
        coords: Any = _polygon(raw, "coordinates", scaled=scaled)
    else:
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            raise ValueError("coordinates: a MultiPolygon is a non-empty list of polygons")
        coords = [_polygon(p, f"coordinates[{i}]", scaled=scaled) for i, p in enumerate(raw)]
    normal = {"type": kind, "coordinates_e7": coords}
    shape = area_shape(normal)
    if not shape.is_valid:
        raise ValueError(f"the area is not a valid polygon: {explain_validity(shape)}")
    return normal


def normalise_line(value: Any, side: str) -> dict[str, Any]:
    """A GeoJSON LineString in normal form, checked to bound a region on ``side``."""
    if not isinstance(value, Mapping) or value.get("type") != "LineString":
        raise ValueError("a line must be a GeoJSON LineString object")
    raw, scaled = _coordinates(value, "LineString")
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) < 2:
        raise ValueError("coordinates: a line needs at least two positions")
    points = [_position(p, f"coordinates[{i}]", scaled=scaled) for i, p in enumerate(raw)]
    if side not in SIDES:
        raise ValueError(f"beyond must be one of {', '.join(SIDES)}")
    axis = 0 if side in ("north", "south") else 1
    steps = [b[axis] - a[axis] for a, b in itertools.pairwise(points)]
    if not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
        along = "longitude" if axis == 0 else "latitude"
        raise ValueError(
            f"a line with the side beyond it {side} must run steadily in {along} "
            "(each position further the same way than the last)"
        )
    return {"type": "LineString", "coordinates_e7": [list(p) for p in points]}


def _degrees(ring: Sequence[Sequence[int]]) -> list[tuple[float, float]]:
    return [(x / E7, y / E7) for x, y in ring]


def area_shape(area: Mapping[str, Any]) -> BaseGeometry:
    coords = area["coordinates_e7"]
    if area["type"] == "Polygon":
        shell, *holes = coords
        return Polygon(_degrees(shell), [_degrees(h) for h in holes])
    return MultiPolygon([Polygon(_degrees(p[0]), [_degrees(h) for h in p[1:]]) for p in coords])


def beyond_shape(line: Mapping[str, Any], side: str) -> BaseGeometry:
    """The region beyond a line: from the line to the pole or the edge of the map."""
    points = _degrees(line["coordinates_e7"])
    first, last = points[0], points[-1]
    if side == "north":
        cap = [(last[0], 90.0), (first[0], 90.0)]
    elif side == "south":
        cap = [(last[0], -90.0), (first[0], -90.0)]
    elif side == "east":
        cap = [(180.0, last[1]), (180.0, first[1])]
    else:
        cap = [(-180.0, last[1]), (-180.0, first[1])]
    return Polygon([*points, *cap]).buffer(0)


def footprint_shape(footprint: Mapping[str, Any]) -> BaseGeometry:
    """An operation's footprint (the operations contract in ``docs/agreements.md``).

    Accepts a Polygon or MultiPolygon with ``coordinates`` or ``coordinates_e7``,
    and a circle written as a GeoJSON Point with ``radius_m`` (approximated by
    an ellipse in degrees, which is ample for "does it touch this area").
    """
    if not isinstance(footprint, Mapping):
        raise ValueError("a footprint must be a GeoJSON object")
    if footprint.get("type") == "Circle":
        # the picture's float-free form (liaison.geometry.canonical): centre in 1e-7
        # degrees, radius in millimetres
        centre_e7, radius_mm = footprint.get("center_e7"), footprint.get("radius_mm")
        if (
            not isinstance(centre_e7, list)
            or len(centre_e7) != 2
            or not all(isinstance(v, int) for v in centre_e7)
            or not isinstance(radius_mm, int)
        ):
            raise ValueError("a Circle footprint needs center_e7 [lon, lat] and radius_mm")
        footprint = {
            "type": "Point",
            "coordinates_e7": centre_e7,
            "radius_m": str(Decimal(radius_mm) / 1000),
        }
    if footprint.get("type") == "Point":
        raw, scaled = _coordinates(footprint, "Point")
        lon, lat = _position(raw, "coordinates", scaled=scaled)
        radius = footprint.get("radius_m", 0)
        try:
            metres = Decimal(str(radius))
        except InvalidOperation:
            raise ValueError("radius_m must be a number of metres") from None
        if not metres.is_finite() or metres < 0:
            raise ValueError("radius_m must be a finite, non-negative number of metres")
        centre = Point(lon / E7, lat / E7)
        if metres == 0:
            return centre
        from shapely import affinity

        dlat = float(metres) / _METRES_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(lat / E7)), 1e-6)
        return affinity.scale(centre.buffer(1.0), xfact=dlon, yfact=dlat)
    return area_shape(normalise_area(footprint))
