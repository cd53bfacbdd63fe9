"""verify's stamp_leaf writes common stamps' leaf bytes directly; they must be Stamp's."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.domain.entry import Stamp
from liaison.domain.time import format_time, parse_time
from liaison.ledger import merkle
from liaison.ledger.canonical import CanonicalError
from liaison.services.verify import stamp_leaf

moments = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)
ids = st.one_of(
    st.text("0123456789abcdef", min_size=64, max_size=64),
    st.text('0123456789abcdefABCDEF"\\\n', min_size=60, max_size=66),
)
times = st.one_of(
    moments.map(format_time),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", fullmatch=True
    ),
    st.text(max_size=30),
)
seqs = st.one_of(st.integers(min_value=-5, max_value=2**60), st.just(2**53 - 1), st.just(2**53))


def reference(seq: int, entry_id: str, at: str) -> bytes | str:
    try:
        return merkle.leaf_hash(Stamp(seq, entry_id, parse_time(at)).leaf_data())
    except (ValueError, CanonicalError) as exc:
        return f"malformed stamp: {exc}"


@settings(max_examples=3000, deadline=None)
@given(seqs, ids, times)
def test_stamp_leaf_is_the_stamps_leaf(seq: int, entry_id: str, at: str) -> None:
    assert stamp_leaf(seq, entry_id, at) == reference(seq, entry_id, at)


def test_years_before_1000_take_the_reference_path() -> None:
    at = "0999-01-01T00:00:00.000000Z"
    assert stamp_leaf(5, "a" * 64, at) == reference(5, "a" * 64, at)
