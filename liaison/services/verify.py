"""Verify a record end to end: on a store, on an exported bundle, or on a server.

Every check starts from bytes and keys, never from what the node says about
itself. For each entry: its sequence number follows the last (nothing removed
or reordered), its content is canonical RFC 8785 bytes whose SHA-256 is its
id (nothing rewritten), the node's signature and any member signature verify
with the keys the record held at that point, its release rows are exactly the
release set it was signed with, and its append time does not go backwards.
Then the Merkle tree is recomputed from the stamps and compared with every
stored node and every signed checkpoint.

The per-entry work (canonical check, hash, signatures) is spread over the
machine's cores; the tree, which is sequential, is built in the main process.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.engine import make_url

from liaison.domain.entry import FORMAT_VERSION, Content, Stamp
from liaison.domain.kinds import ROSTER_KINDS
from liaison.domain.time import parse_time
from liaison.ledger import merkle
from liaison.ledger.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    canonical_bytes,
    plain_dumps,
    sha256,
)
from liaison.ledger.checkpoint import CheckpointError, open_checkpoint, verifier_key
from liaison.ledger.signing import b64d, key_id, verify
from liaison.store import queries as q
from liaison.store.schema import entries
from liaison.store.sql import SqlStore

__all__ = [
    "EntryRow",
    "Failure",
    "Progress",
    "VerifyReport",
    "bundle_rows",
    "check_entry",
    "verify_rows",
    "verify_store",
]

Progress = Callable[[int, int], None]
CHUNK = 20_000


@dataclass(frozen=True)
class Failure:
    seq: int
    entry_id: str | None
    problem: str

    def __str__(self) -> str:
        ident = f" ({self.entry_id})" if self.entry_id else ""
        return f"entry {self.seq}{ident}: {self.problem}"


@dataclass
class VerifyReport:
    checked: int = 0
    readable: int = 0
    size: int = 0
    checkpoints: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_failure(self) -> Failure | None:
        return min(self.failures, key=lambda f: f.seq) if self.failures else None

    def fail(self, seq: int, entry_id: str | None, problem: str) -> None:
        self.failures.append(Failure(seq, entry_id, problem))


@dataclass(frozen=True)
class EntryRow:
    """The stored form of one entry, as a verifier receives it."""

    seq: int
    entry_id: str
    at: str
    raw: bytes | None  # None: the reader may not read it (a commitment only)
    node_sig: bytes | None = None
    author_sig: bytes | None = None
    author_key: str | None = None
    release_rows: tuple[str, ...] | None = None  # as stored beside the entry, if known
    columns: dict[str, Any] | None = None  # the store's indexed copies of content fields


# (member, key id) -> (public key, seq of the entry that registered it)
KeyMap = dict[tuple[str, str], tuple[bytes, int]]


def check_entry(row: EntryRow, node_key: bytes, member_keys: KeyMap) -> list[str]:
    """Everything that can be checked of one readable entry on its own."""
    problems: list[str] = []
    raw = row.raw
    if raw is None:
        return problems
    if sha256(raw).hex() != row.entry_id:
        problems.append("content does not hash to the entry id (rewritten)")
    try:
        content = Content.from_bytes(raw)
        as_json = content.to_json()
        if canonical_bytes(as_json) != raw:
            problems.append("content is not in canonical form (rewritten)")
    except (ValueError, CanonicalError, UnicodeDecodeError) as exc:
        return [*problems, f"content is not a valid entry: {exc}"]
    if row.node_sig is None or not verify(node_key, raw, row.node_sig):
        problems.append("the node's signature does not verify (badly signed)")
    if row.author_sig is not None or row.author_key is not None:
        registered = member_keys.get((content.author, row.author_key or ""))
        if registered is None:
            problems.append(f"signed with key {row.author_key}, which {content.author} never held")
        elif registered[1] >= row.seq:
            problems.append(f"signed with key {row.author_key} before it was registered")
        elif row.author_sig is None or not verify(registered[0], raw, row.author_sig):
            problems.append("the member's signature does not verify (badly signed)")
    if row.release_rows is not None and tuple(sorted(row.release_rows)) != tuple(
        sorted(content.release)
    ):
        problems.append(
            f"stored release rows {list(row.release_rows)} differ from the signed release set "
            f"{list(content.release)}"
        )
    if row.columns is not None:
        expected = {
            "kind": content.kind,
            "party": content.party,
            "author": content.author,
            "time": as_json["time"],  # format_time(content.time), already made once
            "supersedes": content.supersedes,
        }
        for name, value in expected.items():
            if row.columns.get(name) != value:
                problems.append(f"stored column {name} differs from the signed content")
    return problems


_ChunkResult = tuple[list["bytes | str"], list[tuple[int, str, list[str]]]]

_CONTENT_FIELDS = frozenset(
    {"v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt"}
)


def _refuse_float(text: str) -> float:
    raise ValueError("a float")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError("an integer outside the safe range")
    return value


_decode = json.JSONDecoder(parse_float=_refuse_float, parse_int=_safe_int).decode


def _intact(row: tuple[Any, ...], node_key: bytes, member_keys: KeyMap) -> bool:
    """Whether a stored row passes every check of :func:`check_entry`, decided quickly.

    The common case of a whole-record check: an intact entry the node wrote. It is
    decided from the decoded JSON without building a :class:`Content` — the bytes
    round-trip through the C JSON codec to themselves (so they are the RFC 8785 bytes:
    no floats, no unsafe integers, no duplicate keys, sorted keys, the same escapes;
    see :func:`~liaison.ledger.canonical.canonical_bytes` for why that suffices for
    ASCII, and content with other characters takes ``canonical_bytes`` itself), the
    fields have their exact types, and the signatures, release rows and columns
    agree. ``True`` is only ever returned for a row ``check_entry`` finds no fault
    with (tested); ``False`` means "look closely", and the caller then runs
    ``check_entry`` for the precise report.
    """
    (seq, entry_id, _at, raw, node_sig, author_sig, author_key) = row[:7]
    (kind, party, author, time, supersedes, release_rows) = row[7:]
    if type(raw) is not bytes or type(node_sig) is not bytes:
        return False
    if hashlib.sha256(raw).hexdigest() != entry_id:
        return False
    try:
        obj = _decode(raw.decode("utf-8"))
        if raw.isascii():
            if plain_dumps(obj).encode("ascii") != raw:
                return False
        elif canonical_bytes(obj) != raw:
            return False
    except (ValueError, TypeError, CanonicalError, RecursionError):
        return False
    if type(obj) is not dict or obj.keys() != _CONTENT_FIELDS:
        return False
    t = obj["time"]
    release = obj["release"]
    if not (
        type(obj["v"]) is int
        and obj["v"] == FORMAT_VERSION
        and type(obj["body"]) is dict
        and type(obj["kind"]) is str
        and obj["kind"] == kind
        and type(obj["author"]) is str
        and obj["author"] == author
        and (obj["party"] is None or type(obj["party"]) is str)
        and obj["party"] == party
        and (obj["supersedes"] is None or type(obj["supersedes"]) is str)
        and obj["supersedes"] == supersedes
        and type(obj["salt"]) is str
        and type(t) is str
        and t == time
        and _CANONICAL_AT.fullmatch(t)
        and type(release) is list
        and all(type(p) is str for p in release)
        and tuple(sorted(release)) == release_rows
    ):
        return False
    try:
        datetime.fromisoformat(t[:-1])  # a real instant: no 13th month, no 30 February
    except ValueError:
        return False
    if not verify(node_key, raw, node_sig):
        return False
    if author_sig is None and author_key is None:
        return True
    registered = member_keys.get((obj["author"], author_key or ""))
    return (
        type(author_sig) is bytes
        and registered is not None
        and registered[1] < seq
        and verify(registered[0], raw, author_sig)
    )


def _entry_row(row: tuple[Any, ...]) -> EntryRow:
    """An :class:`EntryRow` from a :func:`~liaison.store.queries.raw_entry_chunks` tuple."""
    seq, entry_id, at, content, node_sig, author_sig, author_key = row[:7]
    kind, party, author, time, supersedes, release_rows = row[7:]
    return EntryRow(
        seq=int(seq),
        entry_id=entry_id,
        at=at,
        raw=_as_bytes(content),
        node_sig=_as_bytes(node_sig),
        author_sig=_as_bytes(author_sig) if author_sig is not None else None,
        author_key=author_key,
        release_rows=release_rows,
        columns={
            "kind": kind,
            "party": party,
            "author": author,
            "time": time,
            "supersedes": supersedes,
        },
    )


#: a stored stamp as the node writes it: 64 hex digits of id, and a time exactly as
#: ``format_time`` prints it (four-digit year, microseconds, ``Z``)
_ENTRY_ID = re.compile(r"[0-9a-f]{64}")
_CANONICAL_AT = re.compile(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def stamp_leaf(seq: int, entry_id: str, at: str) -> bytes | str:
    """The Merkle leaf hash of a stored stamp, or why the stamp is malformed.

    The leaf data is the RFC 8785 bytes of ``Stamp(seq, entry_id, at).to_json()``.
    When the stored id and time are already in the form the node writes (checked by
    pattern, and the time by parsing it), those bytes are written directly: the
    keys in RFC 8785 order and values that need no escaping. Anything else takes
    :meth:`Stamp.leaf_data`. Verifying a large record does this once per entry.
    """
    if (
        type(seq) is int
        and 0 < seq <= MAX_SAFE_INTEGER
        and type(entry_id) is str
        and type(at) is str
        and _ENTRY_ID.fullmatch(entry_id)
        and _CANONICAL_AT.fullmatch(at)
    ):
        try:
            datetime.fromisoformat(at[:-1])  # a real instant (no 13th month)
        except ValueError:
            return f"malformed stamp: {at!r} is not an ISO 8601 time"
        data = f'{{"at":"{at}","entry":"{entry_id}","seq":{seq},"v":{FORMAT_VERSION}}}'
        return merkle.leaf_hash(data.encode("ascii"))
    try:
        return merkle.leaf_hash(Stamp(seq, entry_id, parse_time(at)).leaf_data())
    except (ValueError, CanonicalError) as exc:
        return f"malformed stamp: {exc}"


def _check_chunk(args: tuple[list[tuple[Any, ...]], bytes, KeyMap]) -> _ChunkResult:
    """A worker's share: every per-entry check, and the leaf hash of every stamp."""
    rows, node_key, member_keys = args
    leaves: list[bytes | str] = []
    out = []
    for raw_row in rows:
        leaves.append(stamp_leaf(raw_row[0], raw_row[1], raw_row[2]))
        if _intact(raw_row, node_key, member_keys):
            continue
        row = _entry_row(raw_row)
        problems = check_entry(row, node_key, member_keys)
        if problems:
            out.append((row.seq, row.entry_id, problems))
    return leaves, out


