"""RFC 7946 GeoJSON FeatureCollection import and export of operations, units and measures.

Why GeoJSON: it is what every map tool, TAK plug-in and GIS reads and writes, so parties can
exchange plans without a bespoke format. Each Feature says what it is in the property
``liaison``; times are ISO 8601 UTC with ``Z``; distances and heights are metres. Circles are
``Point`` geometries with the foreign member ``radius_m`` (RFC 7946 §6.1), so other tools still
see the centre. Edges are great-circle arcs (see :mod:`liaison.geometry.shapes`).

Properties by ``liaison`` value:

``"operation"`` — one Feature per volume (geometry: the footprint)
    ``operation_id``, ``party``, ``kind``, ``state`` (planned/active/completed/cancelled),
    ``volume`` (0-based index), ``start``, ``end``, ``altitude``
    (``{"datum": "AMSL"|"AGL"|"HAE", "lower_m": number|null, "upper_m": number|null}``; null
    lower = surface, null upper = unlimited; default surface to unlimited).

``"unit"`` — geometry: Point
    ``unit_id``, ``party``, ``time``, ``stale_time``, ``symbol_code`` (MIL-STD-2525 SIDC),
    optional ``heading_deg``, ``speed_mps``.

``"control_measure"`` — geometry: LineString (a line) or a footprint (an area)
    ``measure_id``, ``kind``, ``owner``, ``binds`` (list of parties), ``valid_from``,
    ``valid_until``, optional ``schedule`` (``{"anchor": time, "period_s": int,
    "windows_s": [[start_s, end_s], ...]}``), ``agreement_ref``; for a line
    ``permitted_sides`` (``{party: "left"|"right"}``) and ``depth_m``; for an area
    ``altitude`` and ``restricts`` (list of operation kinds, or null for the kind's defaults).

Import validates everything and raises (:class:`~liaison.geometry.GeometryError` or
:class:`~liaison.deconfliction.DeconflictionError`, the detail naming the feature) without
returning anything partial.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from liaison.deconfliction.errors import DeconflictionError, DeconflictionErrorCode
from liaison.deconfliction.model import (
    DEFAULT_LINE_DEPTH_M,
    ControlMeasure,
    Operation,
    UnitPosition,
    Volume,
)
from liaison.geometry import (
    AltitudeBand,
    GeometryError,
    Schedule,
    TimeWindow,
    parse_footprint,
    parse_line,
    parse_position,
)
from liaison.geometry.time import format_instant

_C = DeconflictionErrorCode
Item = Operation | UnitPosition | ControlMeasure


@dataclass(frozen=True)
class Imported:
    """What a FeatureCollection held, each in id order."""

    operations: tuple[Operation, ...]
    units: tuple[UnitPosition, ...]
    measures: tuple[ControlMeasure, ...]


def _feature(geometry: dict[str, Any], properties: dict[str, Any], fid: str) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": properties}


def _altitude_json(band: AltitudeBand) -> dict[str, Any]:
    return band.to_json()


def to_features(item: Item) -> list[dict[str, Any]]:
    """The GeoJSON Features of one operation, unit report or control measure."""
    if isinstance(item, Operation):
        return [
            _feature(
                v.footprint.to_geojson(),
                {
                    "liaison": "operation",
                    "operation_id": item.id,
                    "party": item.party,
                    "kind": item.kind,
                    "state": item.state.value,
                    "volume": i,
                    "start": format_instant(v.window.start),
                    "end": format_instant(v.window.end),
                    "altitude": _altitude_json(v.altitude),
                },
                f"operation/{item.id}/{i}",
            )
            for i, v in enumerate(item.volumes)
        ]
    if isinstance(item, UnitPosition):
        props: dict[str, Any] = {
            "liaison": "unit",
            "unit_id": item.unit_id,
            "party": item.party,
            "time": format_instant(item.time),
            "stale_time": format_instant(item.stale_time),
            "symbol_code": item.symbol_code,
            "heading_deg": item.heading_deg,
            "speed_mps": item.speed_mps,
        }
        return [_feature(item.position.to_geojson(), props, f"unit/{item.unit_id}")]
    props = {
        "liaison": "control_measure",
        "measure_id": item.id,
        "kind": item.kind,
        "owner": item.owner,
        "binds": sorted(item.binds),
        "valid_from": format_instant(item.validity.start),
        "valid_until": format_instant(item.validity.end),
        "schedule": None
        if item.schedule is None
        else {
            "anchor": format_instant(item.schedule.anchor),
            "period_s": int(item.schedule.period.total_seconds()),
            "windows_s": [
                [int(s.total_seconds()), int(e.total_seconds())] for s, e in item.schedule.windows
            ],
        },
        "agreement_ref": item.agreement_ref,
    }
    if item.is_line:
        props["permitted_sides"] = {p: s.value for p, s in item.permitted_sides}
        props["depth_m"] = item.depth_m
    else:
        props["altitude"] = _altitude_json(item.altitude)
        props["restricts"] = None if item.restricts is None else sorted(item.restricts)
    return [_feature(item.geometry.to_geojson(), props, f"control_measure/{item.id}")]


def to_feature_collection(items: Iterable[Item]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of the given items."""
    features: list[dict[str, Any]] = []
    for item in items:
        features.extend(to_features(item))
    return {"type": "FeatureCollection", "features": features}


