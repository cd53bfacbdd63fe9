"""An acknowledged write is never lost: a real ``liaison serve`` process, with
clients appending over HTTP from several threads (single entries and batches),
is killed with SIGKILL mid-stream; after restart every acknowledged entry is
present, the record verifies, and the node keeps appending — SQLite and
PostgreSQL. Twice, so that recovery from a crash is itself crash-safe.
"""

from __future__ import annotations

import os
import signal
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

from liaison.errors import NotFound
from liaison.node import Node
from liaison.services.record import AppendRequest
from liaison.services.verify import verify_store
from tests.conftest import make_world

pytestmark = pytest.mark.slow

WRITERS = {"eden": "uk", "kerr": "uk", "harriman": "us", "deane": "us", "molotov": "su"}
BATCHER = "slavin"
#: kill once at least this many appends were acknowledged in a round
ACKED_BEFORE_KILL = 150


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(db: str, node_key: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        proc = subprocess.Popen(  # the real command, in its own process
            [
                sys.executable,
                "-m",
                "liaison.cli",
                "serve",
                "--db",
                db,
                "--node-key",
                str(node_key),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"the server exited: {log.read_text(errors='replace')}"
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


class Appenders:
    """Client threads that append until the server dies, recording what was acknowledged."""

    def __init__(self, url: str, tokens: dict[str, str], round_no: int) -> None:
        self.url = url
        self.tokens = tokens
        self.round = round_no
        self.acked: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._single, args=(m,), daemon=True) for m in WRITERS
        ] + [threading.Thread(target=self._batch, args=(BATCHER,), daemon=True)]

    def __enter__(self) -> Appenders:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads)

    def count(self) -> int:
        with self.lock:
            return len(self.acked)

    def _client(self, member: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[member]}"},
            timeout=30,
        )

    def _single(self, member: str) -> None:
        with self._client(member) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                body = {"kind": "note", "body": {"text": f"{member} r{self.round} #{i}"}}
                try:
                    response = client.post("/v1/entries", json=body)
                except httpx.TransportError:
                    return  # the server is gone; an unanswered request was never acknowledged
                if response.status_code != 201:
                    self.errors.append(f"{member}: {response.status_code} {response.text}")
                    return
                with self.lock:
                    self.acked.append(response.json()["id"])

    def _batch(self, member: str) -> None:
        with self._client(member) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                batch = [
                    {"kind": "note", "body": {"text": f"{member} r{self.round} batch {i}.{j}"}}
                    for j in range(10)
                ]
                try:
                    response = client.post("/v1/entries/batch", json=batch)
                except httpx.TransportError:
                    return
                if response.status_code != 200:
                    self.errors.append(f"{member}: {response.status_code} {response.text}")
                    return
                ids = [r["entry"]["id"] for r in response.json()["results"]]
                with self.lock:
                    self.acked.extend(ids)


def test_every_acknowledged_append_survives_sigkill(store_url: str, tmp_path: Path) -> None:
    world = make_world(store_url, tmp_path)
    tokens = {m: world.token(m) for m in [*WRITERS, BATCHER]}
    world.node.close()
    (node_key,) = tmp_path.glob("node-*.key")
    log = tmp_path / "server.log"

    acknowledged: list[str] = []
    for round_no in (1, 2):
        with (
            server(store_url, node_key, log) as (proc, url),
            Appenders(url, tokens, round_no) as app,
        ):
            deadline = time.monotonic() + 120
            while app.count() < ACKED_BEFORE_KILL and not app.errors:
                assert time.monotonic() < deadline, "the clients made too little progress"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)  # mid-stream: clients are still appending
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert not app.errors, app.errors
        assert app.count() >= ACKED_BEFORE_KILL
        acknowledged.extend(app.acked)

        node = Node.open(store_url, node_key)
        try:
            size = node.record.size()
            assert size >= 12 + len(acknowledged)
            missing = []
            for entry_id in acknowledged:
                try:
                    node.record.get(None, entry_id)
                except NotFound:
                    missing.append(entry_id)
            assert not missing, f"{len(missing)} acknowledged entries were lost"
            report = verify_store(node.store, workers=1)
            assert report.ok, report.failures[:5]
            assert report.checked == size
        finally:
            node.close()

    # After two crashes the node still appends and signs consistent checkpoints.
    node = Node.open(store_url, node_key)
    try:
        before = node.proofs.checkpoint()
        entry = node.record.append(
            AppendRequest(author="eden", kind="note", body={"text": "after the crashes"})
        )
        after = node.proofs.checkpoint()
        assert after.size == entry.seq == before.size + 1
        assert verify_store(node.store, workers=1).ok
    finally:
        node.close()
