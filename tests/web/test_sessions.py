"""Web sessions: signing in with a member token, the cookie, CSRF, expiry and signing out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from liaison.api import create_app
from liaison.domain.time import utcnow
from liaison.services.roster import hash_token
from liaison.web.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    find_session,
    open_session,
    web_sessions,
)
from tests.api.support import BASE_URL, InProcessTransport
from tests.conftest import World


@pytest.fixture
def app_transport(world: World) -> Iterator[InProcessTransport]:
    transport = InProcessTransport(create_app(world.node))
    yield transport
    transport.shutdown()


def browser(transport: InProcessTransport, base_url: str = BASE_URL) -> httpx.Client:
    """A client that keeps cookies, as a browser does, and sends no token of its own."""
    return httpx.Client(base_url=base_url, transport=transport)


def sign_in(http: httpx.Client, token: str) -> httpx.Response:
    response = http.post("/v1/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return response


def count_notes(world: World, member: str) -> int:
    party = world.node.record.authority(member).party
    from liaison.store.queries import EntryFilter

    return len(world.node.record.list(party, EntryFilter(kind="note", limit=1000)))


def test_signing_in_sets_a_strict_http_only_cookie_and_names_the_member(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        response = sign_in(http, world.token("eden"))
        body = response.json()
        assert (body["member"], body["party"], body["role"]) == ("eden", "uk", "plenipotentiary")
        assert body["csrf"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=lws_")
        lowered = cookie.lower()
        assert "httponly" in lowered
        assert "samesite=strict" in lowered
        assert "path=/" in lowered
        assert f"max-age={8 * 3600}" in lowered
        assert "secure" not in lowered  # plain http: a Secure cookie would never come back
        assert response.headers["cache-control"] == "no-store"
        # The cookie alone now authenticates reads.
        me = http.get("/v1/me")
        assert me.status_code == 200
        assert me.json()["member"] == "eden"
        assert http.get("/v1/session").json()["csrf"] == body["csrf"]


def test_the_cookie_is_secure_behind_https(world: World, app_transport: InProcessTransport) -> None:
    with browser(app_transport, "https://liaison.test") as http:
        cookie = sign_in(http, world.token("deane")).headers["set-cookie"].lower()
        assert "; secure" in cookie


def test_only_a_hash_of_the_session_is_stored(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        sign_in(http, world.token("eden"))
        secret = http.cookies[SESSION_COOKIE]
    with world.node.store.read() as conn:
        rows = conn.execute(select(web_sessions)).all()
    assert len(rows) == 1
    assert secret not in repr(rows)
    assert rows[0].member == "eden"
    assert rows[0].token_hash == hash_token(world.token("eden"))


def test_a_change_made_by_cookie_needs_the_sessions_csrf_header(
    world: World, app_transport: InProcessTransport
) -> None:
    note = {"kind": "note", "body": {"text": "cookie note", "topic": "diplomacy"}}
    with browser(app_transport) as http:
        csrf = sign_in(http, world.token("eden")).json()["csrf"]
        before = count_notes(world, "eden")
        for headers in ({}, {CSRF_HEADER: "wrong"}, {CSRF_HEADER: csrf[:-1]}):
            refused = http.post("/v1/entries", json=note, headers=headers)
            assert refused.status_code == 403, refused.text
            assert refused.json()["type"] == "urn:liaison:problem:not-permitted"
            assert CSRF_HEADER in refused.json()["detail"]
        assert count_notes(world, "eden") == before
        accepted = http.post("/v1/entries", json=note, headers={CSRF_HEADER: csrf})
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["author"] == "eden"
        assert count_notes(world, "eden") == before + 1


def test_another_sessions_csrf_token_does_not_do(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as eden, browser(app_transport) as deane:
        sign_in(eden, world.token("eden"))
        other = sign_in(deane, world.token("deane")).json()["csrf"]
        refused = eden.post(
            "/v1/entries",
            json={"kind": "note", "body": {"text": "x", "topic": "diplomacy"}},
            headers={CSRF_HEADER: other},
        )
        assert refused.status_code == 403


def test_a_bearer_token_wins_over_the_cookie(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        sign_in(http, world.token("eden"))
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {world.token('deane')}"})
        assert me.json()["member"] == "deane"
        # A bearer request needs no CSRF header: a header cannot be set by another site.
        made = http.post(
            "/v1/entries",
            json={"kind": "note", "body": {"text": "by token", "topic": "coordination"}},
            headers={"Authorization": f"Bearer {world.token('deane')}"},
        )
        assert made.status_code == 201, made.text


def test_signing_in_needs_a_valid_member_token(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        for headers in ({}, {"Authorization": "Bearer lsn_wrong"}, {"Authorization": "Basic x"}):
            refused = http.post("/v1/session", headers=headers)
            assert refused.status_code == 401
            assert "set-cookie" not in refused.headers
        # A session cannot open another session.
        csrf = sign_in(http, world.token("eden")).json()["csrf"]
        again = http.post("/v1/session", headers={CSRF_HEADER: csrf})
        assert again.status_code == 401
        # GET /v1/session describes a web session, not a bearer token.
        bare = httpx.Client(base_url=BASE_URL, transport=app_transport)
        token_only = bare.get(
            "/v1/session", headers={"Authorization": f"Bearer {world.token('eden')}"}
        )
        assert token_only.status_code == 401


def test_signing_out_ends_the_session_on_the_server(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        csrf = sign_in(http, world.token("eden")).json()["csrf"]
        secret = http.cookies[SESSION_COOKIE]
        assert http.delete("/v1/session").status_code == 403  # sign-out is a change: CSRF
        out = http.delete("/v1/session", headers={CSRF_HEADER: csrf})
        assert out.status_code == 204
        cleared = out.headers["set-cookie"].lower()
        assert cleared.startswith(f"{SESSION_COOKIE}=")
        assert "max-age=0" in cleared
        assert SESSION_COOKIE not in http.cookies
        assert find_session(world.node.store, secret) is None
        # Even a copy of the old cookie opens nothing now.
        stolen = httpx.Client(
            base_url=BASE_URL, transport=app_transport, cookies={SESSION_COOKIE: secret}
        )
        assert stolen.get("/v1/me").status_code == 401


def test_an_expired_session_opens_nothing(world: World, app_transport: InProcessTransport) -> None:
    member_token = world.token("eden")
    long_ago = utcnow() - timedelta(hours=9)
    secret, _ = open_session(world.node.store, "eden", hash_token(member_token), now=long_ago)
    http = httpx.Client(
        base_url=BASE_URL, transport=app_transport, cookies={SESSION_COOKIE: secret}
    )
    response = http.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:liaison:problem:not-authenticated"
    # A later sign-in sweeps the expired row away.
    sign_in(browser(app_transport), member_token)
    with world.node.store.read() as conn:
        members = [r.member for r in conn.execute(select(web_sessions)).all()]
    assert members == ["eden"]


def test_revoking_the_member_ends_their_sessions(
    world: World, app_transport: InProcessTransport
) -> None:
    with browser(app_transport) as http:
        sign_in(http, world.token("kerr"))
        assert http.get("/v1/me").status_code == 200
        world.node.roster.revoke("kerr", "recalled")
        assert http.get("/v1/me").status_code == 401


def test_a_forged_or_overlong_cookie_is_refused_like_no_cookie(
    world: World, app_transport: InProcessTransport
) -> None:
    for value in ("lws_forged", "lws_" + "a" * 200, "lsn_" + "b" * 43, world.token("eden")):
        http = httpx.Client(
            base_url=BASE_URL, transport=app_transport, cookies={SESSION_COOKIE: value}
        )
        refused = http.get("/v1/me")
        assert refused.status_code == 401
        assert refused.json()["type"] == "urn:liaison:problem:not-authenticated"
