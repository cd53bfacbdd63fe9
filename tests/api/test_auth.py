"""Bearer tokens: everything but the public routes needs one, and every refusal is the same 401."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.support import Api
from tests.api.test_problems import assert_problem

PUBLIC = {"/healthz", "/v1/node", "/openapi.json", "/docs"}


def protected_calls(api: Api) -> list[tuple[str, str]]:
    """Every (method, path) in /openapi.json that is not public, with its parameters filled in."""
    paths: dict[str, dict[str, Any]] = api.http.get("/openapi.json").json()["paths"]
    calls: list[tuple[str, str]] = []
    for template, operations in paths.items():
        if template in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "eden", template)
        calls.extend((method.upper(), path) for method in operations)
    return calls


def test_every_route_but_the_public_ones_needs_a_token(sqlite_api: Api) -> None:
    calls = protected_calls(sqlite_api)
    assert len(calls) >= 18
    for method, path in calls:
        response = sqlite_api.http.request(method, path)
        assert_problem(response, 401, "not-authenticated")
        assert response.headers["www-authenticate"].startswith("Bearer"), path


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer lsn_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Basic ZWRlbjpzZWNyZXQ=",
        "Bearer",
        "lsn_missing-the-scheme",
    ],
)
def test_a_bad_token_is_the_same_401_as_none(sqlite_api: Api, authorization: str) -> None:
    none = sqlite_api.http.get("/v1/me")
    bad = sqlite_api.http.get("/v1/me", headers={"Authorization": authorization})
    assert_problem(bad, 401, "not-authenticated")
    assert bad.content == none.content


def test_a_revoked_members_token_is_refused(api: Api) -> None:
    assert api.get("/v1/me", "kerr").status_code == 200
    api.world.node.roster.revoke("kerr", "recalled to London")
    for method, path in protected_calls(api):
        response = api.http.request(method, path, headers=api.auth("kerr"))
        assert_problem(response, 401, "not-authenticated")


def test_the_public_routes_need_no_token(sqlite_api: Api) -> None:
    assert sqlite_api.http.get("/healthz").json() == {"status": "ok"}
    assert sqlite_api.http.get("/v1/node").status_code == 200
    assert sqlite_api.http.get("/openapi.json").status_code == 200
    docs = sqlite_api.http.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]


def test_a_member_reads_as_their_party(sqlite_api: Api) -> None:
    me = sqlite_api.get("/v1/me", "deane").json()
    assert (me["member"], me["party"], me["role"]) == ("deane", "us", "commander")
    assert me["mandate"]["topics"] == ["coordination"]
