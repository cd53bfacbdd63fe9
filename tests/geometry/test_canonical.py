"""The float-free canonical form: integers and strings only, exact round trips, strict decoding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.geometry import (
    AltitudeBand,
    Circle,
    Datum,
    GeometryError,
    GeometryErrorCode,
    Line,
    Position,
    Schedule,
    TimeWindow,
    decode_altitude,
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
    parse_footprint,
)

from .strategies import centres, footprints_at


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_footprints_round_trip_exactly_and_float_free(data: st.DataObject) -> None:
    lon, lat = data.draw(centres())
    fp = data.draw(footprints_at(lon, lat))
    encoded = encode_shape(fp)
    assert find_float(encoded) is None
    rfc8785.dumps(encoded)  # canonical JSON accepts it
    assert decode_shape(encoded) == fp
    assert encode_shape(decode_shape(encoded)) == encoded


def test_shapes_round_trip() -> None:
    for shape in (
        Position(-179.9999999, 89.5),
        Circle(12.3456789, -45.0, 1234.567),
        Line(((0.0, 0.0), (1.0, 1.0), (2.0, 0.5))),
        parse_footprint(
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                    [[[2, 2], [3, 2], [3, 3], [2, 2]]],
                ],
            }
        ),
    ):
        encoded = encode_shape(shape)
        assert find_float(encoded) is None
        assert decode_shape(encoded) == shape


def test_circle_encoding_units() -> None:
    assert encode_shape(Circle(1.5, -2.25, 10.5)) == {
        "type": "Circle",
        "center_e7": [15_000_000, -22_500_000],
        "radius_mm": 10_500,
    }


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "Circle", "center_e7": [0, 0], "radius_mm": 1.5},
        {"type": "Circle", "center_e7": [0.0, 0], "radius_mm": 15},
        {"type": "Circle", "center_e7": [0, 0], "radius_mm": True},
        {"type": "Circle", "center_e7": [0, 0], "radius_mm": 15, "extra": 1},
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Hexagon", "coordinates_e7": []},
        [1, 2],
    ],
)
def test_strict_decoding(obj: Any) -> None:
    with pytest.raises(GeometryError) as info:
        decode_shape(obj)
    assert info.value.code is GeometryErrorCode.INVALID_ENCODING


def test_decoding_validates_geometry() -> None:
    with pytest.raises(GeometryError) as info:
        decode_shape({"type": "Circle", "center_e7": [1_810_000_000, 0], "radius_mm": 5})
    assert info.value.code is GeometryErrorCode.LONGITUDE_OUT_OF_RANGE


def test_instants() -> None:
    t = datetime(1944, 7, 12, 16, 30, tzinfo=UTC)
    assert encode_instant(t) == "1944-07-12T16:30:00Z"
    assert decode_instant("1944-07-12T16:30:00Z") == t
    t2 = t + timedelta(microseconds=5)
    assert encode_instant(t2) == "1944-07-12T16:30:00.000005Z"
    assert decode_instant(encode_instant(t2)) == t2
    plus3 = datetime(1944, 7, 12, 19, 30, tzinfo=timezone(timedelta(hours=3)))
    assert encode_instant(plus3) == "1944-07-12T16:30:00Z"
    for bad in (
        "1944-07-12T16:30:00",
        "1944-07-12T16:30:00+00:00",
        "1944-07-12T16:30:00.000000Z",
        "1944-02-30T00:00:00Z",
        5,
    ):
        with pytest.raises(GeometryError):
            decode_instant(bad)


def test_an_instant_with_a_trailing_newline_is_refused() -> None:
    for text in ("1944-07-12T16:30:00Z", "1944-07-12T16:30:00.000005Z"):
        decode_instant(text)
        with pytest.raises(GeometryError, match="not a canonical UTC instant") as info:
            decode_instant(text + "\n")
        assert info.value.code is GeometryErrorCode.INVALID_ENCODING


def test_window_altitude_schedule_round_trip() -> None:
    w = TimeWindow(datetime(1944, 7, 1, tzinfo=UTC), datetime(1944, 7, 2, tzinfo=UTC))
    assert decode_window(encode_window(w)) == w
    for band in (
        AltitudeBand(None, None, Datum.AGL),
        AltitudeBand(100.5, 3000.25, Datum.AMSL),
        AltitudeBand(-50.0, None, Datum.HAE),
    ):
        encoded = encode_altitude(band)
        assert find_float(encoded) is None
        assert decode_altitude(encoded) == band
    s = Schedule(w.start, timedelta(days=1), ((timedelta(hours=6), timedelta(hours=18)),))
    assert find_float(encode_schedule(s)) is None
    assert decode_schedule(encode_schedule(s)) == s


def test_find_float() -> None:
    assert find_float({"a": [1, {"b": 2.0}]}) == "$.a[1].b"
    assert find_float({"a": [1, "2.0"]}) is None
