"""Footprints and lines on the Earth: validated, quantised, normalised on construction.

Why here and why this way:

* Every constructor validates before anything exists, so an invalid shape is never built (the
  project's invariant 6) and the error names the problem with a stable ``code``.
* Coordinates are quantised to 1e-7° and lengths to millimetres on construction, so what the
  engine computes with is exactly what the float-free canonical form signs.
* Edges are great-circle arcs between vertices (as in PostGIS ``geography``), not straight lines
  on a lon/lat plane. RFC 7946 §3.1.1 describes lon/lat-straight lines, but such lines have no
  meaning on the Earth near the poles or across the antimeridian; a ring such as
  ``[179, 0] → [-179, 0]`` is the 2° arc across the antimeridian, and a polygon cut at the
  antimeridian (the RFC 7946 §3.1.9 recommendation) is accepted as a MultiPolygon whose parts touch
  along the meridian.
* A ring bounds the smaller of the two regions it separates on the sphere. Either winding is
  accepted (RFC 7946 §3.1.6: parsers should not reject clockwise rings) and is normalised to the
  right-hand rule: exterior rings counter-clockwise, holes clockwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import shapely

from liaison.geometry.earth import (
    MAX_EXTENT_RAD,
    MAX_VERTICES,
    R_MIN,
    quantise_degrees,
    quantise_metres,
)
from liaison.geometry.errors import GeometryError, GeometryErrorCode
from liaison.geometry.sphere import Cap, FloatArray, Gnomonic, cap_of, to_xyz

LonLat: TypeAlias = tuple[float, float]
Ring: TypeAlias = tuple[LonLat, ...]
PolygonRings: TypeAlias = tuple[Ring, ...]

_C = GeometryErrorCode


def _check_number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeometryError(_C.INVALID_COORDINATES, f"{where}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise GeometryError(_C.NON_FINITE, f"{where}: coordinate is {number!r}")
    return number


def _check_lonlat(lon: float, lat: float, where: str) -> LonLat:
    if not math.isfinite(lon) or not math.isfinite(lat):
        raise GeometryError(_C.NON_FINITE, f"{where}: coordinate is not finite ({lon}, {lat})")
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(
            _C.LONGITUDE_OUT_OF_RANGE, f"{where}: longitude {lon} not in [-180, 180]"
        )
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(_C.LATITUDE_OUT_OF_RANGE, f"{where}: latitude {lat} not in [-90, 90]")
    return quantise_degrees(lon), quantise_degrees(lat)


def _position(raw: object, where: str) -> LonLat:
    if not isinstance(raw, list | tuple):
        raise GeometryError(_C.INVALID_COORDINATES, f"{where}: a position must be [lon, lat]")
    if len(raw) != 2:
        raise GeometryError(
            _C.INVALID_COORDINATES,
            f"{where}: a position must be exactly [lon, lat] (altitude goes in the altitude band)",
        )
    return (_check_number(raw[0], where), _check_number(raw[1], where))


def _point_key(p: LonLat) -> LonLat:
    """The same point on the Earth has one key: poles ignore longitude, -180 is 180."""
    lon, lat = p
    if abs(lat) == 90.0:
        return (0.0, lat)
    if lon == -180.0:
        return (180.0, lat)
    return p


def _check_extent(cap: Cap, what: str) -> None:
    if cap.radius > MAX_EXTENT_RAD:
        raise GeometryError(
            _C.TOO_LARGE,
            f"{what} spans {math.degrees(cap.radius):.1f}° from its centre; the limit is "
            f"{math.degrees(MAX_EXTENT_RAD):.0f}° (about {MAX_EXTENT_RAD * R_MIN / 1000:.0f} km)",
        )


_REASON_AT = re.compile(r"\[([-+0-9.eE]+) ([-+0-9.eE]+)\]")


def _where_in_plane(reason: str, plane: Gnomonic) -> str:
    match = _REASON_AT.search(reason)
    if match is None:
        return ""
    xy = np.array([[float(match.group(1)), float(match.group(2))]])
    lon, lat = _xyz_lonlat(plane.unproject(xy)[0])
    return f" near ({lon:.7f}, {lat:.7f})"


def _xyz_lonlat(v: FloatArray) -> LonLat:
    lon = math.degrees(math.atan2(float(v[1]), float(v[0])))
    lat = math.degrees(math.atan2(float(v[2]), math.hypot(float(v[0]), float(v[1]))))
    return lon, lat


def _signed_area(xy: FloatArray) -> float:
    x = xy[:, 0]
    y = xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


@dataclass(frozen=True)
class Position:
    """A point on the Earth (WGS 84 longitude, latitude in degrees, quantised to 1e-7°)."""

    lon: float
    lat: float
    _xyz: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lon, lat = _check_lonlat(
            _check_number(self.lon, "position"), _check_number(self.lat, "position"), "position"
        )
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "_xyz", to_xyz(lon, lat))

    @property
    def xyz(self) -> FloatArray:
        """The unit vector of this position."""
        return self._xyz

    @property
    def cap(self) -> Cap:
        """A zero-radius cap at the point."""
        v = self._xyz
        return Cap((float(v[0]), float(v[1]), float(v[2])), 1e-12)

    def to_geojson(self) -> dict[str, Any]:
        """RFC 7946 Point."""
        return {"type": "Point", "coordinates": [self.lon, self.lat]}


@dataclass(frozen=True)
class Circle:
    """A true geodesic circle: every point within ``radius_m`` metres (on WGS 84) of the centre.

    Why not a polygon: tests against a circle use the exact geodesic distance to its centre, so a
    circle is never approximated by a coarse polygon.
    """

    lon: float
    lat: float
    radius_m: float
    _xyz: FloatArray = field(init=False, repr=False, compare=False)
    _centre: Position = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lon, lat = _check_lonlat(
            _check_number(self.lon, "circle centre"),
            _check_number(self.lat, "circle centre"),
            "circle centre",
        )
        radius = self.radius_m
        if isinstance(radius, bool) or not isinstance(radius, int | float):
            raise GeometryError(
                _C.INVALID_RADIUS, f"circle radius must be a number, got {radius!r}"
            )
        if not math.isfinite(radius) or radius <= 0.0:
            raise GeometryError(_C.INVALID_RADIUS, f"circle radius must be > 0 m, got {radius!r}")
        radius = quantise_metres(float(radius))
        if radius <= 0.0:
            raise GeometryError(_C.INVALID_RADIUS, "circle radius must be at least 1 mm")
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "radius_m", radius)
        centre = Position(lon, lat)
        object.__setattr__(self, "_centre", centre)
        object.__setattr__(self, "_xyz", centre.xyz)
        _check_extent(self.cap, "circle")

    @property
    def centre_position(self) -> Position:
        """The centre as a :class:`Position`."""
        return self._centre

    @property
    def xyz(self) -> FloatArray:
        """Unit vector of the centre."""
        return self._xyz

    @property
    def cap(self) -> Cap:
        """A cap holding the circle: angle ≤ distance / R_MIN on the unit sphere."""
        v = self._xyz
        return Cap((float(v[0]), float(v[1]), float(v[2])), self.radius_m / R_MIN + 1e-12)

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON Point with the foreign member ``radius_m`` (RFC 7946 §6.1)."""
        return {"type": "Point", "coordinates": [self.lon, self.lat], "radius_m": self.radius_m}


