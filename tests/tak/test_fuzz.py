"""Fuzzing the listener at the connection level: whatever bytes a connection sends, the listener
neither crashes nor hangs, and a good event sent after them is still recorded.

One listener (plain TCP, bound to ``burrows``) runs in a thread for the whole module; each
example opens a connection, sends random bytes — raw, or built from the fragments that make
framers and parsers stumble — in random pieces, then one good position report with a fresh uid,
and waits for that uid in the picture. Afterwards the listener still accepts connections and
every connection it served has ended or is still being read; none took it down.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.tak import CotListener, ListenerConfig
from tests.conftest import World, make_world
from tests.tak.support import position, wire

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

FRAGMENTS = [
    b"<event",
    b"</event>",
    b"</event >",
    b"<event version='2.0' uid='f' type='a-f-G' how='m-g' time='2044-01-01T00:00:00Z'",
    b" start='2044-01-01T00:00:00Z' stale='2044-01-01T00:05:00Z'>",
    b"<point lat='50' lon='10' hae='0' ce='1' le='1'/>",
    b"<point lat='nan' lon='1e400'/>",
    b"<detail><contact callsign='x'/></detail>",
    b"<?xml version='1.0' encoding='UTF-8'?>",
    b'<?xml version="1.0" encoding="utf-16"?>\n',
    b"<!DOCTYPE event [<!ENTITY a 'aaaa'>]>",
    b"&a;&a;&a;",
    b"<![CDATA[</event>]]>",
    b"<!-- <event> -->",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"   ",
    b"<" * 50,
    b"<detail>" * 40,
]

junk = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=40).map(
        b"".join
    ),
)


class ListenerThread:
    """The listener on its own event loop in a thread, for tests written with blocking sockets."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        config = ListenerConfig(
            tcp_port=0,
            tcp_member="burrows",
            max_event_bytes=8192,
            max_errors=100_000,
            outbound=False,
        )
        self.listener = CotListener(world.node, config)
        asyncio.run_coroutine_threadsafe(self.listener.start(), self.loop).result(30)
        assert self.listener.tcp_port is not None
        self.port = self.listener.tcp_port

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.close(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ListenerThread]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    world = make_world(str(tmp / "liaison.db"), tmp)
    running = ListenerThread(world)
    yield running
    running.close()
    world.node.close()


_uids = itertools.count()


def _recorded(world: World, uid: str) -> bool:
    return any(u["unit"] == uid for u in world.node.picture.units("uk"))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=junk, cuts=st.lists(st.integers(min_value=1, max_value=512), max_size=8))
def test_random_bytes_never_take_the_listener_down_or_cost_the_next_good_event(
    served: ListenerThread, data: bytes, cuts: list[int]
) -> None:
    uid = f"FUZZ-{next(_uids)}"
    stream = data + wire(position(uid))
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        at = 0
        for cut in cuts:
            sock.sendall(stream[at : at + cut])
            at += cut
        sock.sendall(stream[at:])
        deadline = time.monotonic() + 30
        while not _recorded(served.world, uid):
            assert time.monotonic() < deadline, f"{uid} was not recorded after {data[:80]!r}"
            time.sleep(0.02)
    # The listener still answers a new connection.
    with socket.create_connection(("127.0.0.1", served.port), timeout=10):
        pass
