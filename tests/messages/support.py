"""What the message tests share: a member to act for each party, and a send in one call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from liaison.messages.numbering import audience
from liaison.services.messages import SentMessage
from tests.conftest import World

#: a member who may send for each party; yu (the partisans) is a fourth party some tests add
SENDER = {"uk": "burrows", "us": "deane", "su": "slavin", "yu": "tito"}


def add_partisans(world: World) -> None:
    """A fourth party, yu, with a member who may send for it."""
    world.node.roster.add_party("yu", "Yugoslav partisans")
    world.node.roster.appoint("tito", "yu", "Tito", "commander", {"topics": ["*"]})


def send(
    world: World,
    senders: Sequence[str],
    addressees: Sequence[str],
    *,
    channel: str = "uk.bmm-moscow",
    number: int | None = None,
) -> SentMessage:
    """A message from ``senders`` to ``addressees``, approved by every sender and sent."""
    msgs = world.node.messages
    first, *others = sorted(senders)
    draft = msgs.draft(
        SENDER[first], channel, "Subject", "Text.", list(addressees), senders=list(senders)
    )
    for party in others:
        msgs.approve(SENDER[party], draft.id)
    entry = msgs.send(SENDER[first], draft.id, number=number)
    return msgs.message(first, entry.id)


def numbers_seen(world: World, party: str, channel: str) -> dict[tuple[str, ...], list[int]]:
    """The numbers a party reads in a channel, by audience, in thread order."""
    seen: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for m in world.node.messages.thread(party, channel):
        seen[audience(m.senders, m.addressees)].append(m.number)
    return dict(seen)
