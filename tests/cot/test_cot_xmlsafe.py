"""The XML door: what libxml2 is allowed to do, exact limits, and canonical forms the record keeps.

Beside the refusals in ``test_cot_parse`` and the hostile documents in
``test_cot_fuzz``: that a DTD is refused however broken its subset, that
XInclude and stylesheet instructions stay inert data, that limits are exact and
the first problem in the bytes is the one reported, that the fast ways of
writing canonical detail and reading times and numbers agree with the slow ones,
and that the detail trees ``parse_event`` hands to ``CotEvent`` are exactly
what checking the strings would have given.
"""

from __future__ import annotations

import dataclasses
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.cot import CotError, CotEvent, parse_event, serialize_event
from liaison.cot import model as cot_model
from liaison.cot.canonical import canonical_children
from liaison.cot.values import decimal_problem, parse_decimal, parse_time
from liaison.cot.xmlsafe import XmlLimits, parse_document
from tests.cot.support import assert_rebuilt_is_the_same
from tests.cot.test_cot_serialize import element_trees, standard_c14n

HEAD = (
    b'<event version="2.0" uid="U-1" type="a-f-G-U-C" how="m-g" time="2024-03-01T12:00:00.000Z" '
    b'start="2024-03-01T12:00:00.000Z" stale="2024-03-01T12:05:00.000Z">'
    b'<point lat="51.5" lon="-0.12" hae="20" ce="5" le="9999999"/>'
)


def event_with(detail: bytes, *, head: bytes = HEAD, declaration: bytes = b"") -> bytes:
    return declaration + head + b"<detail>" + detail + b"</detail></event>"


def code_of(data: bytes, **kwargs: object) -> str:
    with pytest.raises(CotError) as refused:
        parse_event(data, **kwargs)  # type: ignore[arg-type]
    return refused.value.code


# -- DTDs, entities, external things -------------------------------------------------------


@pytest.mark.parametrize(
    "doctype",
    [
        b"<!DOCTYPE event>",
        b"<!DOCTYPE event [ this is not a DTD at all ]>",
        b'<!DOCTYPE event PUBLIC "-//x//y" "http://127.0.0.1:9/x.dtd">',
        b"<!DOCTYPE event [<!ENTITY % p \"<!ENTITY x 'y'>\"> %p;]>",
        b'<!DOCTYPE event [<!ELEMENT event ANY><!ATTLIST event uid CDATA "fixed">]>',
    ],
)
def test_any_doctype_is_refused_before_its_subset_is_read(doctype: bytes) -> None:
    assert code_of(doctype + event_with(b"")) == "dtd_forbidden"


def test_doctype_text_inside_cdata_or_a_comment_is_only_text() -> None:
    data = event_with(
        b"<remarks><![CDATA[<!DOCTYPE x [<!ENTITY a 'b'>]>]]><!-- <!DOCTYPE y> --></remarks>"
    )
    event = parse_event(data)
    assert event.remarks == "<!DOCTYPE x [<!ENTITY a 'b'>]>"


def test_xinclude_is_inert_data(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    include = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret.as_uri()}" '
        'parse="text"/>'
    ).encode()
    event = parse_event(event_with(include))
    assert len(event.detail) == 1
    assert "TOP SECRET" not in event.detail[0]
    assert event.detail[0] == (
        '<ns0:include xmlns:ns0="http://www.w3.org/2001/XInclude" href="'
        + secret.as_uri()
        + '" parse="text"></ns0:include>'
    )


def test_stylesheet_instructions_and_comments_are_dropped() -> None:
    data = event_with(
        b"<remarks>a<!-- note -->b<?xml-stylesheet href='http://127.0.0.1:9/x.xsl'?>c</remarks>",
        declaration=b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="x.xsl"?>',
    )
    event = parse_event(data)
    assert event.detail == ("<remarks>abc</remarks>",)


def test_undefined_and_external_entities_stay_errors_without_a_dtd() -> None:
    assert code_of(event_with(b"<remarks>&xxe;</remarks>")) == "malformed_xml"
    assert code_of(event_with(b"<remarks>&#0;</remarks>")) == "malformed_xml"


# -- limits: exact, and the first problem in the bytes wins --------------------------------


