"""Corrections never overwrite: a new entry supersedes an old one, and both stay."""

from __future__ import annotations

import hashlib

import pytest

from liaison.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liaison.services.record import AppendRequest
from tests.conftest import World
from tests.record.support import everything, note


def test_a_correction_is_a_new_entry_and_the_original_is_unchanged(world: World) -> None:
    node = world.node
    first = note(node, "eden", "Mil 1582: the Russians will be told", ["us"])
    second = note(
        node, "eden", "Mil 1582: the Russians will be told in part", ["us"], supersedes=first.id
    )
    assert second.seq > first.seq
    assert second.id != first.id
    assert second.content.supersedes == first.id
    assert node.record.get("uk", first.id) == first  # byte for byte as first appended
    assert node.record.get("uk", first.id).raw == first.raw


def test_versions_chain_oldest_first_from_any_version(world: World) -> None:
    node = world.node
    v1 = note(node, "molotov", "draft 1", ["uk"])
    v2 = note(node, "molotov", "draft 2", ["uk"], supersedes=v1.id)
    v3 = note(node, "molotov", "draft 3", ["uk"], supersedes=v2.id)
    for version in (v1, v2, v3):
        assert [e.id for e in node.record.versions("su", version.id)] == [v1.id, v2.id, v3.id]
        assert [e.id for e in node.record.versions("uk", version.id)] == [v1.id, v2.id, v3.id]


def test_versions_show_a_reader_only_the_versions_released_to_it(world: World) -> None:
    """A first draft's assurances may be dropped from what another party ever sees."""
    node = world.node
    draft = note(node, "molotov", "assurances we will not give", [])
    final = note(node, "molotov", "the reply as sent", ["uk"], supersedes=draft.id)
    assert [e.id for e in node.record.versions("uk", final.id)] == [final.id]
    assert [e.id for e in node.record.versions("su", final.id)] == [draft.id, final.id]
    with pytest.raises(NotFound):
        node.record.versions("uk", draft.id)


def test_only_the_authoring_party_can_supersede(world: World) -> None:
    node = world.node
    british = note(node, "eden", "our account of 10 March", ["su"])
    size = node.record.size()
    with pytest.raises(NotPermitted):
        note(node, "molotov", "the Soviet account instead", ["su", "uk"], supersedes=british.id)
    assert node.record.size() == size
    # Another member of the same party may correct it.
    fixed = note(node, "kerr", "our account of 10 March, corrected", ["su"], supersedes=british.id)
    assert fixed.content.party == "uk"


def test_superseding_an_unreleased_entry_looks_like_superseding_nothing(world: World) -> None:
    node = world.node
    hidden = note(node, "molotov", "the real headquarters", [])
    absent = hashlib.sha256(b"nothing").hexdigest()
    errors = []
    for target in (hidden.id, absent):
        with pytest.raises(NotFound) as caught:
            note(node, "eden", "a correction", [], supersedes=target)
        errors.append(caught.value.detail.replace(target, "<id>"))
    assert errors[0] == errors[1]


def test_a_correction_keeps_the_kind(world: World) -> None:
    node = world.node
    appointed = world.members["kerr"].entry
    size = node.record.size()
    body = {"party": "fr", "name": "Free French", "default_release": []}
    with pytest.raises(InvalidInput, match="keeps the kind"):
        node.record.append(
            AppendRequest(author="node", kind="party.add", body=body, supersedes=appointed.id)
        )
    assert node.record.size() == size
    # A member cannot correct the node's roster entries at all.
    with pytest.raises(NotPermitted):
        note(node, "eden", "x", [], supersedes=appointed.id)
    assert node.record.size() == size


def test_superseding_twice_is_refused_so_versions_never_fork(world: World) -> None:
    node = world.node
    v1 = note(node, "harriman", "convoy sails on the 12th", ["uk"])
    v2 = note(node, "harriman", "convoy sails on the 14th", ["uk"], supersedes=v1.id)
    size = node.record.size()
    with pytest.raises(Conflict):
        note(node, "harriman", "convoy sails on the 15th", ["uk"], supersedes=v1.id)
    assert node.record.size() == size
    v3 = note(node, "harriman", "convoy sails on the 15th", ["uk"], supersedes=v2.id)
    assert [e.id for e in node.record.versions("us", v1.id)] == [v1.id, v2.id, v3.id]


def test_two_corrections_of_one_entry_in_one_batch_are_refused(world: World) -> None:
    node = world.node
    v1 = note(node, "harriman", "original", ["uk"])
    results = node.record.append_many(
        [
            AppendRequest(author="harriman", kind="note", body={"text": "a"}, supersedes=v1.id),
            AppendRequest(author="deane", kind="note", body={"text": "b"}, supersedes=v1.id),
        ]
    )
    assert [type(r).__name__ for r in results].count("StoredEntry") == 1
    assert any(isinstance(r, Conflict) for r in results)
    assert len(node.record.versions("us", v1.id)) == 2


def test_supersedes_must_be_an_entry_id(world: World) -> None:
    size = world.node.record.size()
    for target in ("abc", "G" * 64, "A" * 64, ""):
        with pytest.raises(InvalidInput):
            note(world.node, "eden", "x", [], supersedes=target)
    assert world.node.record.size() == size


def test_nothing_in_the_record_is_ever_rewritten_by_corrections(world: World) -> None:
    node = world.node
    before = {e.id: e.raw for e in everything(node)}
    v1 = note(node, "eden", "one", [])
    note(node, "eden", "two", [], supersedes=v1.id)
    after = {e.id: e.raw for e in everything(node)}
    assert {k: after[k] for k in before} == before
