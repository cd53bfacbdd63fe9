"""Parties, members, authority at any moment, and the kinds registry over HTTP."""

from __future__ import annotations

import time

from liaison.domain.kinds import KINDS
from liaison.domain.time import format_time, utcnow
from tests.api.support import Api
from tests.api.test_problems import assert_problem


def test_parties_are_listed_with_their_default_release(api: Api) -> None:
    api.world.node.roster.add_party("yu", "Yugoslav partisans", ["uk"])
    parties = api.get("/v1/parties", "molotov").json()["parties"]
    assert [p["id"] for p in parties] == ["su", "uk", "us", "yu"]
    yugoslavs = parties[-1]
    assert yugoslavs["name"] == "Yugoslav partisans"
    assert yugoslavs["default_release"] == ["uk"]


def test_members_are_listed_with_their_authority(api: Api) -> None:
    members = api.get("/v1/members", "deane").json()["members"]
    assert [m["member"] for m in members] == sorted(m for m in api.world.members)
    eden = next(m for m in members if m["member"] == "eden")
    assert (eden["party"], eden["role"], eden["revoked"]) == ("uk", "plenipotentiary", False)
    assert len(eden["keys"]) == 1
    soviet = api.get("/v1/members", "deane", params={"party": "su"}).json()["members"]
    assert [m["member"] for m in soviet] == ["molotov", "slavin"]


def test_authority_can_be_asked_for_any_past_moment(api: Api) -> None:
    before_change = utcnow()
    time.sleep(0.01)
    api.world.node.roster.change("kerr", "commander", {"topics": ["diplomacy", "coordination"]})
    now = api.get("/v1/members/kerr/authority", "molotov").json()
    assert now["role"] == "commander"
    then = api.get(
        "/v1/members/kerr/authority", "molotov", params={"at": format_time(before_change)}
    ).json()
    assert then["role"] == "officer"
    assert then["mandate"]["topics"] == ["diplomacy"]
    before_appointment = api.get(
        "/v1/members/kerr/authority", "molotov", params={"at": "1943-02-20T00:00:00Z"}
    )
    assert_problem(before_appointment, 404, "not-found")


def test_a_revoked_member_shows_as_revoked(api: Api) -> None:
    api.world.node.roster.revoke("kerr", "recalled")
    kerr = api.get("/v1/members/kerr/authority", "eden").json()
    assert kerr["revoked"] is True
    assert kerr["revoked_reason"] == "recalled"


def test_the_kinds_registry_gives_each_kinds_schema_and_least_role(sqlite_api: Api) -> None:
    kinds = {k["name"]: k for k in sqlite_api.get("/v1/kinds", "watcher").json()["kinds"]}
    assert set(kinds) == {spec.name for spec in KINDS}
    note = kinds["note"]
    assert note["min_role"] == "officer"
    assert note["description"]
    assert "text" in note["body_schema"]["properties"]
    assert kinds["party.add"]["min_role"] is None
