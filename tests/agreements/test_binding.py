"""Binding status over the record, on SQLite and PostgreSQL: only agreed records bind."""

from __future__ import annotations

import pytest

from liaison.agreements import sign_version
from liaison.errors import InvalidBody, InvalidSignature, NotFound, NotPermitted
from liaison.services.agreements import AgreementService
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.record import RecordService
from tests.agreements.support import Desk, terms

TREATY = terms("Anglo-Soviet Treaty", ["uk", "su"], "diplomacy.alliance")


def codes(status: object, signer: str) -> list[str]:
    checks = [s for s in status.signatures if s.signer == signer]  # type: ignore[attr-defined]
    return [code for s in checks for code in s.reasons]


def test_an_agreement_binds_when_a_plenipotentiary_of_every_party_signs_one_version(
    desk: Desk,
) -> None:
    draft = desk.agree("eden", TREATY, ["eden"])
    status = desk.svc.status("uk", draft.id)
    assert not status.binding
    assert status.missing == ("su",)
    signed = desk.sign("molotov", draft.id)
    status = desk.svc.status("su", draft.id)
    assert status.binding
    assert status.state == "binding"
    assert status.bound is not None
    assert status.bound.entry == signed.id
    assert status.missing == ()
    assert desk.svc.status("uk", draft.id).to_json() == status.to_json()


def test_a_signature_by_an_officer_does_not_bind_and_the_status_says_why(desk: Desk) -> None:
    draft = desk.agree("eden", TREATY, ["eden"])
    # Clark Kerr is the ambassador, an officer here: his signature is recorded but does not count.
    kerr_body = desk.signature("kerr", draft.id)
    desk.svc.sign("kerr", kerr_body)
    desk.sign("slavin", draft.id)  # a Soviet commander, not a plenipotentiary
    status = desk.svc.status("uk", draft.id)
    assert not status.binding
    assert status.missing == ("su",)
    assert codes(status, "kerr") == ["wrong-role"]  # his mandate covers diplomacy
    assert codes(status, "slavin") == ["wrong-role", "topic-not-covered"]
    text = {r["code"]: r["text"] for s in status.to_json()["signatures"] for r in s["reasons"]}
    assert text["wrong-role"] == "the signer was not a plenipotentiary"


def test_a_plenipotentiary_whose_mandate_does_not_cover_the_topic_does_not_bind(
    desk: Desk,
) -> None:
    desk.appoint("maisky", "su", "plenipotentiary", ["coordination"])
    draft = desk.agree("eden", TREATY, ["eden", "maisky"])
    status = desk.svc.status("su", draft.id)
    assert not status.binding
    assert status.missing == ("su",)
    assert codes(status, "maisky") == ["topic-not-covered"]


def test_an_expired_mandate_and_a_revoked_member_do_not_count(desk: Desk) -> None:
    desk.appoint("litvinov", "su", "plenipotentiary", ["*"])
    draft = desk.agree("eden", TREATY, ["eden", "litvinov"])
    assert desk.svc.status("uk", draft.id).binding
    # Authority is judged at the moment of signing: a later revocation changes nothing.
    desk.world.node.roster.revoke("litvinov", "recalled")
    assert desk.svc.status("uk", draft.id).binding
    # A courier of the same party delivers a signature made before the revocation.
    second = desk.svc.draft("eden", terms("Second protocol", ["uk", "su"], "diplomacy"))
    desk.svc.consult("eden", second.id, ["su"])
    versions = desk.svc.versions("su", second.id)
    body = sign_version(
        desk.world.members["litvinov"].key, second.id, versions[-1].id, versions[-1].terms
    )
    desk.svc.sign("slavin", body)
    status = desk.svc.status("su", second.id)
    assert "revoked" in codes(status, "litvinov")
    desk.appoint("maisky", "su", "plenipotentiary", ["*"], expires="2000-01-01T00:00:00Z")
    body = sign_version(
        desk.world.members["maisky"].key, second.id, versions[-1].id, versions[-1].terms
    )
    desk.svc.sign("slavin", body)
    assert "mandate-expired" in codes(desk.svc.status("su", second.id), "maisky")


