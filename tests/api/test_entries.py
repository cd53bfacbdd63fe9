"""Appending and reading entries over HTTP, and what another party can learn of them."""

from __future__ import annotations

import secrets
from typing import Any

from liaison.domain.entry import Content
from liaison.domain.time import utcnow
from liaison.ledger.signing import b64e, sign
from liaison.services.record import new_salt
from tests.api.support import Api
from tests.api.test_problems import assert_problem

CANARY = "CANARY-" + secrets.token_hex(8)


def test_a_member_appends_and_reads_back(api: Api) -> None:
    created = api.post("/v1/entries", "eden", json={"kind": "note", "body": {"text": "Mil 1582"}})
    assert created.status_code == 201
    entry = created.json()
    assert created.headers["location"] == f"/v1/entries/{entry['id']}"
    assert (entry["kind"], entry["author"], entry["party"]) == ("note", "eden", "uk")
    assert entry["body"] == {"text": "Mil 1582", "topic": None}
    assert entry["release"] == ["uk"]
    assert entry["signatures"]["node"]
    assert entry["signatures"]["author"] is None
    assert api.get(f"/v1/entries/{entry['id']}", "kerr").json() == entry
    listed = api.get("/v1/entries", "kerr", params={"kind": "note"}).json()
    assert listed == {"entries": [entry], "next_after": None}
    count = api.get("/v1/entries/count", "kerr", params={"kind": "note"}).json()
    assert count == {"count": 1}


def test_release_shares_an_entry_with_the_parties_named(api: Api) -> None:
    entry = api.note("eden", "to the Americans", release=["us"])
    assert entry["release"] == ["uk", "us"]
    assert api.get(f"/v1/entries/{entry['id']}", "deane").status_code == 200
    assert api.get(f"/v1/entries/{entry['id']}", "molotov").status_code == 404
    everyone = api.note("eden", "to all", release=["*"])
    assert everyone["release"] == ["*"]
    assert api.get(f"/v1/entries/{everyone['id']}", "molotov").status_code == 200


def test_another_party_cannot_read_count_or_find_an_unreleased_entry(api: Api) -> None:
    secret = api.note("eden", f"{CANARY} only for the British")
    for member in ("deane", "molotov"):
        listed = api.get("/v1/entries", member, params={"kind": "note"}).json()
        assert listed["entries"] == []
        assert api.get("/v1/entries/count", member, params={"kind": "note"}).json() == {"count": 0}
        found = api.get("/v1/entries", member, params={"text": CANARY}).json()
        assert found["entries"] == []
        assert api.get("/v1/entries/count", member, params={"text": CANARY}).json()["count"] == 0
        for path in (f"/v1/entries/{secret['id']}", f"/v1/entries/{secret['id']}/versions"):
            assert CANARY not in api.get(path, member).text
    own = api.get("/v1/entries", "kerr", params={"text": CANARY}).json()["entries"]
    assert [e["id"] for e in own] == [secret["id"]]


def test_an_unreleased_entry_is_indistinguishable_from_a_missing_one(api: Api) -> None:
    secret = api.note("eden", "not for the Americans")
    for suffix in ("", "/versions"):
        unreleased = api.get(f"/v1/entries/{secret['id']}{suffix}", "deane")
        missing = api.get(f"/v1/entries/{secrets.token_hex(32)}{suffix}", "deane")
        malformed = api.get(f"/v1/entries/not-an-id{suffix}", "deane")
        assert_problem(unreleased, 404, "not-found")
        for other in (missing, malformed):
            assert other.status_code == unreleased.status_code
            assert other.content == unreleased.content
            assert dict(other.headers) == dict(unreleased.headers)


def test_pages_follow_the_cursor(api: Api) -> None:
    appended = [api.note("eden", f"note {i}")["seq"] for i in range(5)]
    seen: list[int] = []
    after = 0
    while True:
        page = api.get("/v1/entries", "eden", params={"kind": "note", "after": after, "limit": 2})
        body = page.json()
        seen.extend(e["seq"] for e in body["entries"])
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert seen == appended


