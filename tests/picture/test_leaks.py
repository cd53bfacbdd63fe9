"""Leak tests for the picture: nothing of a party's unreleased operation reaches another party —
not in notices, conflict lists, counts, searches, the time-window query, GeoJSON export, API
responses, errors or the live stream — while deconfliction still tells it that, where and when
its own things clash."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from liaison.api import create_app
from liaison.store.queries import EntryFilter
from tests.api.support import BASE_URL, InProcessTransport, running_server
from tests.conftest import World
from tests.picture.support import END, START, conflicts, operation, square, unit

READERS = {"uk": "burrows", "us": "deane", "su": "slavin"}
UK_ONLY = "CANARY-uk-only-5e1d"
UK_SU = "CANARY-uksu-77aa"


@dataclass(frozen=True)
class Planted:
    world: World
    #: canary text -> parties it is released to
    canaries: dict[str, frozenset[str]]

    def forbidden(self, party: str) -> list[str]:
        return [text for text, readers in self.canaries.items() if party not in readers]


@pytest.fixture
def planted(world: World) -> Planted:
    node = world.node
    # A uk strike released to nobody, its name, ref and note all canaries...
    operation(node, ref=UK_ONLY, name=UK_ONLY, note=f"target {UK_ONLY}", release=[])
    # ...and one released to su only.
    operation(
        node,
        ref=UK_SU,
        name=UK_SU,
        note=UK_SU,
        footprint=square(10.0, 50.03),
        start=START,
        end=END,
        release=["su"],
    )
    unit(node, "deane", ref="1-armd", lat=50.012)  # next to the first strike
    unit(node, "slavin", ref="guards", lat=50.042)  # next to the second
    unit(node, "deane", ref="2-armd", lat=50.042)  # next to the second too
    return Planted(world, {UK_ONLY: frozenset({"uk"}), UK_SU: frozenset({"uk", "su"})})


def _clean(text: str, forbidden: list[str], where: str) -> None:
    for canary in forbidden:
        assert canary.lower() not in text.lower(), f"{where} leaks {canary}"


def test_each_party_is_told_of_its_own_conflicts(planted: Planted) -> None:
    node = planted.world.node
    assert len(conflicts(node, "uk")) == 3
    assert len(conflicts(node, "us")) == 2
    su = conflicts(node, "su")
    assert len(su) == 1
    assert su[0]["others"][0]["name"] == UK_SU  # released to su: shown
    for found in conflicts(node, "us"):
        assert found["others"][0]["released"] is False


def test_no_service_read_shows_a_canary_to_a_party_it_was_not_released_to(
    planted: Planted,
) -> None:
    picture = planted.world.node.picture
    record = planted.world.node.record
    for party in ("us", "su"):
        forbidden = planted.forbidden(party)
        views: list[Any] = [
            picture.conflicts(party, limit=None),
            picture.picture(party),
            picture.operations(party, ended=True),
            picture.units(party),
            picture.measures(party, ended=True),
            picture.export_geojson(party),
            picture.check(party),
        ]
        views.extend(picture.conflict(party, c["conflict"]) for c in picture.conflicts(party))
        for view in views:
            _clean(json.dumps(view), forbidden, f"a view for {party}")
        for entry in record.list(party, EntryFilter(limit=1000)):
            _clean(entry.raw.decode(), forbidden, f"entry {entry.seq} for {party}")
        for canary in forbidden:
            assert record.count(party, EntryFilter(text=canary)) == 0
            assert record.count(party, EntryFilter(text=canary.split("-")[-1])) == 0


def _routes(planted: Planted, party: str) -> list[str]:
    picture = planted.world.node.picture
    ids = [c["conflict"] for c in picture.conflicts("uk")]
    ops = [o["id"] for o in picture.operations("uk")]
    paths = [
        "/v1/picture",
        "/v1/picture?at=2044-07-12T17:00:00Z",
        "/v1/picture/operations?ended=true",
        "/v1/picture/units",
        "/v1/picture/measures?ended=true",
        "/v1/picture/conflicts",
        "/v1/picture/geojson",
        "/v1/entries?limit=1000",
        "/v1/entries?kind=picture.notice&limit=1000",
        f"/v1/entries/count?text={UK_ONLY}",
        "/v1/export",
    ]
    paths += [f"/v1/picture/conflicts/{c}" for c in ids]
    paths += [f"/v1/picture/operations/{o}" for o in ops]
    paths += [f"/v1/picture/operations/{canary}" for canary in planted.canaries]
    return paths


def test_no_route_shows_a_canary_to_a_party_it_was_not_released_to(planted: Planted) -> None:
    transport = InProcessTransport(create_app(planted.world.node))
    try:
        with httpx.Client(base_url=BASE_URL, transport=transport) as http:
            for party in ("us", "su"):
                headers = {"Authorization": f"Bearer {planted.world.token(READERS[party])}"}
                forbidden = planted.forbidden(party)
                for path in _routes(planted, party):
                    response = http.get(path, headers=headers)
                    assert response.status_code < 500, path
                    _clean(response.text, forbidden, f"GET {path} as {party}")
                for path in ("/v1/picture/operations/op-x/amend", "/v1/picture/check"):
                    response = http.post(path, headers=headers, json={})
                    assert response.status_code < 500, path
                    _clean(response.text, forbidden, f"POST {path} as {party}")
    finally:
        transport.shutdown()


def test_hidden_and_absent_operations_give_the_same_refusal(planted: Planted) -> None:
    picture = planted.world.node.picture
    hidden = next(o["id"] for o in picture.operations("uk") if o["ref"] == UK_ONLY)
    transport = InProcessTransport(create_app(planted.world.node))
    try:
        with httpx.Client(base_url=BASE_URL, transport=transport) as http:
            headers = {"Authorization": f"Bearer {planted.world.token('deane')}"}
            for suffix, method in (("", "GET"), ("/amend", "POST"), ("/cancel", "POST")):
                answers = [
                    http.request(
                        method, f"/v1/picture/operations/{target}{suffix}",
                        headers=headers, json={} if method == "POST" else None,
                    )
                    for target in (hidden, "0" * 64)
                ]  # fmt: skip
                assert answers[0].status_code == answers[1].status_code == 404
                assert answers[0].content == answers[1].content
    finally:
        transport.shutdown()


def _listen(url: str, token: str, out: queue.Queue[str], stop: threading.Event) -> None:
    with (
        httpx.Client(base_url=url, timeout=httpx.Timeout(5, read=1)) as http,
        http.stream("GET", "/v1/stream", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        try:
            for line in response.iter_lines():
                out.put(line)
                if stop.is_set():
                    return
        except httpx.ReadTimeout:
            return


def test_the_live_stream_carries_notices_but_no_canary(planted: Planted) -> None:
    node = planted.world.node
    app = create_app(node, ping_seconds=0.2, poll_seconds=0.05)
    with running_server(app) as url:
        for party in ("us", "su"):
            last = node.record.list(party, EntryFilter(limit=1000))[-1].seq
            lines: queue.Queue[str] = queue.Queue()
            stop = threading.Event()
            listener = threading.Thread(
                target=_listen,
                args=(url, planted.world.token(READERS[party]), lines, stop),
                daemon=True,
            )
            listener.start()
            seen: list[str] = []
            marker = f'data: {{"seq":{last},'
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(s.startswith(marker) for s in seen):
                try:
                    seen.append(lines.get(timeout=0.5))
                except queue.Empty:
                    continue
            stop.set()
            listener.join(timeout=5)
            assert any(s.startswith(marker) for s in seen), f"the stream for {party} stopped short"
            text = "\n".join(seen)
            assert "picture.notice" in text
            _clean(text, planted.forbidden(party), f"the stream for {party}")
