"""Model validation and the documented policy defaults."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.deconfliction import (
    DEFAULT_SETTINGS,
    ControlMeasure,
    DeconflictionError,
    DeconflictionErrorCode,
    DeconflictionSettings,
    Operation,
    Rule,
    Separation,
    Subject,
    SubjectType,
    UnitPosition,
    Volume,
)
from liaison.deconfliction.model import conflict_id
from liaison.geometry import Circle, Line, Position

from .support import SIDC, T, hours

C = DeconflictionErrorCode


def test_default_policy_figures() -> None:
    s = DEFAULT_SETTINGS
    assert s.separation("air_strike", "convoy") == Separation(1000.0, 0.0)
    assert s.separation("convoy", "air_strike") == s.separation("air_strike", "convoy")
    assert s.separation("air_strike", "air_strike") == Separation(3000.0, 300.0)
    assert s.separation("convoy", "convoy") == Separation(0.0, 0.0)
    assert s.separation("new_kind", "convoy") == Separation(0.0, 0.0)
    assert s.danger_distance("artillery_fire") == 600.0
    assert s.danger_distance("air_strike") == 1000.0
    assert s.danger_distance("convoy") == 0.0
    assert s.max_horizontal_separation("air_strike") == 3000.0
    assert s.max_danger_distance == 1000.0


def test_settings_validation() -> None:
    with pytest.raises(DeconflictionError) as info:
        DeconflictionSettings(fires_kinds=frozenset({"rocket_fire"}))
    assert info.value.code is C.INVALID_SETTING
    with pytest.raises(DeconflictionError):
        Separation(-1.0)
    with pytest.raises(DeconflictionError):
        Separation(float("nan"))
    custom = DeconflictionSettings(
        fires_kinds=frozenset({"rocket_fire"}), danger_distances_m={"rocket_fire": 2000.0}
    )
    assert custom.is_fires("rocket_fire")
    assert not custom.is_fires("air_strike")


def test_operation_validation() -> None:
    volume = Volume(Circle(0.0, 0.0, 10.0), hours(0, 1))
    with pytest.raises(DeconflictionError) as info:
        Operation("", "GB", "convoy", (volume,))
    assert info.value.code is C.INVALID_ID
    with pytest.raises(DeconflictionError) as info:
        Operation("a", "GB", "Convoy", (volume,))
    assert info.value.code is C.INVALID_KIND
    with pytest.raises(DeconflictionError) as info:
        Operation("a", "GB", "convoy", ())
    assert info.value.code is C.INVALID_VOLUME
    with pytest.raises(DeconflictionError) as info:
        Operation("a", "GB", "convoy", (volume,), "paused")  # type: ignore[arg-type]
    assert info.value.code is C.INVALID_STATE
    # Extensible kinds are accepted.
    assert Operation("a", "GB", "mine_clearance", (volume,)).kind == "mine_clearance"


def test_unit_validation() -> None:
    p = Position(0.0, 0.0)
    with pytest.raises(DeconflictionError) as info:
        UnitPosition("u", "GB", p, T, T, SIDC)
    assert info.value.code is C.INVALID_UNIT
    with pytest.raises(DeconflictionError) as info:
        UnitPosition("u", "GB", p, T, T + timedelta(hours=1), "tank")
    assert info.value.code is C.INVALID_SYMBOL
    with pytest.raises(DeconflictionError):
        UnitPosition("u", "GB", p, T, T + timedelta(hours=1), SIDC, heading_deg=400.0)
    u = UnitPosition("u", "GB", p, T, T + timedelta(hours=1), "10031000001211000000", 90.0, 5.0)
    assert u.currency == hours(0, 1)


def test_a_kind_or_symbol_code_with_a_trailing_newline_is_refused() -> None:
    volume = Volume(Circle(0.0, 0.0, 10.0), hours(0, 1))
    with pytest.raises(DeconflictionError) as info:
        Operation("a", "GB", "convoy\n", (volume,))
    assert info.value.code is C.INVALID_KIND
    p, later = Position(0.0, 0.0), T + timedelta(hours=1)
    for code in (SIDC + "\n", "1" * 20 + "\n", "1" * 30 + "\n"):
        with pytest.raises(DeconflictionError) as info:
            UnitPosition("u", "GB", p, T, later, code)
        assert info.value.code is C.INVALID_SYMBOL


def test_measure_validation() -> None:
    with pytest.raises(DeconflictionError) as info:
        ControlMeasure("m", "no_fire_area", "GB", frozenset(), Circle(0.0, 0.0, 10.0), hours(0, 1))
    assert info.value.code is C.INVALID_MEASURE
    with pytest.raises(DeconflictionError):
        ControlMeasure(
            "m",
            "no_fire_area",
            "GB",
            frozenset({"SU"}),
            Circle(0.0, 0.0, 10.0),
            hours(0, 1),
            permitted_sides=(("SU", "left"),),  # type: ignore[arg-type]
        )
    line = ControlMeasure(
        "m",
        "bomb_line",
        "GB",
        frozenset({"SU"}),
        Line(((0.0, 0.0), (0.0, 1.0))),
        hours(0, 1),
        permitted_sides=(("SU", "left"),),  # type: ignore[arg-type]
    )
    assert line.is_line
    assert line.forbidden_zone("SU") is not None
    assert line.forbidden_zone("GB") is None


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.text(min_size=1, max_size=20).filter(str.isprintable), min_size=2, max_size=2),
    parties=st.lists(st.text(min_size=1, max_size=10).filter(str.isprintable), min_size=1),
)
def test_conflict_id_hashes_rfc8785_bytes(ids: list[str], parties: list[str]) -> None:
    subjects = [Subject(SubjectType.OPERATION, i) for i in ids]
    windows = [hours(0, 1)]
    body = {
        "rule": Rule.OPERATIONS_OVERLAP.value,
        "subjects": [[s.type.value, s.id] for s in sorted(subjects)],
        "parties": sorted(set(parties)),
        "windows": [["1944-07-12T00:00:00Z", "1944-07-12T01:00:00Z"]],
    }
    expected = "cf-" + hashlib.sha256(rfc8785.dumps(body)).hexdigest()[:32]
    assert conflict_id(Rule.OPERATIONS_OVERLAP, subjects, parties, windows) == expected
