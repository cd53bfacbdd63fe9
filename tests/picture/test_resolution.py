"""Resolving conflicts on the record: amendment, cancellation, acknowledgement, and deconfliction
arrangements that bind only when a commander of every party involved, whose mandate covers the
region and time of the clash, signed the arrangement's exact bytes with their own key."""

from __future__ import annotations

from typing import Any

import pytest

from liaison.domain.entry import StoredEntry
from liaison.errors import Conflict, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.ledger.signing import KeyFile, b64e, sign
from liaison.picture import arrangement_signature
from tests.conftest import World
from tests.picture.support import (
    LATER,
    appoint,
    conflicts,
    only,
    operation,
    refused,
    square,
    unit,
)


@pytest.fixture
def clash(world: World) -> tuple[World, StoredEntry, str]:
    """A uk strike endangering a us unit: the conflict's id."""
    strike = operation(world.node, name="TOTALIZE")
    unit(world.node)
    return world, strike, only(world.node, "uk")["conflict"]


def _sign(world: World, member: str, arrangement: StoredEntry) -> StoredEntry:
    signed = arrangement_signature(world.members[member].key, arrangement.raw)
    return world.node.picture.sign_arrangement(
        member, arrangement.id, signed["key_id"], signed["signature"]
    )


def test_an_amendment_that_clears_the_conflict_closes_it_for_every_party(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    moved = {
        "footprint": square(10.2),
        "start": "2044-07-12T16:00:00Z",
        "end": "2044-07-12T18:00:00Z",
    }
    world.node.picture.amend_operation("burrows", "op-strike", volumes=[moved])
    for party in ("uk", "us"):
        found = only(world.node, party)
        assert found["conflict"] == cid
        assert found["status"] == "cleared"
        assert found["reason"] == "operation amended"
        assert found["revision"] == 2


def test_an_amendment_that_still_clashes_updates_the_same_conflict(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, strike, cid = clash
    world.node.picture.amend_operation(
        "burrows",
        strike.id,
        volumes=[
            {"footprint": square(), "start": "2044-07-12T17:00:00Z", "end": "2044-07-12T19:00:00Z"}
        ],
    )
    found = only(world.node, "us")
    assert (found["conflict"], found["status"], found["revision"]) == (cid, "open", 2)
    assert found["window"] == {"start": "2044-07-12T17:00:00Z", "end": "2044-07-12T19:00:00Z"}
    history = world.node.picture.conflict("us", cid)["notices"]
    assert [n["body"]["revision"] for n in history] == [1, 2]
    assert history[1]["supersedes"] == history[0]["id"]


def test_cancelling_the_operation_clears_the_conflict(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, _ = clash
    world.node.picture.cancel_operation("burrows", "op-strike")
    assert only(world.node, "us")["status"] == "cleared"
    assert only(world.node, "uk")["reason"] == "operation cancelled"
    refused(Conflict, world.node.picture.amend_operation, "burrows", "op-strike", name="again")


def test_a_conflict_reopens_when_the_clash_comes_back(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    unit(world.node, lat=50.2, time="2044-07-12T15:10:00Z")  # the unit moves away
    assert only(world.node, "uk")["status"] == "cleared"
    assert only(world.node, "uk")["reason"] == "unit moved"
    unit(world.node, time="2044-07-12T15:20:00Z")  # and back
    found = only(world.node, "uk")
    assert (found["conflict"], found["status"], found["revision"]) == (cid, "open", 3)


def test_acknowledged_only_when_every_party_involved_acknowledged(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    picture = world.node.picture
    ack = picture.acknowledge("burrows", cid, note="we know")
    assert ack.content.release == ("uk", "us")
    us = only(world.node, "us")
    assert (us["status"], us["acknowledged_by"]) == ("open", ["uk"])
    refused(Conflict, picture.acknowledge, "burrows", cid)
    refused(NotFound, picture.acknowledge, "slavin", cid)
    picture.acknowledge("deane", cid)
    assert only(world.node, "uk")["status"] == "acknowledged"
    assert [c["status"] for c in conflicts(world.node, "us", status="acknowledged")] == [
        "acknowledged"
    ]


def test_an_acknowledgement_answers_one_revision(clash: tuple[World, StoredEntry, str]) -> None:
    world, _, cid = clash
    picture = world.node.picture
    picture.acknowledge("burrows", cid)
    picture.acknowledge("deane", cid)
    picture.amend_operation(
        "burrows",
        "op-strike",
        volumes=[
            {"footprint": square(), "start": "2044-07-12T16:30:00Z", "end": "2044-07-12T18:00:00Z"}
        ],
    )
    found = only(world.node, "uk")
    assert (found["status"], found["revision"], found["acknowledged_by"]) == ("open", 2, [])


def test_an_observer_cannot_acknowledge(clash: tuple[World, StoredEntry, str]) -> None:
    world, _, cid = clash
    refused(NotPermitted, world.node.picture.acknowledge, "watcher", cid)


def test_a_cleared_conflict_cannot_be_acknowledged(clash: tuple[World, StoredEntry, str]) -> None:
    world, _, cid = clash
    world.node.picture.cancel_operation("burrows", "op-strike")
    refused(Conflict, world.node.picture.acknowledge, "deane", cid)


def test_an_arrangement_binds_when_each_partys_commander_signed(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    picture = world.node.picture
    arrangement = picture.propose_arrangement(
        "burrows", cid, "1st Armored withdraws 2 km north before 15:45Z."
    )
    assert arrangement.content.release == ("uk", "us")
    assert arrangement.content.body["parties"] == ["uk", "us"]
    _sign(world, "burrows", arrangement)
    found = only(world.node, "us")
    assert found["status"] == "open"
    assert found["arrangements"][0]["signed_by"] == ["uk"]
    assert found["arrangements"][0]["binding"] is False
    _sign(world, "deane", arrangement)
    found = only(world.node, "us")
    assert found["status"] == "arranged"
    assert found["arrangements"][0]["binding"] is True
    refused(Conflict, _sign, world, "deane", arrangement)


def _arrangement(world: World, cid: str) -> StoredEntry:
    return world.node.picture.propose_arrangement("burrows", cid, "Hold fire 16:00-16:30Z.")


def test_a_signature_with_another_key_is_refused(clash: tuple[World, StoredEntry, str]) -> None:
    world, _, cid = clash
    arrangement = _arrangement(world, cid)
    stranger = KeyFile.new("deane", "us")
    forged = b64e(sign(stranger.signing_key, arrangement.raw))
    key_id = arrangement_signature(world.members["deane"].key, b"")["key_id"]
    error = refused(
        InvalidSignature,
        world.node.picture.sign_arrangement,
        "deane",
        arrangement.id,
        key_id,
        forged,
    )
    assert "does not verify" in error.detail


def test_a_signature_over_other_bytes_is_refused(clash: tuple[World, StoredEntry, str]) -> None:
    world, _, cid = clash
    arrangement = _arrangement(world, cid)
    signed = arrangement_signature(world.members["deane"].key, arrangement.raw + b" ")
    refused(
        InvalidSignature,
        world.node.picture.sign_arrangement,
        "deane",
        arrangement.id,
        signed["key_id"],
        signed["signature"],
    )


def test_only_commanders_of_the_parties_involved_sign(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    arrangement = _arrangement(world, cid)
    refused(NotFound, _sign, world, "slavin", arrangement)  # not released to su
    appoint(world, "bradley", "us", "officer")
    refused(NotPermitted, _sign, world, "bradley", arrangement)


def _commander_elsewhere(world: World) -> None:
    far = {
        "type": "Polygon",
        "coordinates": [[[20.0, 40.0], [21.0, 40.0], [21.0, 41.0], [20.0, 41.0], [20.0, 40.0]]],
    }
    appoint(world, "patton", "us", "commander", areas=[far])


def test_a_commander_whose_mandate_does_not_cover_the_region_cannot_bind(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    _commander_elsewhere(world)
    arrangement = _arrangement(world, cid)
    error = refused(NotPermitted, _sign, world, "patton", arrangement)
    assert "does not cover the region" in error.detail
    _sign(world, "burrows", arrangement)
    assert only(world.node, "uk")["status"] == "open"


def test_a_commander_whose_mandate_ends_before_the_clash_cannot_bind(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    appoint(world, "clark", "us", "commander", expires="2044-07-12T17:00:00Z")
    arrangement = _arrangement(world, cid)
    error = refused(NotPermitted, _sign, world, "clark", arrangement)
    assert "expires" in error.detail


def test_an_arrangement_for_an_old_revision_cannot_be_signed(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    arrangement = _arrangement(world, cid)
    world.node.picture.amend_operation(
        "burrows",
        "op-strike",
        volumes=[{"footprint": square(), "start": LATER[0], "end": LATER[1]}],
    )
    unit(world.node, time="2044-07-13T15:00:00Z", stale="2044-07-13T20:00:00Z")
    error = refused(Conflict, _sign, world, "deane", arrangement)
    assert "revision" in error.detail or "cleared" in error.detail


def test_the_arrangement_must_name_exactly_the_parties(
    clash: tuple[World, StoredEntry, str],
) -> None:
    world, _, cid = clash
    from liaison.services.record import AppendRequest

    body: dict[str, Any] = {"conflict": cid, "revision": 1, "parties": ["uk"], "text": "alone"}
    refused(
        InvalidInput,
        world.node.record.append,
        AppendRequest("burrows", "picture.arrangement", body, release=["us"]),
    )
