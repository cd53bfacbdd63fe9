"""The picture is a projection of the record: rebuilt projections equal the live ones row for
row, an index rebuilt from the store finds the same conflicts as the live one, and a second
process sharing the store sees the first one's entries by tailing the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.node import Node
from liaison.picture import arrangement_signature
from liaison.picture.live import LivePicture
from liaison.services.rebuild import dump_projections, rebuild_projections
from tests.conftest import World, make_world
from tests.picture.support import (
    END,
    START,
    measure_area,
    only,
    operation,
    square,
    unit,
)


def _scenario(world: World) -> None:
    """Every picture kind, with amendments, a cancellation, a consent and a binding arrangement."""
    node = world.node
    picture = node.picture
    operation(node, name="TOTALIZE")
    unit(node, release=["uk"])
    area = measure_area(node)
    operation(node, "burrows", ref="drop", kind="air_drop", footprint=square(10.025))
    operation(node, "deane", ref="us-strike", footprint=square(10.005, 50.005), release=["su"])
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
    operation(node, "deane", ref="west", footprint=square(9.95, 50.0))
    su = [c for c in picture.conflicts("su") if c["rule"] == "restricted_area_entry"]
    picture.consent("slavin", area.id, conflict=su[0]["conflict"])
    strike = next(c for c in picture.conflicts("us") if c["rule"] == "fires_near_unit")["conflict"]
    picture.acknowledge("deane", strike)
    arrangement = picture.propose_arrangement("burrows", strike, "Hold fire.")
    for member in ("burrows", "deane"):
        signed = arrangement_signature(world.members[member].key, arrangement.raw)
        picture.sign_arrangement(member, arrangement.id, signed["key_id"], signed["signature"])
    picture.amend_operation("deane", "us-strike", state="active")
    picture.cancel_operation("deane", "west")
    unit(node, time="2044-07-12T15:30:00Z", lat=50.3)


def test_rebuilt_projections_equal_the_live_ones(world: World) -> None:
    _scenario(world)
    live = dump_projections(world.node.store)
    assert live["proj_picture_conflicts"]
    assert {r[5] for r in live["proj_picture_conflicts"]} >= {"cleared", "open"}
    rebuild_projections(world.node.store)
    assert dump_projections(world.node.store) == live


def test_an_index_rebuilt_from_the_store_finds_the_same_conflicts(world: World) -> None:
    _scenario(world)
    live = world.node.picture.live()
    rebuilt = LivePicture()
    with world.node.store.read() as conn:
        rebuilt.catch_up(conn)
    assert rebuilt.applied == live.applied == world.node.record.size()
    expected = live.index.sweep()
    assert expected
    assert [c.id for c in rebuilt.index.sweep()] == [c.id for c in expected]
    assert [c.to_json() for c in rebuilt.index.sweep()] == [c.to_json() for c in expected]
    assert rebuilt.subjects == live.subjects


def test_a_second_process_sees_the_first_ones_entries_by_tailing_the_log(
    world: World, store_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "shared-node.key"
    world.node.key.write(key)
    other = Node.open(store_url, key)
    try:
        # The other process puts the strike on the record; this one reports the unit.
        other.picture.create_operation(
            "burrows",
            ref="op-strike",
            kind="air_strike",
            volumes=[{"footprint": square(), "start": START, "end": END}],
            release=[],
        )
        unit(world.node)
        found = only(world.node, "us")
        assert found["rule"] == "fires_near_unit"
        # Both processes agree, and neither writes the notices twice.
        assert other.picture.conflicts("uk") == world.node.picture.conflicts("uk")
        other.picture.refresh()
        world.node.picture.check("us")
        from liaison.store.queries import EntryFilter

        notices = world.node.record.count(None, EntryFilter(kind="picture.notice"))
        assert notices == 2
    finally:
        other.close()


def test_a_process_that_starts_later_checks_what_was_never_checked(
    world: World, store_url: str, tmp_path: Path
) -> None:
    from liaison.domain.kinds import KINDS
    from liaison.services.record import AppendRequest

    key = tmp_path / "later-node.key"
    world.node.key.write(key)
    unit(world.node)
    # An operation written with no picture service listening (as by a process that stopped
    # between its append and its notices): the hooks are bypassed on purpose.
    body = KINDS.get("picture.operation").validate(
        {
            "ref": "quiet",
            "kind": "air_strike",
            "volumes": [{"footprint": square(), "window": {"start": START, "end": END}}],
        }
    )
    hooks = world.node.record._hooks
    world.node.record._hooks = []
    try:
        world.node.record.append(AppendRequest("burrows", "picture.operation", body, release=[]))
    finally:
        world.node.record._hooks = hooks
    later = Node.open(store_url, key)
    try:
        later.picture.refresh()
        assert [c["rule"] for c in later.picture.conflicts("us")] == ["fires_near_unit"]
    finally:
        later.close()


def _summary(world: World) -> dict[str, list[tuple[str, str, int, str]]]:
    return {
        party: sorted(
            (c["rule"], c["status"], c["revision"], c["severity"])
            for c in world.node.picture.conflicts(party, limit=None)
        )
        for party in ("uk", "us", "su")
    }


def test_sweeping_the_whole_index_notifies_what_checking_each_change_does(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(world)
    expected = _summary(world)
    monkeypatch.setattr("liaison.picture.detect._SWEEP_OVER", 0)
    swept = make_world(str(tmp_path / "swept.db"), tmp_path)
    try:
        _scenario(swept)
        assert _summary(swept) == expected
    finally:
        swept.node.close()


def test_two_processes_writing_at_once_notify_each_conflict_once(
    world: World, store_url: str, tmp_path: Path
) -> None:
    import threading

    from liaison.store.queries import EntryFilter

    key = tmp_path / "racing-node.key"
    world.node.key.write(key)
    other = Node.open(store_url, key)
    try:
        barrier = threading.Barrier(2)

        def strikes() -> None:
            barrier.wait()
            for i in range(3):
                operation(other, ref=f"op-{i}", footprint=square(10.0 + 0.03 * i))

        def reports() -> None:
            barrier.wait()
            for i in range(3):
                unit(world.node, ref=f"u-{i}", lon=10.005 + 0.03 * i)

        threads = [threading.Thread(target=strikes), threading.Thread(target=reports)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        world.node.picture.refresh()
        other.picture.refresh()
        assert len(world.node.picture.conflicts("us")) == 3
        assert other.picture.conflicts("uk") == world.node.picture.conflicts("uk")
        notices = world.node.record.list(None, EntryFilter(kind="picture.notice", limit=1000))
        keys = [(n.content.body["conflict"], n.content.body["party"]) for n in notices]
        assert len(keys) == len(set(keys)) == 6
    finally:
        other.close()
