"""Appending to the record and reading it back, as a member or as the node.

The write path, for every entry: authenticate (done by the caller: the API or
the CLI gives an author) → authorise against the author's authority as the
record shows it inside the write transaction → build the content → sign it
with the node's key (and check the member's own signature when they signed)
→ append entry, release rows, Merkle nodes, log head and projections in one
transaction → acknowledge after commit → wake live subscribers.

The read path filters by release in SQL, and a missing entry and one not
released to the reader raise the very same :class:`~liaison.errors.NotFound`.
"""

from __future__ import annotations

import base64
import builtins
import itertools
import logging
import os
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nacl.signing
from sqlalchemy import Connection

from liaison.domain.authority import decide_append
from liaison.domain.entry import Content, Stamp, StoredEntry, check_salt, is_entry_id
from liaison.domain.kinds import KINDS, ROSTER_KINDS, KindRegistry, KindSpec
from liaison.domain.member import Authority
from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import format_time, parse_time, utcnow
from liaison.errors import (
    Conflict,
    InvalidBody,
    InvalidInput,
    InvalidSignature,
    LiaisonError,
    NotFound,
    NotPermitted,
    TooLarge,
)
from liaison.ledger import merkle
from liaison.ledger.canonical import CanonicalError, sha256
from liaison.ledger.signing import b64d, signer, verify
from liaison.projections import PROJECTORS, ProjectorRegistry
from liaison.services.guards import GUARDS, GuardContext, GuardRegistry
from liaison.services.live import Broadcaster
from liaison.services.writer import GroupCommitWriter
from liaison.store import queries as q
from liaison.store.queries import EntryFilter
from liaison.store.sql import SqlStore

__all__ = ["NODE_AUTHOR", "AppendRequest", "RecordService"]

log = logging.getLogger(__name__)

#: the author of entries the node writes itself (genesis, parties, members)
NODE_AUTHOR = "node"
#: the largest canonical content accepted, in bytes
MAX_CONTENT_BYTES = 256 * 1024
#: how far a member's own clock may be from the node's when they sign an entry
MAX_CLOCK_SKEW = timedelta(minutes=5)
#: how many of the latest appended entries are kept in memory (:meth:`RecordService.recent`)
_RECENT = 8192


@dataclass(frozen=True)
class AppendRequest:
    """One entry to append: either fields for the node to build, or content the
    member built and signed on their own side (``signed_content`` + ``signature``)."""

    author: str
    kind: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)
    release: Sequence[str] | None = None
    supersedes: str | None = None
    signed_content: Mapping[str, Any] | None = None
    signature: str | None = None


_SALT_BYTES = 16
#: salts drawn from the OS at a time: one ``getrandom`` call lets go of the interpreter
#: lock and waits to take it back, so the writer makes one such call per 256 entries
_SALTS_PER_DRAW = 256
_salt_pool = threading.local()


def new_salt() -> str:
    """16 random bytes from the OS (``secrets``), base64url without padding."""
    pool: list[bytes] | None = getattr(_salt_pool, "salts", None)
    if not pool or _salt_pool.pid != os.getpid():
        # Drawn again after a fork: a child process never reuses its parent's salts.
        drawn = secrets.token_bytes(_SALT_BYTES * _SALTS_PER_DRAW)
        pool = [drawn[at : at + _SALT_BYTES] for at in range(0, len(drawn), _SALT_BYTES)]
        _salt_pool.salts, _salt_pool.pid = pool, os.getpid()
    return base64.urlsafe_b64encode(pool.pop()).rstrip(b"=").decode()