def _clean_ring(ring: Sequence[LonLat], where: str) -> Ring:
    if len(ring) < 4:
        raise GeometryError(
            _C.TOO_FEW_VERTICES,
            f"{where}: a linear ring needs at least 4 positions, got {len(ring)}",
        )
    first = _point_key((float(ring[0][0]), float(ring[0][1])))
    if first != _point_key((float(ring[-1][0]), float(ring[-1][1]))):
        raise GeometryError(
            _C.UNCLOSED_RING, f"{where}: first position {ring[0]} differs from last {ring[-1]}"
        )
    out: list[LonLat] = []
    last_key: LonLat | None = None
    for i, raw in enumerate(ring):
        p = _check_lonlat(float(raw[0]), float(raw[1]), f"{where}, position {i}")
        key = _point_key(p)
        if key != last_key:
            out.append(p)
            last_key = key
    distinct = {_point_key(p) for p in out}
    if len(distinct) < 3:
        raise GeometryError(
            _C.DEGENERATE,
            f"{where}: a ring needs at least 3 distinct positions, got {len(distinct)}",
        )
    if _point_key(out[-1]) != _point_key(out[0]):
        out.append(out[0])
    return tuple(out)


def _reason_code(reason: str) -> GeometryErrorCode:
    if reason.startswith(("Self-intersection", "Ring Self-intersection")):
        return _C.SELF_INTERSECTION
    if reason.startswith(
        ("Hole lies outside", "Nested holes", "Interior is disconnected", "Duplicate")
    ):
        return _C.INVALID_HOLE
    return _C.DEGENERATE


