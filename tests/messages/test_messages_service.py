"""Messages on the record: channels, drafts, joint approval, sending, receipts, threads."""

from __future__ import annotations

import pytest

from liaison.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liaison.store.queries import EntryFilter
from tests.conftest import World


@pytest.fixture
def mission(world: World) -> World:
    world.node.messages.open_channel(
        "burrows", "uk.bmm-moscow", "British Military Mission, Moscow", ["us", "su"]
    )
    return world


def test_a_draft_is_private_to_its_senders(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft("burrows", "uk.bmm-moscow", "Machinery", "We propose machinery.", ["su"])
    assert [d.id for d in msgs.drafts("uk")] == [draft.id]
    assert msgs.drafts("su") == []
    with pytest.raises(NotFound):
        mission.node.record.get("su", draft.id)


def test_a_draft_never_sent_stays_on_the_senders_side_with_every_version(mission: World) -> None:
    msgs = mission.node.messages
    first = msgs.draft("burrows", "uk.bmm-moscow", "Reply", "First draft with assurances.", ["su"])
    second = msgs.amend("burrows", first.id, text="Final draft, assurances dropped.")
    versions = mission.node.record.versions("uk", second.id)
    assert [v.id for v in versions] == [first.id, second.id]
    assert [d.id for d in msgs.drafts("uk")] == [second.id]
    assert msgs.thread("su", "uk.bmm-moscow") == []
    assert mission.node.record.count("su", EntryFilter(text="assurances")) == 0


def test_sending_releases_the_chosen_version_to_the_addressees(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft(
        "burrows",
        "uk.bmm-moscow",
        "Machinery",
        "The moment has arrived.",
        ["su"],
        precedence="priority",
    )
    sent = msgs.send("burrows", draft.id, dtg="121630Z JUL 44")
    seen = msgs.message("su", sent.id)
    assert seen.number == 1
    assert seen.dtg == "121630Z JUL 44"
    # a two-digit year is read as the one nearest the node's clock (2026): 2044
    assert seen.time_of_origin == "2044-07-12T16:30:00.000000Z"
    assert seen.text == "The moment has arrived."
    with pytest.raises(NotFound):
        msgs.message("us", sent.id)  # not an addressee


def test_the_short_day_hour_minute_zone_form_is_accepted(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft(
        "burrows", "uk.bmm-moscow", "Mil 1582", "Letter addressed to General Slavin.", ["su"]
    )
    sent = msgs.send("burrows", draft.id, dtg="121630A")
    assert msgs.message("uk", sent.id).time_of_origin.endswith("T15:30:00.000000Z")


def test_a_malformed_date_time_group_is_refused_and_nothing_is_sent(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft("burrows", "uk.bmm-moscow", "Machinery", "Text.", ["su"])
    size = mission.node.record.size()
    with pytest.raises(InvalidInput, match=r"zone J"):
        msgs.send("burrows", draft.id, dtg="121630J JUL 44")
    assert mission.node.record.size() == size


def test_numbers_are_unique_among_the_messages_between_the_same_parties(mission: World) -> None:
    msgs = mission.node.messages
    one = msgs.send(
        "burrows", msgs.draft("burrows", "uk.bmm-moscow", "A", "a", ["su"]).id, number=1582
    )
    assert msgs.message("uk", one.id).number == 1582
    other = msgs.draft("burrows", "uk.bmm-moscow", "B", "b", ["su"])
    with pytest.raises(Conflict, match="1582"):
        msgs.send("burrows", other.id, number=1582)
    assert msgs.message("uk", msgs.send("burrows", other.id).id).number == 1583


def test_a_joint_message_is_sent_only_when_every_sender_approved_the_same_version(
    mission: World,
) -> None:
    msgs = mission.node.messages
    draft = msgs.draft(
        "burrows",
        "uk.bmm-moscow",
        "Machinery",
        "Over signatures of Deane and myself.",
        ["su"],
        senders=["uk", "us"],
    )
    assert [d.id for d in msgs.drafts("us")] == [draft.id]  # the co-sender sees the draft
    with pytest.raises(NotPermitted, match="us"):
        msgs.send("burrows", draft.id)
    amended = msgs.amend("burrows", draft.id, text="Over signatures of Deane and myself (final).")
    msgs.approve("deane", draft.id)  # approves the old version only
    with pytest.raises(NotPermitted, match="us"):
        msgs.send("burrows", amended.id)
    msgs.approve("deane", amended.id)
    sent = msgs.send("burrows", amended.id)
    assert msgs.message("su", sent.id).senders == ("uk", "us")


def test_an_amended_draft_cannot_be_sent_in_its_old_version(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft("burrows", "uk.bmm-moscow", "X", "old", ["su"])
    msgs.amend("burrows", draft.id, text="new")
    with pytest.raises(Conflict, match="amended"):
        msgs.send("burrows", draft.id)


def test_addressees_acknowledge_and_the_sender_sees_who_has_not(mission: World) -> None:
    msgs = mission.node.messages
    draft = msgs.draft("burrows", "uk.bmm-moscow", "Notice", "To both.", ["su", "us"])
    sent = msgs.send("burrows", draft.id)
    before = msgs.acknowledgements("uk", sent.id)
    assert before.pending == ("su", "us")
    msgs.acknowledge("slavin", sent.id)
    after = msgs.acknowledgements("uk", sent.id)
    assert set(after.acknowledged) == {"su"}
    assert after.pending == ("us",)
    # an addressee learns about its own receipt, not the other addressee's
    assert set(msgs.acknowledgements("us", sent.id).acknowledged) == set()
    with pytest.raises(Conflict):
        msgs.acknowledge("molotov", sent.id)
    with pytest.raises(NotPermitted):
        msgs.acknowledge("eden", sent.id)  # the sender's own party


def test_a_channel_reads_as_a_conversation_with_replies(mission: World) -> None:
    msgs = mission.node.messages
    first = msgs.send(
        "burrows", msgs.draft("burrows", "uk.bmm-moscow", "Proposal", "Machinery?", ["su"]).id
    )
    reply_draft = msgs.draft(
        "slavin",
        "uk.bmm-moscow",
        "Re: Proposal",
        "We shall study it.",
        ["uk"],
        in_reply_to=first.id,
    )
    reply = msgs.send("slavin", reply_draft.id)
    thread = msgs.thread("uk", "uk.bmm-moscow")
    assert [m.id for m in thread] == [first.id, reply.id]
    assert [m.id for m in msgs.replies("uk", first.id)] == [reply.id]
    assert msgs.thread("us", "uk.bmm-moscow") == []


def test_a_party_outside_a_channel_cannot_see_or_use_it(world: World) -> None:
    msgs = world.node.messages
    msgs.open_channel("kerr", "uk.direct-line", "Direct line", ["su"])
    assert [c.channel for c in msgs.channels("us")] == []
    with pytest.raises(NotFound):
        msgs.draft("deane", "uk.direct-line", "X", "y", ["su"])


def test_a_channel_id_names_the_opening_party(world: World) -> None:
    msgs = world.node.messages
    with pytest.raises(InvalidInput, match=r"us\.direct-line"):
        msgs.open_channel("deane", "uk.direct-line", "Not ours to name", ["su"])
    with pytest.raises(InvalidInput, match="channel id"):
        msgs.open_channel("deane", "direct-line", "No party in it", ["su"])
    assert msgs.channels("us") == []
    assert msgs.channels("uk") == []


def test_opening_a_channel_never_reveals_one_the_opener_may_not_see(world: World) -> None:
    """A uk-su channel exists; us opening a channel of that name learns nothing of it."""
    msgs = world.node.messages
    msgs.open_channel("kerr", "uk.direct-line", "Direct line", ["su"])
    # The only id us may choose is its own; it is free whatever uk and su have opened.
    entry = msgs.open_channel("deane", "us.direct-line", "Direct line", ["su"])
    assert [c.channel for c in msgs.channels("us")] == ["us.direct-line"]
    assert [c.channel for c in msgs.channels("su")] == ["uk.direct-line", "us.direct-line"]
    assert entry.content.body["channel"] == "us.direct-line"
    # And uk's own id collides only with uk's own channel, which uk can read.
    with pytest.raises(Conflict, match=r"uk\.direct-line already exists"):
        msgs.open_channel("burrows", "uk.direct-line", "Again", ["us"])


def test_an_observer_cannot_draft(mission: World) -> None:
    with pytest.raises(NotPermitted, match="officer"):
        mission.node.messages.draft("watcher", "uk.bmm-moscow", "X", "y", ["su"])


def test_messages_survive_a_rebuild_of_the_projections(mission: World) -> None:
    from liaison.services.rebuild import dump_projections, rebuild_projections

    msgs = mission.node.messages
    sent = msgs.send("burrows", msgs.draft("burrows", "uk.bmm-moscow", "P", "q", ["su"]).id)
    msgs.acknowledge("slavin", sent.id)
    before = dump_projections(mission.node.store)
    rebuild_projections(mission.node.store)
    assert dump_projections(mission.node.store) == before
