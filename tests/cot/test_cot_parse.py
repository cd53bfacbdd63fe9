"""Parsing refuses what is unsafe or false with a stable code, and records every wart it accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from liaison.cot import (
    CotError,
    CotEvent,
    CotPoint,
    PolygonGeometry,
    deleted_uid,
    event_kind,
    is_delete,
    is_position_report,
    parse_event,
)
from liaison.cot.xmlsafe import XmlLimits

HEAD = (
    'version="2.0" uid="U-1" type="a-f-G-U-C" how="m-g" time="2024-03-01T12:00:00.000Z" '
    'start="2024-03-01T12:00:00.000Z" stale="2024-03-01T12:05:00.000Z"'
)
POINT = '<point lat="51.5" lon="-0.12" hae="20" ce="5" le="9999999"/>'


def cot(
    head: str = HEAD, point: str = POINT, detail: str = "<detail/>", declaration: str = ""
) -> bytes:
    return f"{declaration}<event {head}>{point}{detail}</event>".encode()


def head(**changes: str | None) -> str:
    """HEAD with attributes replaced (value) or removed (None)."""
    attrs = dict(part.split("=", 1) for part in HEAD.split(" "))
    for name, value in changes.items():
        if value is None:
            attrs.pop(name)
        else:
            attrs[name] = f'"{value}"'
    return " ".join(f"{name}={value}" for name, value in attrs.items())


def links(*points: str, extra: str = "") -> str:
    return "<detail>" + "".join(f'<link point="{p}"/>' for p in points) + extra + "</detail>"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<event version="2.0" uid="&lol9;" type="a-f-G" how="m-g" time="2024-03-01T12:00:00Z"
 start="2024-03-01T12:00:00Z" stale="2024-03-01T12:05:00Z"><point lat="0" lon="0" hae="0"
 ce="0" le="0"/></event>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<event version="2.0" uid="&xxe;" type="a-f-G" how="m-g" time="2024-03-01T12:00:00Z"
 start="2024-03-01T12:00:00Z" stale="2024-03-01T12:05:00Z"><point lat="0" lon="0" hae="0"
 ce="0" le="0"/></event>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE event SYSTEM "http://127.0.0.1:9/evil.dtd">
<event/>"""

PARAMETER_ENTITY = (
    b"""<!DOCTYPE event [<!ENTITY % pe SYSTEM "http://127.0.0.1:9/x"> %pe;]><event/>"""
)