@dataclass(frozen=True)
class Area:
    """One or more polygons (a GeoJSON Polygon or MultiPolygon), with holes.

    ``polygons`` holds, per polygon, its exterior ring then its holes, each closed, quantised, with
    consecutive duplicates removed and the winding normalised. Parts of a MultiPolygon may touch or
    overlap (their union is meant), which is how an antimeridian-cut polygon is written.
    """

    polygons: tuple[PolygonRings, ...]
    multi: bool = False
    _cap: Cap = field(init=False, repr=False, compare=False)
    _ring_xyz: tuple[FloatArray, ...] = field(init=False, repr=False, compare=False)
    _planar: Any = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if not self.polygons:
            raise GeometryError(_C.INVALID_COORDINATES, "a MultiPolygon needs at least one polygon")
        total = sum(len(r) for poly in self.polygons for r in poly)
        if total > MAX_VERTICES:
            raise GeometryError(
                _C.TOO_MANY_VERTICES, f"{total} positions; the limit is {MAX_VERTICES}"
            )
        cleaned: list[list[Ring]] = []
        for pi, poly in enumerate(self.polygons):
            if not poly:
                raise GeometryError(_C.INVALID_COORDINATES, f"polygon {pi} has no rings")
            cleaned.append(
                [_clean_ring(ring, f"polygon {pi}, ring {ri}") for ri, ring in enumerate(poly)]
            )
        arrays = [np.array(r) for poly in cleaned for r in poly]
        ring_xyz = [to_xyz(a[:, 0], a[:, 1]) for a in arrays]
        cap = cap_of(np.concatenate([x[:-1] for x in ring_xyz]))
        _check_extent(cap, "footprint")
        plane = Gnomonic(cap.centre_array)
        normalised: list[PolygonRings] = []
        k = 0
        for pi, clean_rings in enumerate(cleaned):
            rings_xy = [plane.project(ring_xyz[k + j]) for j in range(len(clean_rings))]
            fixed: list[Ring] = []
            for j, (ring, xy) in enumerate(zip(clean_rings, rings_xy, strict=True)):
                area = _signed_area(xy)
                want_ccw = j == 0
                if area != 0.0 and (area > 0) != want_ccw:
                    ring = ring[::-1]
                    rings_xy[j] = xy[::-1]
                    ring_xyz[k + j] = ring_xyz[k + j][::-1]
                fixed.append(ring)
            planar = shapely.Polygon(rings_xy[0], rings_xy[1:])
            reason = shapely.is_valid_reason(planar)
            if reason != "Valid Geometry":
                for j, xy in enumerate(rings_xy):
                    if not shapely.area(shapely.convex_hull(shapely.multipoints(xy))) > 0.0:
                        raise GeometryError(
                            _C.DEGENERATE,
                            f"polygon {pi}, ring {j}: the positions are collinear "
                            "and enclose no area",
                        )
                raise GeometryError(
                    _reason_code(reason),
                    f"polygon {pi}: {reason.split('[')[0].strip().lower()}"
                    f"{_where_in_plane(reason, plane)}",
                )
            normalised.append(tuple(fixed))
            k += len(clean_rings)
        object.__setattr__(self, "polygons", tuple(normalised))
        object.__setattr__(self, "multi", bool(self.multi) or len(normalised) > 1)
        object.__setattr__(self, "_cap", cap)
        object.__setattr__(self, "_ring_xyz", tuple(ring_xyz))

    @property
    def cap(self) -> Cap:
        """A cap holding the whole area."""
        return self._cap

    @property
    def ring_xyz(self) -> tuple[FloatArray, ...]:
        """Unit vectors of each ring (closed), polygons in order, exterior first."""
        return self._ring_xyz

    @property
    def vertex_count(self) -> int:
        """Number of distinct vertices (closing positions not counted)."""
        return sum(len(x) - 1 for x in self._ring_xyz)

    def edges(self) -> tuple[FloatArray, FloatArray]:
        """Start and end unit vectors (m, 3) of every edge of every ring."""
        starts = np.concatenate([x[:-1] for x in self._ring_xyz])
        ends = np.concatenate([x[1:] for x in self._ring_xyz])
        return starts, ends

    def vertices(self) -> FloatArray:
        """Unit vectors (k, 3) of every distinct vertex."""
        return np.concatenate([x[:-1] for x in self._ring_xyz])

    def planar(self) -> tuple[Gnomonic, Any]:
        """The area in the gnomonic plane at its cap centre, as a prepared shapely geometry.

        Computed on first use and kept, because point tests against the same area repeat.
        """
        cached = self._planar
        if cached is None:
            plane = Gnomonic(self._cap.centre_array)
            geom = self.in_plane(plane)
            shapely.prepare(geom)
            cached = (plane, geom)
            object.__setattr__(self, "_planar", cached)
        return cached  # type: ignore[no-any-return]

    def in_plane(self, plane: Gnomonic) -> Any:
        """The area as a shapely (Multi)Polygon in the given gnomonic plane."""
        parts = []
        k = 0
        for poly in self.polygons:
            rings = [plane.project(self._ring_xyz[k + j]) for j in range(len(poly))]
            parts.append(shapely.Polygon(rings[0], rings[1:]))
            k += len(poly)
        if len(parts) == 1:
            return parts[0]
        return shapely.MultiPolygon(parts)

    def to_geojson(self) -> dict[str, Any]:
        """RFC 7946 Polygon or MultiPolygon (right-hand rule winding)."""
        coords = [[[list(p) for p in ring] for ring in poly] for poly in self.polygons]
        if self.multi:
            return {"type": "MultiPolygon", "coordinates": coords}
        return {"type": "Polygon", "coordinates": coords[0]}


