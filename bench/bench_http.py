"""Durable, signed appends per second through the HTTP API, on SQLite and PostgreSQL.

A real server (``liaison.api.server.serve``: uvicorn, one process, the node's
group-commit writer behind it) is started in a child process on 127.0.0.1; this
process plays the members, with ``liaison.Client`` (httpx): 1, 16 and 64
threads each appending one entry per request (``POST /v1/entries``), and one
client sending ``append_many`` batches (``POST /v1/entries/batch``). A request
returns only after the entry is committed (SQLite ``synchronous=FULL``,
PostgreSQL ``synchronous_commit=on``). Server and clients share the machine's
two cores, so these figures include the clients' own cost.

Each figure is taken ``--repeat`` times, the configurations interleaved round by
round; the same run measures the service layer directly (``append_many`` of the
same batch size) so the HTTP figure can be read as a ratio to it.

    .venv/bin/python bench/bench_http.py                    # both backends, 5 rounds
    .venv/bin/python bench/bench_http.py --backend sqlite --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH, so another checkout can be measured
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_record import (  # noqa: E402
    DEFAULT_PG,
    TEXT,
    Bench,
    Series,
    hardware,
    make_node,
    pg_schema_url,
    run_many,
    table,
)

from liaison.client import Client, NewEntry  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_main(db: str, key: str, port: int) -> None:
    """The child process: open the node and serve it until terminated."""
    from liaison.api.server import serve
    from liaison.node import Node

    node = Node.open(db, key)
    try:
        serve(node, "127.0.0.1", port, log_level="warning")
    finally:
        node.close()


class Server:
    """A server process of our own over ``db``, stopped (by its pid) when done."""

    def __init__(self, db: str, key: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, __file__, "--serve", db, str(key), str(self.port)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            try:
                with Client(self.url, timeout=2) as client:
                    client.node()
                return
            except Exception:  # not up yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def entry(i: int) -> NewEntry:
    return {"kind": "note", "body": {"text": f"{TEXT} #{i}"}, "release": ["us"]}


def http_threads(url: str, token: str, threads: int, total: int) -> float:
    """``threads`` clients, each POSTing one entry per request; entries/s."""
    per = max(1, total // threads)
    clients = [Client(url, token, timeout=120) for _ in range(threads)]
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        client = clients[t]
        start.wait()
        try:
            for i in range(per):
                e = entry(t * per + i)
                client.append(e["kind"], e["body"], release=e.get("release"))
        except BaseException as exc:  # reported below: a failed bench must not look fast
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    start.wait()
    began = time.perf_counter()
    for th in pool:
        th.join()
    elapsed = time.perf_counter() - began
    for client in clients:
        client.close()
    if errors:
        raise errors[0]
    return per * threads / elapsed


def http_many(url: str, token: str, batch: int, total: int) -> float:
    """One client sending ``append_many`` requests of ``batch`` entries; entries/s."""
    calls = max(1, total // batch)
    entries = [entry(i) for i in range(batch)]
    with Client(url, token, timeout=300) as client:
        began = time.perf_counter()
        for _ in range(calls):
            results = client.append_many(entries)
            bad = [r for r in results if isinstance(r, Exception)]
            if bad:
                raise bad[0]
        return calls * batch / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", default="sqlite,postgresql", help="sqlite, postgresql or both")
    ap.add_argument("--repeat", type=int, default=5, help="rounds: each figure is taken this often")
    ap.add_argument("--threads", default="1,16,64", help="concurrent single-entry clients")
    ap.add_argument("--batch", type=int, default=500, help="entries per append_many request")
    ap.add_argument("--entries", type=int, default=3000, help="entries per concurrent measurement")
    ap.add_argument("--single", type=int, default=300, help="entries for the 1-client measurement")
    ap.add_argument("--pg", default=os.environ.get("LIAISON_BENCH_PG", DEFAULT_PG))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    hw = hardware()
    print("hardware:", json.dumps(hw))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))

    results: dict[str, dict[str, Series]] = {b: {} for b in backends}

    def add(backend: str, name: str, value: float) -> None:
        results[backend].setdefault(name, Series(name)).values.append(value)

    tmp = Path(tempfile.mkdtemp(prefix="liaison-bench-http-"))
    stack = contextlib.ExitStack()
    try:
        setups: dict[str, Setup] = {}
        for backend in backends:
            if backend == "sqlite":
                url = str(tmp / "record.db")
            elif backend == "postgresql":
                url = stack.enter_context(pg_schema_url(args.pg))
            else:
                ap.error(f"unknown backend {backend!r}")
            setups[backend] = setup(url, tmp)
            stack.callback(setups[backend].bench.node.close)
        for rnd in range(1, args.repeat + 1):
            for backend, s in setups.items():
                # The service layer alone, same batch size, while no server runs.
                label = f"service layer append_many, {args.batch} per call (no HTTP)"
                add(backend, label, run_many(s.bench, args.batch, args.entries).rate)
                server = Server(s.url, s.key)
                try:
                    for t in threads:
                        total = args.single if t == 1 else args.entries
                        label = f"HTTP append, {t} client{'s' if t > 1 else ''}"
                        add(backend, label, http_threads(server.url, s.token, t, total))
                    label = f"HTTP append_many, {args.batch} per request"
                    add(backend, label, http_many(server.url, s.token, args.batch, args.entries))
                finally:
                    server.stop()
            line = "; ".join(
                f"{b}: " + ", ".join(f"{x.name} {x.values[-1]:,.0f}" for x in results[b].values())
                for b in backends
            )
            print(f"round {rnd}/{args.repeat}: {line}", flush=True)
    finally:
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)
    for backend in backends:
        print()
        print(table(list(results[backend].values()), f"HTTP API, {backend}"))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "hardware": hw,
                    "command": " ".join(sys.argv),
                    "results": {b: [s.to_json() for s in r.values()] for b, r in results.items()},
                },
                indent=2,
            )
        )
    return 0


@dataclass
class Setup:
    url: str
    key: Path
    bench: Bench
    token: str


def setup(url: str, tmp: Path) -> Setup:
    """The store, two parties and a member, made by a node the server will open again."""
    key = tmp / f"node-{uuid.uuid4().hex[:6]}.key"
    bench = make_node(url, tmp, key)
    return Setup(url, key, bench, bench.node.roster.issue_token(bench.member))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        raise SystemExit(0)
    raise SystemExit(main())