# (why, input, code): every refusal, with the reason it is a refusal and not a warning.
REFUSED = [
    ("entity expansion bomb", BILLION_LAUGHS, "dtd_forbidden"),
    ("external entity (file read)", EXTERNAL_ENTITY, "dtd_forbidden"),
    ("external DTD (network fetch)", EXTERNAL_DTD, "dtd_forbidden"),
    ("parameter entity", PARAMETER_ENTITY, "dtd_forbidden"),
    ("undefined entity", cot(detail="<detail><remarks>&nbsp;</remarks></detail>"), "malformed_xml"),
    ("not well-formed", cot()[:-3], "malformed_xml"),
    ("two roots", cot() + cot(), "malformed_xml"),
    ("Latin-1 byte", cot(detail="<detail><remarks>caf\xe9</remarks></detail>").replace(
        b"caf\xc3\xa9", b"caf\xe9"), "not_utf8"),
    ("real UTF-16", '<?xml version="1.0" encoding="utf-16"?><event/>'.encode("utf-16"), "not_utf8"),
    ("NUL byte", cot().replace(b"U-1", b"U\x00"), "not_utf8"),
    ("too deep", cot(detail="<detail>" + "<a>" * 40 + "</a>" * 40 + "</detail>"), "too_deep"),
    ("too many attributes",
     cot(detail="<detail><a " + " ".join(f'x{i}="1"' for i in range(300)) + "/></detail>"),
     "too_many_attributes"),
    ("not an event", b"<MissionPackageManifest version='2'/>", "not_an_event"),
    ("namespaced event", cot(head=HEAD + ' xmlns="urn:x"'), "not_an_event"),
    ("no uid", cot(head=head(uid=None)), "missing_attribute"),
    ("no type", cot(head=head(type=None)), "missing_attribute"),
    ("no how", cot(head=head(how=None)), "missing_attribute"),
    ("no time", cot(head=head(time=None)), "missing_attribute"),
    ("no start", cot(head=head(start=None)), "missing_attribute"),
    ("no stale", cot(head=head(stale=None)), "missing_attribute"),
    ("no version", cot(head=head(version=None)), "missing_attribute"),
    ("version 3", cot(head=head(version="3.0")), "bad_attribute"),
    ("empty uid", cot(head=head(uid="")), "bad_attribute"),
    ("control character in uid", cot(head=head(uid="a&#9;b")), "bad_attribute"),
    ("uid over 1024 characters", cot(head=head(uid="u" * 1025)), "bad_attribute"),
    ("type with a space", cot(head=head(type="a f G")), "bad_attribute"),
    ("empty how", cot(head=head(how="")), "bad_attribute"),
    ("time without a zone", cot(head=head(time="2024-03-01T12:00:00")), "bad_time"),
    ("impossible date", cot(head=head(time="2024-02-30T12:00:00Z")), "bad_time"),
    ("template placeholder", cot(head=head(stale="TIME")), "bad_time"),
    ("date only", cot(head=head(start="2024-03-01")), "bad_time"),
    ("no point", cot(point=""), "missing_point"),
    ("two points", cot(point=POINT + POINT), "duplicate_element"),
    ("two details", cot(detail="<detail/><detail/>"), "duplicate_element"),
    ("no lat", cot(point='<point lon="0" hae="0" ce="0" le="0"/>'), "missing_attribute"),
    ("lat 91", cot(point='<point lat="91" lon="0" hae="0" ce="0" le="0"/>'), "bad_point"),
    ("lon -180.5", cot(point='<point lat="0" lon="-180.5" hae="0" ce="0" le="0"/>'), "bad_point"),
    ("NaN", cot(point='<point lat="NaN" lon="0" hae="0" ce="0" le="0"/>'), "bad_point"),
    ("infinite hae", cot(point='<point lat="0" lon="0" hae="INF" ce="0" le="0"/>'), "bad_point"),
    ("huge exponent", cot(point='<point lat="0" lon="1e400" hae="0" ce="0" le="0"/>'), "bad_point"),
    ("negative ce", cot(point='<point lat="0" lon="0" hae="0" ce="-1" le="0"/>'), "bad_point"),
    ("comma decimal", cot(point='<point lat="0,5" lon="0" hae="0" ce="0" le="0"/>'), "bad_point"),
    ("route point not a number", cot(head=head(type="b-m-r"), detail=links("1,2", "x,2")),
     "bad_link_point"),
    ("route point off the Earth", cot(head=head(type="b-m-r"), detail=links("1,2", "95,2")),
     "bad_link_point"),
    ("route of one point", cot(head=head(type="b-m-r"), detail=links("1,2")), "bad_shape"),
    ("rectangle of 3 corners", cot(head=head(type="u-d-r"), detail=links("1,2", "1,3", "2,3")),
     "bad_shape"),
    ("free form of 1 point", cot(head=head(type="u-d-f"), detail=links("1,2")), "bad_shape"),
    ("circle without ellipse", cot(head=head(type="u-d-c-c")), "bad_shape"),
    ("circle of radius 0", cot(head=head(type="u-d-c-c"),
     detail='<detail><shape><ellipse major="0" minor="0" angle="0"/></shape></detail>'),
     "bad_shape"),
    ("delete naming nothing", cot(head=head(type="t-x-d-d")), "delete_without_target"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "data", "code"), REFUSED, ids=[row[0] for row in REFUSED])
def test_refused_with_a_stable_code(why: str, data: bytes, code: str) -> None:
    with pytest.raises(CotError) as refused:
        parse_event(data)
    assert refused.value.code == code, why
    assert str(refused.value).startswith(code + ": ")


def test_size_and_element_limits_are_the_callers_to_set() -> None:
    with pytest.raises(CotError) as large:
        parse_event(cot(), max_bytes=100)
    assert large.value.code == "event_too_large"
    many = cot(detail="<detail>" + "<a/>" * 50 + "</detail>")
    with pytest.raises(CotError) as wide:
        parse_event(many, limits=XmlLimits(max_elements=20))
    assert wide.value.code == "too_many_elements"
    assert len(parse_event(many).detail) == 50


