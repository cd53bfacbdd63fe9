"""Rule 4: an operation enters an area another party restricts, without that party's consent."""

from __future__ import annotations

from datetime import timedelta

from liaison.deconfliction import Rule, Severity, SubjectType, enters_restricted_area
from liaison.geometry import AltitudeBand, Circle, Datum, Schedule

from .support import T, area_measure, circle_op, hours, square

NFA = area_measure("nfa", "no_fire_area", "GB", {"SU", "US"}, square(20.0, 45.0, 0.05))


def test_fires_into_a_no_fire_area() -> None:
    op = circle_op("op", "SU", "artillery_fire", 20.06, 45.0, 1000.0)
    conflict = enters_restricted_area(op, NFA)
    assert conflict is not None
    assert conflict.rule is Rule.RESTRICTED_AREA_ENTRY
    assert conflict.severity is Severity.HIGH
    assert {s.type for s in conflict.subjects} == {SubjectType.OPERATION, SubjectType.MEASURE}
    assert conflict.parties == ("GB", "SU")


def test_outside_the_area() -> None:
    assert enters_restricted_area(circle_op("op", "SU", "artillery_fire", 20.2, 45.0), NFA) is None


def test_kinds_the_area_does_not_restrict() -> None:
    assert enters_restricted_area(circle_op("op", "SU", "convoy", 20.0, 45.0), NFA) is None


def test_boundary_restricts_every_kind() -> None:
    boundary = area_measure("b", "boundary", "GB", {"SU"}, square(20.0, 45.0, 0.05))
    conflict = enters_restricted_area(circle_op("op", "SU", "convoy", 20.0, 45.0), boundary)
    assert conflict is not None
    assert conflict.severity is Severity.MEDIUM


def test_explicit_restricted_kinds() -> None:
    area = area_measure(
        "a",
        "no_fire_area",
        "GB",
        {"SU"},
        square(20.0, 45.0, 0.05),
        restricts=frozenset({"convoy"}),
    )
    assert enters_restricted_area(circle_op("op", "SU", "convoy", 20.0, 45.0), area) is not None
    assert enters_restricted_area(circle_op("op", "SU", "air_strike", 20.0, 45.0), area) is None


def test_owner_and_unbound_parties() -> None:
    assert enters_restricted_area(circle_op("op", "GB", "air_strike", 20.0, 45.0), NFA) is None
    assert enters_restricted_area(circle_op("op", "FR", "air_strike", 20.0, 45.0), NFA) is None


def test_consent() -> None:
    op = circle_op("op", "SU", "air_strike", 20.0, 45.0)
    assert enters_restricted_area(op, NFA, consents={("op", "nfa")}) is None
    assert enters_restricted_area(op, NFA, consents={("other", "nfa")}) is not None


def test_validity_schedule_and_altitude() -> None:
    night = Schedule(T, timedelta(days=1), ((timedelta(hours=20), timedelta(hours=24)),))
    roz = area_measure(
        "roz",
        "restricted_operating_zone",
        "GB",
        {"SU"},
        Circle(20.0, 45.0, 5000.0),
        window=hours(0, 48),
        schedule=night,
        altitude=AltitudeBand(0.0, 3000.0, Datum.AMSL),
    )
    by_day = circle_op(
        "op",
        "SU",
        "air_drop",
        20.0,
        45.0,
        window=hours(8, 12),
        altitude=AltitudeBand(500.0, 1000.0, Datum.AMSL),
    )
    assert enters_restricted_area(by_day, roz) is None
    at_night = circle_op(
        "op",
        "SU",
        "air_drop",
        20.0,
        45.0,
        window=hours(21, 22),
        altitude=AltitudeBand(500.0, 1000.0, Datum.AMSL),
    )
    assert enters_restricted_area(at_night, roz) is not None
    above = circle_op(
        "op",
        "SU",
        "air_drop",
        20.0,
        45.0,
        window=hours(21, 22),
        altitude=AltitudeBand(4000.0, 5000.0, Datum.AMSL),
    )
    assert enters_restricted_area(above, roz) is None
    after = circle_op("op", "SU", "air_drop", 20.0, 45.0, window=hours(50, 52))
    assert enters_restricted_area(after, roz) is None
