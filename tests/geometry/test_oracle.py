"""Property: exact separation tests never miss a case the brute-force oracle proves.

The oracle (``oracle.py``) bounds the true geodesic distance from both sides without using the
engine. Limits are drawn around the oracle's upper bound so that near-threshold cases (within
centimetres) are exercised, across the antimeridian and near the poles.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.geometry import TOLERANCE_M, distance_m, within_distance

from .oracle import bounds
from .strategies import footprint_pairs


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=footprint_pairs(), delta=st.floats(-2.0, 2.0), swap=st.booleans())
def test_no_missed_conflicts_against_oracle(
    pair: tuple[object, object], delta: float, swap: bool
) -> None:
    a, b = pair
    if swap:
        a, b = b, a
    oracle = bounds(a, b)  # type: ignore[arg-type]
    limit = max(0.0, oracle.upper + delta)
    found = within_distance(a, b, limit)  # type: ignore[arg-type]
    if limit >= oracle.upper:
        assert found, f"missed: oracle distance ≤ {oracle.upper} ≤ limit {limit}"
    if oracle.lower > limit + TOLERANCE_M:
        assert not found, f"false positive: oracle distance ≥ {oracle.lower} > limit {limit}"
    d = distance_m(a, b)  # type: ignore[arg-type]
    assert oracle.lower - 1e-3 <= d <= oracle.upper + 1e-3


@settings(max_examples=60, deadline=None)
@given(pair=footprint_pairs())
def test_distance_is_symmetric(pair: tuple[object, object]) -> None:
    a, b = pair
    assert abs(distance_m(a, b) - distance_m(b, a)) < 1e-3  # type: ignore[arg-type]
