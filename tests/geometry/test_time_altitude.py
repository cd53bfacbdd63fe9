"""Time windows, recurring schedules and altitude bands with datums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from liaison.geometry import AltitudeBand, Datum, GeometryError, GeometryErrorCode, Schedule
from liaison.geometry import TimeWindow as W
from liaison.geometry.time import merge_windows

T = datetime(1944, 7, 12, tzinfo=UTC)
H = timedelta(hours=1)


def test_windows_are_half_open() -> None:
    assert not W(T, T + H).overlaps(W(T + H, T + 2 * H))
    assert W(T, T + H).overlaps(W(T + H / 2, T + 2 * H))
    assert W(T, T + 2 * H).intersection(W(T + H, T + 3 * H)) == W(T + H, T + 2 * H)
    assert W(T, T + H).intersection(W(T + H, T + 2 * H)) is None


def test_windows_need_aware_ordered_times() -> None:
    with pytest.raises(GeometryError) as info:
        W(datetime(1944, 7, 12), datetime(1944, 7, 13))
    assert info.value.code is GeometryErrorCode.INVALID_TIME
    with pytest.raises(GeometryError):
        W(T, T)
    moscow = timezone(timedelta(hours=3))
    w = W(datetime(1944, 7, 12, 3, tzinfo=moscow), T + H)
    assert w.start == T
    assert w.start.tzinfo is UTC


def test_merge() -> None:
    merged = merge_windows([W(T + 2 * H, T + 3 * H), W(T, T + H), W(T + H, T + 2 * H)])
    assert merged == (W(T, T + 3 * H),)


def test_daily_schedule() -> None:
    daily = Schedule(T, timedelta(days=1), ((6 * H, 18 * H),))
    got = daily.occurrences(W(T + 12 * H, T + 60 * H))
    assert got == (
        W(T + 12 * H, T + 18 * H),
        W(T + 30 * H, T + 42 * H),
        W(T + 54 * H, T + 60 * H),
    )
    assert daily.occurrences(W(T + 19 * H, T + 29 * H)) == ()
    # Windows before the anchor recur too.
    assert daily.occurrences(W(T - 20 * H, T - 17 * H)) == (W(T - 18 * H, T - 17 * H),)


@pytest.mark.parametrize(
    "windows",
    [(), ((2 * H, H),), ((H, 2 * H), (H + H / 2, 3 * H)), ((H, 25 * H),)],
)
def test_bad_schedules(windows: tuple[tuple[timedelta, timedelta], ...]) -> None:
    with pytest.raises(GeometryError) as info:
        Schedule(T, timedelta(days=1), windows)
    assert info.value.code is GeometryErrorCode.INVALID_SCHEDULE


def test_bands_in_the_same_datum() -> None:
    low = AltitudeBand(0.0, 1000.0, Datum.AMSL)
    high = AltitudeBand(1200.0, 3000.0, Datum.AMSL)
    assert not low.overlaps(high)
    assert low.overlaps(high, separation_m=200.0)
    assert high.overlaps(low, separation_m=200.0)
    assert AltitudeBand(None, 100.0, Datum.AGL).overlaps(AltitudeBand(50.0, None, Datum.AGL))


def test_bands_across_datums_are_conservative() -> None:
    agl = AltitudeBand(0.0, 150.0, Datum.AGL)
    # Ground may be as high as 8,849 m: 150 m AGL may be 8,999 m AMSL.
    assert agl.overlaps(AltitudeBand(8900.0, 9500.0, Datum.AMSL))
    assert not agl.overlaps(AltitudeBand(9100.0, 9500.0, Datum.AMSL))
    hae = AltitudeBand(1000.0, 2000.0, Datum.HAE)
    assert hae.overlaps(AltitudeBand(2100.0, 2500.0, Datum.AMSL))
    assert not hae.overlaps(AltitudeBand(2200.0, 2500.0, Datum.AMSL))


@pytest.mark.parametrize(
    ("lower", "upper", "datum", "code"),
    [
        (100.0, 50.0, "AMSL", GeometryErrorCode.INVALID_ALTITUDE),
        (float("nan"), None, "AMSL", GeometryErrorCode.INVALID_ALTITUDE),
        (-10.0, None, "AGL", GeometryErrorCode.INVALID_ALTITUDE),
        (None, None, "FL", GeometryErrorCode.INVALID_DATUM),
    ],
)
def test_bad_bands(
    lower: float | None, upper: float | None, datum: str, code: GeometryErrorCode
) -> None:
    with pytest.raises(GeometryError) as info:
        AltitudeBand(lower, upper, datum)  # type: ignore[arg-type]
    assert info.value.code is code
