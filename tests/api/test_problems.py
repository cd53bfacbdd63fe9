"""The one error shape on the wire (RFC 9457), locked for every kind of failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from liaison.api import create_app
from liaison.api.problems import PROBLEM_TYPE_PREFIX, problem_catalogue
from liaison.client import PROBLEM_TYPE_PREFIX as CLIENT_PREFIX
from tests.api.support import BASE_URL, Api, InProcessTransport
from tests.conftest import World

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["type"] == f"urn:liaison:problem:{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def test_the_catalogue_of_problem_types_is_stable() -> None:
    assert problem_catalogue() == {
        "error": (500, "Liaison error"),
        "invalid-input": (400, "Invalid input"),
        "unknown-kind": (400, "Unknown entry kind"),
        "invalid-body": (422, "The body does not fit its kind"),
        "invalid-signature": (400, "Signature does not verify"),
        "invalid-key": (400, "Weak or malformed key"),
        "too-large": (413, "Too large"),
        "not-authenticated": (401, "Not authenticated"),
        "not-permitted": (403, "Not permitted"),
        "not-found": (404, "Not found"),
        "conflict": (409, "Conflicts with the record"),
        "integrity": (500, "The record fails verification"),
        "method-not-allowed": (405, "Method not allowed"),
        "internal": (500, "Internal error"),
        "unavailable": (503, "Service unavailable"),
    }
    assert PROBLEM_TYPE_PREFIX == CLIENT_PREFIX == "urn:liaison:problem:"


def test_a_service_error_keeps_its_own_type_and_detail(sqlite_api: Api) -> None:
    response = sqlite_api.post("/v1/entries", "eden", json={"kind": "no.such.kind", "body": {}})
    body = assert_problem(response, 400, "unknown-kind")
    assert "no.such.kind" in body["detail"]


def test_a_body_that_does_not_fit_its_kind_is_invalid_body(sqlite_api: Api) -> None:
    response = sqlite_api.post("/v1/entries", "eden", json={"kind": "note", "body": {"txt": "x"}})
    body = assert_problem(response, 422, "invalid-body")
    assert "text" in body["detail"]


def test_a_validation_error_names_the_field(sqlite_api: Api) -> None:
    response = sqlite_api.get("/v1/entries", "eden", params={"limit": "many"})
    body = assert_problem(response, 400, "invalid-input")
    assert "query.limit" in body["detail"]
    response = sqlite_api.post("/v1/entries", "eden", json={"kind": 5, "body": {"text": "x"}})
    assert "body.kind" in assert_problem(response, 400, "invalid-input")["detail"]


def test_an_entry_needs_one_form_or_the_other(sqlite_api: Api) -> None:
    both = {"kind": "note", "body": {"text": "x"}, "content": {}, "signature": "AA=="}
    detail = assert_problem(sqlite_api.post("/v1/entries", "eden", json=both), 400, "invalid-input")
    assert "either" in detail["detail"]
    neither = assert_problem(sqlite_api.post("/v1/entries", "eden", json={}), 400, "invalid-input")
    assert "kind and body" in neither["detail"]


def test_malformed_json_is_a_400(sqlite_api: Api) -> None:
    response = sqlite_api.post(
        "/v1/entries",
        "eden",
        content=b'{"kind": "note", "body": ',
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 400, "invalid-input")
    assert "not valid JSON" in body["detail"]


def test_an_unknown_route_is_a_404_problem(sqlite_api: Api) -> None:
    assert_problem(sqlite_api.get("/v1/no-such-route", "eden"), 404, "not-found")
    assert_problem(sqlite_api.get("/nowhere"), 404, "not-found")


def test_a_wrong_method_is_a_405_problem_that_says_what_is_allowed(sqlite_api: Api) -> None:
    response = sqlite_api.http.delete("/v1/entries", headers=sqlite_api.auth("eden"))
    body = assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, POST"
    assert "allowed" in body["detail"]


def test_an_oversize_body_is_refused_before_it_is_parsed(sqlite_api: Api) -> None:
    size = sqlite_api.world.node.record.size()
    huge = b'{"kind": "note", "body": {"text": "' + b"x" * (1024 * 1024) + b'"}}'
    response = sqlite_api.post(
        "/v1/entries", "eden", content=huge, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "too-large")
    assert sqlite_api.world.node.record.size() == size


def test_an_oversize_chunked_body_is_refused_too(sqlite_api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"kind": "note", "body": {"text": "'
        for _ in range(40):
            yield b"x" * 32 * 1024
        yield b'"}}'

    response = sqlite_api.post(
        "/v1/entries",
        "eden",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too-large")


def test_a_small_chunked_body_is_accepted(sqlite_api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"kind": "note", "body": '
        yield b'{"text": "sent in pieces"}}'

    response = sqlite_api.post(
        "/v1/entries",
        "eden",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["body"]["text"] == "sent in pieces"


def test_unauthenticated_is_a_401_that_asks_for_a_bearer_token(sqlite_api: Api) -> None:
    response = sqlite_api.get("/v1/me")
    assert_problem(response, 401, "not-authenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_refused_authority_is_a_403(sqlite_api: Api) -> None:
    note = {"kind": "note", "body": {"text": "x"}}
    response = sqlite_api.post("/v1/entries", "watcher", json=note)
    assert_problem(response, 403, "not-permitted")


def test_an_unexpected_error_is_a_500_that_reveals_no_internals(sqlite_world: World) -> None:
    app = create_app(sqlite_world.node)

    def boom() -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    app.add_api_route("/boom", boom)
    transport = InProcessTransport(app)
    try:
        with httpx.Client(base_url=BASE_URL, transport=transport) as http:
            response = http.get("/boom")
    finally:
        transport.shutdown()
    body = assert_problem(response, 500, "internal")
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert body["detail"] == "the server met an unexpected error; it has been logged"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/proofs/inclusion", {"seq": 0}),
        ("/v1/proofs/inclusion", {"seq": 10_000}),
        ("/v1/proofs/consistency", {"first": 10_000}),
        ("/v1/stamps", {"first": 5, "last": 1}),
        ("/v1/members/eden/authority", {"at": "yesterday"}),
    ],
)
def test_out_of_range_arguments_are_invalid_input(
    sqlite_api: Api, path: str, params: dict[str, Any]
) -> None:
    assert_problem(sqlite_api.get(path, "eden", params=params), 400, "invalid-input")
