"""Who may do what, decided without I/O: roles, mandates, expiry, revocation,
and administrative kinds — every decision says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.domain.authority import decide_append, decide_role
from liaison.domain.kinds import KINDS, ROSTER_KINDS
from liaison.domain.mandate import Mandate
from liaison.domain.member import Authority, MemberKey
from liaison.domain.roles import Role

NOW = datetime(1944, 7, 12, 16, 30, tzinfo=UTC)


def authority(
    role: Role,
    topics: frozenset[str] = frozenset({"*"}),
    *,
    expires: datetime | None = None,
    revoked: bool = False,
) -> Authority:
    return Authority(
        member="deane",
        party="us",
        name="Deane",
        role=role,
        mandate=Mandate(topics=topics, expires=expires),
        revoked=revoked,
        revoked_reason="recalled" if revoked else None,
        keys=(MemberKey("k1", bytes(32), 5, NOW),),
        as_of_seq=5,
    )


def test_roles_are_ordered_and_parse_case_insensitively() -> None:
    assert Role.OBSERVER < Role.OFFICER < Role.COMMANDER < Role.PLENIPOTENTIARY
    assert Role.parse(" Commander ") is Role.COMMANDER
    assert str(Role.PLENIPOTENTIARY) == "plenipotentiary"
    with pytest.raises(ValueError, match="observer, officer, commander, plenipotentiary"):
        Role.parse("general")


@given(have=st.sampled_from(Role), need=st.sampled_from(Role))
def test_a_role_allows_exactly_what_it_includes(have: Role, need: Role) -> None:
    decision = decide_role(authority(have), need, "acting", NOW)
    assert bool(decision) == (have >= need)
    assert decision.reason


def test_no_authority_means_no() -> None:
    decision = decide_role(None, Role.OBSERVER, "reading", NOW)
    assert not decision
    assert "not a member" in decision.reason


def test_revocation_refuses_every_role_and_says_why() -> None:
    for role in Role:
        decision = decide_role(authority(role, revoked=True), Role.OBSERVER, "acting", NOW)
        assert not decision
        assert "revoked: recalled" in decision.reason


def test_a_mandate_expires_at_its_instant_not_after() -> None:
    expires = NOW + timedelta(minutes=1)
    held = authority(Role.PLENIPOTENTIARY, expires=expires)
    assert decide_role(held, Role.OFFICER, "acting", expires - timedelta(microseconds=1))
    assert not decide_role(held, Role.OFFICER, "acting", expires)
    assert "expired" in decide_role(held, Role.OFFICER, "acting", expires).reason


@pytest.mark.parametrize("kind", sorted(ROSTER_KINDS))
def test_administrative_kinds_are_refused_to_every_role(kind: str) -> None:
    spec = KINDS.get(kind)
    assert spec.min_role is None
    for role in Role:
        decision = decide_append(authority(role), spec, {}, NOW)
        assert not decision
        assert "administrator" in decision.reason


def test_every_member_kind_needs_its_least_role() -> None:
    """For every kind any capability registered: the roles below its minimum are refused."""
    member_kinds = [spec for spec in KINDS if spec.min_role is not None]
    assert any(spec.name == "note" for spec in member_kinds)
    for spec in member_kinds:
        assert spec.min_role is not None
        for role in Role:
            decision = decide_append(authority(role), spec, {}, NOW)
            if role < spec.min_role:
                assert not decision, (spec.name, role)
                assert str(spec.min_role) in decision.reason


@pytest.mark.parametrize(
    ("topics", "topic", "allowed"),
    [
        ({"*"}, "anything.at.all", True),
        ({"coordination"}, "coordination", True),
        ({"coordination"}, "coordination.air", True),
        ({"coordination.air"}, "coordination", False),
        ({"coordination"}, "coordinationx", False),
        ({"coordination"}, "diplomacy", False),
        (set(), "coordination", False),
    ],
)
def test_a_note_topic_must_lie_within_the_mandate(
    topics: set[str], topic: str, allowed: bool
) -> None:
    spec = KINDS.get("note")
    held = authority(Role.OFFICER, frozenset(topics))
    decision = decide_append(held, spec, {"text": "x", "topic": topic}, NOW)
    assert bool(decision) == allowed
    if not allowed:
        assert repr(topic) in decision.reason
    # A note without a topic needs no topic in the mandate.
    assert decide_append(held, spec, {"text": "x", "topic": None}, NOW)


def test_decisions_name_only_the_member_and_the_rule() -> None:
    """The reason reaches the refused member and the logs, never another party's content."""
    spec = KINDS.get("note")
    held = authority(Role.OFFICER, frozenset({"diplomacy"}))
    reason = decide_append(held, spec, {"text": "SECRET-BODY", "topic": "coordination"}, NOW)
    assert "SECRET-BODY" not in reason.reason
