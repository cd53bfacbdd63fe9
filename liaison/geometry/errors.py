"""The one error raised for invalid spatial or temporal input.

Why a single class with a stable ``code``: callers (the HTTP layer, the CLI, the record layer) map
invalid input to one problem type and need a machine-readable reason that survives rewording of the
human message. ``GeometryError`` subclasses ``ValueError`` so generic validation code that catches
``ValueError`` still works. Every constructor in :mod:`liaison.geometry` validates before it builds
anything, so an error means nothing was built.
"""

from __future__ import annotations

from enum import StrEnum


class GeometryErrorCode(StrEnum):
    """Stable reasons for rejecting input; the values are part of the public contract."""

    INVALID_TYPE = "invalid_type"
    INVALID_COORDINATES = "invalid_coordinates"
    NON_FINITE = "non_finite"
    LONGITUDE_OUT_OF_RANGE = "longitude_out_of_range"
    LATITUDE_OUT_OF_RANGE = "latitude_out_of_range"
    UNCLOSED_RING = "unclosed_ring"
    TOO_FEW_VERTICES = "too_few_vertices"
    TOO_MANY_VERTICES = "too_many_vertices"
    DEGENERATE = "degenerate"
    SELF_INTERSECTION = "self_intersection"
    INVALID_HOLE = "invalid_hole"
    TOO_LARGE = "too_large"
    INVALID_RADIUS = "invalid_radius"
    INVALID_DISTANCE = "invalid_distance"
    INVALID_ALTITUDE = "invalid_altitude"
    INVALID_DATUM = "invalid_datum"
    INVALID_TIME = "invalid_time"
    INVALID_SCHEDULE = "invalid_schedule"
    INVALID_ENCODING = "invalid_encoding"


class GeometryError(ValueError):
    """Invalid geometry, altitude or time input.

    ``code`` is one of :class:`GeometryErrorCode` and never changes for a given kind of problem;
    ``detail`` is a human sentence naming what was wrong and where.
    """

    def __init__(self, code: GeometryErrorCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code: GeometryErrorCode = code
        self.detail: str = detail
