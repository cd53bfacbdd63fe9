"""Meetings on the record: who met, when, where and for whom; corrections; projections.

The meeting is the anchor every account and agreed record points at, so its
rules are checked here: a party records only a meeting it attended, the
parties present are exactly those the participants act for, and a meeting is
known by its first record's id through every correction.
"""

from __future__ import annotations

import pytest

from liaison.errors import InvalidBody, InvalidInput, NotFound, NotPermitted
from liaison.services.meetings import MeetingService
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.record import AppendRequest
from tests.conftest import World
from tests.meetings.support import fixture, meeting_10_march, meeting_20_february
from tests.meetings.support import sign as member_signs

KERR = {"name": "Clark Kerr", "party": "uk", "role": "ambassador"}
MOLOTOV = {"name": "Molotov", "party": "su", "role": "People's Commissar"}


@pytest.fixture
def meetings(world: World) -> MeetingService:
    return MeetingService(world.node.record)


def test_a_meeting_records_who_met_when_where_and_for_whom(
    world: World, meetings: MeetingService
) -> None:
    entry = meeting_20_february(meetings)
    assert entry.content.release == ("su", "uk")
    meeting = meetings.meeting("su", entry.id)
    assert meeting.id == meeting.version == entry.id
    assert meeting.recorded_by == "uk"
    assert meeting.parties == ("su", "uk")
    assert [p["member"] for p in meeting.participants] == ["kerr", "molotov"]
    assert meeting.to_dict()["held_at"] == "1943-02-20T12:00:00.000000Z"
    assert meeting.topic == "diplomacy"


def test_held_at_is_normalised_to_utc(world: World, meetings: MeetingService) -> None:
    entry = meetings.record_meeting(
        "kerr",
        title="Evening call",
        held_at="1943-02-20T21:00:00+03:00",
        place="Moscow",
        participants=[KERR, MOLOTOV],
    )
    assert entry.content.body["held_at"] == "1943-02-20T18:00:00.000000Z"
    with pytest.raises(InvalidBody, match="no time zone"):
        meetings.record_meeting(
            "kerr", title="t", held_at="1943-02-20T21:00", place="p", participants=[KERR, MOLOTOV]
        )


def test_a_party_records_only_a_meeting_it_attended(world: World, meetings: MeetingService) -> None:
    with pytest.raises(NotPermitted, match="present"):
        meetings.record_meeting(
            "harriman",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[KERR, MOLOTOV],
        )


def test_the_parties_present_are_exactly_the_participants_parties(
    world: World, meetings: MeetingService
) -> None:
    with pytest.raises(InvalidBody, match="must be exactly the parties of the participants"):
        meetings.record_meeting(
            "kerr",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[KERR, MOLOTOV],
            parties=["uk", "su", "us"],
        )
    with pytest.raises(InvalidBody, match="at least two parties"):
        meetings.record_meeting(
            "kerr", title="t", held_at="1943-02-20T12:00:00Z", place="p", participants=[KERR]
        )
    with pytest.raises(InvalidBody, match="twice"):
        meetings.record_meeting(
            "kerr",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[KERR, MOLOTOV, {**KERR, "role": "host"}],
        )


def test_participants_linked_to_members_must_be_theirs(
    world: World, meetings: MeetingService
) -> None:
    with pytest.raises(InvalidInput, match="molotov is not a member of uk"):
        meetings.record_meeting(
            "kerr",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[{**KERR, "member": "molotov"}, MOLOTOV],
        )
    with pytest.raises(InvalidInput, match="unknown parties: fr"):
        meetings.record_meeting(
            "kerr",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[KERR, {"name": "de Gaulle", "party": "fr", "role": "general"}],
        )


def test_the_mandate_topic_of_the_meeting_is_checked(
    world: World, meetings: MeetingService
) -> None:
    with pytest.raises(NotPermitted, match="does not cover the topic"):
        meetings.record_meeting(
            "kerr",
            title="t",
            held_at="1943-02-20T12:00:00Z",
            place="p",
            participants=[KERR, MOLOTOV],
            topic="coordination.air",
        )


def test_a_corrected_meeting_keeps_its_id(world: World, meetings: MeetingService) -> None:
    first = meeting_20_february(meetings)
    corrected = meeting_20_february(meetings, supersedes=first.id)
    for named in (first.id, corrected.id):
        meeting = meetings.meeting("su", named)
        assert (meeting.id, meeting.version) == (first.id, corrected.id)
    assert [m.id for m in meetings.meetings("su")] == [first.id]
    # Entries name the meeting by its own id, not by a later version's.
    account = fixture("1943-02-20-soviet-union-molotov").to_dict()
    by_version = AppendRequest(
        "molotov", "meeting.account", {"meeting": corrected.id, "account": account}
    )
    with pytest.raises(InvalidInput, match=f"its own id {first.id}"):
        world.node.record.append(by_version)
    # The service resolves a version's id to the meeting's.
    filed = meetings.file_account("molotov", corrected.id, account)
    assert filed.content.body["meeting"] == first.id


def test_each_party_lists_only_the_meetings_released_to_it(
    world: World, meetings: MeetingService
) -> None:
    february = meeting_20_february(meetings)
    march = meeting_10_march(meetings, release=())
    assert [m.id for m in meetings.meetings("uk")] == [february.id, march.id]
    assert [m.id for m in meetings.meetings("su")] == [february.id]
    assert meetings.meetings("us") == []
    with pytest.raises(NotFound):
        meetings.meeting("su", march.id)


def test_rebuilt_projections_equal_the_live_ones(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    first = meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), release=["su"]
    )
    meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), supersedes=first.id
    )
    meetings.file_account("molotov", meeting.id, fixture("1943-02-20-soviet-union-molotov"))
    draft = meetings.propose_agreed_record("kerr", meeting.id, "We met.")
    meetings.sign_agreed_record("molotov", member_signs(world, "molotov", draft))
    amended = meetings.propose_agreed_record(
        "kerr", meeting.id, "We met and talked.", supersedes=draft.id
    )
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", amended))
    meeting_20_february(meetings, supersedes=meeting.id)

    live = dump_projections(world.node.store)
    statuses = [s.to_dict() for s in meetings.agreed_records("uk", meeting.id)]
    report = meetings.divergence("uk", meeting.id).to_dict()
    rebuild_projections(world.node.store)
    assert dump_projections(world.node.store) == live
    assert len(live["proj_meeting_accounts"]) == 3
    assert len(live["proj_agreed_signatures"]) == 2
    assert [s.to_dict() for s in meetings.agreed_records("uk", meeting.id)] == statuses
    assert meetings.divergence("uk", meeting.id).to_dict() == report
