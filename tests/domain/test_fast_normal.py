"""A kind's fast path to the normal form must agree with its model, and never be more lenient.

``Body.fast_normal`` skips the pydantic model for the bodies the ingest makes by the thousand (unit
reports, TAK reports). Whenever it answers, the model must accept the same input and give the
very same normal form (and so the same signed bytes); for anything else it answers None and the
model decides. The inputs below are mostly near the accepted set, with every kind of oddity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import liaison.picture.kinds
import liaison.tak.kinds  # noqa: F401 - registers the kinds
from liaison.cot import CotPoint, position_report
from liaison.domain.kinds import KINDS, KindSpec, ValidBody
from liaison.errors import InvalidBody
from liaison.ledger.canonical import FrozenDict, FrozenList, canonical_bytes
from liaison.picture.bodies import UnitBody
from liaison.tak.kinds import ReportBody, written_event

UNIT = KINDS.get("picture.unit")
REPORT = KINDS.get("tak.report")

zones = st.one_of(
    st.just(UTC), st.integers(-20 * 60, 20 * 60).map(lambda m: timezone(timedelta(minutes=m)))
)
aware = st.datetimes(
    min_value=datetime(900, 1, 2), max_value=datetime(9999, 12, 1), timezones=zones
)
texts = st.text(max_size=12)
instant_texts = st.one_of(
    aware.map(lambda d: d.isoformat()),
    aware.map(lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    aware.map(lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z\n?"),
    texts,
)
instants = st.one_of(aware, aware.map(lambda d: d.replace(tzinfo=None)), instant_texts, st.none())
numbers = st.one_of(
    st.floats(-200, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-200, 200),
    st.integers(),
    st.booleans(),
    texts,
)
positions = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["Point", "Polygon", "point"]), "coordinates": st.lists(numbers)}
    ),
    st.fixed_dictionaries(
        {"type": st.just("Point"), "coordinates": st.tuples(numbers, numbers).map(list)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("Point"),
            "coordinates_e7": st.lists(
                st.one_of(st.integers(-1_900_000_000, 1_900_000_000), numbers),
                min_size=2,
                max_size=2,
            ),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("Point"), "coordinates": st.just([1.5, 2.5]), "radius_m": numbers}
    ),
    texts,
)
refs = st.one_of(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,70}\n?", fullmatch=True),
    texts,
)
symbols = st.one_of(
    st.sampled_from(["SFGPUCI--------", "SHGPUCI----A---", "S*G*UC---------"]),
    st.from_regex(r"[A-Z0-9*\-]{14,16}\n?|[0-9٠-٩]{20}|[0-9]{30}", fullmatch=True),
    texts,
)
names = st.one_of(st.text(max_size=8), st.text(min_size=195, max_size=205), st.just("\ud800"))
optional_ints = st.one_of(st.none(), st.integers(-5, 100_000_001), st.booleans(), numbers)


good_positions = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("Point"),
            "coordinates": st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("Point"),
            "coordinates_e7": st.tuples(
                st.integers(-1_800_000_000, 1_800_000_000), st.integers(-900_000_000, 900_000_000)
            ).map(list),
        }
    ),
)


@st.composite
def unit_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A unit report a device could send, with none, one or two fields made odd."""
    time = draw(aware)
    body: dict[str, Any] = {
        "unit": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", fullmatch=True)),
        "name": draw(st.text(st.characters(categories=["L", "N", "P", "Zs"]), max_size=8)),
        "position": draw(good_positions),
        "time": draw(st.sampled_from([time, time.isoformat()])),
        "stale_time": time + timedelta(seconds=draw(st.integers(1, 10**6))),
        "symbol_code": draw(st.sampled_from(["SFGPUCI--------", "SHGPUCI----A---", "1" * 20])),
        "heading_mdeg": draw(st.one_of(st.none(), st.integers(0, 359_999))),
        "speed_mmps": draw(st.one_of(st.none(), st.integers(0, 99_999_999))),
    }
    odd = {
        "unit": refs,
        "name": names,
        "position": positions,
        "time": instants,
        "stale_time": st.one_of(st.just(time), st.just(time - timedelta(microseconds=1)), instants),
        "symbol_code": symbols,
        "heading_mdeg": optional_ints,
        "speed_mmps": optional_ints,
    }
    for key in draw(st.lists(st.sampled_from(sorted(odd)), max_size=2)):
        body[key] = draw(odd[key])
    for key in draw(st.sets(st.sampled_from(sorted(body)), max_size=2)):
        del body[key]
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.sampled_from(["extra", "unit", "time"]))] = draw(texts)
    return body


