"""The node's public face: health, identity, the OpenAPI document, the export and the factory."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from liaison import __version__
from liaison.api import create_app
from liaison.api.app import factory
from liaison.node import Node
from liaison.services.bundle import verify_bundle
from tests.api.support import BASE_URL, Api, InProcessTransport
from tests.api.test_problems import assert_problem
from tests.conftest import World

EVERY_ROUTE = {
    ("GET", "/healthz"),
    ("GET", "/v1/node"),
    ("GET", "/v1/me"),
    ("POST", "/v1/entries"),
    ("POST", "/v1/entries/batch"),
    ("GET", "/v1/entries"),
    ("GET", "/v1/entries/count"),
    ("GET", "/v1/entries/{entry_id}"),
    ("GET", "/v1/entries/{entry_id}/versions"),
    ("GET", "/v1/stream"),
    ("GET", "/v1/checkpoint"),
    ("GET", "/v1/checkpoints"),
    ("GET", "/v1/proofs/inclusion"),
    ("GET", "/v1/proofs/consistency"),
    ("GET", "/v1/stamps"),
    ("GET", "/v1/parties"),
    ("GET", "/v1/members"),
    ("GET", "/v1/members/{member}/authority"),
    ("GET", "/v1/kinds"),
    ("GET", "/v1/export"),
}


def test_openapi_lists_every_route(sqlite_api: Api) -> None:
    document = sqlite_api.http.get("/openapi.json").json()
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    # every route of the record itself is listed (capabilities add more; docs/api.md lists all)
    assert listed >= EVERY_ROUTE, EVERY_ROUTE - listed
    assert document["info"]["version"] == __version__
    assert "urn:liaison:problem:not-found" in document["info"]["description"]
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_health_is_public_and_checks_the_store(sqlite_api: Api) -> None:
    response = sqlite_api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_reports_an_unreachable_store(sqlite_world: World) -> None:
    transport = InProcessTransport(create_app(sqlite_world.node))
    sqlite_world.node.store.ping = _unreachable  # type: ignore[method-assign]
    try:
        with httpx.Client(base_url=BASE_URL, transport=transport) as http:
            response = http.get("/healthz")
    finally:
        transport.shutdown()
    assert_problem(response, 503, "unavailable")


def _unreachable() -> None:
    raise OSError("connection refused")


def test_the_node_publishes_its_keys(api: Api) -> None:
    info = api.http.get("/v1/node").json()
    assert info["origin"] == "liaison.test/record"
    assert base64.b64decode(info["public_key"]) == api.world.node.key.public_key
    assert info["verifier_key"] == api.world.node.proofs.verifier_key
    assert info["version"] == __version__


def test_the_export_holds_what_the_party_may_read_and_stamps_of_the_rest(
    api: Api, tmp_path: Path
) -> None:
    british = api.note("eden", "British eyes only")
    shared = api.note("eden", "for the Americans", release=["us"])
    response = api.get("/v1/export", "deane")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    header, rows = lines[0], {row["seq"]: row for row in lines[1:]}
    assert header["reader"] == "us"
    assert "content" in rows[shared["seq"]]
    assert "content" not in rows[british["seq"]]
    assert rows[british["seq"]]["id"] == british["id"]
    assert "British" not in response.text
    bundle = tmp_path / "us.jsonl"
    bundle.write_text(response.text, encoding="utf-8")
    report = verify_bundle(bundle)
    assert report.ok, report


def test_the_factory_serves_the_store_named_by_the_settings(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = sqlite_world.node
    key_path = sqlite_world.tmp / "factory-node.key"
    node.key.write(key_path)
    monkeypatch.setenv("LIAISON_DB", node.store.url)
    monkeypatch.setenv("LIAISON_NODE_KEY", str(key_path))
    app = factory()
    transport = InProcessTransport(app)
    try:
        with httpx.Client(base_url=BASE_URL, transport=transport) as http:
            info = http.get("/v1/node").json()
            auth = {"Authorization": f"Bearer {sqlite_world.token('eden')}"}
            me = http.get("/v1/me", headers=auth)
    finally:
        transport.shutdown()
        served: Node = app.state.node
        served.close()
    assert info["origin"] == "liaison.test/record"
    assert me.json()["member"] == "eden"