# (why, input, warning codes): accepted, and recorded as irregular.
WARTS = [
    ("WinTAK's utf-16 declaration on 8-bit text",
     cot(declaration='<?xml version="1.0" encoding="utf-16" standalone="yes"?>'),
     {"declared_encoding_ignored"}),
    ("Latin-1 declared on UTF-8 text",
     cot(declaration="<?xml version='1.0' encoding='ISO-8859-1'?>"),
     {"declared_encoding_ignored"}),
    ("one fractional digit", cot(head=head(time="2024-03-01T12:00:00.0Z")),
     {"time_fraction_digits"}),
    ("two fractional digits", cot(head=head(stale="2024-03-01T12:05:00.45Z")),
     {"time_fraction_digits"}),
    ("seven fractional digits", cot(head=head(stale="2024-03-01T12:05:00.1234567Z")),
     {"time_fraction_digits"}),
    ("numeric offset", cot(head=head(stale="2024-03-01T14:05:00+02:00")), {"time_offset"}),
    ("start before time", cot(head=head(start="2024-03-01T11:59:58Z")), {"start_before_time"}),
    ("single quotes", cot(head=HEAD.replace('"', "'")), {"single_quoted_attributes"}),
    ("single quotes in detail only",
     cot(detail="<detail><contact callsign='X'/></detail>"), {"single_quoted_attributes"}),
    ("exponent in point", cot(point='<point lat="1.0E-5" lon="0" hae="0" ce="0" le="0"/>'),
     {"exponent_notation"}),
    ("exponent in a route point", cot(head=head(type="b-m-r"), detail=links("1E-5,2", "1,2")),
     {"exponent_notation"}),
    ("no hae, ce, le", cot(point='<point lat="1" lon="2"/>'), {"point_attribute_missing"}),
    ("unknown event attribute", cot(head=HEAD + ' flavour="x"'), {"unknown_attribute"}),
    ("malformed qos", cot(head=HEAD + ' qos="high"'), {"bad_qos"}),
    ("unknown event child", cot(detail="<detail/><extra/>"), {"unknown_event_child"}),
    ("text inside event", cot(detail="<detail/>hello"), {"stray_text"}),
    ("text inside detail", cot(detail="<detail>hello<remarks/></detail>"), {"stray_text"}),
]  # fmt: skip


@pytest.mark.parametrize(("why", "data", "warnings"), WARTS, ids=[row[0] for row in WARTS])
def test_warts_are_accepted_and_recorded(why: str, data: bytes, warnings: set[str]) -> None:
    event = parse_event(data)
    assert {w.code for w in event.warnings} == warnings, why


@pytest.mark.parametrize(
    "declaration",
    [
        "",
        '<?xml version="1.0"?>',
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n",
        '<?xml version="1.0" encoding="utf8"?>',
        "\ufeff",
    ],
)
def test_ordinary_events_have_no_warnings(declaration: str) -> None:
    assert parse_event(cot(declaration=declaration)).warnings == ()


def test_double_quoted_values_containing_an_apostrophe_are_not_single_quoted() -> None:
    data = cot(detail="<detail><contact callsign=\"O'Brien\" note='x'/></detail>")
    assert {w.code for w in parse_event(data).warnings} == {"single_quoted_attributes"}
    plain = cot(detail='<detail><contact callsign="O\'Brien"/></detail>')
    assert parse_event(plain).warnings == ()


def test_times_are_aware_utc_whatever_was_written() -> None:
    event = parse_event(
        cot(
            head=head(
                time="2024-03-01T12:00:00.4Z",
                start="2024-03-01T13:00:00.123456+01:00",
                stale="2024-03-01T12:05:00.123456789Z",
            )
        )
    )
    assert event.time == datetime(2024, 3, 1, 12, 0, 0, 400000, tzinfo=UTC)
    assert event.start == datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert event.stale == datetime(2024, 3, 1, 12, 5, 0, 123456, tzinfo=UTC)
    assert all(t.tzinfo is UTC for t in (event.time, event.start, event.stale))


def test_coordinates_stay_decimal_with_float_accessors() -> None:
    event = parse_event(cot())
    assert event.point == CotPoint(
        Decimal("51.5"), Decimal("-0.12"), Decimal(20), Decimal(5), Decimal("9999999")
    )
    assert event.point.lon_lat() == (-0.12, 51.5)
    assert (event.point.hae_m, event.point.ce_m, event.point.le_m) == (20.0, 5.0, None)
    assert event.point.le_float == 9999999.0


def test_release_attributes_are_kept() -> None:
    event = parse_event(
        cot(head=HEAD + ' access="Unclassified" caveat="FOUO" releasableTo="GBR USA" qos="5-r-d"')
    )
    assert (event.access, event.caveat, event.releasable_to, event.qos) == (
        "Unclassified",
        "FOUO",
        "GBR USA",
        "5-r-d",
    )
    assert event.warnings == ()


