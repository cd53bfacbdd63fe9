"""The picture's entries: float-free normal form, clear errors that change nothing, who may
write what, and the rules guards keep inside the write transaction."""

from __future__ import annotations

import math
from typing import Any

import pytest

from liaison.domain.kinds import KINDS
from liaison.errors import Conflict, InvalidBody, InvalidInput, NotFound, NotPermitted
from liaison.geometry import MAX_VERTICES, find_float
from liaison.services.record import AppendRequest
from liaison.store.queries import EntryFilter
from tests.conftest import World
from tests.picture.support import (
    END,
    START,
    appoint,
    measure_area,
    only,
    operation,
    refused,
    square,
    unit,
)

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[10.0, 50.0], [10.01, 50.01], [10.01, 50.0], [10.0, 50.01], [10.0, 50.0]]],
}


@pytest.mark.parametrize(
    ("footprint", "code"),
    [
        (BOWTIE, "self_intersection"),
        ({"type": "Point", "coordinates": [10.0, 95.0], "radius_m": 100}, "latitude_out_of_range"),
        ({"type": "Point", "coordinates": [10.0, 50.0], "radius_m": math.nan}, "invalid_radius"),
        (
            {"type": "Polygon", "coordinates": [[[10.0, 50.0], [10.01, 50.0], [10.0, 50.0]]]},
            "too_few_vertices",
        ),
        ({"type": "LineString", "coordinates": [[10.0, 50.0], [10.1, 50.0]]}, "invalid_type"),
    ],
)
def test_invalid_geometry_is_refused_naming_the_problem_and_changes_nothing(
    sqlite_world: World, footprint: dict[str, Any], code: str
) -> None:
    node = sqlite_world.node
    size = node.record.size()
    error = refused(InvalidBody, operation, node, footprint=footprint)
    assert code in error.detail
    assert "footprint" in error.detail
    assert node.record.size() == size


def test_too_many_vertices_is_refused(sqlite_world: World) -> None:
    n = MAX_VERTICES + 1
    ring = [
        [10.0 + 0.01 * math.cos(i / n * 2 * math.pi), 50.0 + 0.01 * math.sin(i / n * 2 * math.pi)]
        for i in range(n)
    ]
    ring.append(ring[0])
    footprint = {"type": "Polygon", "coordinates": [ring]}
    error = refused(InvalidBody, operation, sqlite_world.node, footprint=footprint)
    assert "too_many_vertices" in error.detail


def test_a_window_ending_before_it_starts_is_refused(sqlite_world: World) -> None:
    error = refused(InvalidBody, operation, sqlite_world.node, start=END, end=START)
    assert "invalid_time" in error.detail


def test_bodies_are_float_free_and_the_same_from_geojson_or_normal_form(
    sqlite_world: World,
) -> None:
    node = sqlite_world.node
    entry = operation(
        node, footprint={"type": "Point", "coordinates": [10.0, 50.0], "radius_m": 250.5}
    )
    body = dict(entry.content.body)
    assert find_float(body) is None
    assert body["volumes"][0]["footprint"] == {
        "type": "Circle",
        "center_e7": [100_000_000, 500_000_000],
        "radius_mm": 250_500,
    }
    assert body["volumes"][0]["altitude"] == {"datum": "AGL", "lower_mm": None, "upper_mm": None}
    assert KINDS.get("picture.operation").validate(body) == body


def test_an_officer_reports_units_but_commits_no_forces(sqlite_world: World) -> None:
    node = sqlite_world.node
    appoint(sqlite_world, "bradley", "us", "officer")
    unit(node, "bradley")
    refused(NotPermitted, operation, node, "bradley")
    refused(NotPermitted, unit, node, "watcher")  # an observer reads only


def test_an_officer_outside_the_coordination_topic_reports_nothing(sqlite_world: World) -> None:
    error = refused(NotPermitted, unit, sqlite_world.node, "kerr")
    assert "coordination" in error.detail


def test_an_operation_outside_the_commanders_mandate_area_is_refused(sqlite_world: World) -> None:
    area = {
        "type": "Polygon",
        "coordinates": [[[20.0, 40.0], [21.0, 40.0], [21.0, 41.0], [20.0, 41.0], [20.0, 40.0]]],
    }
    appoint(sqlite_world, "alexander", "uk", "commander", areas=[area])
    node = sqlite_world.node
    error = refused(NotPermitted, operation, node, "alexander")
    assert "does not cover the footprint" in error.detail
    operation(node, "alexander", footprint=square(20.5, 40.5))