@dataclass(frozen=True)
class Line:
    """A line string of great-circle arcs (e.g. a bomb line); must not cross itself."""

    coords: tuple[LonLat, ...]
    _xyz: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.coords) > MAX_VERTICES:
            raise GeometryError(
                _C.TOO_MANY_VERTICES, f"{len(self.coords)} positions; the limit is {MAX_VERTICES}"
            )
        out: list[LonLat] = []
        last: LonLat | None = None
        for i, raw in enumerate(self.coords):
            p = _check_lonlat(float(raw[0]), float(raw[1]), f"line, position {i}")
            if _point_key(p) != last:
                out.append(p)
                last = _point_key(p)
        if len(out) < 2:
            raise GeometryError(_C.TOO_FEW_VERTICES, "a line needs at least 2 distinct positions")
        arr = np.array(out)
        xyz = to_xyz(arr[:, 0], arr[:, 1])
        cap = cap_of(xyz)
        _check_extent(cap, "line")
        plane = Gnomonic(cap.centre_array)
        planar = shapely.LineString(plane.project(xyz))
        if not shapely.is_simple(planar):
            raise GeometryError(_C.SELF_INTERSECTION, "the line crosses or touches itself")
        object.__setattr__(self, "coords", tuple(out))
        object.__setattr__(self, "_xyz", xyz)

    @property
    def xyz(self) -> FloatArray:
        """Unit vectors (n, 3) of the vertices."""
        return self._xyz

    @property
    def cap(self) -> Cap:
        """A cap holding the line."""
        return cap_of(self._xyz)

    def to_geojson(self) -> dict[str, Any]:
        """RFC 7946 LineString."""
        return {"type": "LineString", "coordinates": [list(p) for p in self.coords]}


