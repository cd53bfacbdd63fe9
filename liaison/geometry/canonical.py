"""Float-free canonical encoding of geometry, altitude and time, and its strict decoding.

Why: signed bytes (RFC 8785 JSON) must be reproducible on every platform, and float formatting is
where implementations drift. So the record stores only integers and strings: coordinates as
integers of 1e-7 degree, lengths and heights as integer millimetres, instants as
``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``. Shapes are quantised to exactly these units when built, so
``decode(encode(x)) == x`` for every shape this package builds. Decoding is strict (exact keys,
integer types, no extras) and then goes through the validating constructors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from liaison.geometry.altitude import AltitudeBand
from liaison.geometry.earth import COORD_SCALE, LENGTH_SCALE
from liaison.geometry.errors import GeometryError, GeometryErrorCode
from liaison.geometry.shapes import Area, Circle, Footprint, Line, LonLat, Position, Shape
from liaison.geometry.time import Schedule, TimeWindow, format_instant

_C = GeometryErrorCode
_INSTANT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?Z")


def _bad(detail: str) -> GeometryError:
    return GeometryError(_C.INVALID_ENCODING, detail)


def degrees_to_e7(value: float) -> int:
    """A coordinate in integer units of 1e-7 degree."""
    return round(value * COORD_SCALE)


def metres_to_mm(value: float) -> int:
    """A length in integer millimetres."""
    return round(value * LENGTH_SCALE)


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{what} must be an integer, got {value!r}")
    return value


def _keys(
    obj: object, required: set[str], what: str, optional: set[str] | None = None
) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise _bad(f"{what} must be an object")
    keys = set(obj)
    allowed = required | (optional or set())
    if not required <= keys or not keys <= allowed:
        raise _bad(f"{what} must have keys {sorted(required)}, got {sorted(keys)}")
    return obj


def _pos(lonlat: LonLat) -> list[int]:
    return [degrees_to_e7(lonlat[0]), degrees_to_e7(lonlat[1])]


def _unpos(raw: object, what: str) -> LonLat:
    if not isinstance(raw, list) or len(raw) != 2:
        raise _bad(f"{what} must be [lon_e7, lat_e7]")
    return (_int(raw[0], what) / COORD_SCALE, _int(raw[1], what) / COORD_SCALE)


def encode_shape(shape: Shape | Line) -> dict[str, Any]:
    """Float-free form of a position, circle, area or line."""
    if isinstance(shape, Position):
        return {"type": "Point", "coordinates_e7": _pos((shape.lon, shape.lat))}
    if isinstance(shape, Circle):
        return {
            "type": "Circle",
            "center_e7": _pos((shape.lon, shape.lat)),
            "radius_mm": metres_to_mm(shape.radius_m),
        }
    if isinstance(shape, Line):
        return {"type": "LineString", "coordinates_e7": [_pos(p) for p in shape.coords]}
    polys = [[[_pos(p) for p in ring] for ring in poly] for poly in shape.polygons]
    if shape.multi:
        return {"type": "MultiPolygon", "coordinates_e7": polys}
    return {"type": "Polygon", "coordinates_e7": polys[0]}


def _rings(raw: object, what: str) -> tuple[tuple[LonLat, ...], ...]:
    if not isinstance(raw, list):
        raise _bad(f"{what} must be a list of rings")
    out = []
    for i, ring in enumerate(raw):
        if not isinstance(ring, list):
            raise _bad(f"{what} ring {i} must be a list")
        out.append(tuple(_unpos(p, f"{what} ring {i}") for p in ring))
    return tuple(out)


def decode_shape(obj: object) -> Shape | Line:
    """Inverse of :func:`encode_shape`; validates like every constructor."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("type"), str):
        raise _bad("a shape must be an object with a string 'type'")
    kind = obj["type"]
    if kind == "Point":
        body = _keys(obj, {"type", "coordinates_e7"}, "Point")
        lon, lat = _unpos(body["coordinates_e7"], "Point")
        return Position(lon, lat)
    if kind == "Circle":
        body = _keys(obj, {"type", "center_e7", "radius_mm"}, "Circle")
        lon, lat = _unpos(body["center_e7"], "Circle")
        return Circle(lon, lat, _int(body["radius_mm"], "radius_mm") / LENGTH_SCALE)
    if kind == "LineString":
        body = _keys(obj, {"type", "coordinates_e7"}, "LineString")
        raw = body["coordinates_e7"]
        if not isinstance(raw, list):
            raise _bad("LineString coordinates_e7 must be a list")
        return Line(tuple(_unpos(p, "LineString") for p in raw))
    if kind == "Polygon":
        body = _keys(obj, {"type", "coordinates_e7"}, "Polygon")
        return Area((_rings(body["coordinates_e7"], "Polygon"),), multi=False)
    if kind == "MultiPolygon":
        body = _keys(obj, {"type", "coordinates_e7"}, "MultiPolygon")
        raw = body["coordinates_e7"]
        if not isinstance(raw, list):
            raise _bad("MultiPolygon coordinates_e7 must be a list")
        return Area(tuple(_rings(p, f"polygon {i}") for i, p in enumerate(raw)), multi=True)
    raise _bad(f"unknown shape type {kind!r}")


