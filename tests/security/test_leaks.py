"""Leak tests: nothing a party did not release reaches another party through the API.

Canary strings are put in entries released to one party (or two) only. Then
every route the OpenAPI document lists is called — with path and query
parameters filled from the canary entries' own ids and sequence numbers, and
plausible variations — as a member of each other party and unauthenticated.
No response body or header may contain a canary it was not released to. An
unreleased id and a non-existent one must give byte-identical responses;
counts and searches must not move when another party appends; and the live
stream, read from a real uvicorn, must never carry a canary.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from liaison.api import create_app
from liaison.domain.entry import StoredEntry
from liaison.services.record import AppendRequest
from tests.api.support import BASE_URL, InProcessTransport, running_server
from tests.conftest import World
from tests.record.support import note, signed_request

#: every party, and a member who reads as it
READERS = {"uk": "eden", "us": "harriman", "su": "molotov"}
ABSENT_ID = hashlib.sha256(b"no such entry").hexdigest()


@dataclass(frozen=True)
class Canary:
    text: str
    entry: StoredEntry
    readers: frozenset[str]  # the parties it is released to


@dataclass
class Leaky:
    world: World
    http: httpx.Client
    canaries: list[Canary]

    def auth(self, member: str | None) -> dict[str, str]:
        return {} if member is None else {"Authorization": f"Bearer {self.world.token(member)}"}

    def forbidden(self, party: str | None) -> list[Canary]:
        return [c for c in self.canaries if party not in c.readers]

    def call(self, method: str, path: str, member: str | None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(member), **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)


def _plant(world: World) -> list[Canary]:
    node = world.node
    canaries: list[Canary] = []

    def plant(text: str, entry: StoredEntry) -> None:
        release = entry.content.release
        readers = frozenset(READERS) if "*" in release else frozenset(release)
        canaries.append(Canary(text, entry, readers))

    plant("CANARY-su-only-1f3a", note(node, "molotov", "real HQ CANARY-su-only-1f3a", []))
    plant(
        "CANARY-uk-only-77c2",
        note(node, "eden", "decoy CANARY-uk-only-77c2", [], topic="diplomacy"),
    )
    plant("CANARY-uksu-0b9e", note(node, "kerr", "third HQ CANARY-uksu-0b9e", ["su"]))
    # A first draft kept private, then a correction released to uk: the draft's
    # assurances must never reach uk through the correction's versions.
    draft = note(node, "slavin", "assurances CANARY-draft-5d17", [])
    plant("CANARY-draft-5d17", draft)
    note(node, "slavin", "the reply as sent", ["uk"], supersedes=draft.id)
    request, _ = signed_request(
        "molotov",
        "su",
        world.members["molotov"].key,
        {"text": "signed CANARY-signed-c4e0", "topic": None},
        ["su"],
    )
    plant("CANARY-signed-c4e0", node.record.append(request))
    plant("CANARY-us-only-9a61", note(node, "harriman", "convoy CANARY-us-only-9a61", []))
    # Something released to everyone, so that lists and streams are not simply empty.
    note(node, "deane", "the armies converge", ["*"])
    return canaries


@pytest.fixture
def leaky(world: World) -> Iterator[Leaky]:
    canaries = _plant(world)
    transport = InProcessTransport(create_app(world.node))
    with httpx.Client(base_url=BASE_URL, transport=transport) as http:
        yield Leaky(world, http, canaries)
    transport.shutdown()


def assert_no_canary(response: httpx.Response, forbidden: list[Canary], where: str) -> None:
    text = response.content.decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
    for canary in forbidden:
        assert canary.text not in text, f"{where}: body leaks {canary.text}"
        assert canary.text not in headers, f"{where}: headers leak {canary.text}"
        assert canary.text.lower() not in text.lower(), f"{where}: body leaks {canary.text}"


# --- calling every route ------------------------------------------------------------------


def _values(name: str, schema: dict[str, Any], leaky: Leaky, target: Canary) -> list[Any]:
    """Plausible values for a parameter, built around one canary entry."""
    entry = target.entry
    size = leaky.world.node.record.size()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    by_name: dict[str, list[Any]] = {
        "entry_id": [entry.id, ABSENT_ID, entry.id.upper(), "x"],
        "member": [entry.content.author, "molotov", "nobody"],
        "seq": [entry.seq, size],
        "tree_size": [size, entry.seq],
        "first": [1, entry.seq],
        "second": [size],
        "last": [size, entry.seq],
        "after": [0, entry.seq - 1],
        "limit": [1000, 1],
        "kind": ["note", "note.*", None],
        "party": [entry.content.party, None],
        "author": [entry.content.author, None],
        "text": [target.text, "CANARY", target.text.split("-")[1], None],
        "at": [now, None],
        "last-event-id": [str(entry.seq - 1)],
    }
    if name in by_name:
        return by_name[name]
    kind = schema.get("type")
    if kind == "integer":
        return [entry.seq, 1]
    return [entry.id, target.text]


def _bodies(path: str, leaky: Leaky, target: Canary) -> list[Any]:
    one = [
        {"kind": "note", "body": {"text": "probe"}, "supersedes": target.entry.id},
        {"kind": "note", "body": {"text": "probe"}, "supersedes": ABSENT_ID},
        {"kind": "note", "body": {"text": "probe"}, "release": [], "supersedes": None},
        {"kind": "note", "body": {"text": 1.5}},
        {"content": target.entry.content.to_json(), "signature": "AAAA"},
    ]
    if path.endswith("/batch"):
        return [one, [one[0]], []]
    if path == "/v1/entries":
        return one
    return [{}, {"id": target.entry.id, "seq": target.entry.seq}]


def _calls(leaky: Leaky, spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, url path, request kwargs) for every route, around every canary."""
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if path == "/v1/stream":
                continue  # never ends; read from a real server in its own test
            params = op.get("parameters", [])
            for n, target in enumerate(leaky.canaries):
                options = {
                    p["name"]: _values(p["name"], p.get("schema", {}), leaky, target)
                    for p in params
                }
                defaults = {name: values[0] for name, values in options.items()}
                # Every canary's own id and seq reach every route; the variations of each
                # parameter are tried around the first two (su's and uk's), which keeps
                # the number of calls in check as capabilities add routes.
                variants = [defaults]
                if n < 2:
                    variants += [
                        {**defaults, name: value}
                        for name, values in options.items()
                        for value in values[1:]
                    ]
                bodies = _bodies(path, leaky, target) if "requestBody" in op else [None]
                if n >= 2:
                    bodies = bodies[:2]
                for assignment, body in itertools.product(variants, bodies):
                    url = path
                    query: dict[str, Any] = {}
                    headers: dict[str, str] = {}
                    for p in params:
                        value = assignment[p["name"]]
                        if value is None:
                            continue
                        if p["in"] == "path":
                            url = url.replace("{" + p["name"] + "}", str(value))
                        elif p["in"] == "query":
                            query[p["name"]] = value
                        elif p["in"] == "header":
                            headers[p["name"]] = str(value)
                    kwargs: dict[str, Any] = {"params": query, "headers": headers}
                    if body is not None:
                        kwargs["json"] = body
                    yield method.upper(), url, kwargs


