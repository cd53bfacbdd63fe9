"""One write transaction, many entries: what a later entry of a batch sees of the earlier ones.

The record writes the projections of a batch's entries in bulk, only when a later entry is
checked against them; these tests hold it to seeing everything it would have seen had each
entry been appended on its own.
"""

from __future__ import annotations

from typing import Any

from liaison.domain.entry import StoredEntry
from liaison.errors import NotPermitted
from liaison.projections.picture import UNIT
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.record import NODE_AUTHOR, AppendRequest
from tests.conftest import World


def _unit(n: int, time: str = "2044-07-12T10:00:00Z") -> dict[str, Any]:
    return {
        "unit": f"u-{n}",
        "name": f"unit {n}",
        "position": {"type": "Point", "coordinates": [10.0 + n / 1000, 50.0]},
        "time": time,
        "stale_time": "2044-07-12T12:00:00Z",
        "symbol_code": "SFGPUCI--------",
        "heading_mdeg": None,
        "speed_mmps": None,
    }


def test_a_member_revoked_earlier_in_a_batch_may_not_write_later_in_it(world: World) -> None:
    results = world.node.record.append_many(
        [
            AppendRequest("eden", UNIT, _unit(1), release=["us"]),
            AppendRequest("eden", "note", {"text": "before"}),
            AppendRequest(NODE_AUTHOR, "member.revoke", {"member": "eden", "reason": "recalled"}),
            AppendRequest("eden", UNIT, _unit(2), release=["us"]),
            AppendRequest("eden", "note", {"text": "after"}),
        ]
    )
    kinds = [type(r).__name__ for r in results]
    # Everything after the revocation in the same batch is judged by the roster it left.
    assert kinds[:3] == ["StoredEntry", "StoredEntry", "StoredEntry"]
    assert isinstance(results[3], NotPermitted)
    assert isinstance(results[4], NotPermitted)


def test_a_correction_later_in_a_batch_finds_the_entry_it_corrects(world: World) -> None:
    first = AppendRequest("eden", UNIT, _unit(1), release=["us"])
    results = world.node.record.append_many(
        [first, *[AppendRequest("eden", UNIT, _unit(n), release=["us"]) for n in range(2, 40)]]
    )
    assert all(isinstance(r, StoredEntry) for r in results)
    head = results[0]
    assert isinstance(head, StoredEntry)
    more = world.node.record.append_many(
        [
            AppendRequest("eden", UNIT, _unit(50), release=["us"]),
            AppendRequest(
                "eden",
                UNIT,
                _unit(1, "2044-07-12T10:05:00Z"),
                release=["us"],
                supersedes=head.id,
            ),
            AppendRequest(
                "eden",
                UNIT,
                _unit(1, "2044-07-12T10:06:00Z"),
                release=["us"],
                supersedes=head.id,
            ),
        ]
    )
    assert [type(r).__name__ for r in more] == ["StoredEntry", "StoredEntry", "Conflict"]


def test_projections_written_in_bulk_are_the_ones_a_rebuild_writes(world: World) -> None:
    node = world.node
    results = node.record.append_many(
        [
            *[AppendRequest("eden", UNIT, _unit(n), release=["us"]) for n in range(30)],
            AppendRequest("eden", "note", {"text": "between"}),
            AppendRequest(NODE_AUTHOR, "party.add", {"party": "fr", "name": "Free French"}),
            *[AppendRequest("eden", UNIT, _unit(n + 30), release=["fr"]) for n in range(30)],
        ]
    )
    assert all(isinstance(r, StoredEntry) for r in results), results
    live = dump_projections(node.record.store)
    assert len(live["proj_picture_units"]) == 60
    rebuild_projections(node.record.store)
    assert dump_projections(node.record.store) == live
