"""CoT events ingested per second over 1 and 50 connections, and latency to a subscribed device.

A real ``liaison serve`` process (the HTTP API and the CoT listener on one event loop, over a
fresh SQLite store with ``synchronous=FULL``) is started on 127.0.0.1 for every measurement;
this process plays the TAK devices. Server and devices share the machine's two cores.

Throughput: ``--events`` position reports (``a-f-G-U-C``, ATAK-sized) are framed in advance and
written as fast as the server reads them, over 1 connection or spread over 50 connections
(plain TCP, every connection bound to the same member, as a TAK Server input is). Each device
also reads what the server sends back (its party's picture), as a TAK client does. An event
counts once it is durable on the record (its row in ``proj_tak_reports``, written in the same
transaction as the entry); the rate is events / (last event durable - first byte sent).
``--tracks 0`` gives every event its own uid, so every event is also a unit report in the
picture (the worst case); ``--tracks K`` has each connection report K tracks in turn, as a
gateway relaying K tracks does, so reports of one track within one ingest batch are coalesced
(every event is still on the record; only the latest per track is a unit report).

Latency: one uk device sends positions released to ``us`` at a steady ``--latency-rates``
for ``--latency-seconds``; a us device connected over TLS (client certificate bound to its
member) receives them. Latency is from the moment an event is written to the uk socket to the
moment the us device has read it: ingest, group commit, the party's tail, rendering, TLS.

Beside each rate the server's CPU time per event is printed: the ``liaison serve`` process's
user + system time (every thread, from ``/proc``) over the run, divided by its events. On a
shared machine that is the figure to compare; wall-clock rates move with everyone else's load.
``--latency-only`` skips the throughput runs.

``--profile`` instead runs one ingest batch in this process under cProfile and prints where the
time goes (the writer thread's transaction and the ingest thread, separately).

    .venv/bin/python bench/bench_cot.py                       # ~10 min: 3 rounds
    .venv/bin/python bench/bench_cot.py --repeat 1 --events 500 --latency-seconds 5
    .venv/bin/python bench/bench_cot.py --profile
    .venv/bin/python bench/bench_cot.py --stages --repeat 9   # CPU per event of each stage
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_record import Series, hardware, table  # noqa: E402

from liaison.cot import (  # noqa: E402
    CotFramer,
    CotPoint,
    parse_event,
    position_report,
    serialize_event,
)

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Stage:
    """A fresh store, its device certificate, and a ``liaison serve`` over it."""

    folder: Path
    db: Path
    key: Path
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    http: int = 0
    tcp: int = 0
    tls: int = 0
    proc: subprocess.Popen[bytes] | None = None
    #: ``--cot-workers`` (None: the server's default)
    workers: int | None = None

    def start(self) -> None:
        self.http, self.tcp, self.tls = free_port(), free_port(), free_port()
        cmd = [
            sys.executable, "-m", "liaison.cli", "serve", "--db", str(self.db),
            "--node-key", str(self.key), "--host", HOST, "--port", str(self.http),
            "--cot-port", str(self.tcp), "--cot-member", "burrows",
            "--cot-tls-port", str(self.tls), "--cot-cert", str(self.server_cert),
            "--cot-key", str(self.server_key), "--cot-ca", str(self.ca),
        ]  # fmt: skip
        if self.workers is not None:
            cmd += ["--cot-workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"liaison serve exited with {self.proc.returncode}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.tcp), 1):
                return
            time.sleep(0.2)
        raise RuntimeError("liaison serve did not open its CoT port within 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu(self) -> float:
        """CPU seconds (user + system, every thread) the server and its worker processes have
        used so far."""
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """CPU seconds so far of the server process and of each of its live children."""
        assert self.proc is not None
        tick = os.sysconf("SC_CLK_TCK")
        out: dict[int, float] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid = int(stat.parent.name)
                if pid == self.proc.pid or int(fields[1]) == self.proc.pid:
                    out[pid] = (int(fields[11]) + int(fields[12])) / tick
        return out

    def recorded(self) -> int:
        """Events durable on the record: rows of the report projection (read-only)."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM proj_tak_reports").fetchone()[0])

    def log_size(self) -> int:
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT size FROM log_head").fetchone()[0])


