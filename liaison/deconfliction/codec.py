"""Float-free canonical form of operations, unit reports, control measures and conflicts.

Why: the record layer signs RFC 8785 bytes, which must not contain floats (their formatting is
where implementations drift). Everything here is integers and strings: coordinates in 1e-7°,
lengths and heights in millimetres, heading in millidegrees, speed in mm/s, instants as canonical
UTC text. Model objects are quantised to these units when built, so
``decode_x(encode_x(obj)) == obj``. Decoding is strict and goes through the validating
constructors, so a bad payload raises and builds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liaison.deconfliction.errors import DeconflictionError, DeconflictionErrorCode
from liaison.deconfliction.model import (
    Conflict,
    ControlMeasure,
    Operation,
    UnitPosition,
    Volume,
)
from liaison.geometry.canonical import (
    decode_altitude,
    decode_footprint,
    decode_instant,
    decode_schedule,
    decode_shape,
    decode_window,
    degrees_to_e7,
    encode_altitude,
    encode_instant,
    encode_schedule,
    encode_shape,
    encode_window,
    metres_to_mm,
)
from liaison.geometry.shapes import Line, Position

_C = DeconflictionErrorCode


def _body(obj: object, keys: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping) or set(obj) != keys:
        got = sorted(obj) if isinstance(obj, Mapping) else type(obj).__name__
        raise DeconflictionError(
            _C.INVALID_FEATURE, f"{what} must have keys {sorted(keys)}, got {got}"
        )
    return obj


def _opt_int(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeconflictionError(_C.INVALID_FEATURE, f"{what} must be an integer or null")
    return value


def encode_operation(op: Operation) -> dict[str, Any]:
    """Float-free form of an operation."""
    return {
        "id": op.id,
        "party": op.party,
        "kind": op.kind,
        "state": op.state.value,
        "volumes": [
            {
                "footprint": encode_shape(v.footprint),
                "altitude": encode_altitude(v.altitude),
                "window": encode_window(v.window),
            }
            for v in op.volumes
        ],
    }


def decode_operation(obj: object) -> Operation:
    """Inverse of :func:`encode_operation`."""
    body = _body(obj, {"id", "party", "kind", "state", "volumes"}, "operation")
    raw = body["volumes"]
    if not isinstance(raw, list):
        raise DeconflictionError(_C.INVALID_VOLUME, "volumes must be a list")
    volumes = []
    for i, item in enumerate(raw):
        v = _body(item, {"footprint", "altitude", "window"}, f"volume {i}")
        volumes.append(
            Volume(
                decode_footprint(v["footprint"]),
                decode_window(v["window"]),
                decode_altitude(v["altitude"]),
            )
        )
    return Operation(body["id"], body["party"], body["kind"], tuple(volumes), body["state"])


def encode_unit(unit: UnitPosition) -> dict[str, Any]:
    """Float-free form of a unit report."""
    return {
        "unit_id": unit.unit_id,
        "party": unit.party,
        "position": encode_shape(unit.position),
        "time": encode_instant(unit.time),
        "stale_time": encode_instant(unit.stale_time),
        "symbol_code": unit.symbol_code,
        "heading_mdeg": None if unit.heading_deg is None else round(unit.heading_deg * 1000),
        "speed_mmps": None if unit.speed_mps is None else round(unit.speed_mps * 1000),
    }


def decode_unit(obj: object) -> UnitPosition:
    """Inverse of :func:`encode_unit`."""
    body = _body(
        obj,
        {
            "unit_id",
            "party",
            "position",
            "time",
            "stale_time",
            "symbol_code",
            "heading_mdeg",
            "speed_mmps",
        },
        "unit",
    )
    position = decode_shape(body["position"])
    if not isinstance(position, Position):
        raise DeconflictionError(_C.INVALID_UNIT, "a unit position must be a Point")
    heading = _opt_int(body["heading_mdeg"], "heading_mdeg")
    speed = _opt_int(body["speed_mmps"], "speed_mmps")
    return UnitPosition(
        body["unit_id"],
        body["party"],
        position,
        decode_instant(body["time"]),
        decode_instant(body["stale_time"]),
        body["symbol_code"],
        None if heading is None else heading / 1000,
        None if speed is None else speed / 1000,
    )


def encode_measure(measure: ControlMeasure) -> dict[str, Any]:
    """Float-free form of a control measure."""
    line = measure.is_line
    return {
        "id": measure.id,
        "kind": measure.kind,
        "owner": measure.owner,
        "binds": sorted(measure.binds),
        "geometry": encode_shape(measure.geometry),
        "validity": encode_window(measure.validity),
        "schedule": None if measure.schedule is None else encode_schedule(measure.schedule),
        "agreement_ref": measure.agreement_ref,
        "permitted_sides": {p: s.value for p, s in measure.permitted_sides} if line else None,
        "depth_mm": metres_to_mm(measure.depth_m) if line else None,
        "altitude": None if line else encode_altitude(measure.altitude),
        "restricts": None if measure.restricts is None else sorted(measure.restricts),
    }


def decode_measure(obj: object) -> ControlMeasure:
    """Inverse of :func:`encode_measure`."""
    body = _body(
        obj,
        {
            "id",
            "kind",
            "owner",
            "binds",
            "geometry",
            "validity",
            "schedule",
            "agreement_ref",
            "permitted_sides",
            "depth_mm",
            "altitude",
            "restricts",
        },
        "control measure",
    )
    geometry = decode_shape(body["geometry"])
    if isinstance(geometry, Position):
        raise DeconflictionError(_C.INVALID_MEASURE, "a control measure cannot be a bare point")
    binds = body["binds"]
    if not isinstance(binds, list):
        raise DeconflictionError(_C.INVALID_MEASURE, "binds must be a list of parties")
    restricts = body["restricts"]
    if restricts is not None and not isinstance(restricts, list):
        raise DeconflictionError(_C.INVALID_MEASURE, "restricts must be a list or null")
    common: dict[str, Any] = {
        "schedule": None if body["schedule"] is None else decode_schedule(body["schedule"]),
        "agreement_ref": body["agreement_ref"],
        "restricts": None if restricts is None else frozenset(restricts),
    }
    if isinstance(geometry, Line):
        sides = body["permitted_sides"]
        depth = _opt_int(body["depth_mm"], "depth_mm")
        if not isinstance(sides, Mapping) or depth is None:
            raise DeconflictionError(
                _C.INVALID_MEASURE, "a line needs permitted_sides and depth_mm"
            )
        common["permitted_sides"] = tuple(sides.items())
        common["depth_m"] = depth / 1000
    else:
        if body["altitude"] is None:
            raise DeconflictionError(_C.INVALID_MEASURE, "an area needs an altitude band")
        common["altitude"] = decode_altitude(body["altitude"])
    return ControlMeasure(
        body["id"],
        body["kind"],
        body["owner"],
        frozenset(binds),
        geometry,
        decode_window(body["validity"]),
        **common,
    )


def _encode_region(geometry: Mapping[str, Any]) -> dict[str, Any]:
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [_encode_region(g) for g in geometry["geometries"]]}

    def ints(value: Any) -> Any:
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], float | int):
                return [degrees_to_e7(float(x)) for x in value]
            return [ints(v) for v in value]
        return value

    return {"type": kind, "coordinates_e7": ints(geometry["coordinates"])}


def encode_conflict(conflict: Conflict) -> dict[str, Any]:
    """Float-free form of a conflict notice, with its region in 1e-7° integers."""
    return {
        "id": conflict.id,
        "rule": conflict.rule.value,
        "severity": conflict.severity.value,
        "subjects": [[s.type.value, s.id] for s in conflict.subjects],
        "parties": list(conflict.parties),
        "windows": [encode_window(w) for w in conflict.windows],
        "region_e7": _encode_region(conflict.region),
    }
