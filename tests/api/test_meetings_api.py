"""Meetings, accounts, divergence reports and agreed records through the API, on both backends.

The rules are the meeting service's (``tests/meetings``); these tests check the
edge: each route's answer and errors, an account kept from a party leaving no
trace in anything that party reads (the divergence report included), and an
agreed record signed on the members' side through ``Client(key=...)``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from liaison import Client, Conflict, NotFound
from liaison.accounts.kinds import sign_version
from tests.api.support import BASE_URL, Api
from tests.api.test_problems import assert_problem
from tests.meetings.support import FIXTURES

ABSENT = hashlib.sha256(b"no such meeting").hexdigest()

PARTICIPANTS = [
    {"name": "Sir Archibald Clark Kerr", "party": "uk", "role": "ambassador", "member": "kerr"},
    {"name": "V. M. Molotov", "party": "su", "role": "People's Commissar", "member": "molotov"},
]


def account(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


BRITISH = "1943-02-20-united-kingdom-clark-kerr"
SOVIET = "1943-02-20-soviet-union-molotov"


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.read())
        return self.inner.handle_request(request)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/entries/{response.json()['id']}"
    entry: dict[str, Any] = response.json()
    return entry


@pytest.fixture
def meeting(api: Api) -> str:
    """Clark Kerr's call on Molotov of 20 February 1943, recorded by the British, shown to su."""
    body = {
        "title": "Clark Kerr and Molotov on post-war consultation and Germany",
        "held_at": "1943-02-20T12:00:00Z",
        "place": "People's Commissariat for Foreign Affairs, Moscow",
        "participants": PARTICIPANTS,
        "topic": "diplomacy",
        "release": ["su"],
    }
    return created(api.post("/v1/meetings", "kerr", json=body))["id"]


def file(api: Api, member: str, meeting: str, name: str, release: list[str]) -> dict[str, Any]:
    body = {"account": account(name), "release": release}
    return created(api.post(f"/v1/meetings/{meeting}/accounts", member, json=body))


# --- meetings ----------------------------------------------------------------------------


def test_a_meeting_is_read_by_the_parties_it_is_released_to_only(api: Api, meeting: str) -> None:
    seen = api.get(f"/v1/meetings/{meeting}", "molotov").json()
    assert (seen["id"], seen["version"], seen["recorded_by"]) == (meeting, meeting, "uk")
    assert seen["parties"] == ["su", "uk"]
    assert seen["held_at"] == "1943-02-20T12:00:00.000000Z"
    assert [m["id"] for m in api.get("/v1/meetings", "molotov").json()["meetings"]] == [meeting]
    assert api.get("/v1/meetings", "harriman").json() == {"meetings": []}
    for suffix in ("", "/accounts", "/divergence", "/agreed-records"):
        hidden = api.get(f"/v1/meetings/{meeting}{suffix}", "harriman")
        absent = api.get(f"/v1/meetings/{ABSENT}{suffix}", "harriman")
        assert hidden.status_code == 404, suffix
        assert hidden.content == absent.content, suffix


def test_a_correction_supersedes_the_record_and_keeps_the_meetings_id(
    api: Api, meeting: str
) -> None:
    body = {
        "title": "Clark Kerr and Molotov, 20 February 1943",
        "held_at": "1943-02-20T15:00:00Z",
        "place": "Moscow",
        "participants": PARTICIPANTS,
        "topic": "diplomacy",
        "release": ["su"],
        "supersedes": meeting,
    }
    corrected = created(api.post("/v1/meetings", "kerr", json=body))
    seen = api.get(f"/v1/meetings/{corrected['id']}", "molotov").json()
    assert (seen["id"], seen["version"]) == (meeting, corrected["id"])
    assert seen["held_at"] == "1943-02-20T15:00:00.000000Z"


@pytest.mark.parametrize(
    ("change", "status", "slug", "words"),
    [
        ({"held_at": "20 February 1943"}, 422, "invalid-body", "held_at"),
        ({"participants": []}, 422, "invalid-body", "participants"),
        ({"parties": ["uk", "us"]}, 422, "invalid-body", "parties present"),
        ({"place": None}, 400, "invalid-input", "place"),
        ({"agenda": "Germany"}, 400, "invalid-input", "agenda"),
    ],
)
def test_a_bad_meeting_record_is_refused_and_nothing_is_recorded(
    api: Api, change: dict[str, Any], status: int, slug: str, words: str
) -> None:
    body = {
        "title": "T",
        "held_at": "1943-02-20T12:00:00Z",
        "place": "Moscow",
        "participants": PARTICIPANTS,
        **change,
    }
    size = api.world.node.record.size()
    refused = api.post("/v1/meetings", "kerr", json=body)
    assert words in assert_problem(refused, status, slug)["detail"]
    assert api.world.node.record.size() == size


