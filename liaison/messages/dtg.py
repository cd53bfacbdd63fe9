"""Date-time groups (DTGs): the military way of writing when a message originated.

A DTG is read by people of several parties and quoted back as a reference
("your 121630Z JUL 44"), so every party must turn the same text into the same
instant. Parsing is therefore strict: anything that would need a guess is
refused with a :class:`DtgError` that says what is wrong and what a valid group
looks like. Time inside Liaison is UTC; a DTG is only an input and display
format (see DESIGN.md, Conventions).

Accepted forms (capitals only, no surrounding whitespace)::

    121630Z JUL 44      full form: day, hour, minute, zone letter, month, year
    121630ZJUL44        the same without spaces, as written in message headers
    121630Z JUL 1944    a four-digit year
    121630Z             short form: the month and year come from ``reference``
    1216301             short form with a zone digit, as in "T.O.O. 1216301"

Zone letters (offset of local time from UTC)::

    Z = 0
    A..I = +1..+9     K, L, M = +10, +11, +12     (J is skipped in the sequence)
    N..Y = -1..-12
    J = local time: refused unless the caller supplies ``local_offset``

Zone digits (short form only): a single trailing digit ``n`` means UTC+n,
i.e. ``0`` = Z and ``1``..``9`` = A..I. This is how CCS 618 reads
"T.O.O. 1216301": the 12th, 16:30 in zone 1 (UTC+1, letter A), which is
15:30 UTC. Zones west of Greenwich and +10..+12 have no digit; write the letter.

Decisions where the convention is silent, and why:

* **Two-digit years need a reference.** ``44`` is 1944 in a record of the war
  and 2044 in an exercise plan; a silent default would misdate one of the two
  by a century without anyone noticing. With ``reference`` the year is the one
  ending in those digits nearest to the reference year (the window
  ``reference.year - 50`` .. ``reference.year + 49``); without it the group is
  refused and the error suggests a four-digit year.
* **Short forms take the reference's calendar month and year as written**: no
  time-zone conversion of the reference and no guessing of the neighbouring
  month near a month boundary. A day that does not exist in that month is an
  error. The caller knows which month a message belongs to; this module does not.
* **Lower case is refused.** A DTG is quoted as a reference between parties;
  one spelling per group keeps references comparable as text.
* **Seconds are dropped** when formatting: a DTG has minute precision and the
  time of origin is the minute in which the message was released.
* **Zone J without an offset is refused**: "local time" of whom is not knowable
  from the text. With ``local_offset`` (which only zone J uses) it is exact.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "DIGIT_ZONES",
    "MONTHS",
    "ZONE_OFFSETS",
    "DateTimeGroup",
    "DtgError",
    "DtgForm",
    "format_dtg",
    "parse_dtg",
]

#: Offset of each zone letter from UTC, in hours. J (local time) is not here:
#: it has no fixed offset.
ZONE_OFFSETS: Final = MappingProxyType(
    {
        "Z": 0,
        **{letter: hours for hours, letter in enumerate("ABCDEFGHI", start=1)},
        "K": 10,
        "L": 11,
        "M": 12,
        **{letter: -hours for hours, letter in enumerate("NOPQRSTUVWXY", start=1)},
    }
)

#: Zone digit of the short form → zone letter: digit n is UTC+n.
DIGIT_ZONES: Final = MappingProxyType({str(n): "ZABCDEFGHI"[n] for n in range(10)})

#: Month abbreviations as written in a DTG.
MONTHS: Final = (
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
)  # fmt: skip

#: How a group was written: ``full`` (with month and year), ``short`` (zone
#: letter, no month or year), ``numeric`` (zone digit, no month or year).
DtgForm = Literal["full", "short", "numeric"]

_LOCAL_ZONE: Final = "J"
_DIGITS: Final = frozenset("0123456789")

_VALID: Final = (
    "a valid date-time group is DDHHMM, a zone letter, a month and a year, such as "
    "121630Z JUL 44 (12th, 16:30 UTC, July 1944) or 121630Z JUL 1944; with a reference "
    "date the short forms 121630Z and 1216301 (zone digit 1 = UTC+1 = letter A) are "
    "accepted"
)


class DtgError(ValueError):
    """A date-time group that cannot be read or written without guessing.

    ``problem`` says what is wrong, ``text`` is the offending group (if any);
    the message adds what a valid group looks like, so that whoever typed it
    can fix it without looking anything up.
    """

    def __init__(self, problem: str, *, text: str | None = None) -> None:
        self.problem = problem
        self.text = text
        where = f"invalid date-time group {text!r}: " if text is not None else ""
        super().__init__(f"{where}{problem}; {_VALID}")


def _zone_offset(zone: str, local_offset: timedelta | None, text: str | None) -> timedelta:
    """The offset of ``zone``; J needs ``local_offset`` because it has none of its own."""
    if zone == _LOCAL_ZONE:
        if local_offset is None:
            raise DtgError(
                "zone J means local time, which is ambiguous without a UTC offset; "
                "pass local_offset= or write the zone letter of the offset "
                "(for example A for UTC+1)",
                text=text,
            )
        _check_local_offset(local_offset)
        return local_offset
    hours = ZONE_OFFSETS.get(zone)
    if hours is None:
        raise DtgError(f"{zone!r} is not a zone letter (A-Z, Z for UTC)", text=text)
    return timedelta(hours=hours)


def _check_local_offset(offset: timedelta) -> None:
    """Refuse offsets that no clock on Earth uses, so that J cannot smuggle in nonsense."""
    if offset % timedelta(minutes=1) != timedelta(0):
        raise DtgError(f"local_offset {offset} is not a whole number of minutes")
    if abs(offset) > timedelta(hours=14):
        raise DtgError(f"local_offset {offset} is outside -14:00..+14:00")


@dataclass(frozen=True)
class DateTimeGroup:
    """A parsed date-time group: the instant it names and the zone it was written in.

    Two groups are equal when they name the same instant in the same zone
    (and, for J, the same offset), however they were spelled; ``text`` and
    ``form`` record the spelling for display and are not compared.
    """

    utc: datetime
    zone: str
    offset: timedelta
    text: str = field(default="", compare=False)
    form: DtgForm = field(default="full", compare=False)

    def __post_init__(self) -> None:
        """Keep the invariants that make the group unambiguous, however it was built."""
        if self.utc.tzinfo is None or self.utc.utcoffset() != timedelta(0):
            raise ValueError("DateTimeGroup.utc must be an aware datetime in UTC")
        if self.utc.second or self.utc.microsecond:
            raise ValueError("DateTimeGroup.utc has minute precision; seconds must be zero")
        if self.zone == _LOCAL_ZONE:
            _check_local_offset(self.offset)
        elif self.zone not in ZONE_OFFSETS:
            raise ValueError(f"{self.zone!r} is not a zone letter")
        elif self.offset != timedelta(hours=ZONE_OFFSETS[self.zone]):
            raise ValueError(f"zone {self.zone} has offset {ZONE_OFFSETS[self.zone]:+d}h")

    @property
    def local(self) -> datetime:
        """The wall-clock time the originator wrote, with its fixed offset."""
        return self.utc.astimezone(timezone(self.offset))

    def format(self, form: DtgForm = "full", *, four_digit_year: bool = False) -> str:
        """This group written out again, in its own zone."""
        return format_dtg(
            self.utc,
            self.zone,
            local_offset=self.offset if self.zone == _LOCAL_ZONE else None,
            form=form,
            four_digit_year=four_digit_year,
        )

    def __str__(self) -> str:
        """The canonical full form, so that printing a group gives something parseable."""
        return self.format()


def _two(text: str, start: int) -> int:
    return int(text[start : start + 2])


def _leading_digits(text: str) -> str:
    end = 0
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    return text[:end]


def _resolve_year(digits: str, reference: datetime | None, text: str) -> int:
    """Four digits are taken as written; two need the reference (see the module docstring)."""
    if len(digits) == 4:
        year = int(digits)
        if year == 0:
            raise DtgError("there is no year 0000", text=text)
        return year
    if reference is None:
        raise DtgError(
            f"the two-digit year {digits} is ambiguous without a reference date; "
            "write four digits (for example 121630Z JUL 1944) or pass reference=",
            text=text,
        )
    base = reference.year - 50
    year = base + (int(digits) - base) % 100
    if not 1 <= year <= 9999:
        raise DtgError(f"the two-digit year {digits} falls outside years 1-9999", text=text)
    return year


def _parse_month_year(tail: str, reference: datetime | None, text: str) -> tuple[int, int]:
    """Read " MON YY" or "MONYY" (spaces both present or both absent) after the zone."""
    spaced = tail.startswith(" ")
    body = tail[1:] if spaced else tail
    month_text = body[:3]
    if len(month_text) < 3 or not month_text.isalpha():
        raise DtgError(
            f"expected a three-letter month (JAN-DEC) after the zone, found {month_text!r}",
            text=text,
        )
    if month_text not in MONTHS:
        raise DtgError(f"unknown month {month_text!r}; months are {' '.join(MONTHS)}", text=text)
    rest = body[3:]
    if not rest:
        raise DtgError(f"the year is missing after {month_text}", text=text)
    if spaced:
        if not rest.startswith(" "):
            raise DtgError(
                "expected a space between month and year, as between zone and month "
                "(write 121630Z JUL 44 or 121630ZJUL44)",
                text=text,
            )
        rest = rest[1:]
    elif rest.startswith(" "):
        raise DtgError(
            "space between month and year but not between zone and month "
            "(write 121630Z JUL 44 or 121630ZJUL44)",
            text=text,
        )
    year_digits = _leading_digits(rest)
    if len(year_digits) not in (2, 4):
        found = repr(year_digits) if year_digits else "none"
        raise DtgError(f"the year must have two or four digits, found {found}", text=text)
    junk = rest[len(year_digits) :]
    if junk:
        raise DtgError(f"unexpected {junk!r} after the year", text=text)
    return MONTHS.index(month_text) + 1, _resolve_year(year_digits, reference, text)


def _reference_month(reference: datetime | None, text: str) -> tuple[int, int]:
    if reference is None:
        raise DtgError(
            "the short form gives no month or year; pass reference= (a date in the month "
            "the group belongs to) or write the full form, such as 121630Z JUL 44",
            text=text,
        )
    return reference.month, reference.year


def _check_surface(text: str) -> None:
    """Refuse, with a precise reason, text that is not even shaped like a group."""
    if not text:
        raise DtgError("it is empty", text=text)
    if text != text.strip():
        raise DtgError("it has leading or trailing whitespace", text=text)
    if not text.isascii():
        raise DtgError(
            "it contains characters other than ASCII letters, digits and spaces", text=text
        )
    if any(c.islower() for c in text):
        raise DtgError(
            "it contains lower-case letters; write date-time groups in capitals", text=text
        )


def parse_dtg(
    text: str,
    *,
    reference: datetime | None = None,
    local_offset: timedelta | None = None,
) -> DateTimeGroup:
    """Read a date-time group strictly and return the instant it names.

    ``reference`` supplies the month and year of the short forms and the
    century of two-digit years; ``local_offset`` gives zone J its meaning.
    Both are ignored where the text does not need them. Raises
    :class:`DtgError` for anything malformed or ambiguous.
    """
    _check_surface(text)
    digits = _leading_digits(text)
    if len(digits) < 6:
        raise DtgError(
            f"it must start with six digits DDHHMM (day, hour, minute), found {len(digits)}",
            text=text,
        )
    if len(digits) > 7:
        raise DtgError(
            f"{len(digits)} digits in a row: expected DDHHMM followed by a zone letter, "
            "or by a single zone digit in the short form",
            text=text,
        )
    day, hour, minute = _two(text, 0), _two(text, 2), _two(text, 4)
    form: DtgForm
    if len(digits) == 7:
        if len(text) > 7:
            letter = DIGIT_ZONES[text[6]]
            raise DtgError(
                "a zone digit is used only in the short form DDHHMM<digit>; with a month "
                f"and year write the zone as a letter, such as {text[:6]}{letter} JUL 44",
                text=text,
            )
        zone, form = DIGIT_ZONES[text[6]], "numeric"
        month, year = _reference_month(reference, text)
    else:
        rest = text[6:]
        if not rest or rest.startswith(" ") or rest[:3] in MONTHS:
            raise DtgError(
                f"the zone letter is missing after {text[:6]}; write Z for UTC, "
                f"such as {text[:6]}Z JUL 44",
                text=text,
            )
        zone = rest[0]
        if not zone.isalpha():
            raise DtgError(f"{zone!r} is not a zone letter (A-Z, Z for UTC)", text=text)
        if len(rest) == 1:
            form = "short"
            month, year = _reference_month(reference, text)
        else:
            form = "full"
            month, year = _parse_month_year(rest[1:], reference, text)
    offset = _zone_offset(zone, local_offset, text)
    if hour > 23:
        raise DtgError(
            f"hour {hour:02d} is out of range 00-23 (midnight is 00 of the next day)", text=text
        )
    if minute > 59:
        raise DtgError(f"minute {minute:02d} is out of range 00-59", text=text)
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise DtgError(
            f"day {day:02d} does not exist in {MONTHS[month - 1]} {year:04d}, "
            f"which has {days_in_month} days",
            text=text,
        )
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=timezone(offset))
        utc = local.astimezone(UTC)
    except OverflowError:
        raise DtgError("the instant falls outside years 1-9999 in UTC", text=text) from None
    return DateTimeGroup(utc=utc, zone=zone, offset=offset, text=text, form=form)


def format_dtg(
    dt_utc: datetime,
    zone: str = "Z",
    *,
    local_offset: timedelta | None = None,
    form: DtgForm = "full",
    four_digit_year: bool = False,
) -> str:
    """Write an instant as a date-time group in ``zone``.

    ``dt_utc`` must be timezone-aware (any zone; it is converted); seconds are
    dropped. ``form="numeric"`` is only possible for zones Z and A-I, which
    have a digit. The output of the full form parses back to the same instant
    with :func:`parse_dtg` given a reference within fifty years (or none, with
    ``four_digit_year=True``).
    """
    if dt_utc.tzinfo is None or dt_utc.utcoffset() is None:
        raise DtgError("a naive datetime names no instant; pass an aware datetime in UTC")
    offset = _zone_offset(zone, local_offset, None)
    try:
        local = dt_utc.replace(second=0, microsecond=0).astimezone(timezone(offset))
    except OverflowError:
        raise DtgError(f"{dt_utc.isoformat()} in zone {zone} falls outside years 1-9999") from None
    ddhhmm = f"{local.day:02d}{local.hour:02d}{local.minute:02d}"
    if form == "numeric":
        digit = next((d for d, letter in DIGIT_ZONES.items() if letter == zone), None)
        if digit is None:
            raise DtgError(f"zone {zone} has no zone digit; only Z and A-I (UTC+0..+9) have one")
        return f"{ddhhmm}{digit}"
    if form == "short":
        return f"{ddhhmm}{zone}"
    year = f"{local.year:04d}" if four_digit_year else f"{local.year % 100:02d}"
    return f"{ddhhmm}{zone} {MONTHS[local.month - 1]} {year}"
