"""Hypothesis strategies for footprints anywhere on Earth, stressing the antimeridian and poles."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from pyproj import Geod

from liaison.geometry import Area, Circle, GeometryError

GEOD = Geod(ellps="WGS84")

longitudes = st.one_of(
    st.floats(-180.0, 180.0),
    st.floats(179.9, 180.0),
    st.floats(-180.0, -179.9),
)
latitudes = st.one_of(
    st.floats(-89.0, 89.0),
    st.floats(88.0, 89.99),
    st.floats(-89.99, -88.0),
)


@st.composite
def centres(draw: st.DrawFn) -> tuple[float, float]:
    return draw(longitudes), draw(latitudes)


def offset(lon: float, lat: float, azimuth: float, distance: float) -> tuple[float, float]:
    out_lon, out_lat, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return float(out_lon), float(out_lat)


@st.composite
def footprints_at(draw: st.DrawFn, lon: float, lat: float) -> Circle | Area:
    """A circle or a star-shaped polygon (either winding) around the given point."""
    if draw(st.booleans()):
        return Circle(lon, lat, draw(st.floats(5.0, 3000.0)))
    n = draw(st.integers(3, 8))
    radius = draw(st.floats(50.0, 3000.0))
    start = draw(st.floats(0.0, 360.0 / n))
    factors = draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n))
    azimuths = start + np.arange(n) * (360.0 / n)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), azimuths, radius * np.array(factors))
    ring = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    if draw(st.booleans()):
        ring.reverse()
    try:
        return Area((((*ring, ring[0]),),))
    except GeometryError:
        # Quantisation can make a tiny sliver degenerate; fall back to a circle.
        return Circle(lon, lat, radius)


@st.composite
def footprint_pairs(draw: st.DrawFn) -> tuple[Circle | Area, Circle | Area]:
    """Two footprints whose centres are 0–8 km apart."""
    lon, lat = draw(centres())
    a = draw(footprints_at(lon, lat))
    lon_b, lat_b = offset(lon, lat, draw(st.floats(0.0, 360.0)), draw(st.floats(0.0, 8000.0)))
    b = draw(footprints_at(lon_b, lat_b))
    return a, b
