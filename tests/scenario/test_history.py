"""The 1941-44 scenario on a fresh embedded store: every item of issue 8 holds on the record.

Each test reads the record as a party would (through the services' release filter) and checks
what the background documents say happened: the treaty binds, the 1941 conversations have no
agreed record, instructions and drafts stay on their side, the accounts diverge where the
article says they do, Mil 1582 went out over two signatures, the Soviet crossing breaches the
notification duty, and the Niš strike is flagged before it flies and settled by an arrangement.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from liaison.accounts.divergence import TopicRaisedByDiffers, WordAbsent
from liaison.domain.time import format_time, parse_time
from liaison.errors import NotFound
from liaison.services.verify import verify_store
from liaison.store.queries import EntryFilter
from tests.scenario.conftest import History

OTHERS_OF_UK = ("su", "us", "yu-gov", "yu-ncly")
OTHERS_OF_SU = ("uk", "us", "yu-gov", "yu-ncly")


def invisible(history: History, party: str, entry_id: str, search: EntryFilter) -> None:
    """The entry is not there for ``party``: not by id, not listed, not counted, not found."""
    record = history.node.record
    with pytest.raises(NotFound):
        record.get(party, entry_id)
    listed = record.list(party, replace(search, limit=1000))
    assert entry_id not in {e.id for e in listed}
    assert record.count(party, search) == len(listed)


# --- the record as a whole ------------------------------------------------------------------


def test_the_scenario_loads_into_a_fresh_store_that_verifies(history: History) -> None:
    report = verify_store(history.node.store)
    assert report.ok, report.first_failure
    assert report.size == history.node.record.size() == history.result.size
    assert history.result.steps == (
        len(history.scenario.parties)
        + len(history.scenario.members)
        + len(history.scenario.timeline)
    )


def test_every_entry_carries_the_scenarios_time_as_its_append_time(history: History) -> None:
    genesis = history.node.record.get_by_seq(None, 1)
    assert genesis.stamp.at == history.scenario.start
    for event in history.scenario.timeline:
        if event.id is not None:
            entry = history.result.entry(event.id)
            assert entry.stamp.at == event.at, event.id
            assert entry.content.time == event.at, event.id
    # and the log's order is time order
    stamps = [e.stamp.at for e in history.node.record.list(None, EntryFilter(limit=1000))]
    assert stamps == sorted(stamps)
    assert stamps[-1] < datetime(1945, 1, 1, tzinfo=UTC)


def test_theatre_commanders_hold_area_mandates_and_no_power_to_bind(history: History) -> None:
    for member in ("eisenhower", "eaker", "tolbukhin"):
        authority = history.node.record.authority(member)
        assert str(authority.role) == "commander"
        assert authority.mandate.areas, member
    assert str(history.node.record.authority("marshall").role) == "plenipotentiary"
    assert history.node.record.authority("marshall").mandate.topics == frozenset({"coordination"})


# --- 1. the Anglo-Soviet Treaty ---------------------------------------------------------------


def test_the_1942_treaty_binds_with_its_consultation_obligation(history: History) -> None:
    treaty = history.id("anglo-soviet-treaty")
    for party in ("uk", "su"):
        status = history.node.agreements.status(party, treaty)
        assert status.state == "binding"
        assert status.version == history.id("anglo-soviet-treaty-cadogan")
        assert status.missing == ()
        assert status.bound is not None
        assert status.bound.at == parse_time("1942-05-26T11:05:00Z")
    versions = history.node.agreements.versions("uk", treaty)
    assert [v.id for v in versions] == [treaty, history.id("anglo-soviet-treaty-cadogan")]
    duties = {
        (o.obligation["rule"], o.obligation["party"], o.obligation["topic"])
        for o in history.node.agreements.obligations("su", treaty)
    }
    assert duties == {
        ("consult_before", "uk", "diplomacy.minor-allies"),
        ("consult_before", "su", "diplomacy.minor-allies"),
    }
    # a party outside the treaty does not see it at all
    with pytest.raises(NotFound):
        history.node.agreements.status("us", treaty)


# --- 2. Eden and Stalin, December 1941 ----------------------------------------------------------


def test_the_eden_stalin_conversations_have_a_british_account_and_no_agreed_record(
    history: History,
) -> None:
    meeting = history.id("eden-stalin-1941")
    meetings = history.node.meetings
    assert meetings.meeting("su", meeting).held_at == parse_time("1941-12-16T12:00:00Z")
    [british] = meetings.accounts("uk", meeting)
    assert british.party == "uk"
    assert any("federate" in st.text for st in british.account.statements)
    assert meetings.accounts("su", meeting) == []
    for party in ("uk", "su"):
        assert meetings.agreed_records(party, meeting) == []
        assert not meetings.divergence(party, meeting).comparable
    assert meetings.agreed_records(None, meeting) == []


# --- 3. the February 1943 démarche -------------------------------------------------------------


def test_clark_kerrs_instructions_draft_and_final_are_visible_to_the_british_only(
    history: History,
) -> None:
    draft, final = history.id("instructions"), history.id("instructions-final")
    versions = history.node.record.versions("uk", final)
    assert [v.id for v in versions] == [draft, final]
    assert versions[1].content.supersedes == draft
    assert "none of the three Great Powers" in versions[1].content.body["text"]
    for entry_id in (draft, final):
        assert history.node.record.get("uk", entry_id).content.release == ("uk",)
        for party in OTHERS_OF_UK:
            invisible(history, party, entry_id, EntryFilter(kind="note"))
            invisible(history, party, entry_id, EntryFilter(text="Maisky"))
    order = history.id("order-1-march")
    assert "written correspondence" in history.node.record.get("uk", order).content.body["text"]
    for party in OTHERS_OF_UK:
        invisible(history, party, order, EntryFilter(text="correspondence"))


def test_the_20_february_divergence_finds_annihilation_only_in_the_soviet_account(
    history: History,
) -> None:
    meeting = history.id("kerr-molotov-1943-02-20")
    for party in ("uk", "su"):
        divergence = history.node.meetings.divergence(party, meeting)
        assert divergence.comparable
        assert divergence.report is not None
        [annihilation] = [
            f
            for f in divergence.report.findings
            if isinstance(f, WordAbsent) and "annihilation" in f.forms
        ]
        assert annihilation.present_in == "Soviet Union (Molotov)"
        assert annihilation.absent_from == "United Kingdom (Clark Kerr)"
    # the parties not present have neither the meeting nor its accounts
    for party in ("us", "yu-gov", "yu-ncly"):
        with pytest.raises(NotFound):
            history.node.meetings.divergence(party, meeting)


def test_stalins_written_reply_is_a_message_handed_over_at_half_past_one(
    history: History,
) -> None:
    reply = history.node.messages.message("uk", history.id("stalin-reply"))
    assert reply.dtg == "250130C FEB 43"
    assert reply.time_of_origin == "1943-02-24T22:30:00.000000Z"
    assert (reply.senders, reply.addressees) == (("su",), ("uk",))
    assert "only one correct method exists" in reply.text
    acks = history.node.messages.acknowledgements("su", reply.id)
    assert list(acks.acknowledged) == ["uk"]


# --- 4. Eden and Maisky, 10 March 1943 ---------------------------------------------------------


def test_the_10_march_accounts_each_have_the_other_raising_the_german_question(
    history: History,
) -> None:
    meeting = history.id("eden-maisky-1943-03-10")
    for party in ("uk", "su"):
        report = history.node.meetings.divergence(party, meeting).report
        assert report is not None
        [raised] = report.of_kind("topic_raised_by_differs")
        assert isinstance(raised, TopicRaisedByDiffers)
        assert raised.topic == "the German question"
        assert (raised.first, raised.first_raised_by) == ("Soviet Union (Maisky)", ("Eden",))
        assert (raised.second, raised.second_raised_by) == ("United Kingdom (Eden)", ("Maisky",))
        assert raised.crossed


def test_maiskys_recall_ends_his_mandate_without_disowning_his_account(history: History) -> None:
    authority = history.node.record.authority("maisky")
    assert not authority.revoked
    assert authority.mandate.expired_at(parse_time("1943-08-16T00:00:00Z"))
    accounts = history.node.meetings.accounts("uk", history.id("eden-maisky-1943-03-10"))
    assert {a.author for a in accounts} == {"eden", "maisky"}


# --- 5. Molotov's drafts that were never sent ---------------------------------------------------


def test_molotovs_drafts_are_visible_to_the_soviet_side_only_and_never_sent(
    history: History,
) -> None:
    first, second = history.id("molotov-draft-31-march"), history.id("molotov-draft-4-april")
    versions = history.node.record.versions("su", second)
    assert [v.id for v in versions] == [first, second]
    assert versions[0].stamp.at == parse_time("1943-03-31T12:00:00Z")
    assert versions[1].stamp.at == parse_time("1943-04-04T12:00:00Z")
    assert "unification" in versions[0].content.body["text"]
    assert "unification" not in versions[1].content.body["text"]
    assert "recrimination" in versions[1].content.body["text"]
    assert second in {d.id for d in history.node.messages.drafts("su", "uk.moscow")}
    sent_from = {m.draft for m in history.node.messages.thread("su", "uk.moscow")}
    assert not sent_from & {first, second}
    for party in OTHERS_OF_SU:
        for entry_id in (first, second):
            invisible(history, party, entry_id, EntryFilter(kind="message.draft"))
            invisible(history, party, entry_id, EntryFilter(author="molotov"))
            invisible(history, party, entry_id, EntryFilter(text="recrimination"))
            invisible(history, party, entry_id, EntryFilter(text="Mihailović"))
        assert history.node.record.count(party, EntryFilter(text="recrimination")) == 0
        assert (
            history.node.record.count(party, EntryFilter(kind="message.draft", author="molotov"))
            == 0
        )


# --- 6. Mil 1582 --------------------------------------------------------------------------------


def test_mil_1582_is_a_joint_message_sent_over_both_signatures(history: History) -> None:
    draft = history.id("mil-1582-draft")
    message = history.node.messages.message("su", history.id("mil-1582"))
    assert message.number == 1582
    assert message.dtg == "121630A JUL 44"
    assert message.time_of_origin == format_time(parse_time("1944-07-12T15:30:00Z"))
    assert message.senders == ("uk", "us")
    assert message.addressees == ("su",)
    assert message.draft == draft
    assert "Marshal Vassilevsky or General Antonov" in message.text
    approvals = history.node.record.list("us", EntryFilter(kind="message.approve", limit=100))
    approved = {(a.content.party, a.content.body["draft"]) for a in approvals}
    assert {("uk", draft), ("us", draft)} <= approved
    # the draft and its approvals stay with the senders
    with pytest.raises(NotFound):
        history.node.record.get("su", draft)
    assert list(history.node.messages.acknowledgements("uk", message.id).acknowledged) == ["su"]


# --- 7. Yugoslavia, autumn 1944 ------------------------------------------------------------------


def test_the_soviet_crossing_breaches_the_notification_obligation(history: History) -> None:
    agreement = history.id("operational-information")
    assert history.node.agreements.status("us", agreement).state == "binding"
    crossing = history.id("belgrade-operation")
    for party in ("uk", "us", "su"):
        breaches = [b.breach for b in history.node.agreements.breaches(party, agreement)]
        [breach] = [
            b for b in breaches if crossing in {e["entry"] for e in b.content.body["evidence"]}
        ]
        body = breach.content.body
        assert (body["rule"], body["party"], body["obligation"]) == (
            "notify_before",
            "su",
            "su-notifies",
        )
        assert body["at"] == "1944-09-26T00:00:00.000000Z"  # two days before the crossing
        assert breach.stamp.at == parse_time("1944-09-27T00:00:00Z")  # found by the check
    # the Western parties are told of the breach, never shown the operation
    for party in ("uk", "us"):
        with pytest.raises(NotFound):
            history.node.record.get(party, crossing)
        refs = {o["ref"] for o in history.node.picture.operations(party, ended=True)}
        assert "3UF-belgrade" not in refs
    # the Committee sees the operation but is no party to the agreement, so not the breach
    assert history.node.record.get("yu-ncly", crossing).content.kind == "picture.operation"
    assert history.node.agreements.breaches("yu-ncly") == []
    # what the ambassadors were told: a message, which is not a notice of the operation
    notice = history.node.messages.message("us", history.id("ambassadors-notice"))
    assert "temporarily" in notice.text


def _nis(views: list[dict[str, Any]]) -> dict[str, Any]:
    [view] = views
    return view


def test_the_nis_strike_is_flagged_before_it_flies_and_each_side_sees_only_its_own(
    history: History,
) -> None:
    strike, column = history.result.entry("nis-strike"), history.result.entry("soviet-column")
    flies = parse_time("1944-11-07T09:00:00Z")
    us = history.node.picture.conflict("us", str(_nis(history.arranged["us"])["conflict"]))
    su = history.node.picture.conflict("su", str(_nis(history.arranged["su"])["conflict"]))
    assert us["conflict"] == su["conflict"]
    first_us, first_su = us["notices"][0], su["notices"][0]
    for notice in (first_us, first_su):
        assert parse_time(notice["appended_at"]) < flies
        assert notice["body"]["rule"] == "operations_overlap"
    assert [o["ref"] for o in first_us["body"]["own"]] == ["15AF-nis-strike"]
    assert [o["ref"] for o in first_su["body"]["own"]] == ["3UF-nis-column"]
    assert first_us["body"]["others"] == [
        {"party": "su", "type": "operation", "released": False, "entry": None, "ref": None,
         "name": None, "kind": None}
    ]  # fmt: skip
    assert first_su["body"]["others"][0]["released"] is False
    us_text, su_text = str(us["notices"]), str(su["notices"])
    for secret in (column.id, "3UF", "Column"):
        assert secret not in us_text
    for secret in (strike.id, "15AF", "Fighter"):
        assert secret not in su_text
    # the United Kingdom can read the strike plan but is not a party to the clash
    assert history.arranged["uk"] == []
    assert history.node.record.get("uk", strike.id).content.kind == "picture.operation"


def test_the_arrangement_settles_the_nis_clash_and_the_strike_moves(history: History) -> None:
    for party in ("us", "su"):
        arranged = _nis(history.arranged[party])
        assert arranged["status"] == "arranged"
        [arrangement] = arranged["arrangements"]
        assert arrangement["binding"] is True
        assert arrangement["signed_by"] == ["su", "us"]
        assert arrangement["id"] == history.id("nis-arrangement")
        assert sorted(arranged["acknowledged_by"]) == ["su", "us"]
        now = _nis(history.node.picture.conflicts(party, limit=None))
        assert (now["status"], now["reason"]) == ("cleared", "operation amended")