def nested(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


@pytest.mark.parametrize(
    ("limits", "fits", "too_much", "code"),
    [
        (XmlLimits(max_depth=6), nested(5), nested(6), "too_deep"),
        (XmlLimits(max_elements=5), b"<a/>" * 4, b"<a/>" * 5, "too_many_elements"),
        (
            XmlLimits(max_attributes=3),
            b'<a x="1" y="2" z="3"/>',
            b'<a x="1" y="2" z="3" w="4"/>',
            "too_many_attributes",
        ),
    ],
)
def test_limits_are_exact(limits: XmlLimits, fits: bytes, too_much: bytes, code: str) -> None:
    assert parse_document(b"<r>" + fits + b"</r>", limits).root.tag == "r"
    with pytest.raises(CotError) as refused:
        parse_document(b"<r>" + too_much + b"</r>", limits)
    assert refused.value.code == code


def test_attribute_limit_holds_for_long_documents_too() -> None:
    wide = b"<a " + b" ".join(b'x%d="1"' % i for i in range(257)) + b"/>"
    assert code_of(event_with(wide + b"<r/>" * 2000)) == "too_many_attributes"
    assert len(parse_event(event_with(wide.replace(b' x256="1"', b"") * 3)).detail) == 3


def test_the_first_problem_in_the_bytes_is_reported() -> None:
    assert code_of(event_with(nested(40)[:-4] + b"</b>")) == "too_deep"
    assert code_of(event_with(b"<b></c>" + nested(40))) == "malformed_xml"
    limits = XmlLimits(max_elements=10)
    assert code_of(event_with(b"<a/>" * 20 + b"<b></c>"), limits=limits) == "too_many_elements"
    assert code_of(event_with(b"<b></c>" + b"<a/>" * 20), limits=limits) == "malformed_xml"


def test_nesting_beyond_what_libxml2_reads_is_too_deep_whatever_the_limit() -> None:
    deep = event_with(nested(300))
    assert code_of(deep) == "too_deep"
    assert code_of(deep, limits=XmlLimits(max_depth=1000)) == "too_deep"


def test_a_failed_document_leaves_nothing_behind_for_the_next() -> None:
    good = event_with(b"<remarks>fine</remarks>")
    for bad in (good[:-12], b"<event", event_with(b"<a>") + b"<b>", b"\xef\xbb\xbf<"):
        with pytest.raises(CotError):
            parse_event(bad)
        assert parse_event(good).remarks == "fine"


# -- canonical detail ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(element_trees(), min_size=1, max_size=4), st.one_of(st.none(), st.just("\n  ")))
def test_parsed_detail_is_the_standard_librarys_c14n(
    children: list[ET.Element], tail: str | None
) -> None:
    detail = ET.Element("detail")
    for child in children:
        child.tail = tail
        detail.append(child)
    data = event_with(
        ET.tostring(detail, encoding="unicode")[len("<detail>") : -len("</detail>")].encode()
    )
    if data.endswith(b"<detail /></event>"):  # ET wrote an empty detail short
        return
    expected = tuple(standard_c14n(child) for child in ET.fromstring(data).find("detail") or [])
    assert parse_event(data).detail == expected


def test_a_namespaced_name_c14n_cannot_write_is_refused_not_a_crash() -> None:
    # libxml2 reads names by XML 1.0's 5th edition; the standard library's
    # canonicaliser (expat) by the 4th, which refused this name before too.
    data = event_with('<a xmlns="urn:x"><b\u2070/></a>'.encode())
    assert code_of(data) == "malformed_xml"


# -- the detail trees handed from parse_event to CotEvent ----------------------------------

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.cot")), ids=lambda p: p.name)
def test_handed_over_detail_is_what_checking_the_strings_gives(path: Path) -> None:
    event = parse_event(path.read_bytes())
    assert_rebuilt_is_the_same(event)
    assert [ET.canonicalize(s) for s in event.detail] == list(event.detail)
    assert len(canonical_children(event.detail)) == len(event.detail)


def test_other_constructions_are_still_checked_after_a_parse() -> None:
    event = parse_event(event_with(b'<contact callsign="X"/>'))
    with pytest.raises(CotError) as refused:
        dataclasses.replace(event, detail=('<contact callsign="X"/>',))
    assert refused.value.code == "bad_detail"


def test_a_refused_event_withdraws_its_detail_trees() -> None:
    with pytest.raises(CotError):
        parse_event(event_with(b'<contact callsign="X"></contact>', head=HEAD.replace(b"U-1", b"")))
    assert cot_model._HANDOVER.detail is None


def test_permissive_parse_limits_do_not_widen_what_an_event_holds() -> None:
    deep = event_with(nested(40))
    assert code_of(deep) == "too_deep"
    assert code_of(deep, limits=XmlLimits(max_depth=64)) == "bad_detail"


def test_threads_parse_side_by_side() -> None:
    datas = [
        event_with(f'<contact callsign="c{n}"/>'.encode()).replace(b"U-1", b"U-%d" % n)
        for n in range(40)
    ]
    expected = [parse_event(data) for data in datas]
    results: dict[int, list[CotEvent]] = {}

    def work(index: int) -> None:
        results[index] = [parse_event(data) for data in datas for _ in range(5)][::5]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())
    assert all(
        [e.callsign for e in result] == [f"c{n}" for n in range(40)] for result in results.values()
    )