def _bad(where: str, detail: str) -> DeconflictionError:
    return DeconflictionError(_C.INVALID_FEATURE, f"{where}: {detail}")


def _prop(props: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Any:
    if key in props:
        return props[key]
    if default is ...:
        raise _bad(where, f"missing property {key!r}")
    return default


def _time(value: object, where: str, key: str) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, f"{key} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, f"{key} {value!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise _bad(where, f"{key} {value!r} has no time zone (use Z for UTC)")
    return parsed


def _altitude(value: object, where: str) -> AltitudeBand:
    if value is None:
        return AltitudeBand.surface_to_unlimited()
    if not isinstance(value, Mapping) or set(value) - {"datum", "lower_m", "upper_m"}:
        raise _bad(where, "altitude must be {datum, lower_m, upper_m}")
    return AltitudeBand(value.get("lower_m"), value.get("upper_m"), value.get("datum", "AMSL"))


def _schedule(value: object, where: str) -> Schedule | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"anchor", "period_s", "windows_s"}:
        raise _bad(where, "schedule must be {anchor, period_s, windows_s}")
    windows = value["windows_s"]
    period = value["period_s"]
    if not isinstance(windows, list) or not isinstance(period, int) or isinstance(period, bool):
        raise _bad(where, "schedule period_s must be an integer and windows_s a list")
    pairs = []
    for pair in windows:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
        ):
            raise _bad(where, "each schedule window must be [start_s, end_s] in whole seconds")
        pairs.append((timedelta(seconds=pair[0]), timedelta(seconds=pair[1])))
    return Schedule(
        _time(value["anchor"], where, "anchor"), timedelta(seconds=period), tuple(pairs)
    )


