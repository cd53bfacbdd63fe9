"""Agreements through the HTTP API and ``liaison.Client``, on both backends.

The rules are the agreement service's (``tests/agreements``); these tests check
the edge: each route's answer and errors, signatures made on the member's side
through ``Client(key=...)`` (the private key never travels), an agreement that
binds only once both plenipotentiaries signed the same version, and a breach
shown to the agreement's parties and nobody else.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from liaison import Client, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.agreements import sign_version
from liaison.ledger.signing import KeyFile
from tests.api.support import BASE_URL, Api
from tests.api.test_problems import assert_problem

ABSENT = hashlib.sha256(b"no such agreement").hexdigest()

SELF_DENYING = {
    "id": "self-denying",
    "rule": "consult_before",
    "party": "uk",
    "topic": "diplomacy",
    "lead": "P3D",
}


def terms(title: str, parties: list[str], *obligations: dict[str, Any]) -> dict[str, Any]:
    provisions = (
        [
            {
                "id": "art-5",
                "text": "No arrangements without full consultation.",
                "obligations": [*obligations],
            }
        ]
        if obligations
        else []
    )
    return {
        "title": title,
        "text": f"{title}: the agreed text.",
        "parties": parties,
        "topic": "diplomacy",
        "provisions": provisions,
    }


class Recording(httpx.BaseTransport):
    """Passes requests on, keeping every request body sent, to check what left the client."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.read())
        return self.inner.handle_request(request)


@pytest.fixture
def wire(api: Api) -> Recording:
    return Recording(api.transport)


@pytest.fixture
def client_of(api: Api, wire: Recording) -> Iterator[Any]:
    """A ``liaison.Client`` of a member, holding the member's own key file."""
    clients: list[Client] = []

    def connect(member: str) -> Client:
        key = api.world.members[member].key
        client = Client(BASE_URL, api.world.token(member), key=key, transport=wire)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def secret_forms(key: KeyFile) -> list[bytes]:
    seed = key.seed
    return [
        seed,
        seed.hex().encode(),
        base64.b64encode(seed),
        base64.urlsafe_b64encode(seed).rstrip(b"="),
    ]


def signed_for(status: Any) -> list[str]:
    """The parties with a signature that counts."""
    return sorted(party for party, refs in status["signed"].items() if refs)