def decode_footprint(obj: object) -> Footprint:
    """Decode a shape that must be a footprint (circle or area)."""
    shape = decode_shape(obj)
    if not isinstance(shape, Circle | Area):
        raise _bad("expected a Circle, Polygon or MultiPolygon")
    return shape


def encode_instant(value: datetime) -> str:
    """The canonical text of an instant (UTC, ``Z``, microseconds only when non-zero)."""
    return format_instant(value)


def decode_instant(text: object) -> datetime:
    """Strict inverse of :func:`encode_instant`: only the canonical text is accepted."""
    if not isinstance(text, str):
        raise _bad(f"an instant must be a string, got {text!r}")
    match = _INSTANT.fullmatch(text)
    if match is None:
        raise _bad(f"{text!r} is not a canonical UTC instant (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)")
    y, mo, d, h, mi, s, frac = match.groups()
    if frac == "000000":
        raise _bad(f"{text!r}: a zero fraction is not canonical")
    try:
        return datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int(frac or 0), tzinfo=UTC
        )
    except ValueError as exc:
        raise _bad(f"{text!r}: {exc}") from None


def encode_window(window: TimeWindow) -> dict[str, str]:
    """Float-free form of a time window."""
    return {"start": encode_instant(window.start), "end": encode_instant(window.end)}


def decode_window(obj: object) -> TimeWindow:
    """Inverse of :func:`encode_window`."""
    body = _keys(obj, {"start", "end"}, "time window")
    return TimeWindow(decode_instant(body["start"]), decode_instant(body["end"]))


def encode_altitude(band: AltitudeBand) -> dict[str, Any]:
    """Float-free form of an altitude band (millimetres; null for surface / unlimited)."""
    return {
        "datum": band.datum.value,
        "lower_mm": None if band.lower_m is None else metres_to_mm(band.lower_m),
        "upper_mm": None if band.upper_m is None else metres_to_mm(band.upper_m),
    }


def decode_altitude(obj: object) -> AltitudeBand:
    """Inverse of :func:`encode_altitude`."""
    body = _keys(obj, {"datum", "lower_mm", "upper_mm"}, "altitude band")
    lower = body["lower_mm"]
    upper = body["upper_mm"]
    return AltitudeBand(
        None if lower is None else _int(lower, "lower_mm") / LENGTH_SCALE,
        None if upper is None else _int(upper, "upper_mm") / LENGTH_SCALE,
        body["datum"],
    )


def encode_schedule(schedule: Schedule) -> dict[str, Any]:
    """Float-free form of a recurring schedule (seconds)."""
    return {
        "anchor": encode_instant(schedule.anchor),
        "period_s": int(schedule.period.total_seconds()),
        "windows_s": [
            [int(s.total_seconds()), int(e.total_seconds())] for s, e in schedule.windows
        ],
    }


def decode_schedule(obj: object) -> Schedule:
    """Inverse of :func:`encode_schedule`."""
    body = _keys(obj, {"anchor", "period_s", "windows_s"}, "schedule")
    raw = body["windows_s"]
    if not isinstance(raw, list):
        raise _bad("windows_s must be a list of [start_s, end_s]")
    windows = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _bad(f"windows_s[{i}] must be [start_s, end_s]")
        windows.append(
            (
                timedelta(seconds=_int(pair[0], "window start")),
                timedelta(seconds=_int(pair[1], "window end")),
            )
        )
    return Schedule(
        decode_instant(body["anchor"]),
        timedelta(seconds=_int(body["period_s"], "period_s")),
        tuple(windows),
    )


def find_float(obj: object, path: str = "$") -> str | None:
    """The JSON path of the first float in ``obj``, or None: a guard for signed payloads."""
    if isinstance(obj, float):
        return path
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            found = find_float(value, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            found = find_float(value, f"{path}[{i}]")
            if found is not None:
                return found
    return None
