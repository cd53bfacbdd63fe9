"""The live stream, against a real uvicorn: prompt, releasable-only, resumable."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from liaison.api import create_app
from liaison.client import parse_sse
from liaison.node import Node
from liaison.services.record import AppendRequest
from tests.api.support import running_server
from tests.conftest import World


@dataclass
class Listener:
    """Reads a member's stream in a thread; each entry event's entry arrives on ``events``."""

    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    stop: threading.Event = field(default_factory=threading.Event)
    raw: list[str] = field(default_factory=list)
    thread: threading.Thread = field(default_factory=threading.Thread)

    def next(self, timeout: float) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def drain_until(self, seq: int, timeout: float = 10) -> list[dict[str, Any]]:
        """Every event up to and including ``seq``."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while not got or got[-1]["seq"] < seq:
            got.append(self.next(max(0.01, deadline - time.monotonic())))
        return got


@contextmanager
def listening(url: str, token: str, headers: dict[str, str] | None = None) -> Iterator[Listener]:
    listener = Listener()
    connected = threading.Event()

    def run() -> None:
        with (
            httpx.Client(base_url=url, timeout=10) as http,
            http.stream(
                "GET", "/v1/stream", headers={"Authorization": f"Bearer {token}", **(headers or {})}
            ) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            connected.set()

            def lines() -> Iterator[str]:
                for line in response.iter_lines():
                    listener.raw.append(line)
                    if listener.stop.is_set():
                        return
                    yield line

            for event in parse_sse(lines()):
                assert event.event == "entry"
                entry = json.loads(event.data)
                assert event.id == str(entry["seq"])
                listener.events.put(entry)

    listener.thread = threading.Thread(target=run, daemon=True)
    listener.thread.start()
    assert connected.wait(10), "the stream did not open"
    try:
        yield listener
    finally:
        listener.stop.set()
        listener.thread.join(timeout=5)


@pytest.fixture
def served(world: World) -> Iterator[tuple[World, str]]:
    app = create_app(world.node, ping_seconds=0.3)
    with running_server(app) as url:
        yield world, url


def note(node: Node, author: str, text: str, release: list[str] | None = None) -> int:
    return node.record.append(
        AppendRequest(author=author, kind="note", body={"text": text}, release=release)
    ).seq


def test_a_new_entry_released_to_the_reader_arrives_within_a_second(
    served: tuple[World, str],
) -> None:
    world, url = served
    backlog = world.node.record.size()
    with listening(url, world.token("deane")) as listener:
        listener.drain_until(backlog)
        secret = note(world.node, "eden", "CANARY British eyes only")
        started = time.monotonic()
        shared = note(world.node, "eden", "for the Americans", release=["us"])
        arrived = listener.next(timeout=2)
        elapsed = time.monotonic() - started
        assert arrived["seq"] == shared
        assert elapsed < 1.0
        assert secret < shared
        time.sleep(0.5)
        assert listener.events.empty()
    assert not any("CANARY" in line for line in listener.raw)


def test_the_stream_never_carries_what_is_not_released_to_the_reader(
    served: tuple[World, str],
) -> None:
    world, url = served
    with listening(url, world.token("molotov")) as listener:
        listener.drain_until(world.node.record.size())
        for i in range(5):
            note(world.node, "eden", f"CANARY {i}")
            note(world.node, "deane", f"CANARY us {i}", release=["uk"])
        last = note(world.node, "eden", "for everyone", release=["*"])
        got = listener.drain_until(last, timeout=5)
    assert [e["seq"] for e in got] == [last]
    assert not any("CANARY" in line for line in listener.raw)


def test_a_stream_resumes_after_the_last_event_id(served: tuple[World, str]) -> None:
    world, url = served
    first = note(world.node, "eden", "one")
    second = note(world.node, "eden", "two")
    with listening(url, world.token("kerr"), {"Last-Event-ID": str(first)}) as listener:
        assert listener.next(timeout=5)["seq"] == second
    auth = {"Authorization": f"Bearer {world.token('kerr')}"}
    after = note(world.node, "eden", "three")
    with listening(url, world.token("kerr"), {}) as listener:
        assert [e["seq"] for e in listener.drain_until(after)][-3:] == [first, second, after]
    with httpx.Client(base_url=url) as http:
        bad = http.get("/v1/stream", headers={**auth, "Last-Event-ID": "yesterday"})
    assert bad.status_code == 400


def test_appends_by_another_process_reach_the_stream(served: tuple[World, str]) -> None:
    world, url = served
    key_path = world.tmp / "second-process.key"
    world.node.key.write(key_path)
    other = Node.open(world.node.store.url, key_path)
    try:
        with listening(url, world.token("kerr")) as listener:
            listener.drain_until(world.node.record.size())
            started = time.monotonic()
            seq = note(other, "eden", "appended elsewhere")
            arrived = listener.next(timeout=3)
            assert arrived["seq"] == seq
            assert time.monotonic() - started < 1.5
    finally:
        other.close()


def test_a_stream_ends_when_its_member_is_revoked(served: tuple[World, str]) -> None:
    world, url = served
    with listening(url, world.token("kerr")) as listener:
        listener.drain_until(world.node.record.size())
        world.node.roster.revoke("kerr", "recalled to London")
        revocation = world.node.record.size()
        note(world.node, "eden", "CANARY after the recall")
        listener.thread.join(timeout=5)
        assert not listener.thread.is_alive()
    delivered = []
    while not listener.events.empty():
        delivered.append(listener.events.get())
    assert all(e["seq"] <= revocation for e in delivered)
    assert not any("CANARY" in line for line in listener.raw)


def test_a_stream_needs_a_token(served: tuple[World, str]) -> None:
    _, url = served
    with httpx.Client(base_url=url) as http:
        response = http.get("/v1/stream")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