def _safe_content(raw: bytes) -> Content | None:
    try:
        return Content.from_bytes(raw)
    except (ValueError, UnicodeDecodeError):
        return None  # reported by check_entry in the main pass


def roster_keys(contents: Iterable[tuple[int, Content | None]]) -> KeyMap:
    keys: KeyMap = {}
    for seq, content in contents:
        if content is None:
            continue
        if content.kind in ("member.appoint", "member.key"):
            try:
                public = b64d(str(content.body["public_key"]))
            except (KeyError, ValueError):
                continue
            keys[(str(content.body["member"]), key_id(public))] = (public, seq)
    return keys


class TreeChecker:
    """Rebuilds the Merkle tree from stamps, in order, and checks it as it goes."""

    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.frontier = merkle.Frontier.empty()
        self.expected_seq = 1
        self.last_at: str | None = None
        self.roots: dict[int, bytes] = {}
        self.wanted_roots: set[int] = set()
        self.bad_leaves: list[int] = []  # leaf indexes whose stored node differs, ascending

    def add(
        self, seq: int, entry_id: str, at: str, leaf: bytes | str | None = None
    ) -> list[merkle.NodeRecord]:
        """Add the next stamp; ``leaf`` is its leaf hash (or why it is malformed) if known."""
        report = self.report
        if seq != self.expected_seq:
            if seq > self.expected_seq:
                report.fail(
                    self.expected_seq,
                    None,
                    f"missing: the next entry present is {seq} (removed or reordered)",
                )
            else:
                report.fail(
                    seq, entry_id, f"out of order: expected {self.expected_seq} (reordered)"
                )
        self.expected_seq = seq + 1
        if self.last_at is not None and at < self.last_at:
            report.fail(seq, entry_id, "appended before the entry preceding it (reordered)")
        self.last_at = at
        if leaf is None:
            leaf = stamp_leaf(seq, entry_id, at)
        if isinstance(leaf, str):
            report.fail(seq, entry_id, leaf)
            leaf = sha256(b"malformed")
        self.frontier, records = merkle.append_leaf(self.frontier, leaf)
        if self.frontier.size in self.wanted_roots:
            self.roots[self.frontier.size] = self.frontier.root()
        report.checked += 1
        return records

    def add_chunk(
        self, stamps: Sequence[tuple[Any, ...]], leaves: Sequence[bytes | str]
    ) -> merkle.LevelRuns:
        """:meth:`add` for a run of stamps at once: the nodes completed, per level.

        A run whose stamps are all in order with well-formed leaves — the whole of an
        intact record — is folded by :func:`merkle.append_leaves` in one go; anything
        else goes stamp by stamp through :meth:`add`, which reports what is wrong.
        """
        expected, last_at = self.expected_seq, self.last_at
        for stamp, leaf in zip(stamps, leaves, strict=True):
            seq, at = stamp[0], stamp[2]
            if seq != expected or (last_at is not None and at < last_at) or type(leaf) is str:
                break
            expected, last_at = seq + 1, at
        else:
            clean = cast("Sequence[bytes]", leaves)  # the loop found no str among them
            self.frontier, folded, roots = merkle.append_leaves(
                self.frontier, clean, self.wanted_roots
            )
            self.roots.update(roots)
            self.expected_seq, self.last_at = expected, last_at
            self.report.checked += len(clean)
            return folded
        levels: merkle.LevelRuns = {}
        for stamp, leaf in zip(stamps, leaves, strict=True):
            for rec in self.add(int(stamp[0]), stamp[1], stamp[2], leaf):
                levels.setdefault(rec.level, (rec.index, []))[1].append(rec.hash)
        return levels


