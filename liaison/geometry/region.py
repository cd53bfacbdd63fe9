"""The region of a clash, as a GeoJSON geometry, for telling parties where a conflict is.

Why separate from detection: detection is exact (see :mod:`liaison.geometry.distance`); the
region is a rendering for people and maps. It is the intersection of the two shapes when they
overlap, otherwise the shortest line between them (where the gap is narrower than required).
It is computed in a gnomonic projection centred on the pair, where area edges are exact; circles
are drawn as 72-gons through points exactly on the geodesic circle. Coordinates are rounded to
1e-7°; edges of the result are great-circle arcs like every other shape here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from liaison.geometry.earth import WGS84
from liaison.geometry.shapes import Circle, Position, Shape
from liaison.geometry.sphere import FloatArray, Gnomonic, normalise, to_lonlat, to_xyz

_CIRCLE_SIDES = 72


def _in_plane(shape: Shape, plane: Gnomonic) -> Any:
    if isinstance(shape, Position):
        return shapely.points(plane.project(shape.xyz))
    if isinstance(shape, Circle):
        azimuths = np.linspace(0.0, 360.0, _CIRCLE_SIDES, endpoint=False)
        lons, lats, _ = WGS84.fwd(
            np.full(_CIRCLE_SIDES, shape.lon),
            np.full(_CIRCLE_SIDES, shape.lat),
            azimuths,
            np.full(_CIRCLE_SIDES, shape.radius_m),
        )
        ring = plane.project(to_xyz(np.asarray(lons), np.asarray(lats)))
        return shapely.Polygon(ring[::-1])
    return shape.in_plane(plane)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def to_geojson(geom: Any, plane: Gnomonic) -> dict[str, Any]:
    """A planar shapely geometry in ``plane`` as a lon/lat GeoJSON geometry."""

    def back(xy: FloatArray) -> FloatArray:
        lon, lat = to_lonlat(plane.unproject(xy))
        return np.stack((lon, lat), axis=-1)

    lonlat = shapely.transform(geom, back)
    result: dict[str, Any] = _round(mapping(lonlat))
    return result


def _centre(a: Shape, b: Shape) -> FloatArray:
    total = a.cap.centre_array + b.cap.centre_array
    if float(np.linalg.norm(total)) < 1e-9:
        return a.cap.centre_array
    return normalise(total)


def clash_region(a: Shape, b: Shape) -> dict[str, Any]:
    """Where ``a`` and ``b`` clash: their intersection, else the shortest line between them."""
    plane = Gnomonic(_centre(a, b))
    ga = _in_plane(a, plane)
    gb = _in_plane(b, plane)
    common = shapely.intersection(ga, gb)
    if common.is_empty:
        common = shapely.shortest_line(ga, gb)
    return to_geojson(common, plane)


def combine(regions: list[dict[str, Any]]) -> dict[str, Any]:
    """One geometry for several clash regions (a GeometryCollection when there are several)."""
    unique: list[dict[str, Any]] = []
    for region in regions:
        if region not in unique:
            unique.append(region)
    if len(unique) == 1:
        return unique[0]
    return {"type": "GeometryCollection", "geometries": unique}