def stage(folder: Path) -> Stage:
    """A store with uk and us, a device member for each, and a certificate for the us device."""
    import trustme

    from liaison.node import Node
    from liaison.tak import tak_for

    folder.mkdir(parents=True, exist_ok=True)
    db, key = folder / "liaison.db", folder / "node.key"
    node, _ = Node.create(str(db), key, "bench.liaison/cot")
    try:
        node.roster.add_party("uk", "United Kingdom")
        node.roster.add_party("us", "United States")
        for member, party in (("burrows", "uk"), ("deane", "us")):
            node.roster.appoint(member, party, member.title(), "officer", {"topics": ["*"]})
        ca = trustme.CA()
        paths = {name: folder / name for name in ("ca.pem", "server.pem", "server.key")}
        ca.cert_pem.write_to_path(str(paths["ca.pem"]))
        server = ca.issue_cert("localhost", HOST)
        server.cert_chain_pems[0].write_to_path(str(paths["server.pem"]))
        server.private_key_pem.write_to_path(str(paths["server.key"]))
        device = ca.issue_cert("deane@devices.bench", common_name="deane-device")
        device.cert_chain_pems[0].write_to_path(str(folder / "device.pem"))
        device.private_key_pem.write_to_path(str(folder / "device.key"))
        tak_for(node).certificates.bind("deane", (folder / "device.pem").read_bytes(), "bench")
    finally:
        node.close()
    return Stage(
        folder, db, key, paths["ca.pem"], paths["server.pem"], paths["server.key"],
        folder / "device.pem", folder / "device.key",
    )  # fmt: skip


def event(uid: str, n: int, *, releasable_to: str | None = None) -> bytes:
    """An ATAK-sized position report (~600 bytes): contact, group, takv, track, status."""
    now = datetime.now(UTC)
    return serialize_event(
        position_report(
            uid=uid,
            cot_type="a-f-G-U-C",
            point=CotPoint.from_floats(
                50.0 + (n % 1000) * 1e-5, 10.0 + (n % 777) * 1e-5, 120.0, 4.9, 9.1
            ),
            time=now,
            stale=now + timedelta(minutes=10),
            how="m-g",
            callsign=uid[-12:],
            releasable_to=releasable_to,
            extra_detail=(
                '<__group name="Cyan" role="Team Member"/>',
                '<takv device="bench" platform="ATAK-CIV" os="29" version="4.10"/>',
                f'<track course="{n % 360}" speed="1.5"/>',
                '<status battery="88"/>',
                '<precisionlocation altsrc="GPS" geopointsrc="GPS"/>',
            ),
        )
    )