def test_signing_another_version_does_not_count_for_this_one(desk: Desk) -> None:
    first = desk.svc.draft("eden", TREATY)
    desk.svc.consult("eden", first.id, ["su"])
    desk.sign("molotov", first.id)
    second = desk.svc.revise("eden", first.id, {**TREATY, "text": "Revised text."})
    desk.svc.consult("eden", first.id, ["su"])
    desk.sign("eden", first.id)  # the latest version
    status = desk.svc.status("uk", first.id)
    assert status.version == second.id
    assert not status.binding
    assert codes(status, "molotov") == ["other-version"]
    old = desk.svc.status("uk", first.id, version=first.id)
    assert old.missing == ("uk",)
    assert [v.id for v in desk.svc.versions("uk", first.id)] == [first.id, second.id]


def test_a_signature_over_altered_text_never_verifies(desk: Desk) -> None:
    draft = desk.svc.draft("eden", TREATY)
    desk.svc.consult("eden", draft.id, ["su"])
    version = desk.svc.versions("su", draft.id)[-1]
    forged = {**version.terms, "text": version.terms["text"] + " And Poland."}
    body = sign_version(desk.world.members["molotov"].key, draft.id, version.id, forged)
    with pytest.raises(InvalidSignature):
        desk.svc.sign("molotov", body)
    # Appended around the service, it is recorded but does not count.
    from liaison.services.record import AppendRequest

    desk.world.node.record.append(
        AppendRequest("molotov", "agreement.signature", body, release=["uk", "su"])
    )
    assert codes(desk.svc.status("uk", draft.id), "molotov") == ["does-not-verify"]


def test_a_member_cannot_deliver_another_partys_signature(desk: Desk) -> None:
    draft = desk.agree("eden", TREATY, [])
    body = desk.signature("molotov", draft.id)
    with pytest.raises(NotPermitted):
        desk.svc.sign("kerr", body)


def test_a_key_id_with_a_trailing_newline_is_refused_and_changes_nothing(desk: Desk) -> None:
    draft = desk.agree("eden", TREATY, [])
    body = desk.signature("molotov", draft.id)
    size = desk.world.node.record.size()
    with pytest.raises(InvalidBody, match="key_id must be 16 lowercase hex digits"):
        desk.svc.sign("molotov", {**body, "key_id": body["key_id"] + "\n"})
    assert desk.world.node.record.size() == size
    assert desk.svc.sign("molotov", body)  # the same body with its key id as it was


def test_a_signature_entry_signed_whole_by_the_member_is_accepted(desk: Desk) -> None:
    from liaison.domain.entry import Content
    from liaison.ledger.signing import b64e, sign
    from liaison.services.record import new_salt

    draft = desk.agree("eden", TREATY, ["eden"])
    body = desk.signature("molotov", draft.id)
    content = Content(
        kind="agreement.signature",
        body=body,
        author="molotov",
        party="su",
        time=desk.clock(),
        release=("su", "uk"),
        supersedes=None,
        salt=new_salt(),
    )
    key = desk.world.members["molotov"].key
    entry = desk.svc.sign_entry(
        "molotov", content.to_json(), b64e(sign(key.signing_key, content.canonical()))
    )
    assert entry.author_sig is not None
    assert desk.svc.status("uk", draft.id).binding


def test_drafts_are_private_and_consultation_releases_exactly_to_the_named_parties(
    desk: Desk,
) -> None:
    draft = desk.svc.draft("eden", TREATY)
    for reader in ("us", "su"):
        with pytest.raises(NotFound):
            desk.svc.status(reader, draft.id)
        with pytest.raises(NotFound):
            desk.world.node.record.get(reader, draft.id)
    consultation = desk.svc.consult("eden", draft.id, ["su"])
    assert consultation.content.release == ("su", "uk")
    assert desk.svc.versions("su", draft.id)[-1].terms == dict(draft.content.body)
    with pytest.raises(NotFound):
        desk.svc.status("us", draft.id)
    assert [a.agreement for a in desk.svc.agreements("us")] == []
    assert [a.agreement for a in desk.svc.agreements("su")] == [draft.id]


