"""GeoJSON FeatureCollections (RFC 7946) of the picture, in and out.

Why on top of :mod:`liaison.deconfliction.geojson`: that module defines the properties of each
feature (``liaison``: operation, unit or control_measure; times, altitude bands, sides, ...);
here the record adds what a reader needs to find the entry behind a feature (``name``,
``record_id``: the id of the thing's first version, ``entry``: the version shown) and makes
feature ids unique across parties (``operation/<party>/<ref>/<volume>``), since two parties may
use the same ref. On import, an item's ``operation_id``/``unit_id``/``measure_id`` is the
party's own ref, and ``name`` is read when present.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from liaison.deconfliction.codec import encode_measure
from liaison.deconfliction.geojson import Imported, from_feature_collection, to_features
from liaison.deconfliction.model import ControlMeasure, Operation, UnitPosition
from liaison.domain.entry import StoredEntry
from liaison.geometry import encode_altitude, encode_instant, encode_shape, encode_window
from liaison.picture.model import measure_item, operation_item, unit_item

__all__ = [
    "export_features",
    "measure_body",
    "names",
    "operation_body",
    "read_collection",
    "unit_body",
]


def _decorate(
    features: list[dict[str, Any]], entry: StoredEntry, record_id: str | None, prefix: str
) -> list[dict[str, Any]]:
    body = entry.content.body
    for i, feature in enumerate(features):
        props = feature["properties"]
        props["name"] = body.get("name", "")
        props["entry"] = entry.id
        if record_id is not None:
            props["record_id"] = record_id
        suffix = f"/{i}" if prefix == "operation" else ""
        ref = body.get("ref", body.get("unit"))
        feature["id"] = f"{prefix}/{entry.content.party}/{ref}{suffix}"
    return features


def export_features(
    operations: Iterable[tuple[StoredEntry, str]],
    units: Iterable[StoredEntry],
    measures: Iterable[tuple[StoredEntry, str]],
) -> dict[str, Any]:
    """A FeatureCollection of the given entries (each already released to the reader)."""
    features: list[dict[str, Any]] = []
    for entry, root in operations:
        body = entry.content.body
        op = operation_item(body, str(body["ref"]), str(entry.content.party))
        features.extend(_decorate(to_features(op), entry, root, "operation"))
    for entry in units:
        report = unit_item(entry.content.body, str(entry.content.party))
        shown = UnitPosition(
            str(entry.content.body["unit"]),
            report.party,
            report.position,
            report.time,
            report.stale_time,
            report.symbol_code,
            report.heading_deg,
            report.speed_mps,
        )
        features.extend(_decorate(to_features(shown), entry, None, "unit"))
    for entry, root in measures:
        body = entry.content.body
        measure = measure_item(body, str(body["ref"]), str(entry.content.party))
        features.extend(_decorate(to_features(measure), entry, root, "control_measure"))
    return {"type": "FeatureCollection", "features": features}


def read_collection(collection: object) -> Imported:
    """Every operation, unit report and measure in a FeatureCollection, validated."""
    return from_feature_collection(collection)


def names(collection: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """The ``name`` property of each item, by (``liaison`` value, item id)."""
    found: dict[tuple[str, str], str] = {}
    id_key = {"operation": "operation_id", "unit": "unit_id", "control_measure": "measure_id"}
    for feature in collection.get("features", []):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            continue
        what = props.get("liaison")
        name = props.get("name")
        if what in id_key and isinstance(name, str):
            found[(str(what), str(props.get(id_key[what])))] = name
    return found


def operation_body(op: Operation, name: str, note: str | None = None) -> dict[str, Any]:
    """The body of an operation version for an imported operation."""
    return {
        "ref": op.id,
        "name": name,
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
        "note": note,
    }


def unit_body(unit: UnitPosition, name: str) -> dict[str, Any]:
    """The body of a position report for an imported unit."""
    return {
        "unit": unit.unit_id,
        "name": name,
        "position": encode_shape(unit.position),
        "time": encode_instant(unit.time),
        "stale_time": encode_instant(unit.stale_time),
        "symbol_code": unit.symbol_code,
        "heading_mdeg": None if unit.heading_deg is None else round(unit.heading_deg * 1000),
        "speed_mmps": None if unit.speed_mps is None else round(unit.speed_mps * 1000),
    }


def measure_body(measure: ControlMeasure, name: str, note: str | None = None) -> dict[str, Any]:
    """The body of a measure version for an imported measure."""
    encoded = encode_measure(measure)
    body = {k: v for k, v in encoded.items() if k not in ("id", "owner")}
    return {"ref": measure.id, "name": name, "state": "in_force", "note": note, **body}