async def _discard(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(Exception):
        while await reader.read(1 << 16):
            pass


async def throughput(
    st: Stage, events: int, connections: int, tracks: int
) -> tuple[float, float, float]:
    """Events per second from first byte sent to the last event durable (see the docstring),
    and the server's CPU time per event in microseconds over the same span: all of it (worker
    processes included), and the recording process's alone."""
    per = events // connections
    streams = []
    for c in range(connections):
        parts = []
        for n in range(per):
            uid = f"bench-{c}-{n % tracks if tracks else n}"
            parts.append(event(uid, n))
        streams.append(b"".join(parts))
    total = per * connections
    base = st.recorded()
    conns = [await asyncio.open_connection(HOST, st.tcp) for _ in range(connections)]
    readers = [asyncio.create_task(_discard(r)) for r, _ in conns]

    async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
        for at in range(0, len(data), 1 << 16):
            writer.write(data[at : at + (1 << 16)])
            await writer.drain()

    cpu = st.cpu_by_process()
    start = time.perf_counter()
    await asyncio.gather(*(send(w, s) for (_, w), s in zip(conns, streams, strict=True)))
    deadline = time.monotonic() + 900
    while await asyncio.to_thread(st.recorded) < base + total:
        if time.monotonic() > deadline:
            raise RuntimeError("the events were not all recorded within 15 minutes")
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    after = st.cpu_by_process()
    assert st.proc is not None
    main = st.proc.pid
    cpu_us = 1e6 * sum(v - cpu.get(pid, 0.0) for pid, v in after.items()) / total
    main_us = 1e6 * (after[main] - cpu[main]) / total
    for _, writer in conns:
        writer.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return total / elapsed, cpu_us, main_us


async def latency(st: Stage, rate: float, seconds: float) -> list[float]:
    """Milliseconds from write on the uk socket to read on the subscribed us device."""
    context = ssl.create_default_context(cafile=str(st.ca))
    context.load_cert_chain(str(st.client_cert), str(st.client_key))
    us_reader, us_writer = await asyncio.open_connection(
        HOST, st.tls, ssl=context, server_hostname="localhost"
    )
    uk_reader, uk_writer = await asyncio.open_connection(HOST, st.tcp)
    drain_uk = asyncio.create_task(_discard(uk_reader))
    await asyncio.sleep(1.0)  # the us device's snapshot, and its tail, are in place
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    count = int(rate * seconds)

    async def receive() -> None:
        framer = CotFramer(max_connection_bytes=None)
        while len(got) < count:
            data = await us_reader.read(1 << 16)
            if not data:
                return
            now = time.perf_counter()
            for frame in framer.feed(data):
                uid = parse_event(frame).uid
                if uid in sent and uid not in got:
                    got[uid] = now

    receiver = asyncio.create_task(receive())
    start = time.perf_counter()
    for n in range(count):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        uid = f"lat-{n}"
        data = event(uid, n, releasable_to="us")
        sent[uid] = time.perf_counter()
        uk_writer.write(data)
        await uk_writer.drain()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receiver, timeout=60)
    receiver.cancel()
    drain_uk.cancel()
    for writer in (us_writer, uk_writer):
        writer.close()
    if len(got) < count:
        print(f"  warning: {count - len(got)} of {count} events not received", file=sys.stderr)
    return [1000 * (got[u] - sent[u]) for u in got]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def profile(events: int) -> str:
    """One ingest batch in this process under cProfile: the writer's transaction, then the rest."""
    from liaison.node import Node
    from liaison.services.record import AppendRequest
    from liaison.tak import tak_for
    from liaison.tak.ingest import _chunks
    from liaison.tak.mapping import release_of, unit_bodies

    out = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        st = stage(Path(tmp))
        node = Node.open(str(st.db), st.key)
        try:
            parsed = [parse_event(event(f"p-{n}", n)) for n in range(events)]
            positions = [
                (i, *unit_bodies(e), release_of(e, {"uk", "us"})) for i, e in enumerate(parsed)
            ]
            requests = []
            for release, chunk in _chunks(positions):
                items = {"reports": [item for _, _, item, _ in chunk]}
                requests.append(AppendRequest("burrows", "tak.report", items, release=release))
                requests += [
                    AppendRequest("burrows", "picture.unit", unit, release=release)
                    for _, unit, _, _ in chunk
                ]
            writer = cProfile.Profile()
            start = time.perf_counter()
            writer.runcall(node.record._run_batch, requests)
            out.write(f"## the writer's transaction: {len(requests)} entries for {events} events, "
                      f"{time.perf_counter() - start:.2f} s under the profiler\n")  # fmt: skip
            pstats.Stats(writer, stream=out).sort_stats("cumulative").print_stats(25)
            more = [parse_event(event(f"q-{n}", n)) for n in range(events)]
            ingest = cProfile.Profile()
            ingest.runcall(tak_for(node).ingest.ingest, "burrows", more)
            out.write("## the whole ingest, as the listener's thread sees it (the writer's share "
                      "is the wait in result())\n")  # fmt: skip
            pstats.Stats(ingest, stream=out).sort_stats("cumulative").print_stats(25)
        finally:
            node.close()
    return out.getvalue()


