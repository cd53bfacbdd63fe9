"""Geometry on the Earth for deconfliction: footprints, lines, altitude bands, time windows.

Why a package of its own: the rules engine, the record layer (which signs the float-free form)
and the API all need the same validated shapes and the same exact distance semantics.

Public API:

* :func:`parse_footprint` (GeoJSON Polygon / MultiPolygon / Point + ``radius_m``) →
  :class:`Circle` or :class:`Area`; :func:`parse_line`, :func:`parse_position`.
* :class:`AltitudeBand` with :class:`Datum`; :class:`TimeWindow`, :class:`Schedule`.
* :func:`distance_m`, :func:`within_distance` — exact geodesic separation (1 cm tolerance).
* :func:`clash_region` — where two shapes clash, as GeoJSON.
* :mod:`liaison.geometry.canonical` — float-free encoding for signing, and strict decoding.
* :class:`GeometryError` with a stable ``code`` (:class:`GeometryErrorCode`).
"""

from liaison.geometry.altitude import AltitudeBand, Datum
from liaison.geometry.canonical import (
    decode_altitude,
    decode_footprint,
    decode_instant,
    decode_schedule,
    decode_shape,
    decode_window,
    encode_altitude,
    encode_instant,
    encode_schedule,
    encode_shape,
    encode_window,
    find_float,
)
from liaison.geometry.distance import distance_m, within_distance
from liaison.geometry.earth import MAX_VERTICES, TOLERANCE_M
from liaison.geometry.errors import GeometryError, GeometryErrorCode
from liaison.geometry.region import clash_region
from liaison.geometry.shapes import (
    Area,
    Circle,
    Footprint,
    Line,
    Position,
    Shape,
    parse_footprint,
    parse_line,
    parse_position,
)
from liaison.geometry.time import Schedule, TimeWindow

__all__ = [
    "MAX_VERTICES",
    "TOLERANCE_M",
    "AltitudeBand",
    "Area",
    "Circle",
    "Datum",
    "Footprint",
    "GeometryError",
    "GeometryErrorCode",
    "Line",
    "Position",
    "Schedule",
    "Shape",
    "TimeWindow",
    "clash_region",
    "decode_altitude",
    "decode_footprint",
    "decode_instant",
    "decode_schedule",
    "decode_shape",
    "decode_window",
    "distance_m",
    "encode_altitude",
    "encode_instant",
    "encode_schedule",
    "encode_shape",
    "encode_window",
    "find_float",
    "parse_footprint",
    "parse_line",
    "parse_position",
    "within_distance",
]
