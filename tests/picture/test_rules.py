"""Each conflict rule end to end through the service, on both backends: the entries appended,
the notices the node writes (one per party, released to that party alone), and what each
party is told."""

from __future__ import annotations

from liaison.geometry import find_float
from liaison.services.picture import window_of
from tests.conftest import World
from tests.picture.support import (
    END,
    START,
    conflicts,
    measure_area,
    only,
    operation,
    square,
    unit,
)


def _notices(world: World) -> list[tuple[str, tuple[str, ...]]]:
    from liaison.store.queries import EntryFilter

    found = world.node.record.list(None, EntryFilter(kind="picture.notice", limit=1000))
    return [(e.content.author, e.content.release) for e in found]


def test_a_strike_near_another_partys_unit_notifies_both_and_hides_the_strike(
    world: World,
) -> None:
    node = world.node
    strike = operation(node, name="TOTALIZE", release=[])
    report = unit(node, name="1st Armored", release=["uk"])
    uk = only(node, "uk")
    us = only(node, "us")
    assert conflicts(node, "su") == []
    assert uk["conflict"] == us["conflict"]
    assert uk["rule"] == us["rule"] == "fires_near_unit"
    assert uk["severity"] == "critical"
    assert uk["window"] == {"start": START, "end": END}
    assert uk["region"]["type"] == "LineString"
    assert [o["entry"] for o in uk["own"]] == [strike.id]
    assert uk["others"][0]["released"] is True
    assert uk["others"][0]["name"] == "1st Armored"
    assert [o["entry"] for o in us["own"]] == [report.id]
    assert us["others"] == [
        {
            "party": "uk",
            "type": "operation",
            "released": False,
            "entry": None,
            "ref": None,
            "name": None,
            "kind": None,
        }
    ]
    assert "not released to you; uk has been notified" in us["text"]
    assert "TOTALIZE" not in str(us)
    assert "op-strike" not in str(us)
    assert sorted(_notices(world)) == [("node", ("uk",)), ("node", ("us",))]


def test_the_other_party_sees_the_strike_when_it_was_released_to_it(world: World) -> None:
    node = world.node
    strike = operation(node, name="TOTALIZE", release=["us"])
    unit(node)
    other = only(node, "us")["others"][0]
    assert other == {
        "party": "uk",
        "type": "operation",
        "released": True,
        "entry": strike.id,
        "ref": "op-strike",
        "name": "TOTALIZE",
        "kind": "air_strike",
    }


def test_a_unit_whose_report_is_stale_before_the_strike_is_not_in_danger(world: World) -> None:
    node = world.node
    unit(node, time="2044-07-12T10:00:00Z", stale="2044-07-12T16:00:00Z")
    operation(node)
    assert conflicts(node, "uk") == conflicts(node, "us") == []


def test_a_unit_beyond_the_danger_distance_is_not_in_danger(world: World) -> None:
    node = world.node
    operation(node)
    unit(node, lat=50.03)  # about 2.2 km north of the footprint; danger distance 1 km
    assert conflicts(node, "us") == []


def test_two_parties_overlapping_strikes_conflict_with_high_severity(world: World) -> None:
    node = world.node
    operation(node, "burrows", ref="uk-1")
    operation(node, "deane", ref="us-1", footprint=square(10.005, 50.005))
    found = only(node, "uk")
    assert found["rule"] == "operations_overlap"
    assert found["severity"] == "high"
    assert found["region"]["type"] == "Polygon"
    assert only(node, "us")["conflict"] == found["conflict"]


def test_a_strike_near_a_protected_site_is_critical(world: World) -> None:
    node = world.node
    operation(node, "slavin", ref="hospital", kind="humanitarian_site", footprint=square(10.02))
    operation(node, "burrows")  # 1.4 km from the site: inside the 2 km separation
    assert only(node, "su")["severity"] == "critical"


def test_one_partys_own_operations_never_conflict(world: World) -> None:
    node = world.node
    operation(node, ref="a")
    operation(node, ref="b")
    assert conflicts(node, "uk") == []