def post(api: Api, path: str, member: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, member, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/entries/{response.json()['id']}"
    entry: dict[str, Any] = response.json()
    return entry


def treaty_draft(api: Api) -> str:
    """The Anglo-Soviet Treaty drafted by the British and put to the Soviet Union."""
    body = terms("Anglo-Soviet Treaty", ["su", "uk"], SELF_DENYING)
    agreement = post(api, "/v1/agreements", "eden", {"terms": body})["id"]
    post(api, f"/v1/agreements/{agreement}/consultations", "eden", {"to": ["su"]})
    return agreement


# --- signing on the member's side --------------------------------------------------------


def test_an_agreement_binds_once_both_plenipotentiaries_signed_it_client_side(
    api: Api, client_of: Any, wire: Recording
) -> None:
    eden, molotov = client_of("eden"), client_of("molotov")
    agreement = eden.draft_agreement(terms("Anglo-Soviet Treaty", ["su", "uk"]))["id"]
    eden.consult(agreement, ["su"], note="For your views.")
    signed = eden.sign_agreement(agreement)
    assert signed["kind"] == "agreement.signature"
    assert signed["body"]["signer"] == "eden"
    assert signed["release"] == ["su", "uk"]
    status = molotov.agreement_status(agreement)
    assert (status["state"], status["binding"], status["missing"]) == ("not binding", False, ["su"])
    assert signed_for(status) == ["uk"]

    molotov.sign_agreement(agreement, agreement)
    status = eden.agreement_status(agreement)
    assert (status["state"], status["binding"], status["missing"]) == ("binding", True, [])
    assert status["bound"] is not None
    assert status["version"] == agreement
    assert [a["state"] for a in molotov.agreements()] == ["binding"]
    # The private keys never left the members' side: only signatures travelled.
    sent = b"".join(wire.sent)
    for member in ("eden", "molotov"):
        for form in secret_forms(api.world.members[member].key):
            assert form not in sent


def test_signatures_on_different_versions_do_not_bind(api: Api, client_of: Any) -> None:
    eden, molotov = client_of("eden"), client_of("molotov")
    first_terms = terms("Treaty", ["su", "uk"])
    agreement = eden.draft_agreement(first_terms)["id"]
    eden.consult(agreement, ["su"])
    eden.sign_agreement(agreement)
    second = eden.revise_agreement(agreement, agreement, {**first_terms, "text": "Revised."})
    assert second["supersedes"] == agreement
    eden.consult(agreement, ["su"], version=second["id"])
    molotov.sign_agreement(agreement, second["id"])

    status = eden.agreement_status(agreement, version=second["id"])
    assert status["state"] == "not binding"
    assert status["missing"] == ["uk"]
    [eden_sig] = [s for s in status["signatures"] if s["signer"] == "eden"]
    assert eden_sig["counts"] is False
    assert [r["code"] for r in eden_sig["reasons"]] == ["other-version"]

    eden.sign_agreement(agreement, second["id"])
    assert eden.agreement_status(agreement)["state"] == "binding"
    assert eden.agreement_status(agreement)["version"] == second["id"]
    versions = [v["version"] for v in eden.agreement_versions(agreement)]
    assert versions == [agreement, second["id"]]


def test_a_signature_by_an_official_who_is_not_a_plenipotentiary_does_not_count(
    api: Api, client_of: Any
) -> None:
    kerr, molotov = client_of("kerr"), client_of("molotov")
    agreement = kerr.draft_agreement(terms("Exchange of notes", ["su", "uk"]))["id"]
    kerr.consult(agreement, ["su"])
    kerr.sign_agreement(agreement)
    molotov.sign_agreement(agreement)
    status = molotov.agreement_status(agreement)
    assert status["state"] == "not binding"
    assert status["missing"] == ["uk"]
    [kerr_sig] = [s for s in status["signatures"] if s["signer"] == "kerr"]
    assert [r["code"] for r in kerr_sig["reasons"]] == ["wrong-role"]


def test_a_signature_over_other_bytes_is_refused_and_nothing_is_recorded(api: Api) -> None:
    agreement = treaty_draft(api)
    altered = {**terms("Anglo-Soviet Treaty", ["su", "uk"], SELF_DENYING), "text": "Altered."}
    body = sign_version(api.world.members["molotov"].key, agreement, agreement, altered)
    size = api.world.node.record.size()
    refused = api.post(f"/v1/agreements/{agreement}/signatures", "molotov", json=body)
    assert_problem(refused, 400, "invalid-signature")
    assert api.world.node.record.size() == size
    other = api.post(f"/v1/agreements/{ABSENT}/signatures", "molotov", json=body)
    assert "another agreement" in assert_problem(other, 400, "invalid-input")["detail"]
    half = {"version": agreement, "signature": body["signature"]}
    partial = api.post(f"/v1/agreements/{agreement}/signatures", "molotov", json=half)
    assert "signer, key_id" in assert_problem(partial, 400, "invalid-input")["detail"]


def test_a_whole_signature_entry_signed_by_the_member_is_accepted(api: Api, client_of: Any) -> None:
    agreement = treaty_draft(api)
    molotov = client_of("molotov")
    [version] = molotov.agreement_versions(agreement)
    body = sign_version(api.world.members["molotov"].key, agreement, agreement, version["terms"])
    built = molotov._signed_content("agreement.signature", body, ["uk"], None)
    signed = {"signed_content": built["content"], "signature": built["signature"]}
    response = api.post(f"/v1/agreements/{agreement}/signatures", "molotov", json=signed)
    assert response.status_code == 201, response.text
    assert response.json()["signatures"]["author"]  # the member signed the entry itself
    status = api.get(f"/v1/agreements/{agreement}/status", "eden").json()
    assert signed_for(status) == ["su"]
    elsewhere = {**signed, "signed_content": {**signed["signed_content"], "body": {}}}
    refused = api.post(f"/v1/agreements/{agreement}/signatures", "molotov", json=elsewhere)
    assert_problem(refused, 400, "invalid-input")
    both = {**signed, "version": agreement}
    assert_problem(
        api.post(f"/v1/agreements/{agreement}/signatures", "molotov", json=both),
        400,
        "invalid-input",
    )


def test_signing_needs_the_members_own_key_file(api: Api, client_of: Any) -> None:
    agreement = treaty_draft(api)
    keyless = Client(BASE_URL, api.world.token("eden"), transport=api.transport)
    size = api.world.node.record.size()
    with keyless, pytest.raises(InvalidInput, match="key file"):
        keyless.sign_agreement(agreement)
    # Eden cannot deliver Molotov's signature for the Soviet Union.
    courier = Client(
        BASE_URL,
        api.world.token("eden"),
        key=api.world.members["molotov"].key,
        transport=api.transport,
    )
    with courier, pytest.raises(NotPermitted, match="may not deliver"):
        courier.sign_agreement(agreement)
    assert api.world.node.record.size() == size


# --- drafts, consultation, positions, amendments -----------------------------------------


def test_a_draft_is_the_same_404_as_a_missing_agreement_until_it_is_consulted_on(
    api: Api,
) -> None:
    agreement = post(api, "/v1/agreements", "eden", {"terms": terms("Treaty", ["su", "uk"])})["id"]
    for suffix in ("/versions", "/positions", "/status", "/consultations"):
        hidden = api.get(f"/v1/agreements/{agreement}{suffix}", "molotov")
        absent = api.get(f"/v1/agreements/{ABSENT}{suffix}", "molotov")
        assert hidden.status_code == 404, suffix
        assert hidden.content == absent.content, suffix
    assert api.get("/v1/agreements", "molotov").json()["agreements"] == []
    post(api, f"/v1/agreements/{agreement}/consultations", "eden", {"to": ["su"]})
    [seen] = api.get("/v1/agreements", "molotov").json()["agreements"]
    assert (seen["agreement"], seen["state"]) == (agreement, "not binding")
    # The Americans were never consulted: for them it still does not exist.
    assert api.get(f"/v1/agreements/{agreement}/versions", "harriman").status_code == 404


def test_consultation_positions_and_amendments_are_on_the_record(api: Api) -> None:
    agreement = treaty_draft(api)
    log = api.get(f"/v1/agreements/{agreement}/consultations", "eden").json()
    assert [r["party"] for r in log["reached"]] == ["su"]
    assert log["not_yet"] == []
    before = api.get(
        f"/v1/agreements/{agreement}/consultations",
        "eden",
        params={"at": "2000-01-01T00:00:00Z"},
    )
    assert before.status_code == 404  # nothing of it existed then

    amended_terms = {**terms("Anglo-Soviet Treaty", ["su", "uk"], SELF_DENYING), "text": "Amended."}
    amendment = post(
        api,
        f"/v1/agreements/{agreement}/amendments",
        "molotov",
        {"base": agreement, "terms": amended_terms},
    )
    assert amendment["release"] == ["su", "uk"]
    position = post(
        api,
        f"/v1/agreements/{agreement}/positions",
        "molotov",
        {
            "version": agreement,
            "stance": "propose_amendment",
            "reasons": "Consultation must be full.",
            "amendment": amendment["id"],
        },
    )
    positions = api.get(f"/v1/agreements/{agreement}/positions", "eden").json()["positions"]
    assert [p["id"] for p in positions] == [position["id"]]
    versions = api.get(f"/v1/agreements/{agreement}/versions", "eden").json()["versions"]
    assert [(v["version"], v["kind"]) for v in versions] == [
        (agreement, "agreement.proposal"),
        (amendment["id"], "agreement.amendment"),
    ]
    bad_stance = api.post(
        f"/v1/agreements/{agreement}/positions",
        "molotov",
        json={"version": agreement, "stance": "maybe", "reasons": "?"},
    )
    assert "stance" in assert_problem(bad_stance, 400, "invalid-input")["detail"]
    outsider = api.post(
        f"/v1/agreements/{agreement}/amendments",
        "harriman",
        json={"base": agreement, "terms": amended_terms},
    )
    assert_problem(outsider, 404, "not-found")


def test_bad_terms_and_versions_of_another_agreement_are_refused(api: Api) -> None:
    bad = api.post("/v1/agreements", "eden", json={"terms": {"title": "No parties"}})
    assert "parties" in assert_problem(bad, 422, "invalid-body")["detail"]
    one = post(api, "/v1/agreements", "eden", {"terms": terms("One", ["su", "uk"])})["id"]
    two = post(api, "/v1/agreements", "eden", {"terms": terms("Two", ["su", "uk"])})["id"]
    crossed = api.post(
        f"/v1/agreements/{one}/revisions",
        "eden",
        json={"supersedes": two, "terms": terms("Two, revised", ["su", "uk"])},
    )
    assert_problem(crossed, 404, "not-found")
    bad_time = api.get(f"/v1/agreements/{one}/status", "eden", params={"at": "yesterday"})
    assert_problem(bad_time, 400, "invalid-input")
    no_version = api.get(f"/v1/agreements/{one}/status", "eden", params={"version": two})
    assert_problem(no_version, 404, "not-found")
    nobody = api.post(f"/v1/agreements/{one}/consultations", "eden", json={"to": ["uk"]})
    assert_problem(nobody, 400, "invalid-input")


# --- obligations, compliance, breaches ---------------------------------------------------


def test_a_consultation_breach_is_shown_to_the_agreements_parties_only(
    api: Api, client_of: Any
) -> None:
    """1942: a bilateral arrangement with a third power, made without consulting the Soviets."""
    eden, molotov, harriman = client_of("eden"), client_of("molotov"), client_of("harriman")
    treaty = eden.draft_agreement(terms("Anglo-Soviet Treaty", ["su", "uk"], SELF_DENYING))["id"]
    eden.consult(treaty, ["su"])
    eden.sign_agreement(treaty)
    molotov.sign_agreement(treaty)
    [duty] = eden.obligations()
    assert (duty["agreement"], duty["obligation"]["id"]) == (treaty, "self-denying")
    assert harriman.obligations() == []

    # The British settle a diplomatic arrangement with the Americans, consulting only them.
    bilateral = eden.draft_agreement(terms("Anglo-American arrangement", ["uk", "us"]))["id"]
    eden.consult(bilateral, ["us"])
    eden.sign_agreement(bilateral)
    harriman.sign_agreement(bilateral)

    [breach] = molotov.breaches()
    assert (breach["agreement"], breach["rule"], breach["party"]) == (
        treaty,
        "consult_before",
        "uk",
    )
    assert "without consulting su" in breach["missing"]
    assert [b["entry"] for b in eden.breaches(treaty)] == [breach["entry"]]
    assert harriman.breaches() == []
    assert api.get("/v1/breaches", "harriman").json() == {"breaches": []}
    assert api.get("/v1/breaches", "deane").json() == {"breaches": []}

    report = molotov.compliance()
    assert report["agreements"] == [treaty]
    assert [f["key"] for f in report["findings"]] == [breach["key"]]
    assert report["recorded"] == []  # already on the record: recorded once
    assert harriman.compliance()["findings"] == []
    window = molotov.compliance("2000-01-01T00:00:00Z", "2000-12-31T00:00:00Z")
    assert window["findings"] == []
    bad = api.get("/v1/compliance", "molotov", params={"start": "1 July"})
    assert_problem(bad, 400, "invalid-input")

    disputed = eden.dispute(breach["entry"], "The arrangement was consulted on in substance.")
    assert disputed["release"] == ["su", "uk"]
    [seen] = molotov.breaches(treaty)
    assert [d["reasons"] for d in seen["disputes"]] == [
        "The arrangement was consulted on in substance."
    ]
    with pytest.raises(NotFound):
        harriman.dispute(breach["entry"], "Not ours to dispute.")
    hidden = api.post(f"/v1/breaches/{breach['entry']}/disputes", "harriman", json={"reasons": "x"})
    absent = api.post(f"/v1/breaches/{ABSENT}/disputes", "harriman", json={"reasons": "x"})
    assert hidden.content == absent.content


def test_the_client_refuses_a_version_the_agreement_does_not_have(api: Api, client_of: Any) -> None:
    agreement = treaty_draft(api)
    with pytest.raises(NotFound):
        client_of("molotov").sign_agreement(agreement, ABSENT)
    body = sign_version(api.world.members["molotov"].key, agreement, agreement, {"title": "?"})
    with pytest.raises(InvalidSignature):
        client_of("molotov")._request("POST", f"/v1/agreements/{agreement}/signatures", body=body)
