"""Durable, signed appends per second through the service layer, on SQLite and PostgreSQL.

What is measured: ``node.record.append`` (one entry per call, from 1, 16 or 64
threads at once) and ``node.record.append_many`` (a list of entries per call),
end to end — the body validated, the author's authority read and checked
inside the write transaction, the content canonicalised and signed with
Ed25519, the Merkle nodes written, the transaction committed with the
durability the store promises (SQLite: WAL, ``synchronous=FULL``; PostgreSQL:
``synchronous_commit=on``), and only then the call returns.

The machine is shared and noisy, so every figure is taken several times
(``--repeat``), the configurations are interleaved round by round (so a noisy
minute hurts all of them alike), and the same run measures reference figures
on the same machine: raw Ed25519 signing and verifying, RFC 8785
canonicalisation of one entry's content, and a bare insert loop on each
database with the same durability settings. Read the results as ratios to
those, not as absolute times.

    .venv/bin/python bench/bench_record.py                      # both backends, 5 rounds
    .venv/bin/python bench/bench_record.py --backend sqlite --repeat 3 --json /tmp/rec.json

PostgreSQL: ``--pg`` (default ``postgresql://postgres@127.0.0.1:5432/liaison_bench``;
the database is created if missing, every run uses a fresh schema, dropped after).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH, so another checkout can be measured

from liaison.domain.entry import Content  # noqa: E402
from liaison.domain.time import utcnow  # noqa: E402
from liaison.ledger.canonical import canonical_bytes  # noqa: E402
from liaison.ledger.signing import generate_key, sign, verify  # noqa: E402
from liaison.node import Node  # noqa: E402
from liaison.services.record import AppendRequest  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/liaison_bench"
TEXT = "Mil 1582 T.O.O. 1216301: bomb line moves to the Vistula at first light; acknowledge"
ORIGIN = "bench.liaison/record"


# --- the machine ------------------------------------------------------------------------


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def hardware() -> dict[str, str]:
    """What the figures were measured on, as `nproc`, `lscpu`, /proc/meminfo and lsblk say."""
    model = ""
    for line in _run(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        kb = int(fh.readline().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    disk = " ".join(_run(["lsblk", "-d", "-n", "-o", "NAME,SIZE,ROTA"]).split("\n")[-2:]).strip()
    return {
        "nproc": _run(["nproc"]).strip(),
        "cpu": model,
        "memory": mem,
        "disk": disk or "unknown",
        "hypervisor": "KVM" if "KVM" in _run(["lscpu"]) else "",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- statistics -------------------------------------------------------------------------


@dataclass
class Series:
    """Several measurements of one rate (per second)."""

    name: str
    unit: str = "entries/s"
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def spread(self) -> str:
        lo, hi = min(self.values), max(self.values)
        return f"{lo:,.0f}–{hi:,.0f}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": round(self.median, 1),
            "min": round(min(self.values), 1),
            "max": round(max(self.values), 1),
            "runs": [round(v, 1) for v in self.values],
        }


def table(rows: list[Series], title: str) -> str:
    out = [f"### {title}", "", "| measurement | median | min–max | runs |"]
    out.append("| --- | ---: | ---: | ---: |")
    for s in rows:
        out.append(f"| {s.name} | {s.median:,.0f} {s.unit} | {s.spread()} | {len(s.values)} |")
    return "\n".join(out)


# --- stores -----------------------------------------------------------------------------


@contextlib.contextmanager
def pg_schema_url(server: str) -> Iterator[str]:
    """A SQLAlchemy URL on a fresh schema of the bench database, dropped afterwards."""
    ensure_pg_database(server)
    schema = "b_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = server.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def ensure_pg_database(server: str) -> None:
    dbname = server.rsplit("/", 1)[1].split("?", 1)[0]
    admin = server.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{dbname}"')


@dataclass
class Bench:
    """A node with two parties and one member allowed to write notes."""

    node: Node
    member: str = "eden"

    def request(self, i: int) -> AppendRequest:
        return AppendRequest(
            author=self.member, kind="note", body={"text": f"{TEXT} #{i}"}, release=["us"]
        )


def make_node(url: str, tmp: Path, key: Path | None = None) -> Bench:
    node, _ = Node.create(url, key or tmp / f"node-{uuid.uuid4().hex[:6]}.key", ORIGIN)
    node.roster.add_party("uk", "United Kingdom")
    node.roster.add_party("us", "United States")
    node.roster.appoint("eden", "uk", "Anthony Eden", "plenipotentiary", {"topics": ["*"]})
    return Bench(node)


# --- what is measured -------------------------------------------------------------------


class Rate(NamedTuple):
    """Entries per second (wall clock), and this process's CPU time per entry (all threads).

    On a loaded machine the wall-clock rate falls with the share of the CPU the run gets;
    the CPU time per entry hardly moves, so it says what the code costs. For PostgreSQL
    the server's own CPU is not in it.
    """

    rate: float
    cpu_us: float


def run_threads(bench: Bench, threads: int, total: int) -> Rate:
    """``threads`` appenders, each calling ``append`` for one entry at a time."""
    per = max(1, total // threads)
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        start.wait()
        try:
            for i in range(per):
                bench.node.record.append(bench.request(t * per + i))
        except BaseException as exc:  # reported below: a failed bench must not look fast
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for th in pool:
        th.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if errors:
        raise errors[0]
    return Rate(per * threads / elapsed, cpu / (per * threads) * 1e6)


def run_many(bench: Bench, batch: int, total: int) -> Rate:
    """``append_many`` with ``batch`` entries per call, one caller."""
    calls = max(1, total // batch)
    reqs = [bench.request(i) for i in range(batch)]
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        results = bench.node.record.append_many(reqs)
        bad = [r for r in results if isinstance(r, Exception)]
        if bad:
            raise bad[0]
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return Rate(calls * batch / elapsed, cpu / (calls * batch) * 1e6)


# --- reference figures on the same machine ----------------------------------------------


def sample_content() -> Content:
    return Content(
        kind="note",
        body={"text": f"{TEXT} #12345"},
        author="eden",
        party="uk",
        time=utcnow(),
        release=("uk", "us"),
        supersedes=None,
        salt="q1w2e3r4t5y6u7i8o9p0aa",
    )


def ref_crypto() -> dict[str, float]:
    key = generate_key()
    raw = canonical_bytes(sample_content().to_json())
    sig = sign(key, raw)
    public = bytes(key.verify_key)
    data = sample_content().to_json()

    def rate(fn: Callable[[], object], n: int) -> float:
        return n / timeit.timeit(fn, number=n)

    return {
        "Ed25519 sign (PyNaCl, 1 core)": rate(lambda: sign(key, raw), 20_000),
        "Ed25519 verify (PyNaCl, 1 core)": rate(lambda: verify(public, raw, sig), 10_000),
        "RFC 8785 bytes of one entry (1 core)": rate(lambda: canonical_bytes(data), 10_000),
    }


ROW = ("x" * 64, b"c" * 330, b"s" * 64)


def ref_sqlite(tmp: Path, n_single: int, n_batched: int, batch: int) -> dict[str, float]:
    """A bare insert loop with the store's settings: WAL, synchronous=FULL, BEGIN IMMEDIATE."""
    path = tmp / f"bare-{uuid.uuid4().hex[:6]}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, content BLOB, sig BLOB)")
    seq = 0
    began = time.perf_counter()
    for _ in range(n_single):
        seq += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (seq, f"{seq:064d}", *ROW[1:]))
        conn.execute("COMMIT")
    single = n_single / (time.perf_counter() - began)
    began = time.perf_counter()
    for _ in range(n_batched // batch):
        conn.execute("BEGIN IMMEDIATE")
        rows = []
        for _ in range(batch):
            seq += 1
            rows.append((seq, f"{seq:064d}", *ROW[1:]))
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    batched = (n_batched // batch) * batch / (time.perf_counter() - began)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")
    return {
        "bare SQLite insert, 1 row per commit": single,
        f"bare SQLite insert, {batch} rows per commit": batched,
    }


def ref_pg(server: str, n_single: int, n_batched: int, batch: int) -> dict[str, float]:
    """A bare insert loop on the same server, synchronous_commit on (its default)."""
    ensure_pg_database(server)
    table_name = "bare_" + uuid.uuid4().hex[:8]
    with psycopg.connect(server) as conn:
        conn.execute(
            f"CREATE TABLE {table_name} (seq BIGINT PRIMARY KEY, id TEXT UNIQUE, "
            "content BYTEA, sig BYTEA)"
        )
        conn.commit()
        sql = f"INSERT INTO {table_name} VALUES (%s, %s, %s, %s)"
        seq = 0
        began = time.perf_counter()
        for _ in range(n_single):
            seq += 1
            conn.execute(sql, (seq, f"{seq:064d}", *ROW[1:]))
            conn.commit()
        single = n_single / (time.perf_counter() - began)
        began = time.perf_counter()
        for _ in range(n_batched // batch):
            rows = []
            for _ in range(batch):
                seq += 1
                rows.append((seq, f"{seq:064d}", *ROW[1:]))
            with conn.cursor() as cur:
                cur.executemany(sql, rows)
            conn.commit()
        batched = (n_batched // batch) * batch / (time.perf_counter() - began)
        conn.execute(f"DROP TABLE {table_name}")
        conn.commit()
    return {
        "bare PostgreSQL insert, 1 row per commit": single,
        f"bare PostgreSQL insert, {batch} rows per commit": batched,
    }


# --- the run ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backend", default="sqlite,postgresql", help="sqlite, postgresql or both")
    ap.add_argument("--repeat", type=int, default=5, help="rounds: each figure is taken this often")
    ap.add_argument("--threads", default="1,16,64", help="concurrent single-entry appenders")
    ap.add_argument("--batch", type=int, default=500, help="entries per append_many call")
    ap.add_argument("--entries", type=int, default=6000, help="entries per concurrent measurement")
    ap.add_argument("--single", type=int, default=600, help="entries for the 1-thread measurement")
    ap.add_argument("--pg", default=os.environ.get("LIAISON_BENCH_PG", DEFAULT_PG))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    threads = [int(t) for t in args.threads.split(",") if t.strip()]

    hw = hardware()
    print("hardware:", json.dumps(hw))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    refs: dict[str, Series] = {}
    results: dict[str, dict[str, Series]] = {b: {} for b in backends}
    cpu: dict[str, dict[str, Series]] = {b: {} for b in backends}

    def add(bucket: dict[str, Series], name: str, value: float, unit: str = "entries/s") -> None:
        bucket.setdefault(name, Series(name, unit)).values.append(value)

    tmp = Path(tempfile.mkdtemp(prefix="liaison-bench-"))
    stack = contextlib.ExitStack()
    try:
        benches: dict[str, Bench] = {}
        for backend in backends:
            if backend == "sqlite":
                url = str(tmp / "record.db")
            elif backend == "postgresql":
                url = stack.enter_context(pg_schema_url(args.pg))
            else:
                ap.error(f"unknown backend {backend!r}")
            benches[backend] = make_node(url, tmp)
            stack.callback(benches[backend].node.close)
        for rnd in range(1, args.repeat + 1):
            for name, value in ref_crypto().items():
                add(refs, name, value, "ops/s")
            for backend, bench in benches.items():
                if backend == "sqlite":
                    for name, value in ref_sqlite(tmp, 300, 20_000, args.batch).items():
                        add(refs, name, value, "rows/s")
                else:
                    for name, value in ref_pg(args.pg, 300, 20_000, args.batch).items():
                        add(refs, name, value, "rows/s")
                bucket = results[backend]
                for t in threads:
                    total = args.single if t == 1 else args.entries
                    label = f"append, {t} thread{'s' if t > 1 else ''}"
                    rate = run_threads(bench, t, total)
                    add(bucket, label, rate.rate)
                    add(cpu[backend], label, rate.cpu_us, "CPU µs/entry")
                label = f"append_many, {args.batch} per call"
                rate = run_many(bench, args.batch, args.entries)
                add(bucket, label, rate.rate)
                add(cpu[backend], label, rate.cpu_us, "CPU µs/entry")
            line = "; ".join(
                f"{b}: " + ", ".join(f"{s.name} {s.values[-1]:,.0f}" for s in results[b].values())
                for b in backends
            )
            print(f"round {rnd}/{args.repeat}: {line}", flush=True)
    finally:
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(table(list(refs.values()), "reference figures (same run)"))
    for backend in backends:
        print()
        print(table(list(results[backend].values()), f"service layer, {backend}"))
        print()
        print(table(list(cpu[backend].values()), f"service layer, {backend}: CPU per entry"))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "hardware": hw,
                    "command": " ".join(sys.argv),
                    "reference": [s.to_json() for s in refs.values()],
                    "results": {b: [s.to_json() for s in r.values()] for b, r in results.items()},
                    "cpu": {b: [s.to_json() for s in r.values()] for b, r in cpu.items()},
                    "load_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