def stages(batch: int, rounds: int) -> str:
    """CPU time per event of each stage of the ingest, in this process, without a profiler.

    Each round frames and parses ``batch`` ATAK-sized position reports (each its own uid), then
    runs them through the ingest as the listener's thread does: the writer's transaction and
    the hooks after it (the live picture) are timed apart by wrapping them; then a uk device's
    page of the feed is read and rendered. ``time.process_time`` counts every thread of the
    process, and each stage runs alone, so the figures add up to the whole.
    """
    from liaison.cot import CotFramer
    from liaison.node import Node
    from liaison.tak import tak_for
    from liaison.tak.outbound import read_page

    totals: dict[str, list[float]] = {}

    def timed(name: str, fn: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                totals.setdefault(name, []).append(time.process_time() - start)

        return run

    with tempfile.TemporaryDirectory() as tmp:
        st = stage(Path(tmp))
        node = Node.open(str(st.db), st.key)
        try:
            ingest = tak_for(node).ingest
            record = node.record
            record._write_batch = timed("writer transaction", record._write_batch)  # type: ignore[method-assign]
            record._after = timed("after commit (live picture)", record._after)  # type: ignore[method-assign]
            cursor = 0
            reports: dict[Any, Any] = {}  # the party tail's memory of report items
            per_round: dict[str, list[float]] = {}
            for r in range(rounds):
                totals.clear()
                data = b"".join(event(f"s-{r}-{n}", n) for n in range(batch))
                start = time.process_time()
                framer = CotFramer(max_connection_bytes=None)
                parsed = [parse_event(frame) for frame in framer.feed(data)]
                framed = time.process_time() - start
                start = time.process_time()
                outcomes = ingest.ingest("burrows", parsed)
                whole = time.process_time() - start
                assert all(o.action == "reported" for o in outcomes), outcomes[:3]
                start = time.process_time()
                cursor, pages = read_page(node, "uk", cursor, datetime.now(UTC), reports)
                rendered = time.process_time() - start
                assert len(pages) >= batch
                writer = sum(totals["writer transaction"])
                after = sum(totals["after commit (live picture)"])
                figures = {
                    "framing and parsing": framed,
                    "ingest before and around the writer": whole - writer - after,
                    "writer transaction": writer,
                    "after commit (live picture)": after,
                    "feed page, rendered for one party": rendered,
                }
                figures["all"] = sum(figures.values())
                for name, seconds in figures.items():
                    per_round.setdefault(name, []).append(1e6 * seconds / batch)
        finally:
            node.close()
    lines = [f"## CPU per event, {rounds} rounds of {batch} events (median, min–max), µs", ""]
    for name, values in per_round.items():
        lines.append(f"{name:40} {statistics.median(values):7.1f}  "
                     f"({min(values):.1f}–{max(values):.1f})")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="events per throughput run")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--tracks", type=int, nargs="+", default=[0, 10])
    parser.add_argument("--latency-rates", type=float, nargs="+", default=[20.0, 50.0])
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[None],
        help="--cot-workers of the server, each in turn (default: the server's own default)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--profile", action="store_true", help="profile one batch instead")
    parser.add_argument("--latency-only", action="store_true", help="skip the throughput runs")
    parser.add_argument(
        "--stages", action="store_true", help="CPU per event of each stage, in-process"
    )
    args = parser.parse_args(argv)
    if args.profile:
        print(profile(min(args.events, 500)))
        return 0
    if args.stages:
        print(stages(256, max(args.repeat, 5)))
        return 0
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    machine = hardware()
    print(json.dumps(machine, indent=2))
    rates: dict[str, Series] = {}
    cpu: dict[str, Series] = {}
    main_cpu: dict[str, Series] = {}
    lat: dict[tuple[int | None, float], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="liaison-bench-cot-") as tmp:
        for round_ in range(args.repeat):
            for workers, tracks, conns in [
                (w, t, c)
                for w in args.workers
                for t in ([] if args.latency_only else args.tracks)
                for c in args.connections
            ]:
                st = stage(Path(tmp) / f"r{round_}-w{workers}-t{tracks}-c{conns}")
                st.workers = workers
                st.start()
                try:
                    rate, cpu_us, main_us = asyncio.run(throughput(st, args.events, conns, tracks))
                    entries = st.log_size()
                finally:
                    st.stop()
                what = "each event its own uid" if not tracks else f"{tracks} tracks each"
                name = f"{conns} connection{'s' if conns > 1 else ''}, {what}"
                if workers is not None:
                    name += f", {workers} worker{'s' if workers != 1 else ''}"
                rates.setdefault(name, Series(name, "events/s")).values.append(rate)
                cpu.setdefault(name, Series(name, "µs CPU/event")).values.append(cpu_us)
                main_cpu.setdefault(name, Series(name, "µs CPU/event")).values.append(main_us)
                print(
                    f"round {round_ + 1}: {name}: {rate:,.0f} events/s, server CPU "
                    f"{cpu_us:,.0f} µs/event, {main_us:,.0f} of it in the recording process "
                    f"({entries} entries; load {os.getloadavg()[0]:.1f})"
                )
            for workers, rate_ in [(w, r) for w in args.workers for r in args.latency_rates]:
                st = stage(Path(tmp) / f"r{round_}-w{workers}-lat{rate_:g}")
                st.workers = workers
                st.start()
                try:
                    before = st.cpu_by_process()
                    ms = asyncio.run(latency(st, rate_, args.latency_seconds))
                    after = st.cpu_by_process()
                finally:
                    st.stop()
                assert st.proc is not None
                spent = sum(v - before.get(pid, 0.0) for pid, v in after.items())
                main = after[st.proc.pid] - before[st.proc.pid]
                p50, p99 = statistics.median(ms), percentile(ms, 99)
                lat.setdefault((workers, rate_), []).append((p50, p99))
                print(f"round {round_ + 1}: latency at {rate_:g} events/s (workers {workers}): "
                      f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(ms):.0f} ms over "
                      f"{len(ms)} events; server CPU {1e6 * spent / len(ms):.0f} µs/event, "
                      f"{1e6 * main / len(ms):.0f} in the recording process "
                      f"(load {os.getloadavg()[0]:.1f})")  # fmt: skip
    print()
    print(table(list(rates.values()), "CoT events durable on the record per second"))
    print()
    print(table(list(cpu.values()), "Server CPU time (user + system) per event, workers included"))
    print()
    print(table(list(main_cpu.values()), "CPU time per event of the recording process alone"))
    print()
    print("### Ingest to a subscribed device (ms)")
    print()
    print("| workers | offered rate | p50 (median of runs) | p99 (median of runs) | p99 min–max "
          "| runs |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for (workers, rate_), runs in lat.items():
        p50s, p99s = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"| {'default' if workers is None else workers} | {rate_:g} events/s | "
            f"{statistics.median(p50s):.0f} | {statistics.median(p99s):.0f} | "
            f"{min(p99s):.0f}–{max(p99s):.0f} | {len(runs)} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "throughput": [s.to_json() for s in rates.values()],
                    "cpu_us_per_event": [s.to_json() for s in cpu.values()],
                    "recording_process_cpu_us_per_event": [s.to_json() for s in main_cpu.values()],
                    "latency_ms": {f"{w}/{r:g}": runs for (w, r), runs in lat.items()},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