def test_a_party_amends_only_its_own_live_operations(sqlite_world: World) -> None:
    node = sqlite_world.node
    strike = operation(node, release=["us"])
    refused(NotFound, node.picture.amend_operation, "deane", strike.id, name="mine now")
    refused(NotFound, node.picture.amend_operation, "deane", "op-strike", name="mine now")
    node.picture.amend_operation("burrows", "op-strike", state="active")
    node.picture.amend_operation("burrows", "op-strike", state="completed")
    refused(Conflict, node.picture.amend_operation, "burrows", "op-strike", state="active")


def test_an_active_operation_does_not_go_back_to_planned(sqlite_world: World) -> None:
    node = sqlite_world.node
    operation(node)
    node.picture.amend_operation("burrows", "op-strike", state="active")
    refused(InvalidInput, node.picture.amend_operation, "burrows", "op-strike", state="planned")


def test_a_ref_names_one_live_operation_of_a_party(sqlite_world: World) -> None:
    node = sqlite_world.node
    operation(node)
    refused(Conflict, operation, node)
    operation(node, "deane")  # another party may use the same ref
    node.picture.cancel_operation("burrows", "op-strike")
    operation(node)  # and a cancelled operation's ref is free again


def test_superseding_a_version_that_is_not_the_latest_is_refused(sqlite_world: World) -> None:
    node = sqlite_world.node
    first = operation(node)
    node.picture.amend_operation("burrows", first.id, name="second")
    body = dict(first.content.body)
    refused(
        Conflict,
        node.record.append,
        AppendRequest("burrows", "picture.operation", body, release=[], supersedes=first.id),
    )


def test_a_measure_is_released_to_every_party_it_binds(sqlite_world: World) -> None:
    node = sqlite_world.node
    area = measure_area(node)
    assert area.content.release == ("su", "uk", "us")
    body = dict(area.content.body)
    body["ref"] = "roz-2"
    error = refused(
        InvalidInput,
        node.record.append,
        AppendRequest("slavin", "picture.measure", body, release=["uk"]),
    )
    assert "us" in error.detail


def test_a_measure_binds_known_parties_only(sqlite_world: World) -> None:
    error = refused(InvalidInput, measure_area, sqlite_world.node, binds=["uk", "xx"])
    assert "xx" in error.detail


def test_a_line_needs_a_side_for_each_party_it_binds(sqlite_world: World) -> None:
    error = refused(
        InvalidBody,
        sqlite_world.node.picture.create_measure,
        "burrows",
        ref="bl",
        kind="bomb_line",
        geometry={"type": "LineString", "coordinates": [[10.0, 49.9], [10.0, 50.1]]},
        valid_from=START,
        valid_until=END,
        binds=["uk", "us"],
        permitted_sides={"uk": "left"},
    )
    assert "permitted side" in error.detail


def test_a_withdrawn_measure_clears_its_conflicts(sqlite_world: World) -> None:
    node = sqlite_world.node
    measure_area(node)
    operation(node, "burrows", ref="drop", kind="air_drop", footprint=square(10.025))
    assert only(node, "su")["status"] == "open"
    node.picture.withdraw_measure("slavin", "roz-1")
    assert only(node, "su")["reason"] == "measure withdrawn"


def test_members_cannot_write_notices(sqlite_world: World) -> None:
    node = sqlite_world.node
    operation(node)
    unit(node)
    notice = node.record.list("uk", EntryFilter(kind="picture.notice", limit=1))[0]
    forged = AppendRequest("eden", "picture.notice", dict(notice.content.body), release=["uk"])
    refused(NotPermitted, node.record.append, forged)


def test_the_node_releases_what_it_writes_to_exactly_the_parties_it_names(
    sqlite_world: World,
) -> None:
    """The record's rule for node-authored entries of non-roster kinds (``_release``)."""
    node = sqlite_world.node
    operation(node)
    unit(node)
    notice = node.record.list(None, EntryFilter(kind="picture.notice", limit=1))[0]
    body = dict(notice.content.body)
    assert notice.content.release == (body["party"],)
    assert node.record.count("su", EntryFilter(kind="picture.notice")) == 0
    retry = AppendRequest("node", "picture.notice", body, release=["xx"])
    assert "unknown parties" in refused(InvalidInput, node.record.append, retry).detail
    empty = AppendRequest("node", "picture.notice", body, release=[])
    assert "some party" in refused(InvalidInput, node.record.append, empty).detail


