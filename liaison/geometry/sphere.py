"""Unit-sphere helpers: positions as unit vectors, bounding caps, the gnomonic projection.

Why unit vectors: they have no antimeridian and no pole singularity, so every test built on them
is correct at ±180° and at ±90° without special cases. Latitude is the geodetic latitude used as a
spherical latitude; polygon edges are great-circle arcs in that sense (as in PostGIS ``geography``
and S2). The gnomonic projection maps exactly those arcs to straight lines, so planar predicates
(shapely/GEOS) on gnomonic coordinates are exact statements about the spherical shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: A gnomonic projection is only used for points within this angle of its centre.
GNOMONIC_LIMIT_RAD = math.radians(80.0)


def to_xyz(lon_deg: FloatArray | float, lat_deg: FloatArray | float) -> FloatArray:
    """Unit vectors (..., 3) for longitudes and latitudes in degrees."""
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    cl = np.cos(lat)
    return np.stack((cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)), axis=-1)


def to_lonlat(xyz: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Longitudes and latitudes in degrees for unit vectors (..., 3); longitude in [-180, 180]."""
    x = xyz[..., 0]
    y = xyz[..., 1]
    z = xyz[..., 2]
    lon = np.degrees(np.arctan2(y, x))
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return lon, lat


def angle_between(a: FloatArray, b: FloatArray) -> FloatArray:
    """Angle in radians between unit vectors, accurate for tiny and large angles alike."""
    cross = np.cross(a, b)
    return np.asarray(
        np.arctan2(np.linalg.norm(cross, axis=-1), np.sum(a * b, axis=-1)), dtype=np.float64
    )


def normalise(v: FloatArray) -> FloatArray:
    """Scale vectors (..., 3) to unit length."""
    return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True), dtype=np.float64)


@dataclass(frozen=True)
class Cap:
    """A spherical cap: every point of a shape is within ``radius`` radians of ``centre``.

    Caps of radius below 90° are convex, so a cap that holds a polygon's vertices also holds its
    edges and its interior; that is what makes a cap a sound coarse bound.
    """

    centre: tuple[float, float, float]
    radius: float

    @property
    def centre_array(self) -> FloatArray:
        """The centre as a numpy vector."""
        return np.array(self.centre, dtype=np.float64)

    def lonlat(self) -> tuple[float, float]:
        """Centre longitude and latitude in degrees."""
        lon, lat = to_lonlat(self.centre_array)
        return float(lon), float(lat)


def cap_of(points: FloatArray) -> Cap:
    """A small cap holding all ``points`` (n, 3); the radius is padded for rounding."""
    total = points.sum(axis=0)
    norm = float(np.linalg.norm(total))
    centre = points[0] if norm < 1e-12 else total / norm
    radius = float(np.max(angle_between(np.broadcast_to(centre, points.shape), points)))
    return Cap((float(centre[0]), float(centre[1]), float(centre[2])), radius + 1e-12)


def bounding_boxes(cap: Cap, margin_rad: float) -> list[tuple[float, float, float, float]]:
    """Longitude/latitude boxes (degrees) covering the cap widened by ``margin_rad``.

    Why boxes in lon/lat: they are what the R-tree stores. A cap across the antimeridian yields
    two boxes, one reaching a pole yields a full band of longitudes; both stay exact bounds.
    """
    lon_c, lat_c = cap.lonlat()
    r = cap.radius + margin_rad
    pad = 1e-9
    r_deg = math.degrees(r)
    lat_lo = lat_c - r_deg - pad
    lat_hi = lat_c + r_deg + pad
    if lat_hi >= 90.0 or lat_lo <= -90.0 or r >= math.pi / 2:
        return [(-180.0, max(lat_lo, -90.0), 180.0, min(lat_hi, 90.0))]
    s = math.sin(r) / math.cos(math.radians(lat_c))
    if s >= 1.0:
        return [(-180.0, lat_lo, 180.0, lat_hi)]
    half = math.degrees(math.asin(s)) + pad
    lo = lon_c - half
    hi = lon_c + half
    if lo < -180.0:
        return [(lo + 360.0, lat_lo, 180.0, lat_hi), (-180.0, lat_lo, hi, lat_hi)]
    if hi > 180.0:
        return [(lo, lat_lo, 180.0, lat_hi), (-180.0, lat_lo, hi - 360.0, lat_hi)]
    return [(lo, lat_lo, hi, lat_hi)]


class Gnomonic:
    """Gnomonic (central) projection of the unit sphere onto the plane tangent at ``centre``.

    Great circles become straight lines, so great-circle polygons become ordinary planar
    polygons. Axes are east and north at the centre, so orientation is preserved as seen from
    outside the sphere (counter-clockwise on a map stays counter-clockwise). Scale factors lie in
    [1, sec²ρ] at angle ρ from the centre, which gives the distance bounds in ``distance``.
    """

    __slots__ = ("centre", "east", "north")

    def __init__(self, centre: FloatArray) -> None:
        c = centre / np.linalg.norm(centre)
        pole = np.array([0.0, 0.0, 1.0])
        east = np.cross(pole, c)
        n = float(np.linalg.norm(east))
        east = np.array([0.0, 1.0, 0.0]) if n < 1e-12 else east / n
        self.centre: FloatArray = c
        self.east: FloatArray = east
        self.north: FloatArray = np.cross(c, east)

    def project(self, xyz: FloatArray) -> FloatArray:
        """Planar coordinates (..., 2) of unit vectors, which must be in the front hemisphere."""
        w = xyz @ self.centre
        return np.stack((xyz @ self.east / w, xyz @ self.north / w), axis=-1)

    def unproject(self, xy: FloatArray) -> FloatArray:
        """Unit vectors (..., 3) of planar coordinates."""
        v = self.centre + xy[..., 0:1] * self.east + xy[..., 1:2] * self.north
        return normalise(v)

    def max_angle(self, xyz: FloatArray) -> float:
        """Largest angle in radians between the centre and any of the given points."""
        if xyz.size == 0:
            return 0.0
        return float(np.max(angle_between(np.broadcast_to(self.centre, xyz.shape), xyz)))