def _unique(
    calls: Iterator[tuple[str, str, dict[str, Any]]],
) -> list[tuple[str, str, dict[str, Any]]]:
    """The calls without repeats (routes without parameters come out once per canary)."""
    seen: set[str] = set()
    out = []
    for call in calls:
        key = json.dumps(call, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(call)
    return out


def test_no_route_shows_a_party_what_was_not_released_to_it(leaky: Leaky) -> None:
    spec = leaky.call("GET", "/openapi.json", None).json()
    assert len(spec["paths"]) >= 15
    callers: list[tuple[str | None, str | None]] = list(READERS.items())
    callers.append((None, None))
    calls = _unique(_calls(leaky, spec))
    seen_paths = {url for _, url, _ in calls}
    assert any(u.startswith("/v1/entries/") for u in seen_paths)
    statuses: dict[int, int] = {}
    for party, member in callers:
        forbidden = leaky.forbidden(party)
        assert forbidden
        for method, url, kwargs in calls:
            response = leaky.call(method, url, member, **kwargs)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert_no_canary(response, forbidden, f"{method} {url} {kwargs} as {member}")
            assert response.status_code < 500, f"{method} {url} as {member}: {response.text}"
    # The probe reached real answers, not only refusals.
    assert statuses.get(200, 0) > 100
    assert statuses.get(404, 0) > 10
    assert statuses.get(401, 0) > 10


def test_each_party_does_see_its_own_canaries(leaky: Leaky) -> None:
    """The probe is not blind: the same calls show a canary to a party it was released to."""
    for canary in leaky.canaries:
        for party in canary.readers:
            member = READERS[party]
            got = leaky.call("GET", f"/v1/entries/{canary.entry.id}", member)
            assert got.status_code == 200
            assert canary.text in got.text
            found = leaky.call("GET", "/v1/entries", member, params={"text": canary.text})
            assert canary.entry.id in found.text
            export = leaky.call("GET", "/v1/export", member)
            assert canary.text in export.text


def _comparable(response: httpx.Response) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    headers = sorted((k.lower(), v) for k, v in response.headers.multi_items() if k != "date")
    return response.status_code, tuple(headers), response.content


@pytest.mark.parametrize("suffix", ["", "/versions"])
def test_unreleased_and_nonexistent_ids_are_indistinguishable(leaky: Leaky, suffix: str) -> None:
    for party, member in READERS.items():
        for canary in leaky.forbidden(party):
            hidden = leaky.call("GET", f"/v1/entries/{canary.entry.id}{suffix}", member)
            absent = leaky.call("GET", f"/v1/entries/{ABSENT_ID}{suffix}", member)
            malformed = leaky.call("GET", f"/v1/entries/not-an-id{suffix}", member)
            assert hidden.status_code == 404
            assert _comparable(hidden) == _comparable(absent) == _comparable(malformed)


def test_superseding_an_unreleased_id_looks_like_superseding_nothing(leaky: Leaky) -> None:
    for party, member in READERS.items():
        for canary in leaky.forbidden(party):
            answers = []
            for target in (canary.entry.id, ABSENT_ID):
                response = leaky.call(
                    "POST",
                    "/v1/entries",
                    member,
                    json={"kind": "note", "body": {"text": "x"}, "supersedes": target},
                )
                status, headers, body = _comparable(response)
                answers.append((status, headers, body.replace(target.encode(), b"<id>")))
            assert answers[0][0] == 404
            assert answers[0] == answers[1]


def test_counts_and_searches_do_not_move_when_another_party_appends(leaky: Leaky) -> None:
    node = leaky.world.node
    queries: list[dict[str, Any]] = [
        {},
        {"kind": "note"},
        {"text": "CANARY"},
        {"text": "canary-su"},
        {"party": "su"},
        {"author": "molotov"},
        {"kind": "note", "party": "su", "text": "hq"},
    ]

    def snapshot(member: str) -> list[tuple[int, str]]:
        out = []
        for params in queries:
            count = leaky.call("GET", "/v1/entries/count", member, params=params)
            page = leaky.call("GET", "/v1/entries", member, params={**params, "limit": 1000})
            assert count.status_code == page.status_code == 200
            out.append((count.json()["count"], page.text))
        return out

    before = {m: snapshot(m) for p, m in READERS.items() if p != "su"}
    for i in range(5):
        note(node, "molotov", f"more CANARY-su-hq-{i} hq", [])
    node.record.append(
        AppendRequest(author="slavin", kind="note", body={"text": "CANARY hq"}, release=[])
    )
    after = {m: snapshot(m) for p, m in READERS.items() if p != "su"}
    assert after == before
    # ...while su itself does see them, so the queries could have moved.
    su = leaky.call("GET", "/v1/entries/count", "molotov", params={"text": "CANARY-su-hq"})
    assert su.json()["count"] == 5


def test_unauthenticated_callers_get_one_refusal_whatever_they_ask(leaky: Leaky) -> None:
    canary = leaky.canaries[0]
    answers = {
        _comparable(leaky.call("GET", path, None, headers=headers))
        for path in (f"/v1/entries/{canary.entry.id}", f"/v1/entries/{ABSENT_ID}")
        for headers in ({}, {"Authorization": "Bearer lsn_wrong"}, {"Authorization": "Basic x"})
    }
    assert len(answers) == 1
    assert next(iter(answers))[0] == 401


# --- the live stream, from a real server ---------------------------------------------------


def _listen(url: str, token: str, out: queue.Queue[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=1)) as http:
        try:
            with http.stream(
                "GET", "/v1/stream", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                out.put(f"STATUS {response.status_code}")
                for line in response.iter_lines():
                    out.put(line)
                    if stop.is_set():
                        return
        except httpx.ReadTimeout:
            if not stop.is_set():
                out.put("TIMEOUT")


def test_the_live_stream_never_carries_a_canary(world: World) -> None:
    canaries = _plant(world)
    node = world.node
    app = create_app(node, ping_seconds=0.2, poll_seconds=0.05)
    with running_server(app) as url:
        streams: dict[str, tuple[queue.Queue[str], threading.Event, threading.Thread]] = {}
        for party in ("us", "uk"):
            lines: queue.Queue[str] = queue.Queue()
            stop = threading.Event()
            thread = threading.Thread(
                target=_listen, args=(url, world.token(READERS[party]), lines, stop), daemon=True
            )
            thread.start()
            assert lines.get(timeout=10) == "STATUS 200"
            streams[party] = (lines, stop, thread)

        # Live appends by su, unreleased to us and uk, then a marker everyone may read.
        live = [note(node, "molotov", f"live CANARY-live-{i}", []) for i in range(5)]
        marker = note(node, "slavin", "MARKER-all", ["*"])

        for party, (lines, stop, thread) in streams.items():
            seen: list[str] = []
            deadline = time.monotonic() + 15
            while not any("MARKER-all" in line for line in seen):
                assert time.monotonic() < deadline, f"{party}'s stream never showed the marker"
                try:
                    seen.append(lines.get(timeout=1))
                except queue.Empty:
                    continue
            stop.set()
            thread.join(timeout=10)
            text = "\n".join(seen)
            for canary in canaries:
                assert (canary.text in text) == (party in canary.readers), (party, canary.text)
            assert "CANARY-live" not in text
            assert f"id: {marker.seq}" in text
            assert all(f"id: {e.seq}\n" not in text + "\n" for e in live)

        # Unauthenticated, the stream is refused without a word of content.
        refused = httpx.get(url + "/v1/stream", timeout=5)
        assert refused.status_code == 401
        assert "CANARY" not in refused.text
