"""An independent brute-force oracle for distances between footprints.

Why independent: it shares no code with the engine beyond pyproj's geodesic inverse. Boundaries
are sampled densely along their great-circle edges (or geodesic circle), containment is decided by
the spherical winding number, and the best coarse pair is refined by alternating dense 1D
searches. It yields bounds, not a value: ``upper`` is the distance between two actual points of
the shapes (so the true distance is at most ``upper``), and ``lower`` is the coarse minimum less
the sampling spacing (so the true distance is at least ``lower``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from pyproj import Geod

from liaison.geometry import Area, Circle, Position

GEOD = Geod(ellps="WGS84")
R_MIN = 6335439.0
R_MAX = 6399594.0

Curve = Callable[[np.ndarray], np.ndarray]  # parameter in [0, 1] → lon/lat (n, 2)


def _xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo = np.radians(lon)
    la = np.radians(lat)
    return np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)


def _lonlat(v: np.ndarray) -> np.ndarray:
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    lat = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    return np.stack((lon, lat), axis=-1)


def _arc(a: tuple[float, float], b: tuple[float, float]) -> tuple[Curve, float]:
    va = _xyz(np.array([a[0]]), np.array([a[1]]))[0]
    vb = _xyz(np.array([b[0]]), np.array([b[1]]))[0]
    omega = math.acos(max(-1.0, min(1.0, float(va @ vb))))

    def curve(t: np.ndarray) -> np.ndarray:
        if omega < 1e-15:
            return _lonlat(np.repeat(va[None, :], t.shape[0], axis=0))
        w1 = np.sin((1 - t) * omega) / math.sin(omega)
        w2 = np.sin(t * omega) / math.sin(omega)
        return _lonlat(w1[:, None] * va + w2[:, None] * vb)

    return curve, omega * R_MAX


def _circle(c: Circle) -> tuple[Curve, float]:
    def curve(t: np.ndarray) -> np.ndarray:
        lon, lat, _ = GEOD.fwd(
            np.full(t.shape[0], c.lon),
            np.full(t.shape[0], c.lat),
            t * 360.0,
            np.full(t.shape[0], c.radius_m),
        )
        return np.stack((np.asarray(lon), np.asarray(lat)), axis=-1)

    return curve, 2 * math.pi * c.radius_m


def curves(shape: Circle | Area | Position) -> list[tuple[Curve, float]]:
    """The boundary of a shape as parametrised curves with an upper bound of their lengths."""
    if isinstance(shape, Position):
        return [(lambda t: np.tile([[shape.lon, shape.lat]], (t.shape[0], 1)), 0.0)]
    if isinstance(shape, Circle):
        return [_circle(shape)]
    out = []
    for poly in shape.polygons:
        for ring in poly:
            for a, b in pairwise(ring):
                out.append(_arc(a, b))
    return out


def winding_inside(point: tuple[float, float], shape: Area) -> bool:
    """Spherical winding number of the point with respect to the area (holes subtract)."""
    p = _xyz(np.array([point[0]]), np.array([point[1]]))[0]
    inside = False
    for poly in shape.polygons:
        total = 0
        for k, ring in enumerate(poly):
            arr = np.array(ring)
            v = _xyz(arr[:, 0], arr[:, 1])
            n = np.cross(p, v)
            num = np.einsum("ij,j->i", np.cross(n[:-1], n[1:]), p)
            den = np.einsum("ij,ij->i", n[:-1], n[1:])
            winding = round(float(np.sum(np.arctan2(num, den))) / (2 * math.pi))
            if k == 0:
                total = 1 if winding != 0 else 0
            elif winding != 0:
                total = 0
        inside = inside or total == 1
    return inside


def _sample(
    shape_curves: list[tuple[Curve, float]], spacing: float
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    pts = []
    params: list[tuple[int, float]] = []
    for i, (curve, length) in enumerate(shape_curves):
        n = max(2, math.ceil(length / spacing) + 1)
        t = np.linspace(0.0, 1.0, n)
        pts.append(curve(t))
        params.extend((i, float(x)) for x in t)
    return np.concatenate(pts), params


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    _, _, d = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return np.asarray(d)


@dataclass
class Bounds:
    lower: float
    upper: float


def _contained(
    a: Circle | Area | Position, b: Circle | Area | Position, samples_a: np.ndarray
) -> bool:
    if isinstance(b, Area):
        pts = [(float(x), float(y)) for x, y in samples_a[:: max(1, len(samples_a) // 200)]]
        if isinstance(a, Circle | Position):
            centre = (a.lon, a.lat)
            pts.append(centre)
        return any(winding_inside(p, b) for p in pts)
    return False


def bounds(
    a: Circle | Area | Position, b: Circle | Area | Position, spacing: float = 20.0
) -> Bounds:
    """Rigorous bounds on the geodesic distance between the two shapes (see module doc)."""
    # Circles: exact reduction to their centres.
    ra = a.radius_m if isinstance(a, Circle) else 0.0
    rb = b.radius_m if isinstance(b, Circle) else 0.0
    core_a = Position(a.lon, a.lat) if isinstance(a, Circle) else a
    core_b = Position(b.lon, b.lat) if isinstance(b, Circle) else b
    ca, cb = curves(core_a), curves(core_b)
    sa, pa = _sample(ca, spacing)
    sb, pb = _sample(cb, spacing)
    if _contained(core_a, core_b, sa) or _contained(core_b, core_a, sb):
        return Bounds(0.0, 0.0)
    va = _xyz(sa[:, 0], sa[:, 1])
    vb = _xyz(sb[:, 0], sb[:, 1])
    chord = np.linalg.norm(va[:, None, :] - vb[None, :, :], axis=-1)
    theta = 2 * np.arcsin(np.minimum(chord / 2, 1.0))
    cand = np.nonzero(theta * R_MIN <= theta.min() * R_MAX + 1e-6)
    d = _dist(sa[cand[0]], sb[cand[1]])
    best = int(np.argmin(d))
    coarse = float(d[best])
    i, j = int(cand[0][best]), int(cand[1][best])
    # Refine: alternate dense 1D searches around the best pair.
    (ci, ti), (cj, tj) = pa[i], pb[j]
    pt_a = sa[i]
    pt_b = sb[j]
    upper = coarse
    for _ in range(4):
        for side in (0, 1):
            if side == 0:
                curve, length, t0 = ca[ci][0], ca[ci][1], ti
            else:
                curve, length, t0 = cb[cj][0], cb[cj][1], tj
            span = min(1.0, 2 * spacing / max(length, 1e-9))
            t = np.clip(np.linspace(t0 - span, t0 + span, 801), 0.0, 1.0)
            pts = curve(t)
            other = pt_b if side == 0 else pt_a
            dd = _dist(pts, np.tile(other, (pts.shape[0], 1)))
            k = int(np.argmin(dd))
            if dd[k] <= upper:
                upper = float(dd[k])
                if side == 0:
                    ti, pt_a = float(t[k]), pts[k]
                else:
                    tj, pt_b = float(t[k]), pts[k]
    lower = max(0.0, coarse - spacing)
    return Bounds(max(0.0, lower - ra - rb), max(0.0, upper - ra - rb))
