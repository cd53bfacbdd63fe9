"""Each party's own account of a meeting, and the divergence report over what a reader may see.

Run on SQLite and PostgreSQL (``world``): the 1943 accounts filed on the record
give the findings the background describes, and an account kept from a party
leaves no trace in anything that party reads.
"""

from __future__ import annotations

import json

import pytest

from liaison.accounts.divergence import StatementMissing, TopicRaisedByDiffers, WordAbsent
from liaison.errors import Conflict, InvalidBody, InvalidInput, NotFound, NotPermitted
from liaison.ledger.canonical import canonical_bytes
from liaison.services.meetings import MeetingDivergence, MeetingService
from liaison.store.queries import EntryFilter
from tests.conftest import World
from tests.meetings.support import fixture, meeting_10_march, meeting_20_february

SOVIET = "Soviet Union (Molotov)"
BRITISH = "United Kingdom (Clark Kerr)"
ACCOUNTS = EntryFilter(kind="meeting.account", limit=1000)


@pytest.fixture
def meetings(world: World) -> MeetingService:
    return MeetingService(world.node.record)


def as_bytes(divergence: MeetingDivergence) -> bytes:
    return canonical_bytes(divergence.to_dict())


# ------------------------------------------------------------- 20 February 1943


def test_the_20_february_accounts_on_the_record_diverge_as_the_background_says(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    british = meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), release=["su"]
    )
    soviet = meetings.file_account(
        "molotov", meeting.id, fixture("1943-02-20-soviet-union-molotov"), release=["uk"]
    )

    divergence = meetings.divergence("uk", meeting.id)
    assert divergence.comparable
    assert [a.entry for a in divergence.accounts] == [soviet.id, british.id]
    report = divergence.report
    assert report is not None

    [annihilation] = [
        f for f in report.findings if isinstance(f, WordAbsent) and "annihilation" in f.forms
    ]
    assert (annihilation.present_in, annihilation.absent_from) == (SOVIET, BRITISH)

    [army] = [
        f
        for f in report.findings
        if isinstance(f, StatementMissing)
        and f.statement.topic == "the German army"
        and f.statement.speaker == "Clark Kerr"
    ]
    assert "second, related query" in army.statement.text
    assert (army.present_in, army.absent_from) == (SOVIET, BRITISH)
    assert army.topic_absent

    text = divergence.to_text()
    assert "“annihilation”" in text
    assert f"{SOVIET}: entry {soviet.id}" in text
    # Both parties read both accounts, so both get the very same report, byte for byte.
    assert as_bytes(meetings.divergence("su", meeting.id)) == as_bytes(divergence)
    assert meetings.divergence("su", meeting.id).to_text() == text