# --- accounts and divergence -------------------------------------------------------------


def test_the_divergence_of_the_20_february_accounts_names_annihilation(
    api: Api, meeting: str
) -> None:
    british = file(api, "kerr", meeting, BRITISH, ["su"])
    soviet = file(api, "molotov", meeting, SOVIET, ["uk"])
    listed = api.get(f"/v1/meetings/{meeting}/accounts", "kerr").json()["accounts"]
    assert [a["entry"] for a in listed] == [soviet["id"], british["id"]]
    assert listed[0]["label"] == "Soviet Union (Molotov)"

    report = api.get(f"/v1/meetings/{meeting}/divergence", "kerr").json()
    assert report["comparable"] is True
    assert [a["entry"] for a in report["accounts"]] == [soviet["id"], british["id"]]
    assert "annihilation" in json.dumps(report["report"], ensure_ascii=False)

    text = api.get(f"/v1/meetings/{meeting}/divergence", "kerr", params={"format": "text"})
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert "“annihilation”" in text.text
    assert f"Soviet Union (Molotov): entry {soviet['id']}" in text.text
    # Both parties read both accounts, so both get the same report, byte for byte.
    for fmt in ("json", "text"):
        ours = api.get(f"/v1/meetings/{meeting}/divergence", "kerr", params={"format": fmt})
        theirs = api.get(f"/v1/meetings/{meeting}/divergence", "molotov", params={"format": fmt})
        assert ours.content == theirs.content
    xml = api.get(f"/v1/meetings/{meeting}/divergence", "kerr", params={"format": "xml"})
    assert "format" in assert_problem(xml, 400, "invalid-input")["detail"]


def test_an_account_kept_from_a_party_leaves_no_trace_in_what_it_reads(
    api: Api, meeting: str
) -> None:
    file(api, "kerr", meeting, BRITISH, ["su"])

    def british_view() -> list[bytes]:
        return [
            api.get(f"/v1/meetings/{meeting}/accounts", "kerr").content,
            api.get(f"/v1/meetings/{meeting}/divergence", "kerr").content,
            api.get(f"/v1/meetings/{meeting}/divergence?format=text", "kerr").content,
            api.get(f"/v1/meetings/{meeting}", "kerr").content,
            api.get("/v1/meetings", "kerr").content,
        ]

    before = british_view()
    kept = file(api, "molotov", meeting, SOVIET, [])
    assert kept["release"] == ["su"]
    assert british_view() == before
    report = api.get(f"/v1/meetings/{meeting}/divergence", "kerr").json()
    assert report["comparable"] is False
    assert "only one account of this meeting is available to you" in report["note"]
    assert "annihilation" not in b"".join(before).decode()
    # ...while the Soviet side does compare the two.
    assert api.get(f"/v1/meetings/{meeting}/divergence", "molotov").json()["comparable"]


def test_an_account_is_filed_only_for_a_meeting_the_party_attended(api: Api, meeting: str) -> None:
    body = {"account": account(BRITISH), "release": ["su"]}
    hidden = api.post(f"/v1/meetings/{meeting}/accounts", "harriman", json=body)
    absent = api.post(f"/v1/meetings/{ABSENT}/accounts", "harriman", json=body)
    assert hidden.status_code == 404
    assert hidden.content == absent.content
    not_ours = api.post(
        f"/v1/meetings/{meeting}/accounts", "kerr", json={"account": account(SOVIET)}
    )
    assert "its party must be" in assert_problem(not_ours, 400, "invalid-input")["detail"]
    empty = api.post(
        f"/v1/meetings/{meeting}/accounts",
        "kerr",
        json={"account": {"party": "uk", "author": "Clark Kerr"}},
    )
    assert "empty" in assert_problem(empty, 422, "invalid-body")["detail"]
    file(api, "kerr", meeting, BRITISH, ["su"])
    twice = api.post(f"/v1/meetings/{meeting}/accounts", "kerr", json=body)
    assert "supersede it" in assert_problem(twice, 409, "conflict")["detail"]


# --- agreed records ----------------------------------------------------------------------


@pytest.fixture
def wire(api: Api) -> Recording:
    return Recording(api.transport)


