"""Time texts written without strftime or datetimes must be the very texts the slow way writes:
they are signed (content, stamps) and sorted by (projections)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.domain.entry import Stamp
from liaison.domain.time import format_time
from liaison.geometry import GeometryError, decode_instant
from liaison.geometry.time import format_instant
from liaison.ledger.canonical import CanonicalError, canonical_bytes
from liaison.projections import sortable_time

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


canonical_texts = st.one_of(
    moments.map(format_instant),
    moments.map(format_time),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z\n?", fullmatch=True
    ),
    st.text(max_size=30),
)


def reference_sortable(text: str) -> str | None:
    try:
        return format_time(decode_instant(text))
    except GeometryError:
        return None


@settings(max_examples=3000, deadline=None)
@given(canonical_texts)
def test_sortable_time_is_the_formatted_decoded_instant(text: str) -> None:
    expected = reference_sortable(text)
    if expected is None:
        with pytest.raises(GeometryError):
            sortable_time(text)
    else:
        assert sortable_time(text) == expected


ids = st.one_of(
    st.text("0123456789abcdef", min_size=64, max_size=64),
    st.text('0123456789abcdefABCDEF"\\\n', min_size=60, max_size=66),
)
seqs = st.one_of(st.integers(min_value=-5, max_value=2**60), st.just(2**53 - 1), st.just(2**53))


@settings(max_examples=2000, deadline=None)
@given(seqs, ids, moments)
def test_a_stamps_leaf_data_is_its_canonical_json(seq: int, entry_id: str, at: datetime) -> None:
    stamp = Stamp(seq, entry_id, at)
    try:
        expected: bytes | None = canonical_bytes(stamp.to_json())
    except CanonicalError:
        expected = None
    if expected is None:
        with pytest.raises(CanonicalError):
            stamp.leaf_data()
    else:
        assert stamp.leaf_data() == expected
