"""Drafts from TAK devices: confirmed into operations or measures by a commander, or discarded;
their guards; and the projections rebuilt from the record equal to the live ones."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from liaison.cot import LatLon, parse_event, polygon_event
from liaison.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.record import AppendRequest
from liaison.tak import DRAFT, tak_for
from liaison.tak.drafts import corridor
from tests.conftest import World
from tests.tak.support import drawing, now, position

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"
WINDOW = {"start": "2044-07-12T16:00:00Z", "end": "2044-07-12T18:00:00Z"}


def _draft_of(world: World, sample: str, member: str = "burrows") -> str:
    tak = tak_for(world.node)
    event = parse_event((SAMPLES / sample).read_bytes())
    (outcome,) = tak.ingest.ingest(member, [event])
    assert outcome.action == "drafted", outcome
    return outcome.entries[0]


def test_a_commander_confirms_a_drawing_as_an_operation(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    (outcome,) = tak.ingest.ingest("burrows", [drawing("box", releasable_to="us")])
    draft = outcome.entries[0]
    made = tak.drafts.confirm(
        "burrows", draft, {"as": "operation", "kind": "ground_movement", **WINDOW}
    )
    assert made["draft"]["state"] == "confirmed"
    assert made["draft"]["confirmed_as"] == made["operation"]
    (op,) = sqlite_world.node.picture.operations("uk")
    assert op["kind"] == "ground_movement"
    assert op["name"] == "Box"
    assert op["release"] == ["uk", "us"]  # the release the device asked for
    assert op["volumes"][0]["footprint"]["type"] == "Polygon"
    assert sqlite_world.node.picture.operations("us")  # released to us
    assert tak.drafts.drafts("uk") == []
    with pytest.raises(Conflict):
        tak.drafts.confirm("burrows", draft, {"as": "operation", "kind": "x", **WINDOW})


def test_the_samples_confirm_into_operations_and_measures(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    rectangle = _draft_of(sqlite_world, "Drawing_Shapes-Rectangle.cot")
    circle = _draft_of(sqlite_world, "Geo_Fence.cot")
    marker = _draft_of(sqlite_world, "Marker-2525.cot")
    route = _draft_of(sqlite_world, "Route.cot")
    free = _draft_of(sqlite_world, "Drawing_Shapes-Free_Form.cot")
    area = {"as": "measure", "kind": "restricted_area", "binds": ["us"], **WINDOW}
    tak.drafts.confirm("burrows", rectangle, area)
    tak.drafts.confirm("burrows", circle, {**area, "ref": "fence"})
    with pytest.raises(InvalidInput, match="radius_m"):
        tak.drafts.confirm("burrows", marker, {**area, "ref": "marker"})
    tak.drafts.confirm("burrows", marker, {**area, "ref": "marker", "radius_m": 500})
    with pytest.raises(InvalidInput, match="corridor_m"):
        tak.drafts.confirm("burrows", route, {"as": "operation", "kind": "convoy", **WINDOW})
    tak.drafts.confirm("burrows", route, {**area, "ref": "road", "corridor_m": 100})
    line = polygon_event(
        uid="front",
        vertices=[LatLon(Decimal("50"), Decimal("10")), LatLon(Decimal("50.1"), Decimal("10"))],
        closed=False,
        time=now(),
        stale=now() + timedelta(days=1),
    )
    front = tak.ingest.ingest("burrows", [line])[0].entries[0]
    sides = {"uk": "left", "us": "right"}
    with pytest.raises(InvalidInput, match="permitted_sides"):
        tak.drafts.confirm("burrows", front, {**area, "ref": "front", "kind": "boundary"})
    tak.drafts.confirm(
        "burrows",
        front,
        {
            **area,
            "ref": "front",
            "kind": "boundary",
            "binds": ["uk", "us"],
            "permitted_sides": sides,
        },
    )
    tak.drafts.confirm("burrows", free, {"as": "operation", "kind": "convoy", **WINDOW})
    measures = {m["ref"]: m for m in sqlite_world.node.picture.measures("us")}
    assert len(measures) == 5
    assert measures["fence"]["geometry"]["type"] == "Point"
    assert measures["fence"]["geometry"]["radius_m"] > 0
    lines = [m for m in measures.values() if m["geometry"]["type"] == "LineString"]
    assert len(lines) == 1
    assert tak.drafts.drafts("uk") == []
    (op,) = sqlite_world.node.picture.operations("uk")
    assert op["name"] == "Shape 1"


def test_a_route_becomes_an_operation_through_its_corridor(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    route = _draft_of(sqlite_world, "Route.cot")
    made = tak.drafts.confirm(
        "burrows", route, {"as": "operation", "kind": "convoy", "corridor_m": 250, **WINDOW}
    )
    (op,) = sqlite_world.node.picture.operations("uk")
    assert op["id"] == made["operation"]
    assert op["volumes"][0]["footprint"]["type"] == "Polygon"


def test_a_corridor_is_as_wide_as_asked() -> None:
    from liaison.geometry import Line, parse_footprint
    from liaison.geometry.earth import WGS84

    line = Line(((10.0, 50.0), (10.1, 50.0)))
    area = corridor(line, 1000.0)
    ring = area["coordinates"][0]
    parse_footprint(area)  # a valid footprint
    # Every vertex is ~1 km from the line (to within the buffer's facets).
    for lon, lat in ring:
        _, _, to_start = WGS84.inv(10.0, 50.0, lon, lat)
        _, _, to_end = WGS84.inv(10.1, 50.0, lon, lat)
        across = abs(WGS84.inv(lon, 50.0, lon, lat)[2])
        nearest = min(to_start, to_end, across if 10.0 <= lon <= 10.1 else 1e9)
        assert 950 <= nearest <= 1010


def test_only_a_commander_of_the_party_confirms_or_discards(sqlite_world: World) -> None:
    node = sqlite_world.node
    node.roster.appoint("tommy", "uk", "Tommy", "officer", {"topics": ["coordination"]})
    tak = tak_for(node)
    (outcome,) = tak.ingest.ingest("tommy", [drawing("box")])  # an officer may draft
    draft = outcome.entries[0]
    with pytest.raises(NotPermitted):
        tak.drafts.confirm("tommy", draft, {"as": "operation", "kind": "convoy", **WINDOW})
    with pytest.raises(NotFound):
        tak.drafts.confirm("deane", draft, {"as": "operation", "kind": "convoy", **WINDOW})
    with pytest.raises(NotFound):
        tak.drafts.discard("deane", draft)
    view = tak.drafts.discard("burrows", draft, "not needed")
    assert (view["state"], view["note"]) == ("discarded", "not needed")
    with pytest.raises(Conflict):
        tak.drafts.discard("burrows", draft)


def test_a_confirmation_names_what_the_draft_becomes(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    draft = tak.ingest.ingest("burrows", [drawing("box")])[0].entries[0]
    with pytest.raises(InvalidInput, match="operation or measure"):
        tak.drafts.confirm("burrows", draft, {"kind": "convoy"})
    with pytest.raises(InvalidInput, match="binds"):
        tak.drafts.confirm("burrows", draft, {"as": "measure", "kind": "restricted_area"})
    with pytest.raises(InvalidInput, match="not a field"):
        tak.drafts.confirm("burrows", draft, {"as": "operation", "kind": "x", "binds": []})


def test_the_guards_keep_drafts_private_and_closed_ones_closed(sqlite_world: World) -> None:
    node = sqlite_world.node
    tak = tak_for(node)
    first = tak.ingest.ingest("burrows", [drawing("box")])[0].entries[0]
    body = dict(node.record.get("uk", first).content.body)
    with pytest.raises(NotPermitted, match="own party only"):
        node.record.append(AppendRequest("burrows", DRAFT, body, release=["us"]))
    with pytest.raises(Conflict, match="open draft"):
        node.record.append(AppendRequest("burrows", DRAFT, body, release=[]))
    tak.drafts.discard("burrows", first)
    with pytest.raises(Conflict):
        node.record.append(
            AppendRequest("burrows", DRAFT, {**body, "name": "x"}, release=[], supersedes=first)
        )
    with pytest.raises(InvalidInput):
        node.record.append(AppendRequest("burrows", DRAFT, {**body, "uid": "another"}, release=[]))


def test_the_tak_projections_rebuild_equal_to_the_live_ones(sqlite_world: World) -> None:
    node = sqlite_world.node
    tak = tak_for(node)
    tak.ingest.ingest("burrows", [drawing("box"), position("P-1", releasable_to="us")])
    tak.ingest.ingest("burrows", [drawing("box", size=0.02), position("P-1", lat=50.1)])
    draft = tak.drafts.drafts("uk")[0]["id"]
    tak.drafts.confirm("burrows", draft, {"as": "operation", "kind": "convoy", **WINDOW})
    live = dump_projections(node.store)
    assert live["proj_tak_drafts"]
    assert len(live["proj_tak_reports"]) == 2
    rebuild_projections(node.store)
    assert dump_projections(node.store) == live