# -- the raw text: declaration and quotes ---------------------------------------------------


@pytest.mark.parametrize(
    ("declaration", "warned"),
    [
        (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', False),
        (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>", False),
        (b'<?xml version="1.0" encoding="UTF-8x"?>', True),
        (b"\xef\xbb\xbf<?xml version='1.0' encoding=\"utf-16\"?>", True),
        (b'<?xml version="1.0" encoding="utf_8"?>', False),
    ],
)
def test_the_declared_encoding_is_read_as_written(declaration: bytes, warned: bool) -> None:
    codes = {w.code for w in parse_event(event_with(b"", declaration=declaration)).warnings}
    assert ("declared_encoding_ignored" in codes) is warned


@pytest.mark.parametrize(
    ("detail", "single"),
    [
        (b"<remarks>it's</remarks>", False),
        (b"<remarks><![CDATA[<a b='c'>]]></remarks>", False),
        (b"<!-- <a b='c'> --><remarks/>", False),
        (b"<?pi <a b='c'>?><remarks/>", False),
        (b'<a b="=\'" c="it\'s"/>', False),
        (b"<a b=\">\" c='x'/>", True),
        (b"<a\n  b = 'x'/>", True),
    ],
)
def test_single_quotes_are_found_only_around_attribute_values(detail: bytes, single: bool) -> None:
    codes = {w.code for w in parse_event(event_with(detail)).warnings}
    assert ("single_quoted_attributes" in codes) is single


# -- fast readings agree with the general ones ----------------------------------------------


def general_time(text: str) -> datetime | None:
    """The reading of a ``Z`` time with 0, 3 or 6 fraction digits, spelled out."""
    date, clock = text.rstrip("Z").split("T")
    whole, _, fraction = clock.partition(".")
    year, month, day = (int(part) for part in date.split("-"))
    hour, minute, second = (int(part) for part in whole.split(":"))
    try:
        return datetime(
            year, month, day, hour, minute, second, int((fraction + "000000")[:6]), tzinfo=UTC
        )
    except ValueError:
        return None


digits = st.text("0123456789", min_size=1, max_size=1)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(digits, min_size=14, max_size=14).map("".join),
    st.sampled_from([0, 3, 6]),
    st.text("0123456789", min_size=6, max_size=6),
)
def test_common_times_read_fast_as_they_read_in_general(stamp: str, places: int, frac: str) -> None:
    text = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}"
    text += (f".{frac[:places]}" if places else "") + "Z"
    parsed = parse_time(text)
    expected = general_time(text)
    assert (parsed and parsed.value) == expected
    if parsed is not None:
        assert parsed.value.tzinfo is UTC
        assert parsed.fraction_digits == places
        assert not parsed.offset
        assert parse_time(f" {text} ") is not None  # the general path reads it too


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})", fullmatch=True))
def test_plain_numbers_read_fast_as_they_read_in_general(text: str) -> None:
    value = Decimal(text)
    expected = None if decimal_problem(value) else (value, False)
    parsed = parse_decimal(text)
    assert parsed == expected
    if parsed is not None:
        assert str(parsed[0]) == str(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 3, 1, 12, tzinfo=UTC),
        datetime(2024, 3, 1, 12, tzinfo=timezone(timedelta(0))),
    ],
)
def test_event_times_end_up_utc_whoever_built_them(value: datetime) -> None:
    event = parse_event(event_with(b""))
    rebuilt = dataclasses.replace(event, time=value, start=value)
    assert rebuilt.time.tzinfo is UTC
    assert rebuilt.time == value
    assert serialize_event(rebuilt)
