"""The client against a real uvicorn: following the live stream, and every other call."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

import pytest

from liaison import Client, NotAuthenticated
from liaison.api import create_app
from liaison.client import Entry, ServerSentEvent, parse_sse
from liaison.services.record import AppendRequest
from tests.api.support import running_server
from tests.conftest import World


@pytest.fixture
def url(world: World) -> Iterator[str]:
    with running_server(create_app(world.node, ping_seconds=0.3)) as base:
        yield base


def test_the_client_works_against_a_real_server(world: World, url: str) -> None:
    with Client(url, world.token("kerr"), key=world.members["kerr"].key) as client:
        assert client.node()["origin"] == "liaison.test/record"
        entry = client.append("note", {"text": "over the wire"}, release=["us"], sign=True)
        assert entry["signatures"]["author"]
        assert client.verify_inclusion(entry["id"])["entry"] == entry["id"]
        assert client.consistency_proof(1)["second"] == world.node.record.size()
        assert "".join(client.export_lines()).count("\n") == world.node.record.size() + 1


def test_follow_delivers_new_entries_released_to_the_reader(world: World, url: str) -> None:
    arrived: queue.Queue[Entry] = queue.Queue()
    stop = threading.Event()

    def follow() -> None:
        with Client(url, world.token("deane")) as client:
            for entry in client.follow(after=world.node.record.size()):
                arrived.put(entry)
                if stop.is_set():
                    return

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    time.sleep(0.3)
    append = world.node.record.append
    append(AppendRequest(author="eden", kind="note", body={"text": "CANARY"}))
    started = time.monotonic()
    shared = append(AppendRequest(author="eden", kind="note", body={"text": "ok"}, release=["us"]))
    first = arrived.get(timeout=2)
    assert time.monotonic() - started < 1.0
    assert first["id"] == shared.id
    assert first["body"]["text"] == "ok"
    stop.set()
    append(AppendRequest(author="eden", kind="note", body={"text": "bye"}, release=["*"]))
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_follow_without_a_token_raises_the_problem(url: str) -> None:
    with Client(url) as client, pytest.raises(NotAuthenticated):
        next(client.follow())


def test_events_are_parsed_as_the_standard_says() -> None:
    lines = [
        "\ufeff: a comment first",
        "retry: 1500",
        "",
        "id: 7",
        "event: entry",
        'data: {"a":',
        "data:1}",
        "",
        ": ping",
        "",
        "data: no event name",
        "id",
        "",
        "event: ignored because it has no data",
        "",
        "field-without-colon",
        "data",
        "",
    ]
    assert list(parse_sse(lines)) == [
        ServerSentEvent("entry", '{"a":\n1}', "7", 1500),
        ServerSentEvent("message", "no event name", "", 1500),
        ServerSentEvent("message", "", "", 1500),
    ]