def test_filters_narrow_the_list(api: Api) -> None:
    api.note("eden", "by eden")
    api.note("kerr", "by kerr", release=["us"])
    by_kerr = api.get("/v1/entries", "deane", params={"author": "kerr"}).json()["entries"]
    assert [e["body"]["text"] for e in by_kerr] == ["by kerr"]
    uk = api.get("/v1/entries", "eden", params={"party": "uk", "kind": "note"}).json()["entries"]
    assert len(uk) == 2
    roster = api.get("/v1/entries/count", "deane", params={"kind": "member.*"}).json()
    assert roster["count"] == 8


def test_versions_show_every_correction(api: Api) -> None:
    first = api.note("eden", "first draft")
    second = api.note("eden", "second draft", supersedes=first["id"])
    versions = api.get(f"/v1/entries/{first['id']}/versions", "kerr").json()["versions"]
    assert [v["id"] for v in versions] == [first["id"], second["id"]]


def test_a_batch_accepts_and_refuses_each_entry_on_its_own(api: Api) -> None:
    size = api.world.node.record.size()
    response = api.post(
        "/v1/entries/batch",
        "kerr",
        json=[
            {"kind": "note", "body": {"text": "one"}},
            {"kind": "no.such.kind", "body": {}},
            {"kind": "note", "body": {"text": "two"}, "release": ["us"]},
            {"kind": "note", "body": {"text": "x", "topic": "coordination"}},
        ],
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["entry"]["body"]["text"] == "one"
    assert results[1]["problem"]["type"] == "urn:liaison:problem:unknown-kind"
    assert results[2]["entry"]["release"] == ["uk", "us"]
    assert results[3]["problem"]["type"] == "urn:liaison:problem:not-permitted"
    assert api.world.node.record.size() == size + 2


def test_a_batch_over_the_limit_is_refused_whole(sqlite_api: Api) -> None:
    size = sqlite_api.world.node.record.size()
    batch = [{"kind": "note", "body": {"text": "n"}}] * 1001
    assert_problem(sqlite_api.post("/v1/entries/batch", "eden", json=batch), 400, "invalid-input")
    assert sqlite_api.world.node.record.size() == size


def signed(api: Api, member: str, text: str) -> dict[str, Any]:
    """A note built and signed on the member's side, as the client does."""
    appointment = api.world.members[member]
    content = Content(
        kind="note",
        body={"text": text, "topic": None},
        author=member,
        party=appointment.key.party,
        time=utcnow(),
        release=(str(appointment.key.party),),
        supersedes=None,
        salt=new_salt(),
    )
    signature = sign(appointment.key.signing_key, content.canonical())
    return {"content": content.to_json(), "signature": b64e(signature)}


def test_content_signed_by_the_member_is_appended_with_both_signatures(api: Api) -> None:
    payload = signed(api, "kerr", "over the signatures of Deane and myself")
    response = api.post("/v1/entries", "kerr", json=payload)
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["signatures"]["author"] == payload["signature"]
    assert entry["salt"] == payload["content"]["salt"]


def test_a_tampered_signature_is_refused_and_nothing_is_appended(api: Api) -> None:
    payload = signed(api, "kerr", "genuine")
    payload["content"]["body"]["text"] = "forged"
    size = api.world.node.record.size()
    response = api.post("/v1/entries", "kerr", json=payload)
    assert_problem(response, 400, "invalid-signature")
    assert api.world.node.record.size() == size


def test_signed_content_in_someone_elses_name_is_refused(api: Api) -> None:
    payload = signed(api, "kerr", "in kerr's name")
    size = api.world.node.record.size()
    assert_problem(api.post("/v1/entries", "eden", json=payload), 403, "not-permitted")
    assert api.world.node.record.size() == size