class _Batch:
    """State of one write transaction: the tree, the clock, entries not yet flushed."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        size, frontier_json = q.head(conn, for_update=True)
        self.frontier = merkle.Frontier.from_json(frontier_json)
        if self.frontier.size != size:
            raise LiaisonError("the log head is inconsistent with its frontier")
        #: entries in the log, this transaction's included; their leaves not yet folded into
        #: the frontier wait in ``leaves`` (folded as one run: see :meth:`fold`)
        self.size = size
        self.leaves: list[bytes] = []
        self.last_at = q.appended_at(conn, size) if size else None
        self.pending: list[StoredEntry] = []
        self.pending_ids: dict[str, StoredEntry] = {}
        self.nodes: list[tuple[int, int, bytes]] = []
        self.done: list[StoredEntry] = []
        #: whether a pending entry has projections, or is a roster entry
        self.projected_pending = False
        self.roster_pending = False
        # Read-through caches of the roster's projections for this transaction, dropped
        # whenever a roster entry is written.
        self._authorities: dict[str, Authority | None] = {}
        self._parties: set[str] | None = None
        self._default_release: dict[str, list[str] | None] = {}

    def authority(self, member: str) -> Authority | None:
        if member not in self._authorities:
            self._authorities[member] = q.authority(self.conn, member)
        return self._authorities[member]

    def parties(self) -> set[str]:
        if self._parties is None:
            self._parties = {p.id for p in q.parties(self.conn)}
        return self._parties

    def default_release(self, party: str) -> list[str] | None:
        if party not in self._default_release:
            self._default_release[party] = q.party_default_release(self.conn, party)
        return self._default_release[party]

    def next_time(self, now: datetime) -> datetime:
        # Append times never go backwards, so the log's order is also time order.
        moment = now if self.last_at is None or now > self.last_at else self.last_at
        self.last_at = moment
        return moment

    def add(self, entry: StoredEntry, projectors: ProjectorRegistry) -> None:
        self.leaves.append(merkle.leaf_hash(entry.stamp.leaf_data()))
        self.size += 1
        self.pending.append(entry)
        self.pending_ids[entry.id] = entry
        kind = entry.content.kind
        self.projected_pending = self.projected_pending or bool(projectors.for_kind(kind))
        self.roster_pending = self.roster_pending or kind in ROSTER_KINDS

    def flush(self, projectors: ProjectorRegistry) -> None:
        """Write the pending entries and their projections, so the next reads see them."""
        if not self.pending:
            return
        q.insert_entries(self.conn, self.pending)
        projectors.apply_many(self.conn, self.pending)
        self.done.extend(self.pending)
        if self.roster_pending:
            # Authorities, parties and default releases are the roster's projections: only a
            # roster entry changes them, so only then are they read again.
            self._authorities.clear()
            self._parties = None
            self._default_release.clear()
        self.pending = []
        self.pending_ids = {}
        self.projected_pending = False
        self.roster_pending = False

    def fold(self) -> None:
        """Fold the waiting leaves into the frontier, keeping every tree node they complete:
        the same nodes as appending them one at a time, in one pass."""
        if not self.leaves:
            return
        self.frontier, levels, _ = merkle.append_leaves(self.frontier, self.leaves)
        for level, (first, hashes) in levels.items():
            self.nodes.extend((level, first + i, digest) for i, digest in enumerate(hashes))
        self.leaves = []

    def finish(self, projectors: ProjectorRegistry) -> None:
        self.flush(projectors)
        self.fold()
        q.insert_nodes(self.conn, self.nodes)
        q.set_head(self.conn, self.frontier.size, self.frontier.to_json())


class RecordService:
    def __init__(
        self,
        store: SqlStore,
        node_key: nacl.signing.SigningKey,
        *,
        kinds: KindRegistry = KINDS,
        projectors: ProjectorRegistry = PROJECTORS,
        guards: GuardRegistry = GUARDS,
        clock: Any = utcnow,
        max_batch: int = 512,
    ) -> None:
        self.store = store
        self.node_key = node_key
        self._sign = signer(node_key)
        self.kinds = kinds
        self.projectors = projectors
        self.guards = guards
        self.clock = clock
        self.live = Broadcaster()
        self._hooks: list[Callable[[StoredEntry], object]] = []
        self._batch_hooks: list[Callable[[Sequence[StoredEntry]], object]] = []
        #: the latest entries this service appended, by seq (see :meth:`recent`)
        self._recent: dict[int, StoredEntry] = {}
        self._recent_lock = threading.Lock()
        self._writer: GroupCommitWriter[AppendRequest, StoredEntry] = GroupCommitWriter(
            self._run_batch, max_batch=max_batch
        )
        info = self._node_info()
        self.origin = info.origin
        if info.public_key != base64.b64encode(bytes(node_key.verify_key)).decode():
            raise InvalidInput("the node key does not match the key this store was created with")

    def _node_info(self) -> q.NodeInfo:
        with self.store.read() as conn:
            info = q.node_info(conn)
        if info is None:
            raise InvalidInput(f"{self.store.safe_url} is not initialised: run `liaison init`")
        return info

    def close(self) -> None:
        self._writer.close()

    # --- writing ---------------------------------------------------------------------

    def on_append(self, hook: Callable[[StoredEntry], object]) -> None:
        """Run ``hook`` after every durable append made through this service.

        Capabilities whose rules react to the record — deconfliction finding a
        clash, compliance finding a breach — register here. A hook runs after
        commit, in the appender's thread, and may append entries of its own; a
        hook that fails is logged and does not undo or fail the append, which is
        already acknowledged.
        """
        self._hooks.append(hook)

    def on_append_batch(self, hook: Callable[[Sequence[StoredEntry]], object]) -> None:
        """Run ``hook`` once after each durable ``append`` or ``append_many`` through this
        service, with the entries it appended, in log order.

        As :meth:`on_append`, for rules that react to a change as a whole: a live index that
        catches up with the log once for a batch of a thousand unit reports rather than a
        thousand times.
        """
        self._batch_hooks.append(hook)

    def _after(self, entries: Sequence[StoredEntry]) -> None:
        for entry in entries:
            for hook in self._hooks:
                try:
                    hook(entry)
                except Exception:
                    log.exception("a hook failed after appending entry %s", entry.seq)
        for batch_hook in self._batch_hooks:
            try:
                batch_hook(entries)
            except Exception:
                log.exception("a hook failed after appending entries up to %s", entries[-1].seq)

    def append(self, request: AppendRequest) -> StoredEntry:
        """Append one entry; returns once it is durable. Raises a LiaisonError if refused."""
        entry = self._writer.run(request)
        self.live.publish(entry.seq)
        self._after([entry])
        return entry

    def append_many(self, requests: Sequence[AppendRequest]) -> list[StoredEntry | LiaisonError]:
        """Append several entries, each accepted or refused on its own."""
        results: list[StoredEntry | LiaisonError] = []
        for result in self._writer.run_many(requests):
            if isinstance(result, BaseException) and not isinstance(result, LiaisonError):
                raise result  # its transaction failed, and wrote nothing
            results.append(result)
        done = [r for r in results if isinstance(r, StoredEntry)]
        if done:
            self.live.publish(max(e.seq for e in done))
            self._after(done)
        return results

    def recent(self, seq: int) -> StoredEntry | None:
        """The entry at ``seq`` if this service appended it lately (it is then durable), else
        None: for whoever reads back entries just appended — the live picture catching up —
        to take them as they are instead of reading and decoding them again. It says nothing
        of release: a caller reading for a party must have the seq from a released read."""
        return self._recent.get(seq)

    def _remember(self, entries: Sequence[StoredEntry]) -> None:
        with self._recent_lock:
            for entry in entries:
                self._recent[entry.seq] = entry
            excess = len(self._recent) - _RECENT
            if excess > 0:
                for seq in list(itertools.islice(self._recent, excess)):
                    del self._recent[seq]

    def _run_batch(self, jobs: Sequence[AppendRequest]) -> list[StoredEntry | BaseException]:
        results = self._write_batch(jobs)
        # Committed: the entries are durable, and may be handed out as they are.
        self._remember([r for r in results if isinstance(r, StoredEntry)])
        return results

    def _write_batch(self, jobs: Sequence[AppendRequest]) -> list[StoredEntry | BaseException]:
        results: list[StoredEntry | BaseException] = []
        with self.store.write() as conn:
            batch = _Batch(conn)
            for job in jobs:
                if batch.projected_pending and self._reads_projections(batch, job):
                    # This job is checked against the record as it stands, entries before it
                    # in this batch included: write their projections first.
                    batch.flush(self.projectors)
                try:
                    entry = self._build(batch, job)
                except LiaisonError as exc:
                    results.append(exc)
                    continue
                batch.add(entry, self.projectors)
                results.append(entry)
            batch.finish(self.projectors)
        return results

    def _reads_projections(self, batch: _Batch, job: AppendRequest) -> bool:
        """Whether checking ``job`` may read projections of entries pending in ``batch``.

        Authority, parties and default releases are the roster's projections; a correction
        reads the entry it supersedes; a guard reads the record unless it was registered as
        not doing so; a member's signed content may be of any kind. Anything else — a unit
        report, a TAK report — is checked from its own fields and the roster alone, so a run
        of them is written, projections and all, in one go.
        """
        if batch.roster_pending or job.signed_content is not None or job.supersedes is not None:
            return True
        try:
            spec = self.kinds.get(job.kind)
        except LiaisonError:
            return False  # refused on its kind, before anything is read
        return spec.name in ROSTER_KINDS or self.guards.reads_record(spec.name)

    def _build(self, batch: _Batch, job: AppendRequest) -> StoredEntry:
        now = self.clock()
        if job.signed_content is not None:
            return self._build_signed(batch, job, now)
        spec = self.kinds.get(job.kind)
        # A body this very spec validated (and froze) is its normal form already.
        body = job.body if spec.validated(job.body) else spec.validate(job.body)
        if job.author == NODE_AUTHOR:
            party: str | None = None
            authority = None
        else:
            authority = batch.authority(job.author)
            self._authorise(authority, spec, body, now)
            assert authority is not None
            party = authority.party
        release = self._release(batch, party, job.release, spec)
        self._check_supersedes(batch, job.supersedes, spec, party)
        self.guards.run(
            GuardContext(
                batch.conn,
                spec.name,
                body,
                job.author,
                party,
                release,
                job.supersedes,
                authority,
                now,
            )
        )
        at = batch.next_time(now)
        content = Content(
            kind=spec.name,
            body=body,
            author=job.author,
            party=party,
            time=at,
            release=release,
            supersedes=job.supersedes,
            salt=new_salt(),
        )
        return self._seal(batch, content, at, None, None)

    def _build_signed(self, batch: _Batch, job: AppendRequest, now: datetime) -> StoredEntry:
        conn = batch.conn
        assert job.signed_content is not None
        try:
            content = Content.from_json(job.signed_content)
            check_salt(content.salt)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"the signed content is malformed: {exc}") from None
        if content.author != job.author:
            raise NotPermitted("a member may only append content authored by themselves")
        spec = self.kinds.get(content.kind)
        body = spec.validate(content.body)
        if body != dict(content.body):
            raise InvalidBody(
                "the signed body is not in normal form; sign the body exactly as the kind "
                "normalises it (see the entry-kinds reference)"
            )
        authority = batch.authority(job.author)
        self._authorise(authority, spec, body, now)
        assert authority is not None
        if content.party != authority.party:
            raise NotPermitted(f"{job.author} acts for {authority.party}, not {content.party}")
        release = self._release(batch, authority.party, content.release, spec)
        if release != content.release:
            raise InvalidInput(f"the release set must be given in normal form: {list(release)}")
        if abs(content.time - now) > MAX_CLOCK_SKEW:
            raise InvalidInput(
                "the signed time is more than 5 minutes from the node's clock; "
                "check the clock and sign again"
            )
        self._check_supersedes(batch, content.supersedes, spec, authority.party)
        self.guards.run(
            GuardContext(
                batch.conn,
                spec.name,
                body,
                job.author,
                authority.party,
                release,
                content.supersedes,
                authority,
                now,
            )
        )
        try:
            raw = content.canonical()
            signature = b64d(job.signature or "", what="signature")
        except (CanonicalError, ValueError) as exc:
            raise InvalidInput(str(exc)) from None
        key = authority.current_key
        if not verify(key.public_key, raw, signature):
            raise InvalidSignature(
                f"the signature does not verify with the current key of {job.author} ({key.key_id})"
            )
        entry_id = sha256(raw).hex()  # == content.id, without canonicalising again
        if entry_id in batch.pending_ids or q.entry_seq(conn, entry_id) is not None:
            raise Conflict("this exact signed content is already on the record")
        at = batch.next_time(now)
        return self._seal(batch, content, at, signature, key.key_id)

    def _seal(
        self,
        batch: _Batch,
        content: Content,
        at: datetime,
        author_sig: bytes | None,
        author_key: str | None,
    ) -> StoredEntry:
        try:
            raw = content.canonical()
        except CanonicalError as exc:
            raise InvalidBody(str(exc)) from None
        if len(raw) > MAX_CONTENT_BYTES:
            raise TooLarge(f"the entry is {len(raw)} bytes; the limit is {MAX_CONTENT_BYTES}")
        seq = batch.size + 1
        return StoredEntry(
            # The id is the SHA-256 of the canonical bytes: hash the bytes just made rather
            # than ``content.id``, which would canonicalise the content a second time.
            stamp=Stamp(seq=seq, entry=sha256(raw).hex(), at=at),
            content=content,
            raw=raw,
            node_sig=self._sign(raw),
            author_sig=author_sig,
            author_key=author_key,
        )

    def _authorise(
        self, authority: Authority | None, spec: KindSpec, body: Mapping[str, Any], now: datetime
    ) -> None:
        decision = decide_append(authority, spec, body, now)
        if not decision:
            raise NotPermitted(decision.reason, kind=spec.name)

    def _release(
        self,
        batch: _Batch,
        party: str | None,
        requested: Sequence[str] | None,
        spec: KindSpec,
    ) -> tuple[str, ...]:
        if spec.name in ROSTER_KINDS:
            return (ALL_PARTIES,)
        if party is None and requested is None:
            return (ALL_PARTIES,)
        if requested is None:
            requested = batch.default_release(str(party)) or []
        if isinstance(requested, str) or not all(isinstance(p, str) for p in requested):
            raise InvalidInput("release must be a list of party ids")
        if ALL_PARTIES in requested:
            return (ALL_PARTIES,)
        known = batch.parties()
        unknown = sorted(set(requested) - known)
        if unknown:
            raise InvalidInput(f"cannot release to unknown parties: {', '.join(unknown)}")
        if party is None:
            # The node writes on behalf of the record (a conflict notice, a breach): it
            # releases to exactly the parties it names, and must name at least one.
            if not requested:
                raise InvalidInput("an entry the node writes must be released to some party")
            return tuple(sorted(set(requested)))
        return tuple(sorted({party, *requested}))

    def _check_supersedes(
        self, batch: _Batch, supersedes: str | None, spec: KindSpec, party: str | None
    ) -> None:
        if supersedes is None:
            return
        reader = party
        if not isinstance(supersedes, str) or not is_entry_id(supersedes):
            raise InvalidInput("supersedes must be an entry id (64 hex digits)")
        old = batch.pending_ids.get(supersedes) or q.get_entry(batch.conn, supersedes, reader)
        if old is None:
            raise NotFound(f"no entry {supersedes} to supersede")
        if old.content.party != party:
            raise NotPermitted("only the party that wrote an entry can supersede it")
        if old.content.kind != spec.name:
            raise InvalidInput(
                f"a correction keeps the kind: {supersedes} is {old.content.kind}, not {spec.name}"
            )
        newer = q.list_entries(batch.conn, None, EntryFilter(supersedes=supersedes, limit=1))
        if newer or any(e.content.supersedes == supersedes for e in batch.pending):
            raise Conflict(
                f"{supersedes} has already been superseded; supersede its latest version"
            )

    # --- reading ---------------------------------------------------------------------

    def get(self, reader: str | None, entry_id: str) -> StoredEntry:
        entry = None
        if is_entry_id(entry_id):
            with self.store.read() as conn:
                entry = q.get_entry(conn, entry_id, reader)
        if entry is None:
            raise NotFound("no such entry")
        return entry

    def get_by_seq(self, reader: str | None, seq: int) -> StoredEntry:
        with self.store.read() as conn:
            entry = q.get_entry_by_seq(conn, seq, reader)
        if entry is None:
            raise NotFound("no such entry")
        return entry

    def list(self, reader: str | None, flt: EntryFilter) -> list[StoredEntry]:
        if not 1 <= flt.limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        with self.store.read() as conn:
            return q.list_entries(conn, reader, flt)

    def count(self, reader: str | None, flt: EntryFilter) -> int:
        with self.store.read() as conn:
            return q.count_entries(conn, reader, flt)

    def size(self) -> int:
        with self.store.read() as conn:
            return q.head(conn)[0]

    def versions(self, reader: str | None, entry_id: str) -> builtins.list[StoredEntry]:
        """Every version of an entry the reader may see, oldest first."""
        first = self.get(reader, entry_id)
        with self.store.read() as conn:
            chain = [first]
            while chain[0].content.supersedes:
                older = q.get_entry(conn, chain[0].content.supersedes, reader)
                if older is None:
                    break
                chain.insert(0, older)
            while True:
                newer = q.list_entries(conn, reader, EntryFilter(supersedes=chain[-1].id, limit=1))
                if not newer:
                    break
                chain.append(newer[0])
        return chain

    def authority(self, member: str, at: datetime | None = None) -> Authority:
        with self.store.read() as conn:
            found = q.authority(conn, member, at=at)
        if found is None:
            raise NotFound(f"no member {member} at that time")
        return found


def parse_time_param(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


__all__ += ["format_time", "parse_time_param"]
