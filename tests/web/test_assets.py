"""The page and its assets, served from the package: types, caching, compression, refusals."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from liaison.api import create_app
from tests.api.support import BASE_URL, InProcessTransport, running_server
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "liaison" / "web" / "static"


@pytest.fixture
def http(sqlite_world: World) -> Iterator[httpx.Client]:
    # identity: the in-process transport hands back bodies already decoded (compression is
    # tested against a real server below).
    transport = InProcessTransport(create_app(sqlite_world.node))
    headers = {"Accept-Encoding": "identity"}
    with httpx.Client(base_url=BASE_URL, transport=transport, headers=headers) as client:
        yield client
    transport.shutdown()


def test_the_page_is_served_with_a_strict_content_security_policy(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="/web/app.js">' in page.text
    # Nothing in the page comes from anywhere but the node.
    assert "http://" not in page.text
    assert "https://" not in page.text


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("countries-50m.json", "application/json"),
        ("countries-110m.json", "application/json"),
        ("THIRD-PARTY.txt", "text/plain; charset=utf-8"),
    ],
)
def test_assets_are_served_from_the_package(http: httpx.Client, name: str, media_type: str) -> None:
    response = http.get(f"/web/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.content == (STATIC / name).read_bytes()
    assert response.headers["cache-control"] == "no-cache"


def test_assets_revalidate_with_an_etag(http: httpx.Client) -> None:
    etag = http.get("/web/app.js").headers["etag"]
    again = http.get("/web/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert http.get("/web/app.js", headers={"If-None-Match": '"other"'}).status_code == 200


def test_assets_are_gzipped_when_the_browser_asks(sqlite_world: World) -> None:
    with running_server(create_app(sqlite_world.node)) as url:
        zipped = httpx.get(f"{url}/web/countries-50m.json", headers={"Accept-Encoding": "gzip"})
        plain = httpx.get(f"{url}/web/countries-50m.json", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.content == plain.content == (STATIC / "countries-50m.json").read_bytes()
    assert "content-encoding" not in plain.headers


@pytest.mark.parametrize(
    "path",
    [
        "/web/../pyproject.toml",
        "/web/..%2F..%2Fpyproject.toml",
        "/web/%2e%2e/sessions.py",
        "/web/.hidden",
        "/web/sessions.py",
        "/web/nothing.js",
        "/web/",
        "/web/app.js/x",
    ],
)
def test_nothing_outside_the_assets_is_served(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_page_and_sessions_stay_out_of_the_api_document(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(p.startswith("/web") or p.startswith("/v1/session") for p in paths)


def test_the_built_assets_are_the_sources_and_the_basemap() -> None:
    for name in ("index.html", "app.css"):
        assert (STATIC / name).read_bytes() == (ROOT / "web" / "src" / name).read_bytes(), (
            f"liaison/web/static/{name} is stale: run `make web`"
        )
    for scale in ("50m", "110m"):
        topology = json.loads((STATIC / f"countries-{scale}.json").read_text(encoding="utf-8"))
        assert topology["type"] == "Topology"
        assert len(topology["objects"]["countries"]["geometries"]) > 170
    notice = (STATIC / "THIRD-PARTY.txt").read_text(encoding="utf-8")
    for name in ("Natural Earth", "world-atlas", "milsymbol", "d3-geo", "@noble/ed25519"):
        assert name in notice


def test_the_lockfile_pins_every_dependency_with_its_integrity() -> None:
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    wanted = {**package["dependencies"], **package["devDependencies"]}
    for name, version in wanted.items():
        assert version[0].isdigit(), f"{name} must be pinned exactly, not {version!r}"
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version
        assert entry["integrity"].startswith("sha512-")


def test_the_bundle_is_gzip_friendly_and_self_contained() -> None:
    bundle = (STATIC / "app.js").read_bytes()
    assert len(gzip.compress(bundle)) < 400_000
    # No run-time fetch of anything but the node's own routes and assets.
    for needle in (b"cdn.", b"unpkg.com", b"jsdelivr", b"tile.openstreetmap"):
        assert needle not in bundle
