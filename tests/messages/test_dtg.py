"""Date-time groups are read strictly and name one instant for every party."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.messages.dtg import (
    DIGIT_ZONES,
    ZONE_OFFSETS,
    DateTimeGroup,
    DtgError,
    format_dtg,
    parse_dtg,
)

JULY_1944 = datetime(1944, 7, 1, tzinfo=UTC)

LETTERS_WITH_OFFSET = sorted(ZONE_OFFSETS)

instants = st.datetimes(
    min_value=datetime(1901, 1, 1),
    max_value=datetime(2098, 12, 31),
    timezones=st.just(UTC),
).map(lambda dt: dt.replace(second=0, microsecond=0))

local_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timedelta(minutes=minutes)
)


def test_t_o_o_1216301_with_reference_july_1944_is_1530_utc_on_the_12th() -> None:
    group = parse_dtg("1216301", reference=JULY_1944)
    assert group.utc == datetime(1944, 7, 12, 15, 30, tzinfo=UTC)
    assert group.zone == "A"
    assert group.offset == timedelta(hours=1)
    assert group.form == "numeric"
    assert group.local == datetime(1944, 7, 12, 16, 30, tzinfo=timezone(timedelta(hours=1)))


def test_every_letter_except_j_has_its_conventional_offset() -> None:
    assert "J" not in ZONE_OFFSETS
    assert len(ZONE_OFFSETS) == 25
    assert ZONE_OFFSETS["Z"] == 0
    assert [ZONE_OFFSETS[c] for c in "ABCDEFGHIKLM"] == list(range(1, 13))
    assert [ZONE_OFFSETS[c] for c in "NOPQRSTUVWXY"] == list(range(-1, -13, -1))


def test_zone_digit_n_means_utc_plus_n() -> None:
    for digit, letter in DIGIT_ZONES.items():
        group = parse_dtg(f"121630{digit}", reference=JULY_1944)
        assert group.zone == letter
        assert group.offset == timedelta(hours=int(digit))


def test_spaced_compact_and_four_digit_year_spellings_are_equal() -> None:
    spaced = parse_dtg("121630Z JUL 44", reference=JULY_1944)
    compact = parse_dtg("121630ZJUL44", reference=JULY_1944)
    four = parse_dtg("121630Z JUL 1944")
    assert spaced == compact == four
    assert spaced.utc == datetime(1944, 7, 12, 16, 30, tzinfo=UTC)
    assert (spaced.text, compact.text) == ("121630Z JUL 44", "121630ZJUL44")


def test_full_form_converts_local_time_to_utc_across_midnight() -> None:
    group = parse_dtg("010130C JAN 1945")  # 01:30 at UTC+3 is the previous evening in UTC
    assert group.utc == datetime(1944, 12, 31, 22, 30, tzinfo=UTC)
    assert str(group) == "010130C JAN 45"


@pytest.mark.parametrize("zone", LETTERS_WITH_OFFSET)
@settings(max_examples=40, deadline=None)
@given(instant=instants)
def test_round_trip_for_every_zone_letter(zone: str, instant: datetime) -> None:
    full = format_dtg(instant, zone)
    assert parse_dtg(full, reference=instant).utc == instant
    assert parse_dtg(full, reference=instant).zone == zone

    four = format_dtg(instant, zone, four_digit_year=True)
    assert parse_dtg(four) == parse_dtg(full, reference=instant)

    local_month = instant.astimezone(timezone(timedelta(hours=ZONE_OFFSETS[zone])))
    short = format_dtg(instant, zone, form="short")
    assert parse_dtg(short, reference=local_month).utc == instant
    if zone in DIGIT_ZONES.values():
        numeric = format_dtg(instant, zone, form="numeric")
        assert parse_dtg(numeric, reference=local_month).utc == instant


@settings(max_examples=200, deadline=None)
@given(instant=instants, offset=local_offsets)
def test_round_trip_in_zone_j_with_a_local_offset(instant: datetime, offset: timedelta) -> None:
    text = format_dtg(instant, "J", local_offset=offset, four_digit_year=True)
    group = parse_dtg(text, local_offset=offset)
    assert group.utc == instant
    assert (group.zone, group.offset) == ("J", offset)
    assert group.format(four_digit_year=True) == text


@settings(max_examples=200, deadline=None)
@given(instant=instants, zone=st.sampled_from(LETTERS_WITH_OFFSET))
def test_a_parsed_group_formats_back_to_the_canonical_text(instant: datetime, zone: str) -> None:
    text = format_dtg(instant, zone)
    assert parse_dtg(text, reference=instant).format() == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("001630Z JUL 1944", "day 00 does not exist in JUL 1944"),
        ("321630Z JUL 1944", "day 32 does not exist in JUL 1944"),
        ("311200Z FEB 1944", "day 31 does not exist in FEB 1944, which has 29 days"),
        ("291200Z FEB 1943", "day 29 does not exist in FEB 1943, which has 28 days"),
        ("122400Z JUL 1944", "hour 24 is out of range 00-23"),
        ("121660Z JUL 1944", "minute 60 is out of range 00-59"),
        ("121630Z JLY 1944", "unknown month 'JLY'"),
        ("121630Z 07 1944", "expected a three-letter month"),
        ("121630 JUL 1944", "the zone letter is missing after 121630"),
        ("121630JUL1944", "the zone letter is missing after 121630"),
        ("121630", "the zone letter is missing after 121630"),
        ("121630J JUL 1944", "zone J means local time, which is ambiguous"),
        ("121630Z JUL 1944Z", "unexpected 'Z' after the year"),
        ("121630Z JUL 1944 ROGER", "unexpected ' ROGER' after the year"),
        ("121630Z JUL 194", "the year must have two or four digits, found '194'"),
        ("121630Z JUL", "the year is missing after JUL"),
        ("121630ZJUL", "the year is missing after JUL"),
        ("121630Z JUL X4", "the year must have two or four digits, found none"),
        ("121630Z JUL1944", "expected a space between month and year"),
        ("121630ZJUL 1944", "space between month and year but not between zone and month"),
        ("121630z jul 1944", "lower-case letters"),
        ("121630Z Jul 1944", "lower-case letters"),
        (" 121630Z JUL 1944", "leading or trailing whitespace"),
        ("121630Z JUL 1944\n", "leading or trailing whitespace"),
        ("", "it is empty"),
        ("12163Z JUL 1944", "it must start with six digits DDHHMM"),
        ("12163000Z JUL 1944", "8 digits in a row"),
        ("121630-Z JUL 1944", "'-' is not a zone letter"),
        ("1216301 JUL 1944", "a zone digit is used only in the short form"),
        ("121630Z JUL 0000", "there is no year 0000"),
        ("１２１６３０Z JUL 1944", "characters other than ASCII"),
    ],
)
def test_malformed_groups_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(DtgError) as caught:
        parse_dtg(text, reference=JULY_1944)
    assert reason in caught.value.problem
    assert caught.value.text == text


def test_errors_say_what_a_valid_group_looks_like() -> None:
    with pytest.raises(ValueError, match=r"valid date-time group is .* 121630Z JUL 44"):
        parse_dtg("121630Z JLY 44", reference=JULY_1944)


def test_two_digit_year_without_reference_is_refused_as_ambiguous() -> None:
    with pytest.raises(DtgError, match="two-digit year 44 is ambiguous"):
        parse_dtg("121630Z JUL 44")


@pytest.mark.parametrize(
    ("reference_year", "expected_year"),
    [(1944, 1944), (1990, 1944), (1994, 1944), (1995, 2044), (2030, 2044), (1900, 1944)],
)
def test_two_digit_year_is_the_one_nearest_the_reference(
    reference_year: int, expected_year: int
) -> None:
    reference = datetime(reference_year, 6, 1, tzinfo=UTC)
    assert parse_dtg("121630Z JUL 44", reference=reference).utc.year == expected_year


def test_short_forms_without_reference_are_refused() -> None:
    for text in ("1216301", "121630A"):
        with pytest.raises(DtgError, match="short form gives no month or year"):
            parse_dtg(text)


def test_short_form_takes_the_reference_month_as_written_and_refuses_a_missing_day() -> None:
    june = datetime(1944, 6, 30, 23, 0, tzinfo=UTC)
    assert parse_dtg("121630Z", reference=june).utc == datetime(1944, 6, 12, 16, 30, tzinfo=UTC)
    with pytest.raises(DtgError, match="day 31 does not exist in JUN 1944"):
        parse_dtg("311200Z", reference=june)


def test_zone_j_is_accepted_when_the_caller_supplies_the_offset() -> None:
    group = parse_dtg("121630J JUL 1944", local_offset=timedelta(hours=3))
    assert group.utc == datetime(1944, 7, 12, 13, 30, tzinfo=UTC)
    assert group.zone == "J"


def test_implausible_local_offsets_are_refused() -> None:
    with pytest.raises(DtgError, match="outside -14:00"):
        parse_dtg("121630J JUL 1944", local_offset=timedelta(hours=15))
    with pytest.raises(DtgError, match="whole number of minutes"):
        parse_dtg("121630J JUL 1944", local_offset=timedelta(seconds=30))


def test_format_writes_the_military_form_in_the_requested_zone() -> None:
    instant = datetime(1944, 7, 12, 15, 30, 59, 999, tzinfo=UTC)
    assert format_dtg(instant) == "121530Z JUL 44"
    assert format_dtg(instant, "A") == "121630A JUL 44"
    assert format_dtg(instant, "A", form="numeric") == "1216301"
    assert format_dtg(instant, "A", form="short") == "121630A"
    assert format_dtg(instant, "W", four_digit_year=True) == "120530W JUL 1944"


def test_format_converts_an_aware_datetime_from_any_zone() -> None:
    moscow = datetime(1944, 7, 12, 18, 30, tzinfo=timezone(timedelta(hours=3)))
    assert format_dtg(moscow) == "121530Z JUL 44"


def test_format_refuses_what_it_cannot_write_exactly() -> None:
    with pytest.raises(DtgError, match="naive datetime"):
        format_dtg(datetime(1944, 7, 12, 15, 30))
    with pytest.raises(DtgError, match="zone K has no zone digit"):
        format_dtg(JULY_1944, "K", form="numeric")
    with pytest.raises(DtgError, match="zone J means local time"):
        format_dtg(JULY_1944, "J")
    with pytest.raises(DtgError, match="'a' is not a zone letter"):
        format_dtg(JULY_1944, "a")


def test_a_group_cannot_be_built_inconsistent() -> None:
    with pytest.raises(ValueError, match="zone A has offset"):
        DateTimeGroup(utc=JULY_1944, zone="A", offset=timedelta(hours=2))
    with pytest.raises(ValueError, match="aware datetime in UTC"):
        DateTimeGroup(utc=datetime(1944, 7, 1), zone="Z", offset=timedelta(0))
    with pytest.raises(ValueError, match="minute precision"):
        DateTimeGroup(utc=JULY_1944.replace(second=1), zone="Z", offset=timedelta(0))