Footprint: TypeAlias = Circle | Area
Shape: TypeAlias = Position | Circle | Area


def _positions(raw: object, where: str) -> tuple[LonLat, ...]:
    if not isinstance(raw, list | tuple):
        raise GeometryError(_C.INVALID_COORDINATES, f"{where}: expected an array of positions")
    if len(raw) > MAX_VERTICES:
        raise GeometryError(
            _C.TOO_MANY_VERTICES, f"{where}: {len(raw)} positions; the limit is {MAX_VERTICES}"
        )
    return tuple(_position(p, f"{where}, position {i}") for i, p in enumerate(raw))


def _polygon_rings(raw: object, where: str) -> PolygonRings:
    if not isinstance(raw, list | tuple) or not raw:
        raise GeometryError(_C.INVALID_COORDINATES, f"{where}: expected an array of linear rings")
    return tuple(_positions(r, f"{where}, ring {i}") for i, r in enumerate(raw))


def _geometry_type(obj: object) -> tuple[Mapping[str, Any], str]:
    if not isinstance(obj, Mapping):
        raise GeometryError(_C.INVALID_TYPE, "a geometry must be a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise GeometryError(_C.INVALID_TYPE, "a geometry needs a string 'type'")
    if "coordinates" not in obj:
        raise GeometryError(_C.INVALID_COORDINATES, f"{kind} has no 'coordinates'")
    return obj, kind


def parse_footprint(obj: object) -> Footprint:
    """Build a footprint from a GeoJSON geometry object.

    Accepts ``Polygon``, ``MultiPolygon``, and a circle written as a ``Point`` with the foreign
    member ``radius_m`` (metres), which stays a valid RFC 7946 geometry for other tools.
    Raises :class:`GeometryError` naming the problem; nothing is built on error.
    """
    geo, kind = _geometry_type(obj)
    coords = geo["coordinates"]
    if kind == "Point":
        if "radius_m" not in geo:
            raise GeometryError(
                _C.INVALID_TYPE, "a Point footprint needs 'radius_m' (a circle), in metres"
            )
        lon, lat = _position(coords, "circle centre")
        return Circle(lon, lat, geo["radius_m"])
    if kind == "Polygon":
        if (
            isinstance(coords, list | tuple)
            and sum(len(r) if isinstance(r, list | tuple) else 0 for r in coords) > MAX_VERTICES
        ):
            raise GeometryError(_C.TOO_MANY_VERTICES, f"the limit is {MAX_VERTICES} positions")
        return Area((_polygon_rings(coords, "polygon 0"),), multi=False)
    if kind == "MultiPolygon":
        if not isinstance(coords, list | tuple) or not coords:
            raise GeometryError(_C.INVALID_COORDINATES, "MultiPolygon needs an array of polygons")
        if (
            sum(
                len(r) if isinstance(r, list | tuple) else 0
                for p in coords
                if isinstance(p, list | tuple)
                for r in p
            )
            > MAX_VERTICES
        ):
            raise GeometryError(_C.TOO_MANY_VERTICES, f"the limit is {MAX_VERTICES} positions")
        return Area(
            tuple(_polygon_rings(p, f"polygon {i}") for i, p in enumerate(coords)), multi=True
        )
    raise GeometryError(
        _C.INVALID_TYPE,
        f"a footprint must be a Polygon, a MultiPolygon or a Point with radius_m, not {kind}",
    )


def parse_line(obj: object) -> Line:
    """Build a :class:`Line` from a GeoJSON LineString."""
    geo, kind = _geometry_type(obj)
    if kind != "LineString":
        raise GeometryError(_C.INVALID_TYPE, f"expected a LineString, not {kind}")
    return Line(_positions(geo["coordinates"], "line"))


def parse_position(obj: object) -> Position:
    """Build a :class:`Position` from a GeoJSON Point."""
    geo, kind = _geometry_type(obj)
    if kind != "Point":
        raise GeometryError(_C.INVALID_TYPE, f"expected a Point, not {kind}")
    lon, lat = _position(geo["coordinates"], "point")
    return Position(lon, lat)
