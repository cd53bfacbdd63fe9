"""Authority is explicit: each role can do exactly what it may, within its mandate,
until it expires or is revoked; and the record answers who could do what when."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from liaison.domain.kinds import KINDS, ROSTER_KINDS
from liaison.domain.roles import Role
from liaison.domain.time import format_time, utcnow
from liaison.errors import NotAuthenticated, NotFound, NotPermitted
from liaison.ledger.signing import KeyFile, b64e
from liaison.services.record import AppendRequest
from liaison.services.roster import authenticate
from tests.conftest import MEMBERS, World
from tests.record.support import note, signed_request


def _refused(world: World, request: AppendRequest) -> NotPermitted:
    size = world.node.record.size()
    with pytest.raises(NotPermitted) as caught:
        world.node.record.append(request)
    assert world.node.record.size() == size
    return caught.value


def test_an_observer_cannot_append(world: World) -> None:
    err = _refused(world, AppendRequest(author="watcher", kind="note", body={"text": "seen"}))
    assert "officer" in err.detail
    request, _ = signed_request(
        "watcher", "uk", world.members["watcher"].key, {"text": "seen", "topic": None}, ["uk"]
    )
    _refused(world, request)


def test_officers_and_above_can_append_notes(world: World) -> None:
    for member in ("kerr", "burrows", "eden"):
        entry = note(world.node, member, f"a note by {member}", [])
        assert entry.content.author == member
        assert entry.content.party == "uk"


def test_a_topic_outside_the_mandate_is_refused(world: World) -> None:
    # kerr's mandate is "diplomacy"; burrows's is "coordination".
    assert note(world.node, "kerr", "x", [], topic="diplomacy").content.body["topic"] == (
        "diplomacy"
    )
    assert note(world.node, "kerr", "x", [], topic="diplomacy.poland")
    err = _refused(
        world,
        AppendRequest(author="kerr", kind="note", body={"text": "x", "topic": "coordination"}),
    )
    assert "coordination" in err.detail
    # A topic covers its children, not every name that starts with the same letters.
    _refused(
        world,
        AppendRequest(author="kerr", kind="note", body={"text": "x", "topic": "diplomacyx"}),
    )
    assert note(world.node, "burrows", "x", [], topic="coordination.air")
    # "*" covers every topic.
    assert note(world.node, "eden", "x", [], topic="coordination.air")


def test_an_empty_topic_list_covers_no_topic(world: World) -> None:
    world.node.roster.appoint("clerk", "uk", "Clerk", "officer", {"topics": []})
    _refused(
        world, AppendRequest(author="clerk", kind="note", body={"text": "x", "topic": "diplomacy"})
    )


def test_a_mandate_that_expired_before_appointment_refuses(world: World) -> None:
    past = format_time(utcnow() - timedelta(hours=1))
    world.node.roster.appoint("envoy", "uk", "Envoy", "officer", {"topics": ["*"], "expires": past})
    err = _refused(world, AppendRequest(author="envoy", kind="note", body={"text": "late"}))
    assert "expired" in err.detail


def test_a_mandate_changed_to_expire_refuses_from_then_on(world: World) -> None:
    node = world.node
    before = note(node, "deane", "within mandate", [])
    past = format_time(utcnow() - timedelta(seconds=1))
    node.roster.change("deane", "commander", {"topics": ["coordination"], "expires": past})
    _refused(world, AppendRequest(author="deane", kind="note", body={"text": "after expiry"}))
    assert node.record.get("us", before.id) == before  # what was done stays on the record
    future = format_time(utcnow() + timedelta(days=1))
    node.roster.change("deane", "commander", {"topics": ["coordination"], "expires": future})
    assert note(node, "deane", "renewed", [])


def test_a_demoted_member_loses_what_the_old_role_allowed(world: World) -> None:
    node = world.node
    assert note(node, "harriman", "as plenipotentiary", [])
    node.roster.change("harriman", "observer", {"topics": ["*"]})
    _refused(world, AppendRequest(author="harriman", kind="note", body={"text": "now observer"}))
    node.roster.change("harriman", Role.OFFICER, {"topics": ["*"]})
    assert note(node, "harriman", "officer again", [])


def test_a_revoked_member_is_refused_and_their_token_no_longer_authenticates(
    world: World,
) -> None:
    node = world.node
    token = world.token("slavin")
    assert authenticate(node.record, token) == "slavin"
    note(node, "slavin", "before revocation", [])
    node.roster.revoke("slavin", "recalled to Moscow")
    err = _refused(world, AppendRequest(author="slavin", kind="note", body={"text": "after"}))
    assert "revoked" in err.detail
    request, _ = signed_request(
        "slavin", "su", world.members["slavin"].key, {"text": "after", "topic": None}, ["su"]
    )
    _refused(world, request)
    with pytest.raises(NotAuthenticated):
        authenticate(node.record, token)
    # Other members' tokens are untouched.
    assert authenticate(node.record, world.token("molotov")) == "molotov"


def test_unknown_tokens_do_not_authenticate(world: World) -> None:
    real = world.token("eden")
    for token in (
        None,
        "",
        "lsn_",
        "lsn_notatoken",
        "Bearer lsn_x",
        "x" * 40,
        real[:-1],
        real + "x",
        real.upper(),
    ):
        with pytest.raises(NotAuthenticated) as caught:
            authenticate(world.node.record, token)
        assert caught.value.detail == "a valid member token is required"


def test_an_unknown_author_is_refused(world: World) -> None:
    _refused(world, AppendRequest(author="maisky", kind="note", body={"text": "x"}))


def _admin_bodies() -> dict[str, dict[str, Any]]:
    key = b64e(KeyFile.new("x", None).public_key)
    return {
        "node.genesis": {"origin": "forged", "node_key": key},
        "party.add": {"party": "fr", "name": "Free French", "default_release": []},
        "member.appoint": {
            "member": "spy",
            "party": "uk",
            "name": "Spy",
            "role": "plenipotentiary",
            "mandate": {"topics": ["*"]},
            "public_key": key,
        },
        "member.change": {"member": "watcher", "role": "plenipotentiary", "mandate": {}},
        "member.revoke": {"member": "molotov", "reason": "deposed"},
        "member.key": {"member": "molotov", "public_key": key},
    }


def test_administrative_kinds_are_refused_for_every_member_role(world: World) -> None:
    bodies = _admin_bodies()
    assert set(bodies) == set(ROSTER_KINDS)
    for member, party, _role, _topics in MEMBERS:
        for kind, body in bodies.items():
            err = _refused(world, AppendRequest(author=member, kind=kind, body=body))
            assert "administrator" in err.detail, (member, kind)
            normal = KINDS.get(kind).validate(body)
            request, _ = signed_request(
                member, party, world.members[member].key, normal, ["*"], kind=kind
            )
            assert "administrator" in _refused(world, request).detail, (member, kind)
    assert world.node.record.authority("watcher").role is Role.OBSERVER
    assert not world.node.record.authority("molotov").revoked


def test_authority_at_a_past_moment_is_answered_from_the_record(world: World) -> None:
    node = world.node
    appointed = node.roster.appoint("maclean", "uk", "Maclean", "officer", {"topics": ["*"]})
    changed = node.roster.change("maclean", "commander", {"topics": ["coordination"]})
    revoked = node.roster.revoke("maclean", "defected")

    t_appointed = appointed.entry.stamp.at
    with pytest.raises(NotFound):
        node.record.authority("maclean", at=t_appointed - timedelta(microseconds=1))

    at_appointment = node.record.authority("maclean", at=t_appointed)
    assert at_appointment.role is Role.OFFICER
    assert at_appointment.mandate.covers_topic("anything")
    assert not at_appointment.revoked

    between = node.record.authority("maclean", at=changed.stamp.at)
    assert between.role is Role.COMMANDER
    assert between.mandate.covers_topic("coordination.air")
    assert not between.mandate.covers_topic("diplomacy")
    assert not between.revoked

    after = node.record.authority("maclean", at=revoked.stamp.at)
    assert after.revoked
    assert after.revoked_reason == "defected"
    assert node.record.authority("maclean") == after
    assert after.as_of_seq == revoked.seq
    assert between.as_of_seq == changed.seq