def test_fires_beyond_a_bomb_line_conflict_for_the_striker_and_the_lines_owner(
    world: World,
) -> None:
    node = world.node
    node.picture.create_measure(
        "burrows",
        ref="bomb-line",
        kind="bomb_line",
        geometry={"type": "LineString", "coordinates": [[10.0, 49.9], [10.0, 50.1]]},
        valid_from="2044-07-01T00:00:00Z",
        valid_until="2044-08-01T00:00:00Z",
        binds=["uk", "us"],
        permitted_sides={"uk": "left", "us": "right"},
        depth_m=20_000,
    )
    # Travelling north, "left" is west. The us may strike east (right) only.
    operation(node, "deane", ref="west", footprint=square(9.95, 50.0))
    us = only(node, "us")
    assert us["rule"] == "fires_beyond_line"
    assert us["severity"] == "high"
    assert us["others"][0]["ref"] == "bomb-line"  # the line is released to the parties it binds
    assert only(node, "uk")["conflict"] == us["conflict"]
    operation(node, "deane", ref="east", footprint=square(10.05, 50.0))
    assert len(conflicts(node, "us")) == 1


def test_entering_a_restricted_area_without_consent_conflicts_until_consent(
    world: World,
) -> None:
    node = world.node
    area = measure_area(node)
    drop = operation(node, "burrows", ref="drop", kind="air_drop", footprint=square(10.025))
    uk = only(node, "uk")
    su = only(node, "su")
    assert uk["rule"] == su["rule"] == "restricted_area_entry"
    assert uk["severity"] == "medium"
    assert su["others"][0]["released"] is False
    consent = node.picture.consent("slavin", area.id, conflict=su["conflict"])
    assert consent.content.release == ("su", "uk")
    for party in ("uk", "su"):
        cleared = only(node, party)
        assert cleared["status"] == "cleared"
        assert cleared["reason"] == "consent given"
    # An amendment of the operation it was given for does not undo the consent.
    node.picture.amend_operation("burrows", drop.id, name="still welcome")
    assert only(node, "uk")["status"] == "cleared"


def test_consent_by_operation_id_when_the_operation_is_released(world: World) -> None:
    node = world.node
    area = measure_area(node)
    drop = operation(
        node, "burrows", ref="drop", kind="air_drop", footprint=square(10.025), release=["su"]
    )
    assert only(node, "su")["status"] == "open"
    node.picture.consent("slavin", area.id, operation=drop.id)
    assert only(node, "su")["status"] == "cleared"


def test_kinds_an_area_does_not_restrict_may_enter_it(world: World) -> None:
    node = world.node
    measure_area(node)  # a restricted operating zone restricts air strikes, drops, artillery
    operation(node, "burrows", ref="convoy", kind="convoy", footprint=square(10.025))
    assert conflicts(node, "uk") == []


def test_notices_are_float_free_node_entries_released_to_one_party(world: World) -> None:
    node = world.node
    operation(node)
    unit(node)
    from liaison.store.queries import EntryFilter

    notices = node.record.list(None, EntryFilter(kind="picture.notice", limit=100))
    assert len(notices) == 2
    for notice in notices:
        assert notice.content.author == "node"
        assert notice.content.party is None
        assert notice.content.release == (notice.content.body["party"],)
        assert find_float(dict(notice.content.body)) is None


def test_an_on_demand_check_finds_conflicts_during_a_window(world: World) -> None:
    node = world.node
    operation(node)
    unit(node)
    window = window_of("2044-07-12T17:00:00Z", "2044-07-12T17:30:00Z")
    assert [c["rule"] for c in node.picture.check("us", window)] == ["fires_near_unit"]
    later = window_of("2044-07-13T00:00:00Z", "2044-07-14T00:00:00Z")
    assert node.picture.check("us", later) == []
    assert len(node.picture.check("uk")) == 1


def test_no_duplicate_notices_for_the_same_conflict(world: World) -> None:
    node = world.node
    operation(node)
    unit(node)
    before = len(_notices(world))
    node.picture.refresh()
    node.picture.check("uk")
    unit(node, time="2044-07-12T15:30:00Z")  # a new report at the same place
    assert len(_notices(world)) == before
