"""Every real CoT sample in ``shared/interop/cot`` is ingested or refused, for a stated reason.

The samples are real traffic from ATAK, WinTAK and TAK Server. The tables below
are the decision for each one; a new sample in the folder fails
``test_every_sample_is_in_the_table`` until someone decides what it is. The
folder must be there (CI checks ``shared/`` out beside the repository): a
missing folder fails these tests, it never skips them.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from liaison.cot import (
    CotError,
    EllipseGeometry,
    PolygonGeometry,
    RectangleGeometry,
    RouteGeometry,
    event_kind,
    is_position_report,
    parse_event,
    parse_stream,
    serialize_event,
    symbol_code_from_type,
)

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"

# Single events, one per file: (file, outcome, kind or refusal code, warning codes, why).
SINGLE_EVENTS = [
    ("Drawing_Shapes-Free_Form.cot", "ingested", "shape", {"single_quoted_attributes"},
     "closed free-form polygon u-d-f; ATAK writes single quotes"),
    ("Drawing_Shapes-Rectangle.cot", "ingested", "shape", {"single_quoted_attributes"},
     "rectangle u-d-r with four corner links"),
    ("Geo_Fence.cot", "ingested", "shape", {"single_quoted_attributes"},
     "circle u-d-c-c with <shape><ellipse>; KML style and __geofence kept verbatim"),
    ("Marker-2525.cot", "ingested", "marker", {"single_quoted_attributes"},
     "hand-placed a-u-G with a p-p link to the ATAK that dropped it"),
    ("Range_and_Bearing-Line.cot", "ingested", "other", {"single_quoted_attributes"},
     "u-rb-a measuring line: kept, but not a drawing with an area"),
    ("Route.cot", "ingested", "route", {"single_quoted_attributes"},
     "route b-m-r with 13 waypoints/control points"),
    ("ProtoAndCotMessageConversionTests_SA.xml", "ingested", "position", {"start_before_time"},
     "ATAK 3.12 position report; start 2 s before time; no XML declaration"),
    ("ProtoAndCotMessageConversionTests_CHAT_TO_MISSION.xml", "ingested", "other", set(),
     "GeoChat b-t-f to a mission: not Liaison's business, but valid CoT"),
    ("pytak-data-package-manifest.xml", "refused", "not_an_event", set(),
     "a data-package manifest <MissionPackageManifest>, not a CoT event"),
]  # fmt: skip

# atakcotcaptures.txt: notes with 18 captured events in between. 17 are ingested,
# in this order: (uid, type, warning codes).
CAPTURED_EVENTS = [
    ("95b24edf-a0f1-43e4-9b72-8047f0d5a780", "b-f-t-r", set()),
    ("2d35c256-8740-4c39-a8c6-211cbb18fc55", "b-f-t-a", {"single_quoted_attributes"}),
    ("ANDROID-48:5A:3F:49:93:24", "a-f-G-U-C", set()),
    ("2fd76ad1-f03a-4773-84ba-d70ee44d62dc", "b-f-t-r", set()),
    ("ANDROID-48:5A:3F:49:93:24", "a-f-G-U-C", set()),  # relayed by TAK Server: _flow-tags_
    ("ANDROID-10:A5:D0:FF:7C:8F", "a-f-G-U-C-I", {"start_before_time"}),  # start a month early
    ("ANDROID-1C:99:4C:BB:BB:AA", "a-f-G-U-C", set()),
    ("ANDROID-90:B6:86:D8:71:E5", "a-f-G-U-C", {"time_fraction_digits"}),  # ".1Z"
    ("ANDROID-78:4B:87:D8:13:58", "a-f-G-U-C", set()),
    ("ANDROID-10:A5:D0:FF:7C:8F", "a-f-G-U-C-I", set()),
    ("ANDROID-FC:C2:DE:93:81:44", "a-f-G-U-C", set()),
    ("pc-0834cb51-df3f-4f96-9787-db227b07d2d0.NMEA.SA", "a-f-G-U-C-I",
     {"declared_encoding_ignored", "time_fraction_digits"}),  # WinTAK: utf-16 on 8-bit, ".4Z"
    ("ANDROID-88:32:9B:A5:F2:4C", "a-f-G-U-C", {"single_quoted_attributes"}),
    ("ANDROID-48:5A:3F:0E:90:05", "a-f-G-U-C-I", {"single_quoted_attributes"}),
    ("pc-0834cb51-df3f-4f96-9787-db227b07d2d0.NMEA.SA", "a-f-G-U-C-I",
     {"declared_encoding_ignored", "time_fraction_digits"}),
    ("pc-0834cb51-df3f-4f96-9787-db227b07d2d0.NMEA.SA", "a-f-G-U-C-I",
     {"declared_encoding_ignored", "time_fraction_digits"}),
    ("GeoChat.ANDROID-88:32:9B:40:EC:D0.All Chat Rooms.b4936fac-b0ca-4fd3-892d-35596f0dc749",
     "b-t-f", {"single_quoted_attributes"}),
]  # fmt: skip

# ... and what is refused in it, and why:
CAPTURE_REFUSALS = Counter(
    {
        # The notes between the events ("From Shawn: {", "receive[source=...]", "141932: ").
        "junk_between_events": 8,
        # Event 0377f926 (b-f-t-r over TAK Server): its senderUrl was cut off when the
        # notes were written and its end tag is broken across lines ("<\n/event>"), so it
        # never ends; the JDOG event after it still gets through.
        "truncated_event": 1,
    }
)

# protocol.txt: TAK protocol notes, no real event. Three example messages
# (t-x-takp-v/q/r) are templates with time='TIME' and are refused as such; the
# prose mentions <event>, "</event>" and <?xml ... ?>, which the framer meets too.
PROTOCOL_REFUSALS = Counter(
    {
        "bad_time": 3,  # the three TakControl templates: time='TIME'
        "missing_attribute": 2,  # prose "<event> ... </event>" read as an event without version
        "truncated_event": 1,  # prose "<event> messages" interrupted by "<?xml ... ?>"
        "junk_between_events": 6,  # runs of prose, each with any "<?xml ... ?>" it quotes
    }
)

# Reference material, not traffic.
NOT_TRAFFIC = {
    "README.md": "describes the samples",
    "CoT_Base-Event_Schema_PUBLIC_RELEASE.xsd": "the MITRE schema (an XML Schema, not an event)",
    "types.txt": "the CoT type tree, used by test_cot_types",
}


def _read(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_the_samples_folder_is_there() -> None:
    assert SAMPLES.is_dir(), f"{SAMPLES} is missing: check out shared/ beside the repository"


def test_every_sample_is_in_the_table() -> None:
    decided = {row[0] for row in SINGLE_EVENTS} | set(NOT_TRAFFIC)
    decided |= {"atakcotcaptures.txt", "protocol.txt"}
    assert {path.name for path in SAMPLES.iterdir()} == decided


def test_not_traffic_is_not_an_event() -> None:
    with pytest.raises(CotError) as refused:
        parse_event(_read("CoT_Base-Event_Schema_PUBLIC_RELEASE.xsd"))
    assert refused.value.code == "not_an_event"


@pytest.mark.parametrize(
    ("name", "outcome", "kind_or_code", "warnings", "why"),
    SINGLE_EVENTS,
    ids=[row[0] for row in SINGLE_EVENTS],
)
def test_single_event_sample(
    name: str, outcome: str, kind_or_code: str, warnings: set[str], why: str
) -> None:
    data = _read(name)
    if outcome == "refused":
        with pytest.raises(CotError) as refused:
            parse_event(data)
        assert refused.value.code == kind_or_code, why
        return
    event = parse_event(data)
    assert event_kind(event) == kind_or_code, why
    assert {w.code for w in event.warnings} == warnings, why
    assert parse_event(serialize_event(event)) == event


def test_captures_ingest_seventeen_events_and_refuse_one() -> None:
    result = parse_stream(_read("atakcotcaptures.txt"))
    got = [(e.uid, e.type, {w.code for w in e.warnings}) for e in result.events]
    assert got == CAPTURED_EVENTS
    assert Counter(error.code for error in result.errors) == CAPTURE_REFUSALS
    for event in result.events:
        assert parse_event(serialize_event(event)) == event


def test_captured_position_reports_keep_everything_a_client_sent() -> None:
    events = parse_stream(_read("atakcotcaptures.txt")).events
    relayed = events[4]
    assert relayed.callsign == "GEMINI"
    assert is_position_report(relayed)
    assert relayed.point.lat == Decimal("36.72459169511786")
    assert relayed.point.ce_m is None  # 9999999 is CoT's "unknown"
    assert '<_flow-tags_ takServer1="2016-01-14T19:16:48.750Z"></_flow-tags_>' in relayed.detail
    assert (
        '<contact callsign="GEMINI" endpoint="192.168.167.167:4242:tcp"></contact>'
        in relayed.detail
    )
    chat = events[-1]
    assert chat.remarks == "Roger"
    assert event_kind(chat) == "other"


def test_wintak_event_is_read_as_the_eight_bit_text_it_is() -> None:
    event = parse_stream(_read("atakcotcaptures.txt")).events[11]
    assert event.callsign == "SkrienJ-LT"
    assert event.time.isoformat() == "2015-10-15T20:30:55.400000+00:00"
    assert "utf-16" in next(w.message for w in event.warnings if w.code.startswith("declared"))


def test_protocol_notes_hold_no_event_and_say_why() -> None:
    result = parse_stream(_read("protocol.txt"))
    assert result.events == ()
    assert Counter(error.code for error in result.errors) == PROTOCOL_REFUSALS


def test_protocol_templates_parse_once_their_times_are_filled_in() -> None:
    text = _read("protocol.txt").decode()
    start = text.index("<event version='2.0' uid='protouid' type='t-x-takp-v'")
    template = text[start : text.index("</event>", start) + len("</event>")]
    event = parse_event(template.replace("TIME", "2024-01-01T00:00:00Z").encode())
    assert event.type == "t-x-takp-v"
    assert (
        '<TakControl>\n      <TakProtocolSupport version="1"></TakProtocolSupport>\n    '
        in (event.detail[0])
    )


def test_free_form_polygon_is_a_closed_ring() -> None:
    event = parse_event(_read("Drawing_Shapes-Free_Form.cot"))
    assert isinstance(event.geometry, PolygonGeometry)
    assert event.geometry.closed
    assert len(event.geometry.vertices) == 7
    assert event.geometry.vertices[0].lat == Decimal("38.838231810315555")
    assert event.callsign == "Shape 1"


def test_rectangle_has_four_corners() -> None:
    event = parse_event(_read("Drawing_Shapes-Rectangle.cot"))
    assert isinstance(event.geometry, RectangleGeometry)
    assert event.geometry.corners[2].lon == Decimal("-77.0675250569016")


def test_geo_fence_is_a_circle_and_keeps_its_style() -> None:
    event = parse_event(_read("Geo_Fence.cot"))
    assert isinstance(event.geometry, EllipseGeometry)
    assert event.geometry.ellipse.major == Decimal("297.72")
    assert event.geometry.ellipse.minor == Decimal("297.72")
    assert event.geometry.center.lat == Decimal("38.830898851915514")
    assert event.links == ()  # the KML style link is inside <shape>, not a vertex
    shape = next(child for child in event.detail if child.startswith("<shape>"))
    assert "<color>96ffffff</color>" in shape
    assert any(child.startswith("<__geofence ") for child in event.detail)


def test_route_points_are_in_order_with_names() -> None:
    event = parse_event(_read("Route.cot"))
    assert isinstance(event.geometry, RouteGeometry)
    points = event.geometry.points
    assert len(points) == 13
    assert [p.callsign for p in points if p.callsign] == ["Route 1 SP", "CP1", "CP2", "VDO"]
    assert points[0].type == "b-m-p-w"
    assert points[1].type == "b-m-p-c"
    assert points[-1].point.lon == Decimal("-77.0410272520001")


def test_marker_keeps_its_icon_and_maps_to_2525() -> None:
    event = parse_event(_read("Marker-2525.cot"))
    assert symbol_code_from_type(event.type) == "SUGP------*****"
    assert event.callsign == "U.16.135057"
    assert '<usericon iconsetpath="COT_MAPPING_2525B/a-u/a-u-G"></usericon>' in event.detail
    assert is_position_report(event)


def test_range_and_bearing_unescapes_its_callsign() -> None:
    event = parse_event(_read("Range_and_Bearing-Line.cot"))
    assert event.callsign == "R&B 1"
    assert '<contact callsign="R&amp;B 1"></contact>' in event.detail


def test_position_report_from_tak_server_test() -> None:
    event = parse_event(_read("ProtoAndCotMessageConversionTests_SA.xml"))
    assert event.callsign == "coolata"
    assert event.point.hae == Decimal("-22.22983896651138")
    assert event.point.hae_m == pytest.approx(-22.22983896651138)
    assert event.point.ce_float == 4.9
    assert event.point.le_m is None
    assert '<__group name="Dark Blue" role="Team Member"></__group>' in event.detail
    assert symbol_code_from_type(event.type) == "SFGPUC----*****"
