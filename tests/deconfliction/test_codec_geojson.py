"""Float-free canonical form and GeoJSON FeatureCollection import/export round trips."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import rfc8785

from liaison.deconfliction import (
    ControlMeasure,
    DeconflictionError,
    DeconflictionErrorCode,
    Operation,
    UnitPosition,
    Volume,
    operations_overlap,
)
from liaison.deconfliction.codec import (
    decode_measure,
    decode_operation,
    decode_unit,
    encode_conflict,
    encode_measure,
    encode_operation,
    encode_unit,
)
from liaison.deconfliction.geojson import from_feature_collection, to_feature_collection
from liaison.geometry import (
    AltitudeBand,
    Circle,
    Datum,
    GeometryError,
    GeometryErrorCode,
    Position,
    Schedule,
    find_float,
)

from .support import SIDC, T, area_measure, circle_op, hours, meridian_line, square


def sample_items() -> list[Operation | UnitPosition | ControlMeasure]:
    two_volumes = Operation(
        "op-2",
        "SU",
        "air_drop",
        (
            Volume(
                square(179.99, 10.0, 0.005), hours(0, 1), AltitudeBand(300.0, 1500.5, Datum.AGL)
            ),
            Volume(Circle(-179.99, 10.0, 750.25), hours(1, 2), AltitudeBand(None, 2000.0)),
        ),
    )
    return [
        circle_op("op-1", "GB", "artillery_fire", 10.1234567, 50.7654321, 812.5),
        two_volumes,
        UnitPosition(
            "unit-1", "US", Position(10.0, 50.0), T, T + timedelta(minutes=30), SIDC, 271.5, 12.25
        ),
        UnitPosition("unit-2", "US", Position(11.0, 51.0), T, T + timedelta(hours=1), "1" * 20),
        meridian_line(
            "bl-1",
            "GB",
            {"SU": "right", "GB": "left"},
            schedule=Schedule(T, timedelta(days=1), ((timedelta(hours=6), timedelta(hours=18)),)),
        ),
        area_measure(
            "nfa-1",
            "no_fire_area",
            "GB",
            {"SU"},
            square(20.0, 45.0, 0.05),
            altitude=AltitudeBand(0.0, 3000.0),
            restricts=frozenset({"artillery_fire"}),
        ),
    ]


def test_canonical_round_trips_are_exact_and_float_free() -> None:
    for item in sample_items():
        if isinstance(item, Operation):
            encoded = encode_operation(item)
            assert decode_operation(encoded) == item
        elif isinstance(item, UnitPosition):
            encoded = encode_unit(item)
            assert decode_unit(encoded) == item
        else:
            encoded = encode_measure(item)
            assert decode_measure(encoded) == item
        assert find_float(encoded) is None
        rfc8785.dumps(encoded)


def test_conflict_notice_is_float_free() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0)
    b = circle_op("b", "SU", "convoy", 10.001, 50.0)
    conflict = operations_overlap(a, b)
    assert conflict is not None
    encoded = encode_conflict(conflict)
    assert find_float(encoded) is None
    assert encoded["region_e7"]["type"] == "Polygon"
    assert encoded["id"] == conflict.id
    json.dumps(conflict.to_json())


def test_strict_canonical_decoding() -> None:
    encoded = encode_operation(circle_op("a", "GB", "convoy", 10.0, 50.0))
    encoded["extra"] = 1
    with pytest.raises(DeconflictionError):
        decode_operation(encoded)
    encoded = encode_operation(circle_op("a", "GB", "convoy", 10.0, 50.0))
    encoded["volumes"][0]["footprint"]["radius_mm"] = 500.0
    with pytest.raises(GeometryError):
        decode_operation(encoded)


def test_feature_collection_round_trip() -> None:
    items = sample_items()
    collection = to_feature_collection(items)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(items) + 1  # op-2 has two volumes
    text = json.dumps(collection)
    imported = from_feature_collection(json.loads(text))
    assert list(imported.operations) == [i for i in items if isinstance(i, Operation)]
    assert list(imported.units) == [i for i in items if isinstance(i, UnitPosition)]
    assert list(imported.measures) == [i for i in items if isinstance(i, ControlMeasure)]


def test_import_accepts_plain_geojson_with_defaults() -> None:
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]],  # clockwise
                },
                "properties": {
                    "liaison": "operation",
                    "operation_id": "x",
                    "party": "GB",
                    "kind": "ground_movement",
                    "start": "1944-07-12T00:00:00Z",
                    "end": "1944-07-12T06:00:00+03:00",
                },
            }
        ],
    }
    imported = from_feature_collection(doc)
    (op,) = imported.operations
    assert op.state.value == "planned"
    assert op.volumes[0].altitude == AltitudeBand.surface_to_unlimited()
    assert op.volumes[0].window == hours(0, 3)


@pytest.mark.parametrize(
    ("mutate", "error", "code"),
    [
        (
            lambda f: f["properties"].pop("party"),
            DeconflictionError,
            DeconflictionErrorCode.INVALID_FEATURE,
        ),
        (
            lambda f: f["properties"].update(start="1944-07-12T00:00:00"),
            DeconflictionError,
            DeconflictionErrorCode.INVALID_FEATURE,
        ),
        (
            lambda f: f["properties"].update(liaison="tank"),
            DeconflictionError,
            DeconflictionErrorCode.INVALID_FEATURE,
        ),
        (
            lambda f: f["properties"].update(kind="Air Strike"),
            DeconflictionError,
            DeconflictionErrorCode.INVALID_KIND,
        ),
        (
            lambda f: f["geometry"].update(coordinates=[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]),
            GeometryError,
            GeometryErrorCode.SELF_INTERSECTION,
        ),
    ],
)
def test_import_errors_name_the_feature(mutate: Any, error: type[ValueError], code: Any) -> None:
    collection = to_feature_collection(
        [Operation("x", "GB", "convoy", (Volume(square(0.5, 0.5, 0.5), hours(0, 1)),))]
    )
    mutate(collection["features"][0])
    with pytest.raises(error) as info:
        from_feature_collection(collection)
    assert info.value.code is code  # type: ignore[attr-defined]
    assert "feature 0" in str(info.value)


def test_import_rejects_inconsistent_volumes() -> None:
    collection = to_feature_collection(sample_items())
    for feature in collection["features"]:
        if feature["properties"].get("operation_id") == "op-2" and feature["properties"]["volume"]:
            feature["properties"]["party"] = "GB"
    with pytest.raises(DeconflictionError):
        from_feature_collection(collection)