def verify_store(
    store: SqlStore,
    trusted_node_key: str | None = None,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
) -> VerifyReport:
    """Verify everything a store holds; ``trusted_node_key`` (base64) pins the node key."""
    report = VerifyReport()
    with store.read() as conn:
        info = q.node_info(conn)
        if info is None:
            report.fail(0, None, "the store holds no record")
            return report
        if trusted_node_key is not None and trusted_node_key != info.public_key:
            report.fail(0, None, "the store's node key is not the trusted one")
            return report
        node_key = b64d(info.public_key)
        size, frontier_json = q.head(conn)
        report.size = size
        checkpoints = q.all_checkpoints(conn)
        roster = [
            (int(r.seq), _safe_content(_as_bytes(r.content)))
            for r in conn.execute(
                select(entries.c.seq, entries.c.content)
                .where(entries.c.kind.in_(sorted(ROSTER_KINDS)))
                .order_by(entries.c.seq)
            )
        ]
    member_keys = roster_keys(roster)
    tree = TreeChecker(report)
    tree.wanted_roots = {c.size for c in checkpoints}
    shared_url = _shareable_url(store) if _worker_count(workers) > 1 else None
    pool = _executor(workers, shared_url)
    # The tree takes the chunks in order while workers do the per-entry checks and the
    # leaf hashes. When the workers can open the store themselves, the main process
    # reads only the stamps and each worker reads its own range of rows; otherwise the
    # rows travel to the workers as plain tuples. A few chunks stay in flight so the
    # workers never wait for the tree or the reads.
    in_flight: deque[tuple[list[tuple[Any, ...]], Callable[[], _ChunkResult]]] = deque()
    per_entry: list[tuple[int, str, list[str]]] = []
    ahead = 2 * _worker_count(workers)
    try:
        with store.read() as conn:

            def settle() -> None:
                chunk, result = in_flight.popleft()
                leaves, problems = result()
                if len(leaves) != len(chunk):
                    # A worker saw other rows than this snapshot (the store changed under
                    # us): check this chunk here, as this transaction sees it.
                    rows = q.raw_entry_range(conn, int(chunk[0][0]), int(chunk[-1][0]))
                    leaves, problems = _check_chunk((rows, node_key, member_keys))
                per_entry.extend(problems)
                _check_tree_chunk(conn, tree, chunk, leaves)
                if progress:
                    progress(report.checked, size)

            chunks = q.stamp_chunks(conn, CHUNK) if shared_url else q.raw_entry_chunks(conn, CHUNK)
            for chunk in chunks:
                if chunk[0][0] == 1:
                    first = chunk[0] if len(chunk[0]) > 3 else q.raw_entry_range(conn, 1, 1)[0]
                    _check_genesis(_entry_row(first), info.public_key, report)
                if shared_url:
                    args = (int(chunk[0][0]), int(chunk[-1][0]), node_key, member_keys)
                    work = _submit_range(pool, args)
                else:
                    work = _submit(pool, chunk, node_key, member_keys)
                in_flight.append((chunk, work))
                while len(in_flight) > ahead:
                    settle()
            while in_flight:
                settle()
        for seq, entry_id, problems in per_entry:
            for problem in problems:
                report.fail(seq, entry_id, problem)
        report.readable = report.checked
    finally:
        if pool is not None:
            pool.shutdown()
    if progress:
        progress(report.checked, size)
    if tree.frontier.size != size:
        report.fail(
            min(tree.frontier.size, size) + 1,
            None,
            f"the log head says {size} entries but {tree.frontier.size} are stored (removed)",
        )
    elif merkle.Frontier.from_json(frontier_json) != tree.frontier:
        report.fail(size, None, "the stored log head does not match the recomputed tree")
    _check_checkpoints(report, checkpoints, tree, info.origin, node_key)
    return report


