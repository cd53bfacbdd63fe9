"""Rule 3: a fires operation reaches beyond a line on which its party may not strike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liaison.deconfliction import (
    ControlMeasure,
    DeconflictionError,
    Rule,
    Severity,
    SubjectType,
    fires_beyond_line,
)
from liaison.geometry import GeometryError, Line, Schedule

from .support import T, circle_op, hours, meridian_line

# The line runs north along 10°E; left is west, right is east. SU may strike east only.
LINE = meridian_line("bl", "GB", {"SU": "right", "GB": "left"})


def test_strike_on_the_forbidden_side() -> None:
    op = circle_op("op", "SU", "artillery_fire", 9.9, 0.5, 300.0)
    conflict = fires_beyond_line(op, LINE)
    assert conflict is not None
    assert conflict.rule is Rule.FIRES_BEYOND_LINE
    assert conflict.severity is Severity.HIGH
    assert {s.type for s in conflict.subjects} == {SubjectType.OPERATION, SubjectType.MEASURE}
    assert conflict.parties == ("GB", "SU")
    assert conflict.region["type"] == "Polygon"


def test_strike_on_the_permitted_side() -> None:
    assert fires_beyond_line(circle_op("op", "SU", "air_strike", 10.1, 0.5, 300.0), LINE) is None


def test_each_party_has_its_own_side() -> None:
    assert fires_beyond_line(circle_op("op", "GB", "air_strike", 10.1, 0.5, 300.0), LINE)
    assert fires_beyond_line(circle_op("op", "GB", "air_strike", 9.9, 0.5, 300.0), LINE) is None


def test_touching_the_line_counts() -> None:
    op = circle_op("op", "SU", "artillery_fire", 10.003, 0.5, 400.0)  # reaches ~70 m west
    assert fires_beyond_line(op, LINE) is not None


def test_unbound_party_and_non_fires() -> None:
    assert fires_beyond_line(circle_op("op", "US", "air_strike", 9.9, 0.5), LINE) is None
    assert fires_beyond_line(circle_op("op", "SU", "convoy", 9.9, 0.5), LINE) is None


def test_depth() -> None:
    far = circle_op("op", "SU", "artillery_fire", 8.9, 0.5, 300.0)  # ~122 km west
    assert fires_beyond_line(far, LINE) is None
    deep = meridian_line("bl", "GB", {"SU": "right"}, depth_m=150_000.0)
    assert fires_beyond_line(far, deep) is not None


def test_validity_and_schedule() -> None:
    op = circle_op("op", "SU", "artillery_fire", 9.9, 0.5, window=hours(20, 22))
    assert fires_beyond_line(op, meridian_line("bl", "GB", {"SU": "right"}, window=hours(0, 21)))
    daytime = Schedule(T, timedelta(days=1), ((timedelta(hours=6), timedelta(hours=18)),))
    by_day = meridian_line("bl", "GB", {"SU": "right"}, window=hours(0, 48), schedule=daytime)
    assert fires_beyond_line(op, by_day) is None
    long_op = circle_op("op", "SU", "artillery_fire", 9.9, 0.5, window=hours(17, 31))
    conflict = fires_beyond_line(long_op, by_day)
    assert conflict is not None
    assert conflict.windows == (hours(17, 18), hours(30, 31))


def test_outside_validity() -> None:
    op = circle_op("op", "SU", "artillery_fire", 9.9, 0.5, window=hours(20, 22))
    line = meridian_line("bl", "GB", {"SU": "right"}, window=hours(0, 12))
    assert fires_beyond_line(op, line) is None


def test_line_must_name_a_side_for_each_bound_party() -> None:
    with pytest.raises(DeconflictionError):
        ControlMeasure(
            "bl",
            "bomb_line",
            "GB",
            frozenset({"SU", "US"}),
            Line(((10.0, 0.0), (10.0, 1.0))),
            hours(0, 1),
            permitted_sides=(("SU", "right"),),  # type: ignore[arg-type]
        )
    with pytest.raises(DeconflictionError):
        meridian_line("bl", "GB", {"SU": "up"})


def test_zone_that_folds_over_is_rejected() -> None:
    zigzag = Line(((0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01)))
    with pytest.raises(GeometryError):
        ControlMeasure(
            "bl",
            "bomb_line",
            "GB",
            frozenset({"SU"}),
            zigzag,
            hours(0, 1),
            permitted_sides=(("SU", "right"),),  # type: ignore[arg-type]
            depth_m=50_000.0,
        )
