"""Putting parties and members on the record: each change is an entry released to
every party, and bad or duplicate changes are refused without changing anything."""

from __future__ import annotations

import pytest

from liaison.errors import Conflict, InvalidBody, InvalidInput, LiaisonError, NotFound
from liaison.services.roster import authenticate, hash_token
from tests.conftest import World
from tests.record.support import RawDb


def _refused(world: World, error: type[LiaisonError], action: object) -> None:
    size = world.node.record.size()
    with pytest.raises(error):
        action()  # type: ignore[operator]
    assert world.node.record.size() == size


def test_roster_changes_are_entries_every_party_reads(world: World) -> None:
    node = world.node
    added = node.roster.add_party("pl", "Polish government-in-exile")
    appointed = node.roster.appoint(
        "sikorski", "pl", "Sikorski", "plenipotentiary", {"topics": ["*"]}
    )
    for entry in (added, appointed.entry):
        assert entry.content.release == ("*",)
        for party in ("uk", "us", "su", "pl"):
            assert node.record.get(party, entry.id) == entry
    assert appointed.entry.content.body["public_key"]
    assert "seed" not in appointed.entry.raw.decode()


def test_duplicate_and_lookalike_parties_are_refused(world: World) -> None:
    roster = world.node.roster
    _refused(world, Conflict, lambda: roster.add_party("uk", "Britain again"))
    for lookalike in ("uk\n", "UK", "uk ", "u k"):
        _refused(world, InvalidBody, lambda p=lookalike: roster.add_party(p, "Britain"))


def test_bad_appointments_are_refused(world: World) -> None:
    roster = world.node.roster
    _refused(world, NotFound, lambda: roster.appoint("x", "vichy", "X", "officer", {}))
    _refused(world, Conflict, lambda: roster.appoint("eden", "uk", "Eden", "officer", {}))
    _refused(world, Conflict, lambda: roster.appoint("node", "uk", "Node", "officer", {}))
    _refused(world, InvalidBody, lambda: roster.appoint("eden\n", "uk", "E", "officer", {}))
    _refused(
        world,
        InvalidBody,
        lambda: roster.appoint("y", "uk", "Y", "officer", {"topics": ["Bad Topic"]}),
    )
    _refused(world, InvalidInput, lambda: roster.appoint("z", "uk", "Z", "general", {}))


def test_changes_to_unknown_or_revoked_members_are_refused(world: World) -> None:
    roster = world.node.roster
    _refused(world, NotFound, lambda: roster.change("maisky", "officer", {}))
    _refused(world, NotFound, lambda: roster.revoke("maisky", "x"))
    _refused(world, NotFound, lambda: roster.rotate_key("maisky"))
    roster.revoke("kerr", "recalled")
    _refused(world, Conflict, lambda: roster.revoke("kerr", "again"))


def test_only_a_hash_of_each_token_is_stored(world: World) -> None:
    token = world.token("eden")
    second = world.node.roster.issue_token("eden")
    assert second != token
    assert authenticate(world.node.record, second) == "eden"
    assert authenticate(world.node.record, token) == "eden"
    stored = RawDb.of(world.node).query("SELECT token_hash, member FROM api_tokens")
    hashes = {h for h, m in stored if m == "eden"}
    assert hashes == {hash_token(token), hash_token(second)}
    assert all(token not in h and second not in h for h, _ in stored)
