"""The Earth model and the numeric limits every geometric computation relies on.

Why one module: the error bounds documented in :mod:`liaison.geometry.distance` are derived from
these constants (the WGS 84 ellipsoid and the extreme radii of curvature), so they live together.
"""

from __future__ import annotations

import math
from typing import Final

from pyproj import Geod

#: WGS 84, the datum of GeoJSON (RFC 7946) coordinates.
WGS84: Final = Geod(ellps="WGS84")

SEMI_MAJOR_M: Final = 6378137.0
FLATTENING: Final = 1.0 / 298.257223563
E2: Final = FLATTENING * (2.0 - FLATTENING)

#: Smallest radius of curvature on the ellipsoid (meridional, at the equator). Any curve whose
#: angle on the unit sphere (geodetic latitude used as spherical latitude) is θ has ellipsoidal
#: length at least ``R_MIN * θ``; so geodesic distance ≥ R_MIN × spherical angle.
R_MIN: Final = SEMI_MAJOR_M * (1.0 - E2)
#: Largest radius of curvature (at the poles): geodesic distance ≤ R_MAX × spherical angle.
R_MAX: Final = SEMI_MAJOR_M / math.sqrt(1.0 - E2)

#: Detection tolerance in metres: a separation is reported as violated when the computed
#: distance is at most the required separation plus this; computed distances are accurate to
#: well under a millimetre, so no violation is missed and none more than ~1 cm clear is reported.
TOLERANCE_M: Final = 0.01

#: Maximum number of positions in one footprint or line (all rings together).
MAX_VERTICES: Final = 10_000

#: Largest allowed footprint, as the angular radius of its bounding spherical cap (30° ≈ 3,300 km).
#: Why: every pair test uses a gnomonic projection of both shapes, which must stay well inside a
#: hemisphere; 30° keeps any pair that can possibly be in conflict within 50° of the centre.
MAX_EXTENT_RAD: Final = math.radians(30.0)

#: Largest separation, buffer or danger distance accepted (1,000 km), for the same reason.
MAX_DISTANCE_M: Final = 1_000_000.0

#: Coordinates are quantised to this many units per degree (1e-7° ≈ 1.1 cm) when built, so the
#: float-free canonical form (integers of 1e-7°) round-trips exactly.
COORD_SCALE: Final = 10_000_000

#: Lengths (radii, altitudes, depths) are quantised to whole millimetres.
LENGTH_SCALE: Final = 1000


def quantise_degrees(value: float) -> float:
    """Round a coordinate to the canonical 1e-7° grid (the value the record signs)."""
    return round(value * COORD_SCALE) / COORD_SCALE


def quantise_metres(value: float) -> float:
    """Round a length to whole millimetres (the value the record signs)."""
    return round(value * LENGTH_SCALE) / LENGTH_SCALE
