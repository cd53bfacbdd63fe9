"""Reading the picture: what is current during a window, which version each party sees, and
the order conflicts are listed in."""

from __future__ import annotations

from liaison.errors import InvalidInput
from liaison.services.picture import window_of
from tests.conftest import World
from tests.picture.support import conflicts, measure_area, operation, refused, square, unit


def test_operations_current_during_a_window(sqlite_world: World) -> None:
    node = sqlite_world.node
    operation(node, ref="early", start="2044-07-12T08:00:00Z", end="2044-07-12T10:00:00Z")
    operation(node, ref="late", start="2044-07-12T16:00:00Z", end="2044-07-12T18:00:00Z")
    refs = [o["ref"] for o in node.picture.operations("uk", window_of(at="2044-07-12T09:00:00Z"))]
    assert refs == ["early"]
    noon = window_of("2044-07-12T09:30:00Z", "2044-07-12T16:00:01Z")
    assert [o["ref"] for o in node.picture.operations("uk", noon)] == ["early", "late"]
    # Windows are half-open: an operation ending at 10:00 is not current at 10:00.
    assert node.picture.operations("uk", window_of(at="2044-07-12T10:00:00Z")) == []


def test_a_units_latest_report_is_current_until_it_goes_stale(sqlite_world: World) -> None:
    node = sqlite_world.node
    unit(node, time="2044-07-12T10:00:00Z", stale="2044-07-12T11:00:00Z")
    unit(node, time="2044-07-12T12:00:00Z", stale="2044-07-12T13:00:00Z", lat=50.1)
    at = node.picture.units("us", window_of(at="2044-07-12T10:30:00Z"))
    assert [u["position"]["coordinates"][1] for u in at] == [50.012]
    assert node.picture.units("us", window_of(at="2044-07-12T11:30:00Z")) == []
    latest = node.picture.units("us")
    assert [u["time"] for u in latest] == ["2044-07-12T12:00:00Z"]


def test_measures_in_force_during_a_window(sqlite_world: World) -> None:
    node = sqlite_world.node
    measure_area(node, start="2044-07-01T00:00:00Z", end="2044-07-02T00:00:00Z")
    assert node.picture.measures("uk", window_of(at="2044-07-01T12:00:00Z"))[0]["ref"] == "roz-1"
    assert node.picture.measures("uk", window_of(at="2044-07-03T00:00:00Z")) == []
    assert node.picture.measures("us")[0]["binds"] == ["uk", "us"]


def test_each_party_sees_the_latest_version_released_to_it(sqlite_world: World) -> None:
    node = sqlite_world.node
    first = operation(node, name="shared", release=["us"])
    node.picture.amend_operation("burrows", "op-strike", name="kept back", release=[])
    assert [o["name"] for o in node.picture.operations("uk")] == ["kept back"]
    shown = node.picture.operations("us")
    assert [(o["name"], o["entry"]) for o in shown] == [("shared", first.id)]
    assert node.picture.operations("su") == []
    assert node.picture.operation("us", first.id)["versions"] == [first.id]


def test_open_conflicts_come_first_then_the_newest(sqlite_world: World) -> None:
    node = sqlite_world.node
    unit(node)
    operation(node, ref="a")
    operation(node, ref="b", footprint=square(10.001))
    operation(node, ref="c", footprint=square(10.002))
    node.picture.cancel_operation("burrows", "b")
    listed = conflicts(node, "us")
    assert [c["status"] for c in listed] == ["open", "open", "cleared"]
    assert listed[0]["notice_seq"] > listed[1]["notice_seq"]
    assert len(conflicts(node, "us", limit=1)) == 1
    assert [c["status"] for c in conflicts(node, "us", status="cleared")] == ["cleared"]


def test_a_window_needs_both_ends_in_iso_8601_with_a_zone() -> None:
    refused(InvalidInput, window_of, "2044-07-12T10:00:00Z", None)
    refused(InvalidInput, window_of, "2044-07-12T10:00:00", "2044-07-12T11:00:00Z")
    refused(InvalidInput, window_of, "2044-07-12T11:00:00Z", "2044-07-12T10:00:00Z")
    refused(InvalidInput, window_of, at="noon", start="2044-07-12T10:00:00Z")
    assert window_of() is None
