"""Rule 2: a fires operation within its danger distance of another party's current unit."""

from __future__ import annotations

import pytest

from liaison.deconfliction import (
    DeconflictionSettings,
    Rule,
    Severity,
    SubjectType,
    fires_near_unit,
)

from .support import circle_op, east_of, hours, unit


@pytest.mark.parametrize(
    ("kind", "gap", "expected"),
    [
        ("artillery_fire", 590.0, True),
        ("artillery_fire", 600.0, True),
        ("artillery_fire", 600.05, False),
        ("air_strike", 990.0, True),
        ("air_strike", 1010.0, False),
    ],
)
def test_danger_distance_per_kind(kind: str, gap: float, expected: bool) -> None:
    op = circle_op("op", "GB", kind, 10.0, 50.0, 400.0)
    u = unit("u", "SU", *east_of(10.0, 50.0, 400.0 + gap))
    assert (fires_near_unit(op, u) is not None) is expected


def test_conflict_content() -> None:
    op = circle_op("op", "GB", "artillery_fire", 10.0, 50.0, 400.0, window=hours(0, 4))
    u = unit("u", "SU", *east_of(10.0, 50.0, 700.0), window=hours(1, 2))
    conflict = fires_near_unit(op, u)
    assert conflict is not None
    assert conflict.rule is Rule.FIRES_NEAR_UNIT
    assert conflict.severity is Severity.CRITICAL
    assert {(s.type, s.id) for s in conflict.subjects} == {
        (SubjectType.OPERATION, "op"),
        (SubjectType.UNIT, "u"),
    }
    assert conflict.parties == ("GB", "SU")
    assert conflict.window == hours(1, 2)
    assert conflict.region["type"] == "LineString"


def test_unit_inside_the_footprint() -> None:
    op = circle_op("op", "GB", "air_strike", 10.0, 50.0, 400.0)
    conflict = fires_near_unit(op, unit("u", "SU", 10.0, 50.0))
    assert conflict is not None
    assert conflict.region["type"] == "Point"


def test_only_while_the_report_is_current() -> None:
    op = circle_op("op", "GB", "artillery_fire", 10.0, 50.0, window=hours(3, 5))
    stale = unit("u", "SU", 10.0, 50.0, window=hours(0, 3))
    assert fires_near_unit(op, stale) is None


def test_not_for_own_units_or_non_fires() -> None:
    op = circle_op("op", "GB", "artillery_fire", 10.0, 50.0)
    assert fires_near_unit(op, unit("u", "GB", 10.0, 50.0)) is None
    convoy = circle_op("c", "GB", "convoy", 10.0, 50.0)
    assert fires_near_unit(convoy, unit("u", "SU", 10.0, 50.0)) is None


def test_settings_change_the_distance() -> None:
    settings = DeconflictionSettings(
        danger_distances_m={"air_strike": 50.0, "artillery_fire": 50.0}
    )
    op = circle_op("op", "GB", "artillery_fire", 10.0, 50.0, 400.0)
    u = unit("u", "SU", *east_of(10.0, 50.0, 500.0))
    assert fires_near_unit(op, u) is not None
    assert fires_near_unit(op, u, settings) is None


def test_near_the_pole() -> None:
    op = circle_op("op", "GB", "artillery_fire", 0.0, 89.999, 50.0)
    across = unit("u", "SU", 180.0, 89.999)  # about 220 m away, over the pole
    assert fires_near_unit(op, across) is not None
