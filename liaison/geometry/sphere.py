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
    if isinstance(lon_deg, float) and isinstance(lat_deg, float):
        lon_r = math.radians(lon_deg)
        lat_r = math.radians(lat_deg)
        c = math.cos(lat_r)
        return np.array((c * math.cos(lon_r), c * math.sin(lon_r), math.sin(lat_r)))
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
    """Angle in radians between unit vectors, from the chord: accurate for tiny angles too."""
    chord = np.sqrt(np.sum((a - b) ** 2, axis=-1))
    return np.asarray(2.0 * np.arcsin(np.minimum(chord * 0.5, 1.0)), dtype=np.float64)


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
        x, y, z = (float(v) for v in centre)
        norm = math.sqrt(x * x + y * y + z * z)
        x, y, z = x / norm, y / norm, z / norm
        horizontal = math.hypot(x, y)
        if horizontal < 1e-12:
            ex, ey = 0.0, 1.0
        else:
            ex, ey = -y / horizontal, x / horizontal
        self.centre: FloatArray = np.array((x, y, z))
        self.east: FloatArray = np.array((ex, ey, 0.0))
        self.north: FloatArray = np.array((-z * ey, z * ex, x * ey - y * ex))

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


def bounding_boxes_array(
    lon_deg: FloatArray, lat_deg: FloatArray, radius_rad: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Vectorised :func:`bounding_boxes`: boxes (m, 4) and the input row of each box.

    Same bounds as the scalar version (a cap across the antimeridian gives two boxes, one that
    reaches a pole a full band of longitudes), for building many query boxes in one go.
    """
    pad = 1e-9
    r_deg = np.degrees(radius_rad)
    lat_lo = lat_deg - r_deg - pad
    lat_hi = lat_deg + r_deg + pad
    s = np.sin(radius_rad) / np.cos(np.radians(lat_deg))
    full = (lat_hi >= 90.0) | (lat_lo <= -90.0) | (radius_rad >= math.pi / 2) | (s >= 1.0)
    half = np.degrees(np.arcsin(np.clip(s, 0.0, 1.0))) + pad
    lo = lon_deg - half
    hi = lon_deg + half
    lo = np.where(full, -180.0, lo)
    hi = np.where(full, 180.0, hi)
    lat_lo = np.maximum(lat_lo, -90.0)
    lat_hi = np.minimum(lat_hi, 90.0)
    west = ~full & (lo < -180.0)
    east = ~full & (hi > 180.0)
    rows = np.arange(lon_deg.shape[0], dtype=np.int64)
    first = np.stack(
        (
            np.where(west, lo + 360.0, lo),
            lat_lo,
            np.where(west | east, 180.0, hi),
            lat_hi,
        ),
        axis=-1,
    )
    split = west | east
    second = np.stack(
        (
            np.full(int(split.sum()), -180.0),
            lat_lo[split],
            np.where(west, hi, hi - 360.0)[split],
            lat_hi[split],
        ),
        axis=-1,
    )
    return np.concatenate((first, second)), np.concatenate((rows, rows[split]))
