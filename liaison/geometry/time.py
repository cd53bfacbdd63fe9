"""Time windows and recurring schedules, in UTC.

Why half-open windows ``[start, end)``: an operation ending at 12:00 and another starting at 12:00
do not overlap, and a window can be cut into consecutive pieces without double counting. Times
must be timezone-aware and are converted to UTC, the project's convention; naive times are an
error, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from liaison.domain.time import iso_text
from liaison.geometry.errors import GeometryError, GeometryErrorCode

_C = GeometryErrorCode
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_utc(value: object, what: str) -> datetime:
    """Check that ``value`` is an aware datetime and return it in UTC."""
    if not isinstance(value, datetime):
        raise GeometryError(_C.INVALID_TIME, f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise GeometryError(_C.INVALID_TIME, f"{what} must be timezone-aware (UTC), got {value}")
    return value.astimezone(UTC)


def to_epoch_seconds(value: datetime) -> float:
    """Seconds since 1970 as a float: exact to the microsecond for any date the index sees."""
    return (value - _EPOCH).total_seconds()


def to_epoch_micros(value: datetime) -> int:
    """Microseconds since 1970 as an integer (exact)."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, order=True)
class TimeWindow:
    """A half-open interval ``[start, end)`` of UTC time with ``start < end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = as_utc(self.start, "window start")
        end = as_utc(self.end, "window end")
        if not start < end:
            raise GeometryError(
                _C.INVALID_TIME,
                f"window end {end.isoformat()} is not after start {start.isoformat()}",
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def overlaps(self, other: TimeWindow) -> bool:
        """True when the two windows share an instant."""
        return self.start < other.end and other.start < self.end

    def intersection(self, other: TimeWindow) -> TimeWindow | None:
        """The common part, or None."""
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return TimeWindow(start, end) if start < end else None

    def contains(self, instant: datetime) -> bool:
        """True when ``instant`` lies in ``[start, end)``."""
        return self.start <= instant < self.end

    @property
    def duration(self) -> timedelta:
        """Length of the window."""
        return self.end - self.start

    def to_json(self) -> dict[str, str]:
        """ISO 8601 start and end, with a ``Z`` suffix."""
        return {"start": format_instant(self.start), "end": format_instant(self.end)}


def format_instant(value: datetime) -> str:
    """The one canonical text of an instant: ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    utc = value.astimezone(UTC)
    return iso_text(utc, fraction=bool(utc.microsecond))


def merge_windows(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Sorted, with overlapping or touching windows joined."""
    out: list[TimeWindow] = []
    for w in sorted(windows):
        if out and w.start <= out[-1].end:
            if w.end > out[-1].end:
                out[-1] = TimeWindow(out[-1].start, w.end)
        else:
            out.append(w)
    return tuple(out)


def hull(windows: Iterable[TimeWindow]) -> TimeWindow:
    """The smallest window covering all of them (at least one is required)."""
    items = list(windows)
    if not items:
        raise GeometryError(_C.INVALID_TIME, "no windows to cover")
    return TimeWindow(min(w.start for w in items), max(w.end for w in items))


@dataclass(frozen=True)
class Schedule:
    """A recurring schedule: within every ``period`` from ``anchor``, the given offset windows.

    Example: daily 06:00–18:00 is ``Schedule(anchor=<midnight UTC>, period=1 day,
    windows=((6 h, 18 h),))``. A measure with a schedule is in force during its validity period
    intersected with these recurring windows. Offsets are whole seconds, so the canonical form
    stays integral.
    """

    anchor: datetime
    period: timedelta
    windows: tuple[tuple[timedelta, timedelta], ...]

    def __post_init__(self) -> None:
        anchor = as_utc(self.anchor, "schedule anchor")
        object.__setattr__(self, "anchor", anchor)
        if not isinstance(self.period, timedelta) or self.period < timedelta(minutes=1):
            raise GeometryError(_C.INVALID_SCHEDULE, "schedule period must be at least 1 minute")
        if self.period % timedelta(seconds=1):
            raise GeometryError(_C.INVALID_SCHEDULE, "schedule period must be whole seconds")
        if not self.windows:
            raise GeometryError(_C.INVALID_SCHEDULE, "a schedule needs at least one window")
        previous_end = timedelta(0)
        for i, pair in enumerate(self.windows):
            if len(pair) != 2:
                raise GeometryError(
                    _C.INVALID_SCHEDULE, f"schedule window {i} must be (start, end)"
                )
            start, end = pair
            if not isinstance(start, timedelta) or not isinstance(end, timedelta):
                raise GeometryError(_C.INVALID_SCHEDULE, f"schedule window {i}: use timedelta")
            if start % timedelta(seconds=1) or end % timedelta(seconds=1):
                raise GeometryError(_C.INVALID_SCHEDULE, f"schedule window {i}: whole seconds")
            if not (previous_end <= start < end <= self.period):
                raise GeometryError(
                    _C.INVALID_SCHEDULE,
                    f"schedule window {i} must satisfy previous end ≤ start < end ≤ period",
                )
            previous_end = end
        object.__setattr__(self, "windows", tuple((s, e) for s, e in self.windows))

    def occurrences(self, window: TimeWindow) -> tuple[TimeWindow, ...]:
        """The parts of ``window`` during which the schedule is on, in order."""
        first = (window.start - self.anchor) // self.period - 1
        out: list[TimeWindow] = []
        k = first
        while True:
            base = self.anchor + k * self.period
            if base >= window.end:
                break
            for s, e in self.windows:
                piece = TimeWindow(base + s, base + e).intersection(window)
                if piece is not None:
                    out.append(piece)
            k += 1
        return merge_windows(out)
