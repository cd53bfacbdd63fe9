"""CoT attribute values: times and decimal numbers, read leniently where safe and written one way.

Numbers are kept as :class:`~decimal.Decimal`, never floats: they go into signed,
float-free canonical JSON (RFC 8785) in the record, and a decimal read from the
wire and written back must be the number the sender wrote, not its nearest
binary double.

Times are aware UTC :class:`~datetime.datetime` values.

Decisions where CoT is silent or real traffic disagrees with it:

* **Fractional seconds**: any number of digits is read. ATAK writes 3, our own
  output writes 3 or 6 (6 only when the microseconds need it); 0 digits is plain
  ``xs:dateTime``. Other counts (WinTAK's ``.4Z``, a gateway's ``.4000000Z``) are
  accepted and flagged; digits beyond the 6th are truncated, since Python
  datetimes hold microseconds.
* **Time zone**: ``Z`` is what CoT uses. A numeric offset (``+02:00``) names an
  exact instant and is converted and flagged. No zone at all is refused: local
  time of an unknown place cannot be placed on the record's UTC timeline.
* **Exponent notation** (``1.0E-5``, as Java's ``Double.toString`` writes small
  numbers) is accepted and flagged; ``NaN``/``Infinity`` are refused. Exponents
  are bounded so that writing the number out in plain notation stays short.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = [
    "MAX_DECIMAL_DIGITS",
    "MAX_DECIMAL_EXPONENT",
    "MAX_DECIMAL_TEXT",
    "PLAIN_DECIMAL",
    "SHORT_PLAIN_DECIMAL",
    "ParsedTime",
    "decimal_problem",
    "format_decimal",
    "format_time",
    "parse_decimal",
    "parse_time",
]

#: Longest numeric attribute accepted, in characters. A double needs 24.
MAX_DECIMAL_TEXT: Final = 64
#: Most significant digits and the widest exponent a coordinate may have, so
#: that its plain-notation form is short and comparisons stay cheap.
MAX_DECIMAL_DIGITS: Final = 40
MAX_DECIMAL_EXPONENT: Final = 30

#: Plain notation this short cannot have too many digits or too wide an exponent
#: (its exponent is minus its fraction digits), so it needs no further check.
SHORT_PLAIN_DECIMAL: Final = min(MAX_DECIMAL_DIGITS, MAX_DECIMAL_EXPONENT + 1)
#: A decimal in plain notation (``-12.5``, ``.5``, ``3.``), as :func:`parse_decimal` reads it.
PLAIN_DECIMAL: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_EXPONENT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d{1,3}", re.ASCII)

#: The usual form, ``Z`` with 0, 3 or 6 fractional digits, hours 00-23 (so that no
#: Python version's reading of ``24:00`` matters), keyed by length to the digits.
_COMMON_TIME: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):\d{2}:\d{2}(?:\.\d{3}(?:\d{3})?)?Z", re.ASCII
)
_COMMON_FRACTION_DIGITS: Final = {20: 0, 24: 3, 27: 6}
_TIME: Final = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def decimal_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be a CoT coordinate, or None if it can."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # "n", "N" or "F": NaN, sNaN, infinity
        return "is not a finite number"
    if len(digits) > MAX_DECIMAL_DIGITS or abs(exponent) > MAX_DECIMAL_EXPONENT:
        return "has too many digits"
    return None


def parse_decimal(text: str) -> tuple[Decimal, bool] | None:
    """``text`` as a Decimal and whether it used exponent notation; None if it is no number."""
    stripped = text.strip()
    if len(stripped) > MAX_DECIMAL_TEXT:
        return None
    if PLAIN_DECIMAL.fullmatch(stripped):
        if len(stripped) <= SHORT_PLAIN_DECIMAL:
            return Decimal(stripped), False
        exponent = False
    elif _EXPONENT.fullmatch(stripped):
        exponent = True
    else:
        return None
    try:
        value = Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the patterns only admit valid literals
        return None
    if decimal_problem(value) is not None:
        return None
    return value, exponent


def format_decimal(value: Decimal) -> str:
    """``value`` in plain notation (``xs:decimal``), exactly as many digits as it has."""
    return format(value, "f")


class ParsedTime:
    """A time read from the wire and what was irregular about how it was written."""

    __slots__ = ("fraction_digits", "offset", "value")

    def __init__(self, value: datetime, fraction_digits: int, offset: bool) -> None:
        self.value = value
        self.fraction_digits = fraction_digits
        self.offset = offset


def parse_time(text: str) -> ParsedTime | None:
    """``text`` as an aware UTC datetime, or None if it is not an ISO 8601 time with a zone."""
    if _COMMON_TIME.fullmatch(text):
        # What ATAK and we write: datetime's own ISO reader gives the same value, faster.
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
        return ParsedTime(value, _COMMON_FRACTION_DIGITS[len(text)], False)
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None:
        return None
    fraction = fraction or ""
    microsecond = int((fraction + "000000")[:6])
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), microsecond, UTC
        )
    except ValueError:
        return None
    offset = zone != "Z"
    if offset:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 14 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        try:
            value = value - delta if zone[0] == "+" else value + delta
        except OverflowError:
            return None
    return ParsedTime(value, len(fraction), offset)


def format_time(value: datetime) -> str:
    """``value`` (aware, UTC) as CoT writes it: ``2020-12-16T19:59:34.921Z``.

    Three fractional digits as ATAK writes them, six when the microseconds need
    them, so that writing and reading back gives the same instant.
    """
    utc = value.astimezone(UTC)
    micro = utc.microsecond
    fraction = f"{micro // 1000:03d}" if micro % 1000 == 0 else f"{micro:06d}"
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{fraction}Z"
    )
