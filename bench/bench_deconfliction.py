"""Benchmark the deconfliction index against PostGIS and against a plain shapely loop.

Why: the index must answer "which conflicts does this new operation have?" with p99 under 5 ms at
1,000,000 live operations and sweep 100,000 operations in under 2 s on a 2-core machine; this
script measures that, and answers the same queries with PostGIS (GiST on geography and on a
tstzrange) and with a loop over every operation calling the same rule, checking that all three
give identical answers.

Data: operations of 5 parties spread over a theatre of about 1,400 km × 2,000 km that straddles
the antimeridian (170°E to 170°W, 40°N to 58°N) over 30 days; kinds uniform over the six known
kinds; half circles (radius 200 m–3 km), half polygons (4–10 vertices, 0.5–4 km across);
windows of 30 min–12 h; air kinds have altitude bands, others are surface to unlimited.

Usage::

    bash bench/postgis_setup.sh            # once, as root
    .venv/bin/python bench/bench_deconfliction.py [--sizes 10000,100000,1000000]
        [--queries 1000] [--rounds 5] [--loop-queries 20] [--postgis-max 1000000]
        [--no-postgis] [--pg-dsn DSN] [--explain 100]

Each round checks the same queries as fresh objects, each built just before its check (a new
operation has nothing cached, and has just been decoded), the index then PostGIS, so both see
the same load; figures are given per round and pooled over all rounds, with the ratio of the
medians. Wall-clock figures suffer when other processes share the
two cores, so the index's figures are also given in CPU time of this process (the index is
single-threaded and does no I/O); the load average is printed for each size and round. PostGIS
gets its best shot: one open connection over the Unix socket, the statement prepared, GiST
indexes on geography, time range and both; its time inside the server (EXPLAIN ANALYZE) is
printed too, to show how much of a check is the round trip. Rule 1 (operation overlap) is what
all three answer; the index's answer is the set of other operation ids in its rule-1 conflicts
(it also runs rules 2-4, against no units or measures here).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from liaison.deconfliction import DeconflictionIndex, Operation, Rule, Volume, rules
from liaison.deconfliction.settings import DEFAULT_SETTINGS
from liaison.geometry import AltitudeBand, Area, Circle, Datum, TimeWindow
from liaison.geometry.earth import TOLERANCE_M, WGS84

KINDS = (
    "air_strike",
    "artillery_fire",
    "ground_movement",
    "air_drop",
    "convoy",
    "humanitarian_site",
)
AIR = {"air_strike", "air_drop"}
PARTIES = ("GB", "US", "SU", "YU", "FR")
T0 = datetime(1944, 7, 1, tzinfo=UTC)
PG_TCP_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=liaison_bench"
PG_SOCKET_DIR = "/var/run/postgresql"
PG_SOCKET_DSN = f"host={PG_SOCKET_DIR} port=5432 user=postgres dbname=liaison_bench"
MAX_CIRCLE_RADIUS = 3000.0


def rss_bytes() -> int:
    """Resident set size of this process."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Generator:
    """Deterministic random operations (same seed, same data)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def operation(self, op_id: str) -> Operation:
        rng = self.rng
        lon = rng.uniform(170.0, 190.0)
        if lon > 180.0:
            lon -= 360.0
        lat = rng.uniform(40.0, 58.0)
        kind = rng.choice(KINDS)
        footprint: Circle | Area
        if rng.random() < 0.5:
            footprint = Circle(lon, lat, rng.uniform(200.0, MAX_CIRCLE_RADIUS))
        else:
            n = rng.randint(4, 10)
            radius = rng.uniform(250.0, 2000.0)
            azimuths = np.arange(n) * (360.0 / n) + rng.uniform(0.0, 360.0 / n)
            dists = np.array([radius * rng.uniform(0.6, 1.0) for _ in range(n)])
            lons, lats, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), azimuths, dists)
            ring = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
            footprint = Area((((*ring[::-1], ring[-1]),),))
        start = T0 + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
        window = TimeWindow(start, start + timedelta(minutes=rng.randrange(30, 12 * 60)))
        if kind in AIR:
            low = float(rng.randrange(0, 6000, 100))
            altitude = AltitudeBand(low, low + float(rng.randrange(300, 4000, 100)), Datum.AMSL)
        else:
            altitude = AltitudeBand(None, None, Datum.AMSL)
        party = rng.choice(PARTIES)
        return Operation(op_id, party, kind, (Volume(footprint, window, altitude),))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def overlap_ids(conflicts: Sequence[object], own_id: str) -> frozenset[str]:
    out: set[str] = set()
    for c in conflicts:
        if c.rule is Rule.OPERATIONS_OVERLAP:  # type: ignore[attr-defined]
            out.update(s.id for s in c.subjects if s.id != own_id)  # type: ignore[attr-defined]
    return frozenset(out)


def loop_answer(ops: Sequence[Operation], q: Operation) -> frozenset[str]:
    """The plain loop: every operation, the same rule, no index."""
    out = set()
    qw = q.window
    for o in ops:
        if o.party == q.party or not qw.overlaps(o.window):
            continue
        if rules.operations_overlap(q, o) is not None:
            out.add(o.id)
    return frozenset(out)


@dataclass
class Timing:
    median_ms: float
    p99_ms: float

    def __str__(self) -> str:
        return f"median {self.median_ms:8.3f} ms   p99 {self.p99_ms:8.3f} ms"


def timing(samples: Sequence[float]) -> Timing:
    return Timing(statistics.median(samples) * 1e3, percentile(samples, 0.99) * 1e3)


# ---------------------------------------------------------------------------- PostGIS side


def wkt(op: Operation) -> tuple[str, float]:
    fp = op.volumes[0].footprint
    if isinstance(fp, Circle):
        return f"SRID=4326;POINT({fp.lon!r} {fp.lat!r})", fp.radius_m
    ring = fp.polygons[0][0]
    coords = ", ".join(f"{x!r} {y!r}" for x, y in ring)
    return f"SRID=4326;POLYGON(({coords}))", 0.0


def alt_bounds(op: Operation) -> tuple[float, float]:
    band = op.volumes[0].altitude
    lo = -math.inf if band.lower_m is None else band.lower_m
    hi = math.inf if band.upper_m is None else band.upper_m
    return lo, hi


def default_dsn() -> str:
    """The Unix socket when the server accepts us there (the fastest local path), else TCP."""
    import psycopg

    if os.path.exists(f"{PG_SOCKET_DIR}/.s.PGSQL.5432"):
        try:
            psycopg.connect(PG_SOCKET_DSN).close()
        except psycopg.OperationalError:  # e.g. peer authentication for another OS user
            return PG_TCP_DSN
        return PG_SOCKET_DSN
    return PG_TCP_DSN


class PostGIS:
    """The same rule-1 query in SQL; sets up its own tables in ``liaison_bench``.

    Fair by construction: one connection held open, one cursor, the query prepared once on the
    server (``prepare=True``), the Unix socket when there is one, and GiST indexes on the
    geography, on the time range and on both together (the planner picks; with the two-column
    one both filters run inside the index).
    """

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.dsn = dsn
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.cur = self.conn.cursor()
        cur = self.conn.cursor()
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cur.execute("DROP TABLE IF EXISTS bench_ops")
        cur.execute("DROP TABLE IF EXISTS bench_seps")
        cur.execute(
            "CREATE TABLE bench_ops (id text PRIMARY KEY, party text, kind text, "
            "geog geography NOT NULL, radius double precision, during tstzrange, "
            "alt_lo double precision, alt_hi double precision)"
        )
        cur.execute(
            "CREATE TABLE bench_seps (k1 text, k2 text, h double precision, "
            "v double precision, PRIMARY KEY (k1, k2))"
        )
        with cur.copy("COPY bench_seps (k1, k2, h, v) FROM STDIN") as copy:
            for a in KINDS:
                for b in KINDS:
                    sep = DEFAULT_SETTINGS.separation(a, b)
                    copy.write_row((a, b, sep.horizontal_m, sep.vertical_m))
        self.count = 0

    def load(self, ops: Sequence[Operation]) -> float:
        cur = self.conn.cursor()
        t = time.perf_counter()
        cur.execute("DROP INDEX IF EXISTS bench_ops_geog")
        cur.execute("DROP INDEX IF EXISTS bench_ops_during")
        cur.execute("DROP INDEX IF EXISTS bench_ops_geog_during")
        with cur.copy(
            "COPY bench_ops (id, party, kind, geog, radius, during, alt_lo, alt_hi) FROM STDIN"
        ) as copy:
            for op in ops:
                geog, radius = wkt(op)
                w = op.volumes[0].window
                lo, hi = alt_bounds(op)
                copy.write_row(
                    (
                        op.id,
                        op.party,
                        op.kind,
                        geog,
                        radius,
                        f"[{w.start.isoformat()},{w.end.isoformat()})",
                        lo,
                        hi,
                    )
                )
        cur.execute("CREATE INDEX bench_ops_geog ON bench_ops USING gist (geog)")
        cur.execute("CREATE INDEX bench_ops_during ON bench_ops USING gist (during)")
        cur.execute("CREATE INDEX bench_ops_geog_during ON bench_ops USING gist (geog, during)")
        cur.execute("ANALYZE bench_ops")
        self.count += len(ops)
        return time.perf_counter() - t

    QUERY = """
        SELECT o.id FROM bench_ops o JOIN bench_seps s ON s.k1 = o.kind AND s.k2 = %(kind)s
        WHERE o.party <> %(party)s
          AND o.during && tstzrange(%(start)s, %(end)s, '[)')
          AND ST_DWithin(o.geog, %(geog)s::geography, %(reach)s, true)
          AND ST_DWithin(o.geog, %(geog)s::geography, o.radius + %(radius)s + s.h + %(tol)s, true)
          AND o.alt_lo <= %(hi)s + s.v AND %(lo)s <= o.alt_hi + s.v
    """

    def params(self, q: Operation) -> dict[str, object]:
        geog, radius = wkt(q)
        lo, hi = alt_bounds(q)
        w = q.volumes[0].window
        reach = (
            radius
            + MAX_CIRCLE_RADIUS
            + DEFAULT_SETTINGS.max_horizontal_separation(q.kind)
            + TOLERANCE_M
        )
        return {
            "kind": q.kind,
            "party": q.party,
            "start": w.start,
            "end": w.end,
            "geog": geog,
            "reach": reach,
            "radius": radius,
            "tol": TOLERANCE_M,
            "lo": lo,
            "hi": hi,
        }

    def query(self, q: Operation) -> frozenset[str]:
        """One check, as an application would make it: the round trip is part of the cost."""
        cur = self.cur
        cur.execute(self.QUERY, self.params(q), prepare=True)
        return frozenset(row[0] for row in cur.fetchall())

    def server_times(self, queries: Sequence[Operation]) -> tuple[float, float]:
        """Median planning and execution time (ms) inside the server, from EXPLAIN ANALYZE."""
        plan: list[float] = []
        run: list[float] = []
        for q in queries:
            self.cur.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + self.QUERY, self.params(q), prepare=True
            )
            row = self.cur.fetchone()
            assert row is not None
            doc = row[0][0]
            plan.append(doc["Planning Time"])
            run.append(doc["Execution Time"])
        return statistics.median(plan), statistics.median(run)

    def sweep(self) -> set[tuple[str, str]]:
        reach = 2 * MAX_CIRCLE_RADIUS + max(
            DEFAULT_SETTINGS.max_horizontal_separation(k) for k in KINDS
        )
        cur = self.conn.cursor()
        cur.execute(
            """
            SELECT a.id, b.id FROM bench_ops a
            JOIN bench_ops b ON a.id < b.id AND a.party <> b.party
                AND a.during && b.during
                AND ST_DWithin(a.geog, b.geog, %(reach)s, true)
            JOIN bench_seps s ON s.k1 = a.kind AND s.k2 = b.kind
            WHERE ST_DWithin(a.geog, b.geog, a.radius + b.radius + s.h + %(tol)s, true)
              AND a.alt_lo <= b.alt_hi + s.v AND b.alt_lo <= a.alt_hi + s.v
            """,
            {"reach": reach, "tol": TOLERANCE_M},
        )
        return {(a, b) for a, b in cur.fetchall()}


# ---------------------------------------------------------------------------- main


def make_queries(seed: int, count: int) -> list[Operation]:
    """The query operations: the same data for the same seed, new objects on every call."""
    gen = Generator(seed)
    return [gen.operation(f"q-{i:05d}") for i in range(count)]


def fresh_queries(seed: int, count: int) -> Iterator[Operation]:
    """The same queries, each built just before it is checked, as a new operation is (decoded
    from the entry that carries it) when the record checks it: in memory, nothing cached."""
    gen = Generator(seed)
    for i in range(count):
        yield gen.operation(f"q-{i:05d}")


def batches(gen: Generator, start: int, stop: int) -> Iterator[Operation]:
    for i in range(start, stop):
        yield gen.operation(f"op-{i:07d}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--loop-queries", type=int, default=20)
    parser.add_argument("--sweep-size", type=int, default=100_000)
    parser.add_argument("--postgis-max", type=int, default=1_000_000)
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--seed", type=int, default=1944)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--explain", type=int, default=100, help="queries to EXPLAIN ANALYZE")
    parser.add_argument("--pg-dsn", default=None, help="default: the Unix socket, else TCP")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; seed {args.seed}")
    data_gen = Generator(args.seed + 1)
    ops: list[Operation] = []
    index = DeconflictionIndex()
    pg = None if args.no_postgis else PostGIS(args.pg_dsn or default_dsn())
    if pg is not None:
        print(f"postgis over {pg.dsn}")
    mismatches = 0

    base_rss = rss_bytes()
    objects_bytes = 0
    for n in sizes:
        t = time.perf_counter()
        gc.unfreeze()
        rss0 = rss_bytes()
        new = list(batches(data_gen, len(ops), n))
        rss1 = rss_bytes()
        objects_bytes += rss1 - rss0
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        for op in new:
            index.insert(op)
        insert_s = time.perf_counter() - t
        ops.extend(new)
        gc.collect()
        gc.freeze()
        total_rss = rss_bytes() - base_rss
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n== N = {n:,} live operations   (load average {load})")
        print(
            f"build {build_s:.1f} s; index insert {insert_s:.1f} s "
            f"({insert_s / max(1, len(new)) * 1e6:.1f} µs/op)"
        )
        index_bytes = total_rss - objects_bytes
        print(
            f"memory per operation: {total_rss / n:,.0f} B "
            f"(operation objects {objects_bytes / n:,.0f} B, index {index_bytes / n:,.0f} B)"
        )

        # Each round checks fresh query objects (the same data): a new operation arrives with
        # nothing cached, so every round is a cold check. Index and PostGIS alternate per round,
        # so both see the same load.
        answers: list[frozenset[str]] = []
        idx_wall: list[float] = []
        idx_cpu: list[float] = []
        pg_wall: list[float] = []
        pg_bad = 0
        run_pg = pg is not None and n <= args.postgis_max
        load_s = pg.load(new) if run_pg and pg is not None else 0.0
        rounds_bad = 0
        conflicts = 0
        for r in range(args.rounds):
            wall: list[float] = []
            cpu: list[float] = []
            got_index: list[frozenset[str]] = []
            for q in fresh_queries(args.seed, args.queries):
                c = time.process_time()
                t = time.perf_counter()
                found = index.check(q)
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                if r == 0:
                    conflicts += len(found)
                got_index.append(overlap_ids(found, q.id))
            if r == 0:
                answers = got_index
            else:
                rounds_bad += got_index != answers
            idx_wall.extend(wall)
            idx_cpu.extend(cpu)
            line = f"  round {r + 1}: index {timing(wall)} (CPU p99 {timing(cpu).p99_ms:.3f} ms)"
            if run_pg and pg is not None:
                pwall: list[float] = []
                for q, expected in zip(
                    fresh_queries(args.seed, args.queries), answers, strict=True
                ):
                    t = time.perf_counter()
                    got = pg.query(q)
                    pwall.append(time.perf_counter() - t)
                    if got != expected:
                        pg_bad += 1
                        if pg_bad <= 3:
                            print(
                                f"   differs for {q.id}: index-only {sorted(expected - got)}, "
                                f"postgis-only {sorted(got - expected)}"
                            )
                pg_wall.extend(pwall)
                ratio = statistics.median(pwall) / statistics.median(wall)
                line += f"; postgis {timing(pwall)}; ratio {ratio:.1f}x"
            print(line + f"   (load {os.getloadavg()[0]:.1f})")
        mismatches += rounds_bad + pg_bad
        total = len(idx_wall)
        print(
            f"index   check: {timing(idx_wall)}   ({total} checks over {args.rounds} rounds; "
            f"{conflicts} conflicts per round)"
        )
        print(f"  (CPU time)   {timing(idx_cpu)}")
        if run_pg and pg is not None:
            print(
                f"postgis check: {timing(pg_wall)}   (load+index {load_s:.1f} s; "
                f"{'identical' if not pg_bad else f'{pg_bad} DIFFER'})"
            )
            print(
                "ratio postgis/index (medians): "
                f"{statistics.median(pg_wall) / statistics.median(idx_wall):.1f}x"
            )
            if args.explain:
                plan_ms, run_ms = pg.server_times(make_queries(args.seed, args.explain))
                print(
                    f"  postgis inside the server (EXPLAIN ANALYZE, {args.explain} queries): "
                    f"planning {plan_ms:.3f} ms, execution {run_ms:.3f} ms (medians)"
                )
        elif pg is not None:
            print(f"postgis check: skipped at this size (--postgis-max {args.postgis_max})")

        loop_n = min(args.loop_queries, len(answers))
        loop_samples = []
        loop_bad = 0
        loop_queries = make_queries(args.seed, loop_n)
        for q, expected in zip(loop_queries, answers[:loop_n], strict=True):
            t = time.perf_counter()
            got = loop_answer(ops, q)
            loop_samples.append(time.perf_counter() - t)
            loop_bad += got != expected
        mismatches += loop_bad
        if loop_n:
            print(
                f"shapely loop : {timing(loop_samples)}   ({loop_n} queries; "
                f"{'identical' if not loop_bad else f'{loop_bad} DIFFER'})"
            )

        if n == args.sweep_size or (n == sizes[-1] and args.sweep_size > n):
            c = time.process_time()
            t = time.perf_counter()
            found_all = index.sweep()
            sweep_s = time.perf_counter() - t
            sweep_cpu = time.process_time() - c
            pairs = {
                tuple(s.id for s in c.subjects)
                for c in found_all
                if c.rule is Rule.OPERATIONS_OVERLAP
            }
            print(
                f"index   sweep: {sweep_s:.3f} s wall, {sweep_cpu:.3f} s CPU   "
                f"({len(found_all)} conflicts among {n:,})"
            )
            if pg is not None and n <= args.postgis_max:
                t = time.perf_counter()
                pg_pairs = pg.sweep()
                pg_s = time.perf_counter() - t
                same = pg_pairs == pairs
                mismatches += not same
                print(
                    f"postgis sweep: {pg_s:.3f} s   ({len(pg_pairs)} pairs; "
                    f"{'identical' if same else f'DIFFER: {len(pairs ^ pg_pairs)} pairs'})"
                )
            print("shapely loop sweep: not run (O(N²): ~5e9 pair tests at 100k)")

    print(f"\nanswers {'all identical' if not mismatches else f'differ in {mismatches} cases'}")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    raise SystemExit(main())
