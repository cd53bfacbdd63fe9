"""format_time and format_instant write the text strftime writes, only faster; it is signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.domain.time import format_time
from liaison.geometry.time import format_instant

zones = st.one_of(
    st.just(UTC),
    st.integers(min_value=-23 * 60, max_value=23 * 60).map(
        lambda m: timezone(timedelta(minutes=m))
    ),
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)


def reference_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reference_instant(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


@settings(max_examples=2000, deadline=None)
@given(moments)
def test_format_time_is_strftimes_text(moment: datetime) -> None:
    assert format_time(moment) == reference_time(moment)
    assert format_time(moment) == reference_time(moment)  # the remembered text too


@settings(max_examples=2000, deadline=None)
@given(moments)
def test_format_instant_is_strftimes_text(moment: datetime) -> None:
    assert format_instant(moment) == reference_instant(moment)


def test_remembered_text_is_of_the_same_object_only() -> None:
    a = datetime(2026, 1, 1, 12, 0, 0, 1, tzinfo=UTC)
    b = datetime(2026, 1, 1, 12, 0, 0, 2, tzinfo=UTC)
    assert format_time(a) == "2026-01-01T12:00:00.000001Z"
    assert format_time(b) == "2026-01-01T12:00:00.000002Z"
    assert format_time(a) == "2026-01-01T12:00:00.000001Z"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))