def test_who_has_been_consulted_when_and_who_not_yet(desk: Desk) -> None:
    body = terms("Declaration", ["uk", "us", "su"], "diplomacy")
    draft = desk.svc.draft("eden", body)
    log = desk.svc.consultations("uk", draft.id)
    assert log.not_yet == ("su", "us")
    start = desk.clock()
    to_us = desk.svc.consult("eden", draft.id, ["us"])
    desk.clock.advance(days=3)
    to_su = desk.svc.consult("eden", draft.id, ["su"])
    log = desk.svc.consultations("uk", draft.id)
    assert [(r.party, r.first.entry) for r in log.reached] == [("su", to_su.id), ("us", to_us.id)]
    assert log.not_yet == ()
    # At any past moment.
    then = desk.svc.consultations("uk", draft.id, at=start + (desk.clock() - start) / 2)
    assert [r.party for r in then.reached] == ["us"]
    assert then.not_yet == ("su",)
    # Each consulted party sees when it was reached, not whom else the drafter consulted.
    assert [r.party for r in desk.svc.consultations("su", draft.id).reached] == ["su"]
    # A new version has reached nobody yet.
    desk.svc.revise("eden", draft.id, {**body, "text": "Amended."})
    log = desk.svc.consultations("uk", draft.id)
    assert all(r.latest is None for r in log.reached)


def test_parties_answer_and_amend_and_every_version_stays_readable(desk: Desk) -> None:
    draft = desk.svc.draft("eden", TREATY)
    desk.svc.consult("eden", draft.id, ["su"])
    version = desk.svc.versions("su", draft.id)[-1]
    amended = desk.svc.amend(
        "molotov", draft.id, version.id, {**TREATY, "text": "With the frontiers of 1941."}
    )
    position = desk.svc.answer(
        "molotov",
        draft.id,
        version.id,
        "propose_amendment",
        "The frontiers must be settled.",
        amendment=amended.id,
    )
    assert position.content.release == ("su", "uk")
    desk.svc.answer("eden", draft.id, amended.id, "reject", "Not without the Americans.")
    assert [p.content.body["stance"] for p in desk.svc.positions("uk", draft.id)] == [
        "propose_amendment",
        "reject",
    ]
    assert [v.id for v in desk.svc.versions("uk", draft.id)] == [draft.id, amended.id]
    with pytest.raises(NotFound):  # not released to the United States: as if absent
        desk.svc.amend("harriman", draft.id, version.id, TREATY)
    desk.svc.consult("eden", draft.id, ["us"], version=version.id)
    with pytest.raises(NotPermitted):  # consulted, but not a party to it
        desk.svc.amend("harriman", draft.id, version.id, TREATY)


def test_an_agreement_is_superseded_only_by_one_binding_the_same_parties(desk: Desk) -> None:
    old = desk.agree("eden", TREATY, ["eden", "molotov"])
    narrower = terms(
        "Anglo-American note",
        ["uk", "us"],
        "diplomacy.alliance",
        ends=[{"agreement": old.id, "how": "terminate"}],
    )
    desk.agree("eden", narrower, ["eden", "harriman"])
    assert desk.svc.status("su", old.id).state == "binding"
    newer = terms(
        "Treaty of Alliance",
        ["uk", "su"],
        "diplomacy.alliance",
        ends=[{"agreement": old.id, "how": "supersede"}],
    )
    unsigned = desk.agree("eden", newer, ["eden"])
    assert desk.svc.status("su", old.id).state == "binding"
    desk.sign("molotov", unsigned.id)
    status = desk.svc.status("su", old.id)
    assert status.state == "superseded"
    assert not status.binding
    assert status.ended is not None
    assert status.ended.by == unsigned.id


def test_status_is_computed_from_the_record_alone(desk: Desk) -> None:
    draft = desk.agree("eden", TREATY, ["eden", "molotov", "kerr"])
    before = desk.svc.status("uk", draft.id).to_json()
    rebuilt_from = dump_projections(desk.world.node.store)
    rebuild_projections(desk.world.node.store)
    assert dump_projections(desk.world.node.store) == rebuilt_from
    record = RecordService(desk.world.node.store, desk.world.node.key.signing_key)
    try:
        assert AgreementService(record).status("uk", draft.id).to_json() == before
    finally:
        record.close()
