"""Rule 1: two parties' operations overlap in space and time, with separation per kind pair."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liaison.deconfliction import (
    Operation,
    OperationState,
    Rule,
    Severity,
    SubjectType,
    Volume,
    operations_overlap,
)
from liaison.geometry import AltitudeBand, Circle, Datum

from .support import T, circle_op, east_of, hours


def test_overlapping_operations_of_two_parties_conflict() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0, 500.0, hours(0, 2))
    b = circle_op("b", "SU", "convoy", *east_of(10.0, 50.0, 800.0), 500.0, window=hours(1, 3))
    conflict = operations_overlap(a, b)
    assert conflict is not None
    assert conflict.rule is Rule.OPERATIONS_OVERLAP
    assert conflict.severity is Severity.MEDIUM
    assert [s.id for s in conflict.subjects] == ["a", "b"]
    assert {s.type for s in conflict.subjects} == {SubjectType.OPERATION}
    assert conflict.parties == ("GB", "SU")
    assert conflict.window == hours(1, 2)
    assert conflict.region["type"] == "Polygon"
    assert conflict.id.startswith("cf-")


def test_rule_is_symmetric() -> None:
    a = circle_op("a", "GB", "air_strike", 10.0, 50.0, 500.0)
    b = circle_op("b", "SU", "convoy", *east_of(10.0, 50.0, 1800.0), 300.0)
    ab = operations_overlap(a, b)
    ba = operations_overlap(b, a)
    assert ab is not None
    assert ab == ba
    assert ba is not None
    assert ab.region == ba.region


def test_same_party_never_conflicts() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0)
    b = circle_op("b", "GB", "convoy", 10.0, 50.0)
    assert operations_overlap(a, b) is None


def test_no_conflict_with_itself() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0)
    assert operations_overlap(a, a) is None


def test_windows_that_only_touch_do_not_overlap() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0, window=hours(0, 2))
    b = circle_op("b", "SU", "convoy", 10.0, 50.0, window=hours(2, 4))
    assert operations_overlap(a, b) is None


@pytest.mark.parametrize(("gap", "expected"), [(990.0, True), (1000.0, True), (1000.05, False)])
def test_separation_buffer_per_kind_pair(gap: float, expected: bool) -> None:
    # air_strike × convoy needs 1,000 m; the circles are 'gap' metres apart edge to edge.
    a = circle_op("a", "GB", "air_strike", 10.0, 50.0, 500.0)
    b = circle_op("b", "SU", "convoy", *east_of(10.0, 50.0, 500.0 + gap + 300.0), 300.0)
    assert (operations_overlap(a, b) is not None) is expected


def test_convoys_need_actual_overlap() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0, 500.0)
    b = circle_op("b", "SU", "convoy", *east_of(10.0, 50.0, 1000.5), 500.0)
    assert operations_overlap(a, b) is None


def test_vertical_separation() -> None:
    low = AltitudeBand(1000.0, 2000.0, Datum.AMSL)
    a = circle_op("a", "GB", "air_strike", 10.0, 50.0, altitude=low)
    near = circle_op("b", "SU", "air_strike", 10.0, 50.0, altitude=AltitudeBand(2200.0, 3000.0))
    far = circle_op("c", "SU", "air_strike", 10.0, 50.0, altitude=AltitudeBand(2400.0, 3000.0))
    assert operations_overlap(a, near) is not None  # 200 m < 300 m
    assert operations_overlap(a, far) is None


@pytest.mark.parametrize(
    ("kind_a", "kind_b", "severity"),
    [
        ("artillery_fire", "humanitarian_site", Severity.CRITICAL),
        ("air_strike", "convoy", Severity.HIGH),
        ("air_strike", "air_strike", Severity.HIGH),
        ("convoy", "ground_movement", Severity.MEDIUM),
        ("air_drop", "humanitarian_site", Severity.MEDIUM),
    ],
)
def test_severity(kind_a: str, kind_b: str, severity: Severity) -> None:
    a = circle_op("a", "GB", kind_a, 10.0, 50.0)
    b = circle_op("b", "SU", kind_b, 10.0, 50.0)
    conflict = operations_overlap(a, b)
    assert conflict is not None
    assert conflict.severity is severity


@pytest.mark.parametrize("state", [OperationState.COMPLETED, OperationState.CANCELLED])
def test_finished_operations_do_not_conflict(state: OperationState) -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0, state=state)
    b = circle_op("b", "SU", "convoy", 10.0, 50.0)
    assert operations_overlap(a, b) is None


def test_several_volumes() -> None:
    first = Volume(Circle(10.0, 50.0, 500.0), hours(0, 1))
    second = Volume(Circle(11.0, 50.0, 500.0), hours(5, 6))
    a = Operation("a", "GB", "convoy", (first, second))
    b = Operation(
        "b",
        "SU",
        "convoy",
        (
            Volume(Circle(10.0, 50.0, 500.0), hours(0, 10)),
            Volume(Circle(11.0, 50.0, 9.0), hours(5, 7)),
        ),
    )
    conflict = operations_overlap(a, b)
    assert conflict is not None
    assert conflict.windows == (hours(0, 1), hours(5, 6))
    assert len(conflict.clashes) == 2
    assert conflict.region["type"] == "GeometryCollection"


def test_region_is_the_gap_when_apart_within_the_buffer() -> None:
    a = circle_op("a", "GB", "air_strike", 10.0, 50.0, 500.0)
    b = circle_op("b", "SU", "convoy", *east_of(10.0, 50.0, 1500.0), 300.0)
    conflict = operations_overlap(a, b)
    assert conflict is not None
    assert conflict.region["type"] == "LineString"


def test_conflict_id_is_deterministic_and_content_dependent() -> None:
    a = circle_op("a", "GB", "convoy", 10.0, 50.0, window=hours(0, 2))
    b = circle_op("b", "SU", "convoy", 10.0, 50.0, window=hours(0, 2))
    first = operations_overlap(a, b)
    again = operations_overlap(
        circle_op("a", "GB", "convoy", 10.0, 50.0, window=hours(0, 2)),
        circle_op("b", "SU", "convoy", 10.0, 50.0, window=hours(0, 2)),
    )
    later = operations_overlap(a, circle_op("b", "SU", "convoy", 10.0, 50.0, window=hours(1, 2)))
    assert first is not None
    assert again is not None
    assert later is not None
    assert first.id == again.id
    assert first.id != later.id


def test_across_the_antimeridian() -> None:
    a = circle_op("a", "GB", "convoy", 179.999, 0.0, 100.0)
    b = circle_op("b", "SU", "convoy", -179.999, 0.0, 150.0)
    conflict = operations_overlap(a, b)
    assert conflict is not None
    assert T + timedelta(hours=2) == conflict.window.end
