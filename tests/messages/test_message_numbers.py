"""Message numbers count per audience (senders and addressees) within a channel, on both
backends, so that no party learns from a number how many messages it was not sent."""

from __future__ import annotations

import doctest
import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liaison.messages.numbering
from liaison.errors import Conflict
from liaison.messages.numbering import audience
from tests.conftest import World
from tests.messages.support import add_partisans, numbers_seen, send


@pytest.fixture
def allies(world: World) -> World:
    """The world with a fourth party, and a channel of uk's between all three great powers."""
    add_partisans(world)
    world.node.messages.open_channel("burrows", "uk.bmm-moscow", "BMM, Moscow", ["us", "su"])
    return world


def test_the_audience_helpers_do_what_their_docstrings_say() -> None:
    assert doctest.testmod(liaison.messages.numbering).failed == 0


def test_a_party_outside_an_audience_sees_no_gap_in_the_numbers_it_reads(allies: World) -> None:
    send(allies, ["uk"], ["su"])
    send(allies, ["uk"], ["su"])
    to_us = send(allies, ["uk"], ["us"])
    reply = send(allies, ["su"], ["uk"])  # answering uk: the same audience as uk's to su
    from_us = send(allies, ["us"], ["su"])
    joint = send(allies, ["uk", "us"], ["su"])
    assert (to_us.number, reply.number, from_us.number, joint.number) == (1, 3, 1, 1)
    assert numbers_seen(allies, "us", "uk.bmm-moscow") == {
        ("uk", "us"): [1],
        ("su", "us"): [1],
        ("su", "uk", "us"): [1],
    }
    assert numbers_seen(allies, "su", "uk.bmm-moscow") == {
        ("su", "uk"): [1, 2, 3],
        ("su", "us"): [1],
        ("su", "uk", "us"): [1],
    }


def test_a_number_used_only_in_another_audience_is_free(allies: World) -> None:
    first = send(allies, ["uk"], ["su"], number=1582)
    elsewhere = send(allies, ["uk"], ["us"], number=1582)
    by_another = send(allies, ["us"], ["su"], number=1582)
    assert {first.number, elsewhere.number, by_another.number} == {1582}
    assert len({first.id, elsewhere.id, by_another.id}) == 3


def test_a_number_used_in_the_same_audience_is_a_conflict_naming_only_that_audience(
    allies: World,
) -> None:
    msgs = allies.node.messages
    send(allies, ["uk"], ["su"], number=1582)
    send(allies, ["us"], ["su"], number=1583)  # not uk's to see
    clash = msgs.draft("burrows", "uk.bmm-moscow", "Again", "Text.", ["su"])
    size = allies.node.record.size()
    with pytest.raises(Conflict, match=r"number 1582 is already used .* between su, uk$"):
        msgs.send("burrows", clash.id, number=1582)
    assert allies.node.record.size() == size
    # A reply from su to uk is in the same audience, so it clashes too.
    reply = msgs.draft("slavin", "uk.bmm-moscow", "Re", "Text.", ["uk"])
    with pytest.raises(Conflict, match="1582"):
        msgs.send("slavin", reply.id, number=1582)
    # The number us used with su is no clash for uk: it says nothing of us's message.
    assert msgs.message("uk", msgs.send("burrows", clash.id, number=1583).id).number == 1583


def test_the_default_number_does_not_depend_on_messages_the_sender_cannot_see(
    allies: World,
) -> None:
    """us sends to su on a quiet channel and on a busy one: the same numbers either way."""
    allies.node.messages.open_channel("burrows", "uk.quiet", "Quiet", ["us", "su"])
    for number in (None, None, 1582, None):  # uk's and su's business, not us's
        send(allies, ["uk"], ["su"], number=number)
        send(allies, ["su"], ["uk"])
    send(allies, ["su", "uk"], ["us"])  # an audience us is in, on the busy channel only
    busy = [send(allies, ["us"], ["su"]).number for _ in range(3)]
    quiet = [send(allies, ["us"], ["su"], channel="uk.quiet").number for _ in range(3)]
    assert busy == quiet == [1, 2, 3]


def test_the_default_number_is_the_next_after_the_highest_in_the_audience(
    allies: World,
) -> None:
    send(allies, ["uk"], ["su"], number=7)
    assert send(allies, ["uk"], ["su"]).number == 8
    assert send(allies, ["uk"], ["us"]).number == 1


# --- the property -----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    parties: tuple[str, ...]
    sends: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (senders, addressees)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """A channel of 3 or 4 parties, and 1-8 messages between them (some joint)."""
    parties = draw(st.sampled_from([("su", "uk", "us"), ("su", "uk", "us", "yu")]))
    sends = []
    for _ in range(draw(st.integers(1, 8))):
        senders = draw(st.sets(st.sampled_from(parties), min_size=1, max_size=2))
        rest = [p for p in parties if p not in senders]
        addressees = draw(st.sets(st.sampled_from(rest), min_size=1))
        sends.append((tuple(sorted(senders)), tuple(sorted(addressees))))
    return Plan(parties, tuple(sends))


_channels = itertools.count(1)


@settings(
    max_examples=25,
    # One world per test; each example has a channel of its own, so examples do not meet.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_every_party_reads_each_audience_numbered_1_to_n(allies: World, plan: Plan) -> None:
    channel = f"uk.p{next(_channels)}"
    others = [p for p in plan.parties if p != "uk"]
    allies.node.messages.open_channel("burrows", channel, "Property", others)
    sent: dict[tuple[str, ...], int] = defaultdict(int)
    for senders, addressees in plan.sends:
        send(allies, senders, addressees, channel=channel)
        sent[audience(senders, addressees)] += 1
    for party in plan.parties:
        expected = {a: list(range(1, n + 1)) for a, n in sent.items() if party in a}
        seen = numbers_seen(allies, party, channel)
        assert {a: sorted(numbers) for a, numbers in seen.items()} == expected, party
