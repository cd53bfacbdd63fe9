"""Durations in obligations: ISO 8601, whole units, one normal form.

An obligation's Δ ("consult at least three days before") is part of the signed
text, so it must be float-free and must read the same on every node. ISO 8601
durations (``P3D``, ``PT12H``, ``P1DT6H30M``) are what people already write;
years and months are refused because their length depends on the calendar and
two parties could disagree on what "P1M" before 1 March means. The normal
form (what is signed) carries days, hours, minutes and seconds, largest unit
first, zero units dropped: ``PT36H`` becomes ``P1DT12H``.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["MAX_DURATION", "format_duration", "normalise_duration", "parse_duration"]

#: the longest duration an obligation may name (ten years of days)
MAX_DURATION = timedelta(days=3660)

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_duration(text: str) -> timedelta:
    """Parse a whole-unit ISO 8601 duration; the error says what is accepted."""
    if not isinstance(text, str):
        raise ValueError("a duration must be an ISO 8601 string such as 'P3D' or 'PT12H'")
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(
            f"{text!r} is not a duration: write ISO 8601 whole units of weeks, days, hours, "
            "minutes or seconds, e.g. 'P3D', 'PT12H' or 'P1DT6H' (no years or months)"
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    value = timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    if value > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than the limit of {MAX_DURATION.days} days")
    return value


def format_duration(value: timedelta) -> str:
    """The normal form of a whole-second, non-negative duration."""
    if value < timedelta(0) or value.microseconds:
        raise ValueError("durations are whole, non-negative numbers of seconds")
    days, rest = value.days, value.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if clock:
        text += "T" + clock
    return text if text != "P" else "PT0S"


def normalise_duration(text: str) -> str:
    return format_duration(parse_duration(text))