def _read(
    index: int,
    feature: object,
    ops: dict[str, list[tuple[int, dict[str, Any], Volume]]],
    units: list[UnitPosition],
    measures: list[ControlMeasure],
) -> None:
    where = f"feature {index}"
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _bad(where, "not a GeoJSON Feature")
    props = feature.get("properties")
    geometry = feature.get("geometry")
    if not isinstance(props, Mapping):
        raise _bad(where, "properties must be an object")
    what = props.get("liaison")
    if what == "operation":
        volume_no = _prop(props, "volume", where, 0)
        if not isinstance(volume_no, int) or isinstance(volume_no, bool) or volume_no < 0:
            raise _bad(where, "volume must be a non-negative integer")
        volume = Volume(
            parse_footprint(geometry),
            TimeWindow(
                _time(_prop(props, "start", where), where, "start"),
                _time(_prop(props, "end", where), where, "end"),
            ),
            _altitude(props.get("altitude"), where),
        )
        head = {
            k: _prop(props, k, where, d)
            for k, d in (("party", ...), ("kind", ...), ("state", "planned"))
        }
        op_id = _prop(props, "operation_id", where)
        if not isinstance(op_id, str):
            raise _bad(where, "operation_id must be a string")
        ops.setdefault(op_id, []).append((volume_no, head, volume))
    elif what == "unit":
        units.append(
            UnitPosition(
                _prop(props, "unit_id", where),
                _prop(props, "party", where),
                parse_position(geometry),
                _time(_prop(props, "time", where), where, "time"),
                _time(_prop(props, "stale_time", where), where, "stale_time"),
                _prop(props, "symbol_code", where),
                props.get("heading_deg"),
                props.get("speed_mps"),
            )
        )
    elif what == "control_measure":
        if not isinstance(geometry, Mapping):
            raise _bad(where, "geometry must be an object")
        binds = _prop(props, "binds", where)
        if not isinstance(binds, list):
            raise _bad(where, "binds must be a list of parties")
        validity = TimeWindow(
            _time(_prop(props, "valid_from", where), where, "valid_from"),
            _time(_prop(props, "valid_until", where), where, "valid_until"),
        )
        extra: dict[str, Any] = {
            "schedule": _schedule(props.get("schedule"), where),
            "agreement_ref": props.get("agreement_ref"),
        }
        if geometry.get("type") == "LineString":
            sides = _prop(props, "permitted_sides", where)
            if not isinstance(sides, Mapping):
                raise _bad(where, "permitted_sides must be {party: 'left'|'right'}")
            extra["permitted_sides"] = tuple(sides.items())
            extra["depth_m"] = props.get("depth_m", DEFAULT_LINE_DEPTH_M)
            shape: Any = parse_line(geometry)
        else:
            restricts = props.get("restricts")
            if restricts is not None and not isinstance(restricts, list):
                raise _bad(where, "restricts must be a list of kinds or null")
            extra["altitude"] = _altitude(props.get("altitude"), where)
            extra["restricts"] = None if restricts is None else frozenset(restricts)
            shape = parse_footprint(geometry)
        measures.append(
            ControlMeasure(
                _prop(props, "measure_id", where),
                _prop(props, "kind", where),
                _prop(props, "owner", where),
                frozenset(binds),
                shape,
                validity,
                **extra,
            )
        )
    else:
        raise _bad(where, "property 'liaison' must be operation, unit or control_measure")


def from_feature_collection(obj: object) -> Imported:
    """Read operations, unit reports and control measures from a FeatureCollection."""
    if not isinstance(obj, Mapping) or obj.get("type") != "FeatureCollection":
        raise _bad("document", "not a GeoJSON FeatureCollection")
    features = obj.get("features")
    if not isinstance(features, list):
        raise _bad("document", "features must be a list")
    ops: dict[str, list[tuple[int, dict[str, Any], Volume]]] = {}
    units: list[UnitPosition] = []
    measures: list[ControlMeasure] = []
    feature_of: dict[str, list[int]] = {}
    for i, feature in enumerate(features):
        before = {k: len(v) for k, v in ops.items()}
        try:
            _read(i, feature, ops, units, measures)
        except GeometryError as exc:
            raise GeometryError(exc.code, f"feature {i}: {exc.detail}") from None
        except DeconflictionError as exc:
            if exc.detail.startswith(f"feature {i}"):
                raise
            raise DeconflictionError(exc.code, f"feature {i}: {exc.detail}") from None
        for key, parts in ops.items():
            if len(parts) != before.get(key, 0):
                feature_of.setdefault(key, []).append(i)
    operations = []
    for op_id, parts in ops.items():
        parts.sort(key=lambda p: p[0])
        numbers = [p[0] for p in parts]
        if numbers != list(range(len(parts))):
            raise _bad(f"operation {op_id}", f"volume numbers must be 0..{len(parts) - 1}")
        heads = {tuple(sorted(p[1].items())) for p in parts}
        if len(heads) != 1:
            raise _bad(f"operation {op_id}", "its features disagree on party, kind or state")
        head = parts[0][1]
        try:
            operations.append(
                Operation(
                    op_id, head["party"], head["kind"], tuple(p[2] for p in parts), head["state"]
                )
            )
        except DeconflictionError as exc:
            where = ", ".join(f"feature {i}" for i in feature_of[op_id])
            raise DeconflictionError(
                exc.code, f"operation {op_id} ({where}): {exc.detail}"
            ) from None
    return Imported(
        tuple(sorted(operations, key=lambda o: o.id)),
        tuple(sorted(units, key=lambda u: u.unit_id)),
        tuple(sorted(measures, key=lambda m: m.id)),
    )
