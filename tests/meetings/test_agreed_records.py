"""Only an agreed record binds, and only when every party present signed the same version.

Stalin: only "a meeting between official representatives of both states and the
reaching of an agreement, which would be binding on both parties" counts. The
status is computed from the record on every read; these tests change the record
(amend, revoke) and watch the status follow.
"""

from __future__ import annotations

import pytest

from liaison.accounts.kinds import sign_version
from liaison.errors import Conflict, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.ledger.signing import b64e, key_id, sign
from liaison.services.meetings import MeetingService
from liaison.store.queries import EntryFilter
from tests.conftest import World
from tests.meetings.support import meeting_20_february
from tests.meetings.support import sign as member_signs

TEXT = (
    "Sir Archibald Clark Kerr asked for clarification of Stalin's statement about Germany. "
    "M. Molotov undertook to pass the points on to Stalin."
)


@pytest.fixture
def meetings(world: World) -> MeetingService:
    return MeetingService(world.node.record)


def test_binding_once_both_sides_sign_the_same_version(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    assert draft.content.release == ("su", "uk")
    assert draft.content.body["parties"] == ["su", "uk"]

    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))
    half = meetings.agreed_record_status("su", draft.id)
    assert not half.binding
    assert half.signed_by == ("uk",)
    assert [(m.party, m.reason) for m in half.missing] == [
        ("su", "no representative of su has signed")
    ]
    assert "NOT BINDING" in half.to_text()

    # Molotov signs on his side, over the bytes he read from the record himself.
    as_read = world.node.record.get("su", draft.id)
    meetings.sign_agreed_record("molotov", member_signs(world, "molotov", as_read))
    for reader in ("uk", "su"):
        status = meetings.agreed_record_status(reader, draft.id)
        assert status.binding
        assert status.signed_by == ("su", "uk")
        assert status.missing == ()
        assert all(s.counts for s in status.signatures)
        assert status.latest
    assert "BINDING: a representative of every party present" in status.to_text()
    [listed] = meetings.agreed_records("uk", meeting.id)
    assert listed.binding
    assert listed.version == draft.id


def test_not_binding_when_one_side_signed_an_older_version(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    first = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    meetings.sign_agreed_record("molotov", member_signs(world, "molotov", first))
    amended = meetings.propose_agreed_record(
        "kerr",
        meeting.id,
        TEXT + " Molotov asked whether Britain wished to destroy Germany.",
        supersedes=first.id,
    )
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", amended))

    status = meetings.agreed_record_status("su", amended.id)
    assert not status.binding
    assert status.signed_by == ("uk",)
    [missing] = status.missing
    assert missing.party == "su"
    assert f"molotov: signed another version ({first.id}), not this one" in missing.reason
    assert status.chain == first.id

    old = meetings.agreed_record_status("uk", first.id)
    assert not old.latest
    assert not old.binding  # Clark Kerr signed the amendment, not this
    with pytest.raises(Conflict, match="amended; sign its latest version"):
        meetings.sign_agreed_record("kerr", member_signs(world, "kerr", first))
    [listed] = meetings.agreed_records("su", meeting.id)
    assert listed.version == amended.id


def test_a_signature_over_altered_bytes_is_refused_and_changes_nothing(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    key = world.members["molotov"].key
    altered = draft.raw.replace(b"pass the points on", b"ignore the points")
    assert altered != draft.raw
    forged = {
        "version": draft.id,
        "key_id": key_id(key.public_key),
        "signature": b64e(sign(key.signing_key, altered)),
    }
    size = world.node.record.size()
    with pytest.raises(InvalidSignature, match="does not verify over the bytes of version"):
        meetings.sign_agreed_record("molotov", forged)
    assert world.node.record.size() == size
    assert meetings.agreed_record_status("uk", draft.id).signatures == ()
    # The member-side helper refuses to sign bytes that are not the version named.
    with pytest.raises(InvalidInput, match="these bytes are not version"):
        sign_version(key, draft.id, altered)


def test_a_signature_with_another_members_key_is_refused(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    with pytest.raises(InvalidSignature, match="current key of slavin"):
        meetings.sign_agreed_record("slavin", member_signs(world, "molotov", draft))
    slavin_key_id = key_id(world.members["slavin"].key.public_key)
    borrowed = {**member_signs(world, "molotov", draft), "key_id": slavin_key_id}
    with pytest.raises(InvalidSignature, match="does not verify"):
        meetings.sign_agreed_record("slavin", borrowed)


def test_a_key_id_with_a_trailing_newline_is_refused_and_changes_nothing(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    body = member_signs(world, "molotov", draft)
    size = world.node.record.size()
    with pytest.raises(InvalidInput, match="key_id must be 16 lowercase hex digits"):
        meetings.sign_agreed_record("molotov", {**body, "key_id": body["key_id"] + "\n"})
    assert world.node.record.size() == size
    meetings.sign_agreed_record("molotov", body)  # the same body with its key id as it was


def test_a_revoked_members_signature_does_not_count(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))
    meetings.sign_agreed_record("molotov", member_signs(world, "molotov", draft))
    assert meetings.agreed_record_status("uk", draft.id).binding

    world.node.roster.revoke("molotov", "recalled for consultations")
    status = meetings.agreed_record_status("uk", draft.id)
    assert not status.binding
    [missing] = status.missing
    assert missing.party == "su"
    assert "molotov has been revoked (recalled for consultations)" in missing.reason
    [molotov] = [s for s in status.signatures if s.member == "molotov"]
    assert not molotov.counts

    # Another Soviet representative, given the authority, restores it.
    world.node.roster.change("slavin", "commander", {"topics": ["coordination", "diplomacy"]})
    meetings.sign_agreed_record("slavin", member_signs(world, "slavin", draft))
    assert meetings.agreed_record_status("su", draft.id).binding


def test_a_signature_counts_only_within_the_mandate_topic(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))
    # Slavin may sign (a commander) but his mandate is coordination, not diplomacy.
    meetings.sign_agreed_record("slavin", member_signs(world, "slavin", draft))
    status = meetings.agreed_record_status("su", draft.id)
    assert not status.binding
    assert "did not cover the topic 'diplomacy'" in status.missing[0].reason


def test_an_observer_cannot_sign(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    with pytest.raises(NotPermitted, match="needs the role officer"):
        meetings.sign_agreed_record("watcher", member_signs(world, "watcher", draft))


def test_each_member_signs_a_version_once(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))
    with pytest.raises(Conflict, match="already signed"):
        meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))


