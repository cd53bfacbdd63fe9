"""What Liaison writes, TAK reads back unchanged; builders make the events the listener sends."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.cot import (
    UNKNOWN,
    CotError,
    CotEvent,
    CotPoint,
    EllipseGeometry,
    LatLon,
    PolygonGeometry,
    RectangleGeometry,
    RouteGeometry,
    RoutePoint,
    argb,
    canonical_detail,
    circle_event,
    conflict_marker,
    delete_event,
    deleted_uid,
    detail_element,
    event_kind,
    parse_event,
    ping_reply,
    polygon_event,
    position_report,
    rectangle_event,
    route_event,
    serialize_event,
    serialize_events,
)
from liaison.cot.canonical import canonical_element

NOW = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def report(**changes: object) -> CotEvent:
    fields: dict[str, object] = {
        "uid": "unit-1",
        "cot_type": "a-f-G-U-C",
        "point": CotPoint(Decimal("51.5"), Decimal("-0.12"), Decimal("20.0")),
        "time": NOW,
        "stale": LATER,
        "how": "h-e",
        "callsign": "Alpha",
    }
    fields.update(changes)
    return position_report(**fields)  # type: ignore[arg-type]


def round_trips(event: CotEvent) -> None:
    data = serialize_event(event)
    again = parse_event(data)
    assert again == event
    assert again.warnings == ()
    assert serialize_event(again) == data


def test_a_position_report_is_written_as_tak_expects() -> None:
    data = serialize_event(report(remarks="on the bridge"))
    assert data == (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<event version="2.0" uid="unit-1" type="a-f-G-U-C" how="h-e" '
        b'time="2024-03-01T12:00:00.000Z" start="2024-03-01T12:00:00.000Z" '
        b'stale="2024-03-01T12:05:00.000Z">'
        b'<point lat="51.5" lon="-0.12" hae="20.0" ce="9999999" le="9999999"/>'
        b'<detail><contact callsign="Alpha"></contact><remarks>on the bridge</remarks></detail>'
        b"</event>"
    )
    round_trips(report(remarks="on the bridge"))


def test_microseconds_are_written_only_when_needed() -> None:
    event = report(time=NOW.replace(microsecond=123456), start=NOW.replace(microsecond=125000))
    data = serialize_event(event)
    assert b'time="2024-03-01T12:00:00.123456Z"' in data
    assert b'start="2024-03-01T12:00:00.125Z"' in data
    round_trips(event)


def test_release_attributes_and_awkward_text_survive() -> None:
    event = report(
        uid='a"b<c>&d',
        callsign='R&B "1" <x>\ttab\nline\rcr',
        remarks="x < y & z > w\r\nnext",
        access="Undefined",
        caveat="FOUO",
        releasable_to="GBR USA",
    )
    round_trips(event)
    assert event.remarks == "x < y & z > w\nnext"  # XML reads CR LF as LF
    assert event.callsign == 'R&B "1" <x>\ttab\nline\rcr'


def test_extra_detail_is_written_back_verbatim() -> None:
    group = canonical_detail('<__group name="Cyan" role="Team Member"/>')
    event = report(extra_detail=[group, "<takv platform='Liaison' version='0.1'/>"])
    assert event.detail[-2:] == (
        '<__group name="Cyan" role="Team Member"></__group>',
        '<takv platform="Liaison" version="0.1"></takv>',
    )
    round_trips(event)


def test_several_events_are_one_chunk_with_nothing_between() -> None:
    events = [report(uid="a"), report(uid="b")]
    data = serialize_events(events)
    assert data.count(b"<?xml") == 2
    assert b"</event><?xml" in data
    assert not data.endswith(b"\n")


def test_a_position_report_needs_an_atom_type() -> None:
    with pytest.raises(CotError) as refused:
        report(cot_type="b-m-p-w")
    assert refused.value.code == "bad_argument"


def test_polygon_is_closed_for_the_caller_and_centred() -> None:
    square = [LatLon.from_floats(0, 0), LatLon.from_floats(0, 1), LatLon.from_floats(1, 1)]
    event = polygon_event(
        uid="op-1", vertices=square, time=NOW, stale=LATER, callsign="OP 1", fill_argb=-1
    )
    assert event.type == "u-d-f"
    assert event_kind(event) == "shape"
    assert isinstance(event.geometry, PolygonGeometry)
    assert event.geometry.closed
    assert event.geometry.vertices == (*square, square[0])
    assert 0 < event.point.lat_float < 1
    assert 0 < event.point.lon_float < 1
    round_trips(event)


def test_an_open_line_stays_open() -> None:
    line = [LatLon.from_floats(0, 0), LatLon.from_floats(1, 1)]
    event = polygon_event(uid="l", vertices=line, time=NOW, stale=LATER, closed=False)
    assert isinstance(event.geometry, PolygonGeometry)
    assert not event.geometry.closed
    ring = [*line, LatLon.from_floats(0, 1), line[0]]
    with pytest.raises(CotError) as refused:
        polygon_event(uid="l", vertices=ring, time=NOW, stale=LATER, closed=False)
    assert refused.value.code == "bad_argument"


def test_a_shape_across_the_antimeridian_is_centred_on_it() -> None:
    box = [
        LatLon.from_floats(-1, 179),
        LatLon.from_floats(-1, -179),
        LatLon.from_floats(1, -179),
        LatLon.from_floats(1, 179),
    ]
    event = rectangle_event(uid="r", corners=box, time=NOW, stale=LATER)
    assert abs(event.point.lon_float) == pytest.approx(180)
    assert event.point.lat_float == pytest.approx(0, abs=1e-9)
    assert isinstance(event.geometry, RectangleGeometry)
    round_trips(event)


def test_a_shape_around_the_pole_is_centred_on_it() -> None:
    ring = [LatLon.from_floats(89, lon) for lon in (0, 90, 180, -90)]
    event = polygon_event(uid="p", vertices=ring, time=NOW, stale=LATER)
    assert event.point.lat_float == pytest.approx(90)


def test_a_rectangle_has_four_corners() -> None:
    with pytest.raises(CotError) as refused:
        rectangle_event(uid="r", corners=[LatLon.from_floats(0, 0)] * 3, time=NOW, stale=LATER)
    assert refused.value.code == "bad_argument"


def test_a_circle_is_atak_s_ellipse() -> None:
    event = circle_event(
        uid="c",
        center=LatLon(Decimal("38.8"), Decimal("-77.06")),
        radius_m=Decimal("297.72"),
        time=NOW,
        stale=LATER,
        fill_argb=argb(0x96, 255, 255, 255),
    )
    assert isinstance(event.geometry, EllipseGeometry)
    assert event.geometry.ellipse.major == Decimal("297.72")
    assert event.geometry.center == LatLon(Decimal("38.8"), Decimal("-77.06"))
    assert '<fillColor value="-1761607681"></fillColor>' in event.detail
    round_trips(event)
    with pytest.raises(CotError):
        circle_event(
            uid="c", center=LatLon.from_floats(0, 0), radius_m=Decimal(0), time=NOW, stale=LATER
        )


def test_a_route_keeps_its_order_and_names() -> None:
    points = [
        RoutePoint(LatLon.from_floats(38.84, -77.05), callsign="SP"),
        RoutePoint(LatLon.from_floats(38.85, -77.04)),
        RoutePoint(LatLon.from_floats(38.86, -77.03), uid="wp-3", callsign="VDO"),
    ]
    event = route_event(uid="route-1", points=points, time=NOW, stale=LATER, callsign="Route 1")
    assert event_kind(event) == "route"
    assert isinstance(event.geometry, RouteGeometry)
    got = event.geometry.points
    assert [p.point for p in got] == [p.point for p in points]
    assert [p.type for p in got] == ["b-m-p-w", "b-m-p-c", "b-m-p-w"]
    assert [p.uid for p in got] == ["route-1.0", "route-1.1", "wp-3"]
    assert event.point.lat == Decimal("38.84")
    round_trips(event)


def test_a_conflict_marker_is_a_red_area_with_the_notice_in_remarks() -> None:
    area = [LatLon.from_floats(50, 10), LatLon.from_floats(50, 11), LatLon.from_floats(51, 11)]
    event = conflict_marker(
        uid="conflict-7",
        area=area,
        time=NOW,
        stale=NOW + timedelta(hours=2),
        remarks="Your air drop conflicts here 1200Z-1400Z",
    )
    assert event.type == "u-d-f"
    assert event.how == "m-f"
    assert event_kind(event) == "shape"
    assert event.callsign == "CONFLICT"
    assert event.remarks == "Your air drop conflicts here 1200Z-1400Z"
    assert '<strokeColor value="-65536"></strokeColor>' in event.detail
    assert '<labels_on value="true"></labels_on>' in event.detail
    round_trips(event)


def test_a_delete_names_its_target() -> None:
    event = delete_event(uid="del-1", target_uid="op-1", time=NOW, target_type="u-d-f")
    assert event_kind(event) == "delete"
    assert deleted_uid(event) == "op-1"
    round_trips(event)


def test_a_ping_gets_a_pong() -> None:
    ping = parse_event(
        b'<event version="2.0" uid="ANDROID-1-ping" type="t-x-c-t" how="h-g-i-g-o" '
        b'time="2024-03-01T12:00:00Z" start="2024-03-01T12:00:00Z" stale="2024-03-01T12:00:10Z">'
        b'<point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail/></event>'
    )
    assert event_kind(ping) == "ping"
    pong = ping_reply(ping, now=NOW)
    assert (pong.type, pong.uid, pong.time, pong.stale) == (
        "t-x-c-t-r",
        "takPong",
        NOW,
        NOW + timedelta(seconds=20),
    )
    assert event_kind(pong) == "other"
    round_trips(pong)
    with pytest.raises(CotError) as refused:
        ping_reply(pong, now=NOW)
    assert refused.value.code == "bad_argument"


def test_argb_is_signed_32_bit() -> None:
    assert argb(255, 255, 255, 255) == -1
    assert argb(255, 255, 0, 0) == -65536
    assert argb(0x96, 255, 255, 255) == -1761607681
    assert argb(0, 0, 0, 1) == 1
    with pytest.raises(CotError):
        argb(256, 0, 0, 0)


def test_detail_elements_are_canonical_and_checked() -> None:
    ellipse = ET.Element("ellipse", {"minor": "1", "major": "2"})
    assert detail_element("shape", children=[ellipse]) == (
        '<shape><ellipse major="2" minor="1"></ellipse></shape>'
    )
    with pytest.raises(CotError) as bad_name:
        detail_element("not a name")
    assert bad_name.value.code == "bad_detail"
    with pytest.raises(CotError) as bad_text:
        detail_element("remarks", text="bell \x07")
    assert bad_text.value.code == "bad_detail"


# -- building an event directly is validated as strictly as parsing one -----------------

BASE: dict[str, object] = {
    "uid": "u",
    "type": "a-f-G",
    "how": "m-g",
    "time": NOW,
    "start": NOW,
    "stale": LATER,
    "point": CotPoint(Decimal(0), Decimal(0)),
}

INVALID = [
    ("naive time", {"time": datetime(2024, 1, 1)}, "bad_time"),
    ("time not in UTC", {"stale": datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=1)))},
     "bad_time"),
    ("not canonical", {"detail": ("<archive/>",)}, "bad_detail"),
    ("two elements in one", {"detail": ("<a></a><b></b>",)}, "bad_detail"),
    ("closes detail early", {"detail": ("</detail><evil></evil><detail>",)}, "bad_detail"),
    ("text, not an element", {"detail": ("hello",)}, "bad_detail"),
    ("empty string", {"detail": ("",)}, "bad_detail"),
    ("DTD in detail", {"detail": ('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',)}, "bad_detail"),
    ("detail as a list", {"detail": ["<a></a>"]}, "bad_detail"),
    ("control character", {"uid": "a\x01b"}, "bad_attribute"),
    ("lone surrogate", {"caveat": "\ud800"}, "bad_attribute"),
    ("bad qos", {"qos": "fast"}, "bad_attribute"),
    ("bad type", {"type": ""}, "bad_attribute"),
    ("point not a CotPoint", {"point": (0, 0)}, "missing_point"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "changes", "code"), INVALID, ids=[row[0] for row in INVALID])
def test_invalid_events_cannot_be_built(why: str, changes: dict[str, object], code: str) -> None:
    with pytest.raises(CotError) as refused:
        CotEvent(**{**BASE, **changes})  # type: ignore[arg-type]
    assert refused.value.code == code, why


def test_a_zero_offset_time_zone_is_normalised_to_utc() -> None:
    event = CotEvent(**{**BASE, "time": NOW.astimezone(timezone(timedelta(0), "Z"))})  # type: ignore[arg-type]
    assert event.time.tzinfo is UTC


def test_points_refuse_floats_and_convert_them_on_request() -> None:
    with pytest.raises(CotError) as refused:
        CotPoint(0.1, Decimal(0))  # type: ignore[arg-type]
    assert refused.value.code == "bad_point"
    assert CotPoint.from_floats(0.1, -0.2).lat == Decimal("0.1")
    assert CotPoint.from_floats(0.1, -0.2).hae == UNKNOWN
    with pytest.raises(CotError) as nan:
        LatLon.from_floats(float("nan"), 0)
    assert nan.value.code == "bad_argument"


# -- properties -----------------------------------------------------------------------

# codec="utf-8" leaves out lone surrogates; XML 1.0 also has no C0 controls but TAB, LF, CR.
C0_BUT_WHITESPACE = "".join(chr(c) for c in range(0x20) if c not in (9, 10, 13))
XML_CHARS = st.characters(codec="utf-8", exclude_characters=C0_BUT_WHITESPACE + "\ufffe\uffff")
xml_text = st.text(XML_CHARS, max_size=30)
CONTROLS = "".join(chr(c) for c in range(0x20)) + "\x7f"
uid_text = st.text(
    st.characters(codec="utf-8", exclude_characters=CONTROLS + "\ufffe\uffff"),
    min_size=1,
    max_size=40,
)
letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
cot_types = st.builds(
    lambda aff, dim, fn: "-".join(["a", aff, dim, *fn]),
    st.sampled_from("puafnshjkox"),
    st.sampled_from("PAGSUFXZ"),
    st.lists(letters, max_size=6),
)
hows = st.sampled_from(["h-e", "m-g", "h-g-i-g-o", "m-p", "m-r"])
times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    )


points = st.builds(
    CotPoint,
    decimals("-90", "90", 12),
    decimals("-180", "180", 12),
    st.one_of(st.just(UNKNOWN), decimals("-11000", "100000", 3)),
    st.one_of(st.just(UNKNOWN), decimals("0", "100000", 2)),
    st.one_of(st.just(UNKNOWN), decimals("0", "100000", 2)),
)
tag_names = st.sampled_from(["__group", "takv", "status", "track", "_flow-tags_", "x.y", "a-b"])
extra_children = st.lists(
    st.builds(
        lambda tag, attrs, text: detail_element(tag, attrs, text),
        tag_names,
        st.dictionaries(st.sampled_from(["name", "role", "v", "z", "a"]), xml_text, max_size=3),
        st.one_of(st.none(), xml_text),
    ),
    max_size=3,
)


@st.composite
def position_events(draw: st.DrawFn) -> CotEvent:
    time = draw(times)
    return position_report(
        uid=draw(uid_text),
        cot_type=draw(cot_types),
        point=draw(points),
        time=time,
        start=time + timedelta(microseconds=draw(st.integers(-(10**7), 10**7))),
        stale=time + timedelta(microseconds=draw(st.integers(-(10**9), 10**10))),
        how=draw(hows),
        callsign=draw(st.one_of(st.none(), xml_text)),
        remarks=draw(st.one_of(st.none(), xml_text)),
        access=draw(st.one_of(st.none(), xml_text)),
        caveat=draw(st.one_of(st.none(), xml_text)),
        releasable_to=draw(st.one_of(st.none(), xml_text)),
        extra_detail=draw(extra_children),
    )


@settings(max_examples=400, deadline=None)
@given(position_events())
def test_position_events_round_trip(event: CotEvent) -> None:
    again = parse_event(serialize_event(event))
    assert again == event
    assert again.callsign == event.callsign
    assert again.remarks == event.remarks
    assert serialize_event(again) == serialize_event(event)


@st.composite
def element_trees(draw: st.DrawFn, depth: int = 0) -> ET.Element:
    element = ET.Element(
        draw(tag_names),
        draw(st.dictionaries(st.sampled_from(["b", "a", "é", "a1", "_"]), xml_text, max_size=4)),
    )
    element.text = draw(st.one_of(st.none(), xml_text))
    if depth < 2:
        for child in draw(st.lists(element_trees(depth + 1), max_size=3)):
            child.tail = draw(st.one_of(st.none(), xml_text))
            element.append(child)
    return element


def standard_c14n(element: ET.Element) -> str:
    """The standard library's C14N 2.0 writer, fed straight from the tree.

    (Not through ``ET.tostring``, which writes a carriage return in text as a
    raw CR that any reparse turns into LF, so it is not a faithful oracle.)
    """
    out: list[str] = []
    target = ET.C14NWriterTarget(out.append, with_comments=False, strip_text=False)

    def walk(node: ET.Element) -> None:
        target.start(node.tag, node.attrib)
        if node.text:
            target.data(node.text)
        for child in node:
            walk(child)
            if child.tail:
                target.data(child.tail)
        target.end(node.tag)

    walk(element)
    target.data("")  # flush
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(element_trees(), st.one_of(st.none(), xml_text))
def test_direct_canonical_form_is_the_standard_library_s(
    element: ET.Element, tail: str | None
) -> None:
    expected = standard_c14n(element)
    element.tail = tail  # the element's own tail is its parent's text, never part of it
    assert canonical_element(element) == expected


@settings(max_examples=100, deadline=None)
@given(element_trees())
def test_canonical_form_survives_a_reparse(element: ET.Element) -> None:
    canonical = canonical_element(element)
    assert canonical_detail(canonical) == canonical