def test_the_10_march_accounts_each_have_the_other_man_raising_the_german_question(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_10_march(meetings)
    meetings.file_account(
        "eden", meeting.id, fixture("1943-03-10-united-kingdom-eden"), release=["su"]
    )
    meetings.file_account(
        "molotov", meeting.id, fixture("1943-03-10-soviet-union-maisky"), release=["uk"]
    )

    report = meetings.divergence("su", meeting.id).report
    assert report is not None
    [raised] = report.of_kind("topic_raised_by_differs")
    assert isinstance(raised, TopicRaisedByDiffers)
    assert raised.topic == "the German question"
    assert (raised.first, raised.first_raised_by) == ("Soviet Union (Maisky)", ("Eden",))
    assert (raised.second, raised.second_raised_by) == ("United Kingdom (Eden)", ("Maisky",))
    assert raised.crossed


def test_the_divergence_json_is_signable_and_names_the_entries_compared(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_10_march(meetings)
    eden = meetings.file_account(
        "eden", meeting.id, fixture("1943-03-10-united-kingdom-eden"), release=["su"]
    )
    maisky = meetings.file_account(
        "molotov", meeting.id, fixture("1943-03-10-soviet-union-maisky"), release=["uk"]
    )
    data = meetings.divergence("uk", meeting.id).to_dict()
    assert data["format"] == "liaison.meeting-divergence/1"
    assert data["meeting"] == meeting.id
    assert data["comparable"] is True
    accounts = data["accounts"]
    assert isinstance(accounts, list)
    assert [a["entry"] for a in accounts if isinstance(a, dict)] == [maisky.id, eden.id]
    assert json.loads(canonical_bytes(data)) == data


# ------------------------------------------------------- release and visibility


def test_an_account_kept_to_its_own_party_is_invisible_to_the_other(
    world: World, meetings: MeetingService
) -> None:
    record = world.node.record
    meeting = meeting_20_february(meetings)
    soviet = meetings.file_account(
        "molotov", meeting.id, fixture("1943-02-20-soviet-union-molotov"), release=["uk"]
    )
    before = meetings.divergence("su", meeting.id)
    british = meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), release=[]
    )
    assert british.content.release == ("uk",)

    with pytest.raises(NotFound):
        record.get("su", british.id)
    assert british.id not in [e.id for e in record.list("su", ACCOUNTS)]
    assert record.count("su", ACCOUNTS) == 1
    assert record.count("su", EntryFilter(kind="meeting.account", text="jocular")) == 0
    assert [a.entry for a in meetings.accounts("su", meeting.id)] == [soviet.id]

    after = meetings.divergence("su", meeting.id)
    assert not after.comparable
    assert after.report is None
    assert "only one account of this meeting is available to you" in after.to_text()
    assert "no comparison is possible" in after.to_text()
    # The Soviet view is exactly what it was before the British account was filed.
    assert as_bytes(after) == as_bytes(before)
    assert after.to_text() == before.to_text()
    shown = as_bytes(after).decode() + after.to_text()
    for trace in (british.id, "jocular", "Clark Kerr)", "United Kingdom"):
        assert trace not in shown

    # The British, who hold both, compare both.
    assert meetings.divergence("uk", meeting.id).comparable


def test_the_report_a_party_sees_is_built_only_from_the_accounts_it_may_read(
    world: World, meetings: MeetingService
) -> None:
    meeting = meetings.record_meeting(
        "eden",
        title="Foreign ministers on Germany",
        held_at="1943-10-20T10:00:00Z",
        place="Spiridonovka Palace, Moscow",
        participants=[
            {"name": "Anthony Eden", "party": "uk", "role": "Foreign Secretary"},
            {"name": "Cordell Hull", "party": "us", "role": "Secretary of State"},
            {"name": "V. M. Molotov", "party": "su", "role": "People's Commissar"},
        ],
        release=["*"],
    )
    said = "Germany must be disarmed."
    british = meetings.file_account(
        "eden",
        meeting.id,
        {
            "party": "uk",
            "author": "Eden",
            "paragraphs": [said, "The Poles were discussed at length."],
        },
        release=["us"],
    )
    american = meetings.file_account(
        "harriman",
        meeting.id,
        {"party": "us", "author": "Harriman", "paragraphs": [said]},
        release=["*"],
    )
    soviet = meetings.file_account(
        "molotov",
        meeting.id,
        {"party": "su", "author": "Molotov", "paragraphs": ["Germany must be broken up."]},
        release=["*"],
    )

    su_view = meetings.divergence("su", meeting.id)
    assert [a.entry for a in su_view.accounts] == [soviet.id, american.id]
    assert su_view.report is not None
    assert su_view.report.labels == ("su (Molotov)", "us (Harriman)")
    assert "Poles" not in su_view.to_text()
    assert british.id not in as_bytes(su_view).decode()

    uk_view = meetings.divergence("uk", meeting.id)
    assert {a.entry for a in uk_view.accounts} == {british.id, american.id, soviet.id}
    assert uk_view.report is not None
    assert len(uk_view.report.pairs) == 3


