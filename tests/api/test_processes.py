"""Several API processes over one store, each started as ``uvicorn liaison.api.app:factory``."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from liaison import Client
from liaison.client import Entry
from tests.conftest import World

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def api_process(db: str, node_key: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "LIAISON_DB": db, "LIAISON_NODE_KEY": str(node_key)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "liaison.api.app:factory",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                assert process.stderr is not None
                raise RuntimeError(f"uvicorn did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_two_api_processes_share_one_store(world: World) -> None:
    key_path = world.tmp / "shared-node.key"
    world.node.key.write(key_path)
    db = world.node.store.url
    with api_process(db, key_path) as first, api_process(db, key_path) as second:
        arrived: queue.Queue[Entry] = queue.Queue()
        size = world.node.record.size()

        def follow() -> None:
            with Client(second, world.token("deane")) as follower:
                arrived.put(next(follower.follow(after=size)))

        threading.Thread(target=follow, daemon=True).start()
        time.sleep(1.0)  # let the stream open and catch up, so what follows arrives live
        writer = Client(first, world.token("eden"), key=world.members["eden"].key)
        reader = Client(second, world.token("deane"))
        with writer, reader:
            entry = writer.append("note", {"text": "across processes"}, release=["us"], sign=True)
            started = time.monotonic()
            assert arrived.get(timeout=5)["id"] == entry["id"]
            assert time.monotonic() - started < 1.5
            assert reader.get(entry["id"]) == entry
            assert reader.verify_inclusion(entry["id"])["entry"] == entry["id"]