def _as_bytes(value: Any) -> bytes:
    """Stored bytes, even when someone has rewritten a column with a value of another type."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if value is None:
        return b""
    return bytes(value)


def _check_genesis(row: EntryRow, node_key_b64: str, report: VerifyReport) -> None:
    try:
        content = Content.from_bytes(row.raw or b"")
    except ValueError:
        return  # reported by check_entry
    if content.kind != "node.genesis" or content.body.get("node_key") != node_key_b64:
        report.fail(1, row.entry_id, "the first entry is not this node's genesis")


def _check_checkpoints(
    report: VerifyReport,
    checkpoints: Sequence[q.CheckpointRow],
    tree: TreeChecker,
    origin: str,
    node_key: bytes,
) -> None:
    import nacl.signing

    vkey = verifier_key(origin, nacl.signing.VerifyKey(node_key))
    for cp in checkpoints:
        report.checkpoints += 1
        try:
            opened = open_checkpoint(cp.note, vkey)
        except CheckpointError as exc:
            report.fail(cp.size, None, f"checkpoint of size {cp.size} does not verify: {exc}")
            continue
        root = tree.roots.get(cp.size)
        if opened.size != cp.size or opened.root_hash != cp.root or root != cp.root:
            report.fail(
                cp.size,
                None,
                f"checkpoint of size {cp.size} disagrees with the recomputed tree",
            )


def _worker_count(workers: int | None) -> int:
    return workers if workers is not None else min(os.cpu_count() or 1, 4)


def _shareable_url(store: SqlStore) -> str | None:
    """The store's URL if worker processes can open the same database, else None."""
    if store.dialect == "postgresql":
        return store.url
    database = make_url(store.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return store.url


_worker_store: SqlStore | None = None


def _open_worker_store(url: str) -> None:
    global _worker_store  # one store per worker process, for its lifetime
    _worker_store = SqlStore(url)


def _check_range(args: tuple[int, int, bytes, KeyMap]) -> _ChunkResult:
    """A worker's share when it reads its rows itself: entries ``first..last``."""
    first, last, node_key, member_keys = args
    assert _worker_store is not None
    with _worker_store.read() as conn:
        rows = q.raw_entry_range(conn, first, last)
    return _check_chunk((rows, node_key, member_keys))


def _executor(workers: int | None, url: str | None = None) -> Executor | None:
    count = _worker_count(workers)
    if count <= 1:
        return None
    if url is not None:
        return ProcessPoolExecutor(
            max_workers=count, initializer=_open_worker_store, initargs=(url,)
        )
    return ProcessPoolExecutor(max_workers=count)


def _submit_range(
    pool: Executor | None, args: tuple[int, int, bytes, KeyMap]
) -> Callable[[], _ChunkResult]:
    assert pool is not None
    return pool.submit(_check_range, args).result


def _submit(
    pool: Executor | None, chunk: list[tuple[Any, ...]], node_key: bytes, keys: KeyMap
) -> Callable[[], _ChunkResult]:
    if pool is None:
        result = _check_chunk((chunk, node_key, keys))
        return lambda: result
    future = pool.submit(_check_chunk, (chunk, node_key, keys))
    return future.result


def _check_tree_chunk(
    conn: Any, tree: TreeChecker, chunk: list[tuple[Any, ...]], leaves: list[bytes | str]
) -> None:
    """Add the chunk's stamps to the tree and compare every node it completes with the store."""
    nodes = tree.add_chunk(chunk, leaves)
    computed: dict[tuple[int, int], bytes] = {}
    stored: dict[tuple[int, int], bytes] = {}
    for level, (first, hashes) in nodes.items():
        if not hashes:
            continue
        last = first + len(hashes) - 1
        rows = q.tree_node_range(conn, level, first, last)
        if len(rows) == len(hashes):
            rows.sort()
            if [value for _, value in rows] == hashes and rows[0][0] == first:
                continue  # the common case: every stored node is the computed one
        for i, value in enumerate(hashes):
            computed[(level, first + i)] = value
        for idx, value in rows:
            stored[(level, idx)] = _as_bytes(value)
    if not computed:
        return
    altered = sorted(
        (key for key, value in computed.items() if stored.get(key) != value),
        key=lambda k: (k[1] << k[0], k[0]),
    )
    if not altered:
        return
    tree.bad_leaves.extend(sorted(index for level, index in altered if level == 0))
    tree.bad_leaves.sort()
    ids = {int(row[0]): row[1] for row in chunk}
    for level, index in altered:
        # A node differs because of the first differing leaf below it, if there is one:
        # name that entry, not the first (intact) entry the node happens to cover.
        start = index << level
        i = bisect.bisect_left(tree.bad_leaves, start)
        below = i < len(tree.bad_leaves) and tree.bad_leaves[i] < (index + 1) << level
        first_seq = (tree.bad_leaves[i] if below else start) + 1
        what = "missing" if (level, index) not in stored else "altered"
        tree.report.fail(
            first_seq,
            ids.get(first_seq),
            f"tree node (level {level}, index {index}) is {what} in the store",
        )


# --- bundles and servers: the same checks over other sources -------------------------


def verify_rows(
    header: dict[str, Any],
    rows: Iterator[EntryRow],
    progress: Progress | None = None,
    trusted_verifier_key: str | None = None,
) -> VerifyReport:
    """Verify a stream of entry rows (from a bundle or a server) against a signed checkpoint."""
    report = VerifyReport()
    node_key = b64d(header["node_key"])
    origin = header["origin"]
    import nacl.signing

    vkey = verifier_key(origin, nacl.signing.VerifyKey(node_key))
    if trusted_verifier_key is not None and trusted_verifier_key != vkey:
        report.fail(0, None, "the node key is not the trusted one")
        return report
    try:
        checkpoint = open_checkpoint(header["checkpoint"], vkey)
    except (CheckpointError, KeyError) as exc:
        report.fail(0, None, f"the checkpoint does not verify: {exc}")
        return report
    report.size = checkpoint.size
    tree = TreeChecker(report)
    tree.wanted_roots = {checkpoint.size}
    member_keys: KeyMap = {}
    for row in rows:
        tree.add(row.seq, row.entry_id, row.at)
        if row.raw is not None:
            report.readable += 1
            try:
                content = Content.from_bytes(row.raw)
                member_keys.update(roster_keys([(row.seq, content)]))
                reader = header.get("reader")
                if reader is not None and not content.released_to(reader):
                    report.fail(row.seq, row.entry_id, f"holds content not released to {reader}")
            except ValueError:
                pass  # reported by check_entry
            for problem in check_entry(row, node_key, member_keys):
                report.fail(row.seq, row.entry_id, problem)
        if progress and report.checked % 10_000 == 0:
            progress(report.checked, checkpoint.size)
    if progress:
        progress(report.checked, checkpoint.size)
    if tree.frontier.size != checkpoint.size:
        report.fail(
            min(tree.frontier.size, checkpoint.size) + 1,
            None,
            f"the checkpoint covers {checkpoint.size} entries but {tree.frontier.size} were given",
        )
    elif tree.roots.get(checkpoint.size) != checkpoint.root_hash:
        report.fail(
            checkpoint.size, None, "the recomputed tree does not match the signed checkpoint"
        )
    report.checkpoints = 1
    return report


def bundle_rows(lines: Iterable[str]) -> Iterator[EntryRow]:
    for line in lines:
        if not line.strip():
            continue
        data = json.loads(line)
        raw = data.get("content")
        yield EntryRow(
            seq=int(data["seq"]),
            entry_id=str(data["id"]),
            at=str(data["at"]),
            raw=raw.encode("utf-8") if raw is not None else None,
            node_sig=base64.b64decode(data["node_sig"]) if data.get("node_sig") else None,
            author_sig=base64.b64decode(data["author_sig"]) if data.get("author_sig") else None,
            author_key=data.get("author_key"),
        )