def test_a_reader_with_no_account_gets_a_report_that_says_so(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), release=[]
    )
    view = meetings.divergence("su", meeting.id)
    assert view.accounts == ()
    assert view.to_dict()["comparable"] is False
    assert "no account of this meeting is available to you" in view.to_text()


def test_a_meeting_not_released_to_the_reader_is_not_found_like_one_that_does_not_exist(
    world: World, meetings: MeetingService
) -> None:
    private = meeting_20_february(meetings, release=())
    errors = []
    for meeting_id in (private.id, "0" * 64, "nonsense"):
        with pytest.raises(NotFound) as caught:
            meetings.divergence("su", meeting_id)
        errors.append(caught.value.detail)
    assert len(set(errors)) == 1
    assert meetings.meetings("su") == []
    with pytest.raises(NotFound):
        meetings.file_account("molotov", private.id, fixture("1943-02-20-soviet-union-molotov"))


# ------------------------------------------------------------ filing rules


def test_only_a_party_present_files_an_account(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings, release=["su", "us"])
    with pytest.raises(NotPermitted, match="us was not present"):
        meetings.file_account(
            "harriman", meeting.id, {"party": "us", "author": "Harriman", "paragraphs": ["x"]}
        )


def test_an_account_is_its_own_partys(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    size = world.node.record.size()
    with pytest.raises(InvalidInput, match="its party must be United Kingdom or uk"):
        meetings.file_account("kerr", meeting.id, fixture("1943-02-20-soviet-union-molotov"))
    assert world.node.record.size() == size


def test_a_malformed_account_is_refused_naming_the_field(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    with pytest.raises(InvalidBody, match="is missing topic"):
        meetings.file_account(
            "kerr",
            meeting.id,
            {"party": "uk", "author": "Kerr", "statements": [{"speaker": "K", "text": "x"}]},
        )


def test_a_corrected_account_supersedes_and_the_report_uses_the_latest(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_10_march(meetings)
    meetings.file_account(
        "molotov", meeting.id, fixture("1943-03-10-soviet-union-maisky"), release=["uk"]
    )
    first = meetings.file_account(
        "eden",
        meeting.id,
        {"party": "United Kingdom", "author": "Eden", "paragraphs": ["We met."]},
        release=["su"],
    )
    with pytest.raises(Conflict, match="supersede it"):
        meetings.file_account(
            "eden", meeting.id, {"party": "uk", "author": "EDEN", "paragraphs": ["Again."]}
        )
    corrected = meetings.file_account(
        "eden",
        meeting.id,
        fixture("1943-03-10-united-kingdom-eden"),
        release=["su"],
        supersedes=first.id,
    )
    assert [a.entry for a in meetings.accounts("su", meeting.id)][-1] == corrected.id
    report = meetings.divergence("su", meeting.id).report
    assert report is not None
    assert report.of_kind("topic_raised_by_differs")
    assert "We met." not in meetings.divergence("su", meeting.id).to_text()


def test_a_correction_kept_from_the_other_party_leaves_it_the_version_it_was_given(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_10_march(meetings)
    shared = meetings.file_account(
        "eden", meeting.id, fixture("1943-03-10-united-kingdom-eden"), release=["su"]
    )
    private = meetings.file_account(
        "eden",
        meeting.id,
        {"party": "uk", "author": "Eden", "paragraphs": ["Second thoughts."]},
        release=[],
        supersedes=shared.id,
    )
    assert [a.entry for a in meetings.accounts("su", meeting.id)] == [shared.id]
    assert [a.entry for a in meetings.accounts("uk", meeting.id)] == [private.id]


def test_a_correction_stays_with_its_meeting(world: World, meetings: MeetingService) -> None:
    one = meeting_10_march(meetings)
    other = meeting_20_february(meetings)
    account = meetings.file_account("eden", one.id, fixture("1943-03-10-united-kingdom-eden"))
    with pytest.raises(InvalidInput, match="stays with its meeting"):
        meetings.file_account(
            "eden", other.id, fixture("1943-03-10-united-kingdom-eden"), supersedes=account.id
        )