@pytest.fixture
def client_of(api: Api, wire: Recording) -> Iterator[Any]:
    clients: list[Client] = []

    def connect(member: str) -> Client:
        key = api.world.members[member].key
        client = Client(BASE_URL, api.world.token(member), key=key, transport=wire)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def test_an_agreed_record_binds_once_both_parties_signed_it_client_side(
    api: Api, meeting: str, client_of: Any, wire: Recording
) -> None:
    kerr, molotov = client_of("kerr"), client_of("molotov")
    proposed = kerr.propose_agreed_record(meeting, "The parties discussed Germany.")
    version = proposed["id"]
    assert proposed["release"] == ["su", "uk"]
    kerr.sign_agreed_record(version)
    status = molotov.agreed_record(version)
    assert (status["binding"], status["signed_by"]) == (False, ["uk"])
    assert [m["party"] for m in status["missing"]] == ["su"]

    molotov.sign_agreed_record(version)
    status = kerr.agreed_record(version)
    assert (status["binding"], status["signed_by"]) == (True, ["su", "uk"])
    [listed] = kerr.agreed_records(meeting)
    assert (listed["version"], listed["binding"]) == (version, True)
    sent = b"".join(wire.sent)
    for member in ("kerr", "molotov"):
        seed = api.world.members[member].key.seed
        for form in (seed, seed.hex().encode(), base64.b64encode(seed)):
            assert form not in sent
    # A binding version is not amended: a new agreed record is proposed instead.
    with pytest.raises(Conflict, match="binding"):
        kerr.propose_agreed_record(meeting, "Amended.", supersedes=version)


def test_an_amended_agreed_record_must_be_signed_again(
    api: Api, meeting: str, client_of: Any
) -> None:
    kerr, molotov = client_of("kerr"), client_of("molotov")
    first = kerr.propose_agreed_record(meeting, "First text.")["id"]
    kerr.sign_agreed_record(first)
    second = kerr.propose_agreed_record(meeting, "Second text.", supersedes=first)["id"]
    molotov.sign_agreed_record(second)
    assert kerr.agreed_record(second)["binding"] is False
    assert kerr.agreed_record(first)["latest"] is False
    with pytest.raises(Conflict, match="amended"):
        kerr.sign_agreed_record(first)
    kerr.sign_agreed_record(second)
    assert molotov.agreed_record(second)["binding"] is True


def test_a_bad_agreed_record_signature_is_refused_and_nothing_is_recorded(
    api: Api, meeting: str
) -> None:
    version = created(
        api.post(f"/v1/meetings/{meeting}/agreed-records", "kerr", json={"text": "Agreed."})
    )["id"]
    other_bytes = b"{}"
    key = api.world.members["kerr"].key
    forged = sign_version(key, hashlib.sha256(other_bytes).hexdigest(), other_bytes)
    size = api.world.node.record.size()
    body = {"key_id": forged["key_id"], "signature": forged["signature"]}
    bad = api.post(f"/v1/agreed-records/{version}/signatures", "kerr", json=body)
    assert_problem(bad, 400, "invalid-signature")
    crossed = api.post(
        f"/v1/agreed-records/{version}/signatures", "kerr", json={**body, "version": ABSENT}
    )
    assert "another version" in assert_problem(crossed, 400, "invalid-input")["detail"]
    assert api.world.node.record.size() == size
    # Not present at the meeting: the agreed record is the same 404 as a missing one.
    for suffix, method in (("", "GET"), ("/signatures", "POST")):
        hidden = api.http.request(
            method,
            f"/v1/agreed-records/{version}{suffix}",
            headers=api.auth("harriman"),
            json=body if method == "POST" else None,
        )
        absent = api.http.request(
            method,
            f"/v1/agreed-records/{ABSENT}{suffix}",
            headers=api.auth("harriman"),
            json=body if method == "POST" else None,
        )
        assert hidden.status_code == 404
        # The same answer, but for the id the caller itself gave.
        assert hidden.content.replace(version.encode(), b"<id>") == absent.content.replace(
            ABSENT.encode(), b"<id>"
        )


def test_the_client_reads_meetings_and_accounts(api: Api, meeting: str, client_of: Any) -> None:
    kerr, molotov, harriman = client_of("kerr"), client_of("molotov"), client_of("harriman")
    kerr.file_account(meeting, account(BRITISH), release=["su"])
    molotov.file_account(meeting, account(SOVIET), release=["uk"])
    assert [m["id"] for m in molotov.meetings()] == [meeting]
    assert molotov.meeting(meeting)["title"].startswith("Clark Kerr and Molotov")
    assert [a["party"] for a in kerr.accounts(meeting)] == ["su", "uk"]
    assert kerr.divergence(meeting)["comparable"] is True
    assert "annihilation" in kerr.divergence_text(meeting)
    with pytest.raises(NotFound):
        harriman.divergence_text(meeting)
    with pytest.raises(NotFound):
        harriman.meeting(meeting)
    recorded = harriman.record_meeting(
        title="Harriman and Molotov",
        held_at="1944-07-12T16:30:00Z",
        place="Moscow",
        participants=[
            {"name": "W. A. Harriman", "party": "us", "role": "ambassador", "member": "harriman"},
            {"name": "V. M. Molotov", "party": "su", "role": "Commissar"},
        ],
        release=["su"],
    )
    assert [m["id"] for m in molotov.meetings()] == [meeting, recorded["id"]]
