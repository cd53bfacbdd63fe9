"""Whole-record verification speed on a 1,000,000-entry record.

``verify_store`` recomputes, for every entry, the SHA-256 id of its canonical
content, that the content is canonical RFC 8785, the node's Ed25519 signature
and (for entries a member signed) the member's, the release rows and indexed
columns against the signed content; then the RFC 9162 Merkle tree from the
stamps, compared with every stored node, the log head and every checkpoint.

The record is built the fastest *honest* way: through the real record service
(``RecordService.append_many``: validated, authorised, signed, group-committed
with ``synchronous=FULL``), in large batches, with a mix like a real record's:
three parties, release sets of one to three parties, one entry in twenty
signed by its member on their own side (two signatures to verify), and a
signed checkpoint every 250,000 entries. Building a million entries takes
minutes, so the built store is kept under ``--cache`` (default
``/tmp/liaison-bench-cache``, never in the repository) and reused while its
size and format match.

    .venv/bin/python bench/bench_verify.py                        # 1M entries, workers 2 and 1
    .venv/bin/python bench/bench_verify.py --entries 100000 --repeat 3 --workers 2

Reference figures in the same run: Ed25519 verifications per second on one
core, and the rate of a bare scan of the same entries table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH, so another checkout can be measured
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_record import Series, hardware, sample_content, table  # noqa: E402

from liaison.domain.entry import Content  # noqa: E402
from liaison.domain.kinds import KINDS  # noqa: E402
from liaison.domain.time import utcnow  # noqa: E402
from liaison.ledger.canonical import canonical_bytes  # noqa: E402
from liaison.ledger.signing import KeyFile, b64e, generate_key, sign, verify  # noqa: E402
from liaison.node import Node  # noqa: E402
from liaison.services.proofs import ProofService  # noqa: E402
from liaison.services.record import AppendRequest, RecordService, new_salt  # noqa: E402
from liaison.services.verify import verify_store  # noqa: E402
from liaison.store import open_store  # noqa: E402

FORMAT = 1  # bump when the way the store is built changes, so old caches are not reused
ORIGIN = "bench.liaison/verify"
TEXT = "Operational information exchanged as the armies converge; report of position"
MEMBERS = {"uk": "eden", "us": "harriman", "su": "molotov"}
RELEASES = (["us"], ["us", "su"], [], ["su"])
CHECKPOINT_EVERY = 250_000
NOTE = KINDS.get("note")


def build(path: Path, key_path: Path, entries: int, batch: int) -> float:
    """Append ``entries`` entries through the record service; returns entries/s."""
    node, _ = Node.create(str(path), key_path, ORIGIN)
    names = {"uk": "United Kingdom", "us": "United States", "su": "Soviet Union"}
    keys: dict[str, KeyFile] = {}
    for party, name in names.items():
        node.roster.add_party(party, name)
    for party, member in MEMBERS.items():
        appointed = node.roster.appoint(member, party, member.title(), "plenipotentiary", {})
        keys[member] = appointed.key
    # The same service class the node uses, with room for a large group commit.
    node.record.close()
    record = RecordService(node.store, node.key.signing_key, max_batch=batch)
    proofs = ProofService(record)
    members = list(MEMBERS.items())
    done = record.size()
    began = time.perf_counter()
    next_checkpoint = CHECKPOINT_EVERY
    i = 0
    while done < entries:
        count = min(batch, entries - done)
        requests = []
        for _ in range(count):
            i += 1
            party, member = members[i % 3]
            release = [p for p in RELEASES[i % 4] if p != party]
            body = {"text": f"{TEXT} {i}"}
            if i % 20 == 0:
                requests.append(signed_request(member, party, release, body, keys[member]))
            else:
                requests.append(
                    AppendRequest(author=member, kind="note", body=body, release=release)
                )
        for result in record.append_many(requests):
            if isinstance(result, Exception):
                raise result
        done = record.size()
        if done >= next_checkpoint:
            proofs.checkpoint()
            next_checkpoint += CHECKPOINT_EVERY
        rate = (done) / (time.perf_counter() - began)
        print(f"  built {done:,} / {entries:,} ({rate:,.0f}/s)", flush=True)
    proofs.checkpoint()
    elapsed = time.perf_counter() - began
    record.close()
    node.store.dispose()
    return done / elapsed


def signed_request(
    member: str, party: str, release: list[str], body: dict[str, str], key: KeyFile
) -> AppendRequest:
    """Content the member built and signed on their own side, as the client does."""
    content = Content(
        kind="note",
        body=NOTE.validate(body),  # the body exactly as the kind normalises it
        author=member,
        party=party,
        time=utcnow(),
        release=tuple(sorted({party, *release})),
        supersedes=None,
        salt=new_salt(),
    )
    signature = sign(key.signing_key, content.canonical())
    return AppendRequest(author=member, signed_content=content.to_json(), signature=b64e(signature))


def cached_store(cache: Path, entries: int, batch: int) -> tuple[Path, dict[str, object]]:
    cache.mkdir(parents=True, exist_ok=True)
    name = f"verify-{entries}-f{FORMAT}"
    db, meta_path = cache / f"{name}.db", cache / f"{name}.json"
    if db.exists() and meta_path.exists():
        meta: dict[str, object] = json.loads(meta_path.read_text())
        if meta.get("entries") == entries:
            print(f"using the cached store {db} (built at {meta.get('build_rate')}/s)")
            return db, meta
    partial = cache / f"{name}.building.db"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{partial}{suffix}")
    key = cache / f"{name}.key"
    with contextlib.suppress(FileNotFoundError):
        key.unlink()
    print(f"building {entries:,} entries into {partial} (kept for later runs)", flush=True)
    rate = build(partial, key, entries, batch)
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with contextlib.suppress(FileNotFoundError):
        os.remove(f"{partial}-wal")
    with contextlib.suppress(FileNotFoundError):
        os.remove(f"{partial}-shm")
    shutil.move(partial, db)
    meta = {
        "entries": entries,
        "build_rate": round(rate),
        "build_command": " ".join(sys.argv),
        "built_at": utcnow().isoformat(),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return db, meta


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the verify workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def ref_verify_rate() -> float:
    key = generate_key()
    raw = canonical_bytes(sample_content().to_json())
    sig = sign(key, raw)
    public = bytes(key.verify_key)
    return 10_000 / timeit.timeit(lambda: verify(public, raw, sig), number=10_000)


def ref_scan_rate(db: Path) -> float:
    """Every entry row read by a bare sqlite3 cursor: the floor of reading the record."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    began = time.perf_counter()
    count = 0
    for _row in conn.execute("SELECT seq, id, content, node_sig, appended_at FROM entries"):
        count += 1
    elapsed = time.perf_counter() - began
    conn.close()
    return count / elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--workers", default="2,1", help="verify worker processes to try")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=5000, help="entries per append_many when building")
    ap.add_argument("--cache", default="/tmp/liaison-bench-cache")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    hw = hardware()
    print("hardware:", json.dumps(hw))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    db, meta = cached_store(Path(args.cache), args.entries, args.batch)
    if args.build_only:
        return 0
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    refs = {
        "Ed25519 verify (PyNaCl, 1 core)": Series("Ed25519 verify (PyNaCl, 1 core)", "ops/s"),
        "bare scan of the entries table": Series("bare scan of the entries table", "rows/s"),
    }
    results = {w: Series(f"verify_store, {w} worker{'s' if w > 1 else ''}") for w in workers}
    cpu_cost = {
        w: Series(f"verify_store, {w} worker{'s' if w > 1 else ''}", "CPU µs/entry")
        for w in workers
    }
    store = open_store(str(db))
    try:
        for rnd in range(1, args.repeat + 1):
            refs["Ed25519 verify (PyNaCl, 1 core)"].values.append(ref_verify_rate())
            refs["bare scan of the entries table"].values.append(ref_scan_rate(db))
            for w in workers:
                began, cpu = time.perf_counter(), cpu_seconds()
                report = verify_store(store, workers=w)
                elapsed, cpu = time.perf_counter() - began, cpu_seconds() - cpu
                if not report.ok or report.checked != args.entries:
                    print(f"verification failed: {report.first_failure}", file=sys.stderr)
                    return 1
                results[w].values.append(report.checked / elapsed)
                cpu_cost[w].values.append(cpu / report.checked * 1e6)
                print(
                    f"round {rnd}/{args.repeat}: {w} worker(s): {report.checked:,} entries, "
                    f"{report.checkpoints} checkpoints in {elapsed:.1f}s "
                    f"= {report.checked / elapsed:,.0f}/s; "
                    f"CPU {cpu / report.checked * 1e6:.1f} µs/entry (main + workers)",
                    flush=True,
                )
    finally:
        store.dispose()
    print()
    print(table(list(refs.values()), "reference figures (same run)"))
    print()
    print(table(list(results.values()), f"verification of {args.entries:,} entries (SQLite)"))
    print()
    print(table(list(cpu_cost.values()), "CPU time per entry, main process and workers"))
    print(f"\nstore built through append_many at {meta.get('build_rate')} entries/s")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "hardware": hw,
                    "command": " ".join(sys.argv),
                    "store": meta,
                    "reference": [s.to_json() for s in refs.values()],
                    "results": [s.to_json() for s in results.values()],
                    "cpu": [s.to_json() for s in cpu_cost.values()],
                    "load_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
