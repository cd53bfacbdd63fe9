"""A unit report's boxes, computed on the unit's hot path, equal the general computation's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.deconfliction import UnitPosition
from liaison.deconfliction.index import _boxes, _unit_boxes
from liaison.geometry import Position

_EPOCH = datetime(2044, 7, 12, 16, 30, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-180, 180, exclude_max=True),
    st.floats(-90, 90),
    st.integers(-(10**13), 10**13),
    st.integers(1, 10**12),
    st.sampled_from([0.0, 25.0, 1_000.0, 50_000.0, 2_000_000.0]),
)
def test_a_units_boxes_are_those_of_its_position_and_currency(
    lon: float, lat: float, at: int, lasts: int, margin: float
) -> None:
    time = _EPOCH + timedelta(microseconds=at)
    unit = UnitPosition(
        "uk/1",
        "uk",
        Position(lon, lat),
        time,
        time + timedelta(microseconds=lasts),
        "SFGPU------****",
    )
    assert _unit_boxes(unit, margin) == _boxes(unit.position, margin, unit.currency)