def test_an_operation_appended_through_the_generic_route_is_checked_too(
    sqlite_world: World,
) -> None:
    node = sqlite_world.node
    unit(node)
    body = KINDS.get("picture.operation").validate(
        {
            "ref": "raw",
            "kind": "artillery_fire",
            "volumes": [{"footprint": square(), "window": {"start": START, "end": END}}],
        }
    )
    node.record.append(AppendRequest("burrows", "picture.operation", body, release=[]))
    assert only(node, "us")["rule"] == "fires_near_unit"


def test_the_compliance_checker_reads_picture_operations(sqlite_world: World) -> None:
    from liaison.agreements.contracts import OPERATION_KINDS, read_operations

    entry = operation(sqlite_world.node)
    assert "picture.operation" in OPERATION_KINDS
    found, unreadable = read_operations([entry], ["uk", "us", "su"])
    assert unreadable == []
    assert found[0].kinds == frozenset({"air_strike"})


def test_a_mandate_cut_at_the_antimeridian_covers_an_operation_across_it(
    sqlite_world: World,
) -> None:
    west = [[170.0, -5.0], [180.0, -5.0], [180.0, 5.0], [170.0, 5.0], [170.0, -5.0]]
    east = [[-180.0, -5.0], [-170.0, -5.0], [-170.0, 5.0], [-180.0, 5.0], [-180.0, -5.0]]
    appoint(
        sqlite_world,
        "nimitz",
        "us",
        "commander",
        areas=[{"type": "Polygon", "coordinates": [ring]} for ring in (west, east)],
    )
    node = sqlite_world.node
    across = {
        "type": "Polygon",
        "coordinates": [[[179.5, 0.0], [-179.5, 0.0], [-179.5, 1.0], [179.5, 1.0], [179.5, 0.0]]],
    }
    operation(node, "nimitz", ref="op-dateline", footprint=across)
    circle = {"type": "Point", "coordinates": [179.99, -1.0], "radius_m": 5000}
    operation(node, "nimitz", ref="op-circle", footprint=circle)
    beyond = {
        "type": "Polygon",
        "coordinates": [[[179.5, 4.5], [-179.5, 4.5], [-179.5, 6.0], [179.5, 6.0], [179.5, 4.5]]],
    }
    error = refused(NotPermitted, operation, node, "nimitz", ref="op-north", footprint=beyond)
    assert "does not cover the footprint" in error.detail


OPERATION_BODY = {
    "ref": "op-strike",
    "kind": "air_strike",
    "volumes": [{"footprint": square(), "window": {"start": START, "end": END}}],
}
UNIT_BODY = {
    "unit": "1-armd",
    "position": {"type": "Point", "coordinates": [10.005, 50.012]},
    "time": START,
    "stale_time": END,
    "symbol_code": "SFGPUCA----K---",
}
#: a valid body of each picture kind that carries an identifier, one such field, and what the
#: refusal says of it
IDENTIFIED = [
    ("picture.operation", OPERATION_BODY, "ref", "ref"),
    ("picture.operation", OPERATION_BODY, "kind", "kind"),
    ("picture.unit", UNIT_BODY, "unit", "unit .* must be 1-64 characters"),
    ("picture.unit", UNIT_BODY, "symbol_code", "symbol code"),
    (
        "picture.acknowledge",
        {"conflict": "cf-" + "0" * 32, "revision": 1},
        "conflict",
        "conflict id",
    ),
    (
        "picture.sign",
        {"arrangement": "a" * 64, "key_id": "0123456789abcdef", "signature": "A" * 86 + "=="},
        "key_id",
        "key_id",
    ),
]


@pytest.mark.parametrize(("kind", "body", "field", "named"), IDENTIFIED)
def test_an_identifier_with_a_trailing_newline_is_refused(
    kind: str, body: dict[str, Any], field: str, named: str
) -> None:
    spec = KINDS.get(kind)
    spec.validate(body)  # as given, the body is valid
    with pytest.raises(InvalidBody, match=named):
        spec.validate({**body, field: body[field] + "\n"})


def test_a_unit_report_whose_unit_id_ends_in_a_newline_is_refused_and_changes_nothing(
    sqlite_world: World,
) -> None:
    node = sqlite_world.node
    size = node.record.size()
    error = refused(InvalidBody, unit, node, ref="1-armd\n")
    assert "unit '1-armd\\n' must be 1-64 characters" in error.detail
    assert node.record.size() == size