def test_a_binding_version_is_not_amended(world: World, meetings: MeetingService) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    meetings.sign_agreed_record("kerr", member_signs(world, "kerr", draft))
    meetings.sign_agreed_record("molotov", member_signs(world, "molotov", draft))
    with pytest.raises(Conflict, match="binding; propose a new agreed record"):
        meetings.propose_agreed_record("kerr", meeting.id, "Other words.", supersedes=draft.id)


def test_an_agreed_record_goes_to_exactly_the_parties_present(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings, release=["*"])
    with pytest.raises(NotPermitted, match="us was not present"):
        meetings.propose_agreed_record("harriman", meeting.id, TEXT)
    draft = meetings.propose_agreed_record("molotov", meeting.id, TEXT)
    with pytest.raises(NotFound):
        meetings.agreed_record_status("us", draft.id)
    with pytest.raises(NotFound):
        meetings.sign_agreed_record("harriman", member_signs(world, "harriman", draft))
    from liaison.services.record import AppendRequest

    body = {"meeting": meeting.id, "parties": ["su", "uk"], "topic": "diplomacy", "text": TEXT}
    for release in (["uk"], ["*"], ["uk", "us"]):
        with pytest.raises(InvalidInput, match="released to exactly the parties present"):
            world.node.record.append(
                AppendRequest("eden", "meeting.agreed_record", body, release=release)
            )
    with pytest.raises(InvalidInput, match="names exactly the parties present"):
        world.node.record.append(
            AppendRequest(
                "eden", "meeting.agreed_record", {**body, "parties": ["uk", "us"]}, ["su", "us"]
            )
        )


def test_signatures_are_on_the_record_for_every_party_present(
    world: World, meetings: MeetingService
) -> None:
    meeting = meeting_20_february(meetings)
    draft = meetings.propose_agreed_record("kerr", meeting.id, TEXT)
    signed = meetings.sign_agreed_record("molotov", member_signs(world, "molotov", draft))
    assert signed.content.release == ("su", "uk")
    flt = EntryFilter(kind="meeting.agreed_record.sign")
    assert [e.id for e in world.node.record.list("uk", flt)] == [signed.id]
    assert world.node.record.count("us", flt) == 0