def test_every_detail_child_is_kept_in_canonical_form_and_order() -> None:
    detail = (
        "<detail>\n  <__plugin z='1' a=\"2\"><inner>text &amp; more</inner></__plugin>\n"
        '  <contact callsign="Alpha" endpoint="*:-1:stcp"/>\n'
        "  <remarks>line\r\nbreak</remarks>\n  <archive/>\n</detail>"
    )
    event = parse_event(cot(detail=detail))
    assert event.detail == (
        '<__plugin a="2" z="1"><inner>text &amp; more</inner></__plugin>',
        '<contact callsign="Alpha" endpoint="*:-1:stcp"></contact>',
        "<remarks>line\nbreak</remarks>",
        "<archive></archive>",
    )
    assert event.callsign == "Alpha"
    assert event.remarks == "line\nbreak"


def test_namespaced_detail_children_are_kept() -> None:
    event = parse_event(cot(detail='<detail><x:foo xmlns:x="urn:x" x:a="1"/></detail>'))
    assert event.detail == ('<ns0:foo xmlns:ns0="urn:x" ns0:a="1"></ns0:foo>',)


def test_xinclude_is_inert_text_not_an_instruction() -> None:
    detail = (
        '<detail><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/></detail>'
    )
    event = parse_event(cot(detail=detail))
    assert "root:" not in "".join(event.detail)
    assert 'href="file:///etc/passwd"' in event.detail[0]


def test_t_x_d_d_deletes_the_linked_uid() -> None:
    detail = '<detail><link uid="ANDROID-1" relation="none" type="none"/><__forcedelete/></detail>'
    event = parse_event(cot(head=head(type="t-x-d-d"), detail=detail))
    assert event_kind(event) == "delete"
    assert deleted_uid(event) == "ANDROID-1"


def test_stale_at_or_before_start_deletes_the_event_itself() -> None:
    event = parse_event(cot(head=head(stale="2024-03-01T12:00:00Z")))
    assert is_delete(event)
    assert event_kind(event) == "delete"
    assert deleted_uid(event) == "U-1"
    assert not is_position_report(event)


KINDS = [
    ("a-f-G-U-C", "<detail/>", "position"),
    ("a-h-A-M-F", '<detail><contact callsign="Bandit"/></detail>', "position"),
    ("a-u-G", '<detail><link uid="ANDROID-1" relation="p-p" type="a-f-G-U-C"/></detail>', "marker"),
    ("b-m-p-s-p-i", "<detail/>", "marker"),
    ("b-m-p-w", "<detail/>", "marker"),
    ("u-d-f", links("1,2", "2,3", "3,1", "1,2"), "shape"),
    ("u-d-p", "<detail/>", "shape"),
    ("b-m-r", links("1,2", "2,3"), "route"),
    ("t-x-c-t", "<detail/>", "ping"),
    ("t-x-c-t-r", "<detail/>", "other"),
    ("b-t-f", "<detail/>", "other"),
    ("u-rb-a", "<detail/>", "other"),
    ("a-f-G-U-C;extension", "<detail/>", "position"),
]  # fmt: skip


@pytest.mark.parametrize(("cot_type", "detail", "kind"), KINDS, ids=[row[0] for row in KINDS])
def test_event_kind(cot_type: str, detail: str, kind: str) -> None:
    event = parse_event(cot(head=head(type=cot_type), detail=detail))
    assert event_kind(event) == kind
    assert is_position_report(event) == cot_type.startswith("a-")


def test_an_open_free_form_line_is_not_closed() -> None:
    event = parse_event(cot(head=head(type="u-d-f"), detail=links("1,2", "2,3", "3,4")))
    assert isinstance(event.geometry, PolygonGeometry)
    assert not event.geometry.closed


def test_link_points_may_carry_a_height() -> None:
    event = parse_event(cot(head=head(type="b-m-r"), detail=links("1,2,30.5", "2,3")))
    assert event.links[0].point is not None
    assert event.links[0].point.hae == Decimal("30.5")


def test_events_are_values() -> None:
    a, b = parse_event(cot()), parse_event(cot(declaration='<?xml version="1.0"?>\n'))
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(a, CotEvent)
    with pytest.raises(AttributeError):
        a.uid = "other"  # type: ignore[misc]