def model(spec: KindSpec, body: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return spec.normal(body)
    except InvalidBody:
        return None


def agrees(spec: KindSpec, fast: dict[str, Any] | None, body: dict[str, Any]) -> bool:
    """Whether the fast answer is the model's (True also when there is no fast answer)."""
    if fast is None:
        return True
    expected = model(spec, body)
    assert expected is not None, "the fast path accepted what the model refuses"
    assert fast == expected
    valid = spec.validate(body)
    assert canonical_bytes(valid) == canonical_bytes(expected)
    return True


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit_bodies())
def test_unit_fast_path_is_the_models(body: dict[str, Any]) -> None:
    assert agrees(UNIT, UnitBody.fast_normal(body), body)


@settings(max_examples=500, deadline=None)
@given(
    st.floats(-180, 180),
    st.floats(-90, 90),
    aware,
    st.integers(1, 10**9),
    st.text(max_size=40),
)
def test_unit_fast_path_takes_device_reports(
    lon: float, lat: float, time: datetime, stale_us: int, name: str
) -> None:
    assume(time.astimezone(UTC).year >= 1000 and name.isprintable())
    body = {
        "unit": "ANDROID-1234abcd",
        "name": name,
        "position": {"type": "Point", "coordinates": [lon, lat]},
        "time": time,
        "stale_time": time + timedelta(microseconds=stale_us),
        "symbol_code": "SFGPUCI--------",
        "heading_mdeg": 123_456,
        "speed_mmps": None,
    }
    fast = UnitBody.fast_normal(body)
    assert fast is not None
    assert agrees(UNIT, fast, body)
    assert agrees(UNIT, UnitBody.fast_normal(fast), fast)  # the normal form is its own


@pytest.mark.parametrize(
    ("field", "named"),
    [("unit", "unit .* must be 1-64 characters"), ("symbol_code", "symbol code")],
)
def test_a_unit_report_with_a_trailing_newline_in_an_id_is_refused_by_both_paths(
    field: str, named: str
) -> None:
    time = datetime(2044, 7, 12, 15, tzinfo=UTC)
    body = {
        "unit": "ANDROID-1234abcd",
        "position": {"type": "Point", "coordinates": [10.0, 50.0]},
        "time": time,
        "stale_time": time + timedelta(minutes=5),
        "symbol_code": "SFGPUCI--------",
    }
    assert UnitBody.fast_normal(body) is not None
    odd = {**body, field: body[field] + "\n"}
    assert UnitBody.fast_normal(odd) is None  # not plain: the fast path hands it to the model
    with pytest.raises(InvalidBody, match=named):
        UNIT.validate(odd)


def _event_text(n: int) -> str:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return written_event(
        position_report(
            uid=f"u-{n}",
            cot_type="a-f-G-U-C",
            point=CotPoint.from_floats(50.0, 10.0, 1.0, 2.0, 3.0),
            time=now,
            stale=now + timedelta(minutes=5),
            how="m-g",
        )
    )


EVENTS = [_event_text(n) for n in range(3)]
good_times = aware.filter(lambda d: d.astimezone(UTC).year >= 1000).map(
    lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
)
good_warnings = st.lists(st.text(st.characters(codec="utf-8"), max_size=3), max_size=3)
odd_warnings = st.one_of(
    st.lists(st.text(min_size=499, max_size=501), max_size=2),
    st.lists(st.just("w"), min_size=31, max_size=33),
    st.lists(st.integers(), max_size=2),
    st.none(),
)


def mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(0, 5).flatmap(lambda n: odd if n == 0 else good)


items = st.fixed_dictionaries(
    {
        "unit": mostly(st.just("u-1"), refs),
        "time": mostly(good_times, st.one_of(instant_texts, aware)),
        "event": mostly(st.sampled_from(EVENTS), st.one_of(st.just(EVENTS[0] + " "), texts)),
        "warnings": mostly(good_warnings, odd_warnings),
    },
)


@st.composite
def report_bodies(draw: st.DrawFn) -> dict[str, Any]:
    reports = draw(st.lists(items, max_size=3))
    if draw(st.integers(0, 20)) == 0:
        reports = reports * 40  # over the limit of items
    for item in reports:
        if draw(st.integers(0, 5)) == 0:
            item.pop("warnings", None)
        if draw(st.integers(0, 9)) == 0:
            item["extra"] = draw(texts)
    return {"reports": reports}


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_bodies())
def test_report_fast_path_is_the_models(body: dict[str, Any]) -> None:
    assert agrees(REPORT, ReportBody.fast_normal(body), body)


def _just_written(n: int) -> str:
    """``EVENTS[n]``, written again now: the texts the ingest remembers writing are a bounded
    cache, which the tests run before this one in the same process may have pushed it out of."""
    text = _event_text(n)
    assert text == EVENTS[n]
    return text


def test_report_fast_path_takes_the_ingests_reports() -> None:
    body = {
        "reports": [
            {
                "unit": "u-1",
                "time": "2026-01-01T00:00:00Z",
                "event": _just_written(0),
                "warnings": [],
            },
            {"unit": "u-2", "time": "2026-01-01T00:00:00.5Z", "event": _just_written(1)},
        ]
    }
    assert ReportBody.fast_normal(body) is None  # ".5" is not canonical: the model decides
    body["reports"][1]["time"] = "2026-01-01T00:00:00.500000Z"
    fast = ReportBody.fast_normal(body)
    assert fast is not None
    assert agrees(REPORT, fast, body)


def test_a_report_item_with_a_trailing_newline_in_its_unit_is_refused_by_both_paths() -> None:
    item = {"unit": "u-1", "time": "2026-01-01T00:00:00Z", "event": _just_written(0)}
    assert ReportBody.fast_normal({"reports": [item]}) is not None
    odd = {"reports": [{**item, "unit": "u-1\n"}]}
    assert ReportBody.fast_normal(odd) is None  # not plain: the fast path hands it to the model
    with pytest.raises(InvalidBody, match=r"unit .* must be 1-64 characters"):
        REPORT.validate(odd)


@pytest.mark.parametrize("spec", [UNIT, REPORT, KINDS.get("note")])
def test_validate_returns_a_frozen_body_of_its_spec(spec: KindSpec) -> None:
    bodies = {
        "picture.unit": {
            "unit": "u",
            "position": {"type": "Point", "coordinates": [1.0, 2.0]},
            "time": "2026-01-01T00:00:00Z",
            "stale_time": "2026-01-01T00:10:00Z",
            "symbol_code": "SFGPUCI--------",
        },
        "tak.report": {
            "reports": [{"unit": "u", "time": "2026-01-01T00:00:00Z", "event": EVENTS[0]}]
        },
        "note": {"text": "hello"},
    }
    valid = spec.validate(bodies[spec.name])
    assert type(valid) is ValidBody
    assert spec.validated(valid)
    assert not spec.validated(dict(valid))
    assert not KINDS.get("note" if spec.name != "note" else "picture.unit").validated(valid)
    assert valid == spec.normal(bodies[spec.name])
    with pytest.raises(TypeError):
        valid["x"] = 1  # type: ignore[index]
    for value in valid.values():
        assert not isinstance(value, dict) or isinstance(value, FrozenDict)
        assert not isinstance(value, list) or isinstance(value, FrozenList)
