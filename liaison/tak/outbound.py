"""CoT out: what each connected TAK device receives, read entry by entry as its party.

Why this shape. The record's broadcaster says only that the log grew; a :class:`PartyTail`
then reads the new entries *as the party* (the sequence numbers after its cursor that the
release rows give the party, ``queries.released_to``, the same release filter as every other
read; each entry then from the record service's memory of what it just appended, or read as
the party) and renders each one (:mod:`liaison.tak.render`).
Filtering is per entry, never per stream: an entry not released to the party is never read for
it, so no CoT is ever built from it. One tail per party serves every device of that party;
what differs between devices is only echo suppression (a device is not sent back its own
position) and which uids each was already sent.

A device that connects first gets what is current for its party — units not yet stale, live
operations and measures, open conflicts and open drafts — then everything appended after. The
tail keeps that current state in memory (read from the store once, as the picture's views show
it to the party, when the party's first device connects), so a device joining costs no read
of the store. Nothing is sent for entries that are not on a map (messages, agreements, notes).

A slow device is cut off rather than buffered without limit: each subscriber holds at most
``max_pending`` batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from liaison.cot import CotEvent, serialize_event
from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time, utcnow
from liaison.geometry import decode_instant
from liaison.node import Node
from liaison.projections.picture import (
    OPERATION,
    proj_picture_measures,
    proj_picture_operations,
)
from liaison.store import queries as q
from liaison.store.schema import entries as entries_table
from liaison.tak.kinds import REPORT, proj_tak_drafts, report_for
from liaison.tak.render import Rendering, delete_events, render

__all__ = ["LogWaker", "OutboundHub", "Page", "PartyTail", "Reports", "Subscriber", "Wire"]

log = logging.getLogger("liaison.tak.outbound")

_PAGE = 500

#: report items by (party, unit, time), as a page of the feed saw them
Reports = dict[tuple[str, str, str], dict[str, Any]]
#: report items a party's tail remembers from its pages (16 full report entries)
_REMEMBERED = 2048
#: how often the log size is polled for appends made by another process
DEFAULT_POLL_SECONDS = 0.5


class LogWaker:
    """Wakes asyncio waiters on one loop when the log grows (one thread for all of them)."""

    def __init__(self, node: Node, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        self._record = node.record
        self._poll = poll_seconds
        self._size = 0
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def size(self) -> int:
        return self._size

    async def wait_beyond(self, size: int, timeout: float) -> bool:
        """Wait until the log is known to hold more than ``size`` entries; False on timeout."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._size > size or self._stopped.is_set():
                return self._size > size
            self._waiters.add(waiter)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="liaison-tak-waker", daemon=True
                )
                self._thread.start()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await waiter[1].wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return self._size > size

    def prime(self, size: int) -> None:
        """Start from a log size read elsewhere (before the thread has reported any)."""
        with self._lock:
            self._size = max(self._size, size)

    def stop(self) -> None:
        self._stopped.set()
        self._wake()

    def _wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _run(self) -> None:
        while not self._stopped.is_set():
            known = self._size
            grown = self._record.live.wait_beyond(known, self._poll)
            if grown <= known:
                try:
                    grown = self._record.size()
                except Exception:
                    log.exception("cannot read the log size; retrying")
                    self._stopped.wait(self._poll)
                    continue
            if grown > known:
                with self._lock:
                    self._size = max(self._size, grown)
                self._wake()


class _Lookups:
    """What rendering a page needs beyond its entries, read once per page.

    A unit report's event is in the ``tak.report`` entry appended just before it, which is
    almost always in the same page: those are taken from the page itself (the page was read as
    the reader, so they are released to it); the rest are looked up, as the reader.
    """

    def __init__(self, conn: Any, reader: str, before: Reports | None = None) -> None:
        self.conn = conn
        self.reader = reader
        self.entries: dict[int, StoredEntry | None] = {}
        #: (party, unit, time) -> the latest report item seen so far in this page
        self.seen: Reports = {}
        #: the same, of the reader's previous page (see :func:`read_page`)
        self.before: Reports = before or {}

    def saw(self, entry: StoredEntry) -> None:
        if entry.content.kind != REPORT:
            return
        for item in entry.content.body["reports"]:
            self.seen[(str(entry.content.party), str(item["unit"]), str(item["time"]))] = item

    def root_of(self, entry: StoredEntry) -> str:
        table = (
            proj_picture_operations if entry.content.kind == OPERATION else proj_picture_measures
        )
        root = self.conn.execute(select(table.c.root).where(table.c.id == entry.id)).scalar()
        return str(root or entry.id)

    def _entry_at(self, seq: int) -> StoredEntry | None:
        # A report entry speaks for a whole batch of unit reports: read and decode it once.
        if seq not in self.entries:
            self.entries[seq] = q.get_entry_by_seq(self.conn, seq, self.reader)
        return self.entries[seq]

    def report_of(self, entry: StoredEntry) -> dict[str, Any] | None:
        body = entry.content.body
        party = str(entry.content.party)
        key = (party, str(body["unit"]), str(body["time"]))
        found = self.seen.get(key) or self.before.get(key)
        if found is not None:
            return found
        time = format_time(decode_instant(body["time"]))
        return report_for(self.conn, party, str(body["unit"]), time, entry.seq, self._entry_at)


def _render_all(
    conn: Any,
    reader: str,
    entries: list[StoredEntry],
    now: datetime,
    reports: Reports | None = None,
) -> list[tuple[int, Rendering]]:
    lookups = _Lookups(conn, reader, reports)
    out = []
    for entry in entries:
        lookups.saw(entry)
        try:
            rendering = render(
                entry,
                reader=reader,
                now=now,
                root_of=lookups.root_of,
                report_of=lookups.report_of,
            )
        except Exception:  # one unrenderable entry must not stop a party's feed
            log.exception("entry %s cannot be rendered as CoT", entry.seq)
            continue
        if rendering is not None:
            out.append((entry.seq, rendering))
    if reports is not None:
        reports.update(lookups.seen)
        for key in list(itertools.islice(reports, max(0, len(reports) - _REMEMBERED))):
            del reports[key]
    return out


def read_page(
    node: Node, reader: str, after: int, now: datetime, reports: Reports | None = None
) -> tuple[int, list[tuple[int, Rendering]]]:
    """Entries after ``after`` released to ``reader``, rendered; and the new cursor.

    ``reports``, when given, is the reader's memory of the report items of its earlier pages
    (the latest :data:`_REMEMBERED`): read from, then added to. Why: a page ends after
    ``_PAGE`` entries, which may fall between a report entry and the unit reports it speaks for
    (up to 128 of them); without the memory each such unit's event is looked up in the store, a
    query each and the report entry decoded again (measured: two thirds of the feed's cost in
    a run of three batches of 512). The items came from entries read as ``reader``, so they
    are the reader's to see, and a later item of the same unit and time replaces an earlier
    one, as in the store's lookup; what the memory has forgotten is asked of the store.
    """
    record = node.record
    with record.store.read() as conn:
        # The size and the page are read in one transaction: every entry up to the size is
        # in it, so once a short page comes back, nothing the reader may see is left below.
        size = q.head(conn)[0]
        seqs = [
            int(seq)
            for seq in conn.execute(
                select(entries_table.c.seq)
                .where(entries_table.c.seq > after, q.released_to(entries_table.c.seq, reader))
                .order_by(entries_table.c.seq)
                .limit(_PAGE)
            ).scalars()
        ]
        # Which entries are the reader's is decided above, by the release rows, as every read
        # does; the entries themselves come from memory when this process just appended them
        # (no read, no decoding), else from the store, read as the reader again.
        found = [record.recent(seq) or q.get_entry_by_seq(conn, seq, reader) for seq in seqs]
        entries = [e for e in found if e is not None]
        last = seqs[-1] if seqs else 0
        cursor = last if len(seqs) == _PAGE else max(after, size, last)
        return cursor, _render_all(conn, reader, entries, now, reports)


def read_snapshot(node: Node, reader: str, now: datetime) -> list[tuple[int, Rendering]]:
    """What a device of ``reader``'s party should see on connecting (module docstring)."""
    picture = node.picture
    window_units = [u for u in picture.units(reader) if u["stale_time"] > format_time(now)]
    seqs = {int(u["seq"]) for u in window_units}
    seqs |= {int(o["seq"]) for o in picture.operations(reader)}
    seqs |= {int(m["seq"]) for m in picture.measures(reader)}
    seqs |= {int(c["notice_seq"]) for c in picture.conflicts(reader, status=None, limit=None)}
    table = proj_tak_drafts
    newer = select(table.c.supersedes).where(table.c.supersedes.is_not(None))
    with node.record.store.read() as conn:
        seqs |= {
            int(r.seq)
            for r in conn.execute(
                select(table.c.seq).where(
                    table.c.party == reader, table.c.state == "open", table.c.id.not_in(newer)
                )
            )
        }
        entries = [q.get_entry_by_seq(conn, seq, reader) for seq in sorted(seqs)]
        found = [e for e in entries if e is not None]
        return _render_all(conn, reader, found, now)


class Wire:
    """Each event written once per page, however many devices it goes to."""

    def __init__(self) -> None:
        # Keyed by id(), so each event is held too: a freed event's id may be reused by a
        # new one (a delete made for one device) while the cache lives.
        self._bytes: dict[int, tuple[CotEvent, bytes]] = {}

    def __call__(self, events: list[CotEvent] | tuple[CotEvent, ...]) -> bytes:
        parts = []
        for event in events:
            found = self._bytes.get(id(event))
            if found is None:
                found = self._bytes[id(event)] = (event, serialize_event(event))
            parts.append(found[1])
        return b"".join(parts)


def _uids(rendering: Rendering) -> tuple[str, ...]:
    return tuple(e.uid for e in rendering.events)


class Page:
    """One page of a party's renderings, prepared once for every device of the party.

    Why: with many devices, looking at every rendering once per device (is it the device's own
    position? was the thing sent before under other uids?) was most of the feed's cost. A page
    that is *plain* — every rendering has events and nothing to delete, and a thing appearing
    twice keeps its uids — lets a device take the page's bytes whole (serialised once, shared),
    or all but its own positions, after a few set operations done in C
    (:meth:`Subscriber.offer`). Any other page goes rendering by rendering, as before.
    """

    def __init__(self, renderings: list[tuple[int, Rendering]]) -> None:
        self.renderings = renderings
        self.wire = Wire()
        self.first_seq = renderings[0][0] if renderings else 0
        #: uids of each thing's first and last rendering in the page, by key
        self.first: dict[str, tuple[str, ...]] = {}
        self.last: dict[str, tuple[str, ...]] = {}
        #: where each uid of a unit's rendering is (a device's own position is not echoed)
        self.unit_uids: dict[str, list[int]] = {}
        self.plain = True
        self._pieces: list[bytes | None] = [None] * len(renderings)
        self._whole: bytes | None = None
        self._listed: list[bytes] | None = None
        for i, (_, rendering) in enumerate(renderings):
            uids = _uids(rendering)
            key = rendering.key
            before = self.last.get(key)
            if not uids or rendering.gone or (before is not None and before != uids):
                self.plain = False
                return
            if before is None:
                self.first[key] = uids
            self.last[key] = uids
            if key.startswith("unit:"):
                for uid in uids:
                    self.unit_uids.setdefault(uid, []).append(i)

    def piece(self, i: int) -> bytes:
        """The events of the ``i``-th rendering, serialised (once)."""
        data = self._pieces[i]
        if data is None:
            rendering = self.renderings[i][1]
            data = rendering.wire
            if data is None:
                data = self.wire(rendering.events)
            self._pieces[i] = data
        return data

    def whole(self) -> bytes:
        """Every rendering's events, serialised (once)."""
        if self._whole is None:
            self._whole = b"".join(self.pieces())
        return self._whole

    def pieces(self) -> list[bytes]:
        """Each rendering's events, serialised (once), in page order."""
        return [self.piece(i) for i in range(len(self.renderings))]

    def without(self, skip: set[int]) -> bytes:
        """Every rendering's events but those of the renderings at ``skip``."""
        if not skip:
            return self.whole()
        if self._listed is None:
            self._listed = self.pieces()
        kept = self._listed.copy()
        for i in sorted(skip, reverse=True):
            del kept[i]
        return b"".join(kept)


@dataclass(eq=False)
class Subscriber:
    """One device's outbound stream: rendered batches waiting to be written, as bytes."""

    party: str
    start: int
    max_pending: int
    own_uids: set[str] = field(default_factory=set)
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    #: the uids this device was last sent for each thing, by key
    sent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    overflowed: bool = False

    def offer(self, page: Page, now: datetime) -> None:
        """Queue what this device should receive of ``page`` (entries after its start)."""
        if self.overflowed:
            return
        if page.plain and page.first_seq > self.start:
            data = self._plain(page)
            if data is not None:
                self._put_bytes(data)
                return
        parts: list[bytes] = []
        for i, (seq, rendering) in enumerate(page.renderings):
            if seq <= self.start:
                continue
            events = self._events(rendering, now)
            if not events:
                continue
            if len(events) == len(rendering.events):
                parts.append(page.piece(i))  # no deletes: the rendering's own bytes
            else:
                parts.append(page.wire(events))
        self._put_bytes(b"".join(parts))

    def _plain(self, page: Page) -> bytes | None:
        """What :meth:`offer` sends of a plain page, with the same bookkeeping; or None when
        this device needs the page rendering by rendering (a thing sent under other uids)."""
        sent = self.sent
        skip: set[int] = set()
        skip_keys: set[str] = set()
        if page.unit_uids and self.own_uids:
            for uid in page.unit_uids.keys() & self.own_uids:
                skip.update(page.unit_uids[uid])
            # In a plain page a thing keeps its uids, so all of its renderings are skipped.
            skip_keys = {page.renderings[i][1].key for i in skip}
        for key in sent.keys() & page.first.keys():
            if key not in skip_keys and sent[key] != page.first[key]:
                return None  # sent before under other uids: deletes are due
        kept = [(key, sent.get(key)) for key in skip_keys]
        sent.update(page.last)
        for key, before in kept:
            if before is None:
                del sent[key]
            else:
                sent[key] = before
        return page.without(skip)

    def _events(self, rendering: Rendering, now: datetime) -> list[CotEvent]:
        if rendering.key.startswith("unit:") and any(
            e.uid in self.own_uids for e in rendering.events
        ):
            return []  # the device's own position, echoed back: it knows where it is
        uids = _uids(rendering)
        before = self.sent.pop(rendering.key, None)
        if uids:
            self.sent[rendering.key] = uids
        if before is None and not rendering.gone:
            # The common case, a thing this device has not been sent before: nothing to delete.
            return list(rendering.events)
        gone = (set(before or ()) | set(rendering.gone)) - set(uids)
        if not gone:
            return list(rendering.events)
        return [*rendering.events, *delete_events(sorted(gone), now)]

    def _put(self, events: list[CotEvent], wire: Wire) -> None:
        if events:
            self._put_bytes(wire(events))

    def _put_bytes(self, data: bytes) -> None:
        if not data or self.overflowed:
            return
        if self.queue.qsize() >= self.max_pending:
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(data)


class PartyTail:
    """Reads the log as one party and hands each rendered page to that party's subscribers.

    It also keeps, in memory, how everything current looks to the party (the latest rendering
    of each thing, by key): a device that joins is sent that, then every page after the
    cursor at which it joined, so joining costs no read of the store and nothing is missed or
    sent twice. The state is read from the store once, when the tail starts.
    """

    def __init__(self, hub: OutboundHub, party: str) -> None:
        self.hub = hub
        self.party = party
        self.cursor = 0
        #: the report items of its latest pages (:func:`read_page`)
        self.reports: Reports = {}
        self.state: dict[str, Rendering] = {}
        self.ready = asyncio.Event()
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task[None] | None = None

    def _keep(self, rendering: Rendering) -> None:
        if rendering.events:
            self.state[rendering.key] = rendering
        else:
            self.state.pop(rendering.key, None)

    def current(self, now: datetime) -> list[Rendering]:
        """What a joining device is sent: every rendering with an event not yet stale."""
        for key in [k for k, r in self.state.items() if all(e.stale <= now for e in r.events)]:
            del self.state[key]
        return list(self.state.values())

    def join(self, subscriber: Subscriber, now: datetime) -> None:
        """Send the current state, then everything after the cursor (no await in between)."""
        subscriber.start = self.cursor
        wire = Wire()
        events: list[CotEvent] = []
        for rendering in self.current(now):
            events += subscriber._events(rendering, now)
        subscriber._put(events, wire)
        self.subscribers.add(subscriber)

    async def run(self) -> None:
        hub = self.hub
        loop = asyncio.get_running_loop()
        now = utcnow()
        try:
            size = await loop.run_in_executor(hub.executor, hub.node.record.size)
            snapshot = await loop.run_in_executor(
                hub.executor, read_snapshot, hub.node, self.party, now
            )
        except Exception:
            log.exception("the snapshot for party %s failed", self.party)
            size, snapshot = await loop.run_in_executor(hub.executor, hub.node.record.size), []
        self.cursor = size
        for _, rendering in snapshot:
            self._keep(rendering)
        self.ready.set()
        while self.subscribers:
            try:
                cursor, page = await loop.run_in_executor(
                    hub.executor,
                    read_page,
                    hub.node,
                    self.party,
                    self.cursor,
                    utcnow(),
                    self.reports,
                )
            except Exception:
                log.exception("reading the record for party %s failed; retrying", self.party)
                await asyncio.sleep(hub.poll_seconds)
                continue
            now = utcnow()
            for _, rendering in page:
                self._keep(rendering)
            if page:
                prepared = Page(page)
                for subscriber in list(self.subscribers):
                    subscriber.offer(prepared, now)
            self.cursor = max(self.cursor, cursor)
            if self.cursor >= hub.waker.size:
                await hub.waker.wait_beyond(self.cursor, timeout=hub.poll_seconds * 4)


class OutboundHub:
    """Every party tail of one listener, and the thread that wakes them."""

    def __init__(
        self,
        node: Node,
        *,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        max_pending: int = 2000,
        threads: int = 2,
    ) -> None:
        self.node = node
        self.poll_seconds = poll_seconds
        self.max_pending = max_pending
        self.waker = LogWaker(node, poll_seconds)
        self.executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="liaison-tak-out"
        )
        self._tails: dict[str, PartyTail] = {}

    async def subscribe(self, party: str, own_uids: set[str]) -> Subscriber:
        """A device of ``party`` joins: what is current is queued first, then everything after."""
        tail = self._tails.get(party)
        if tail is None or tail.task is None or tail.task.done():
            tail = self._tails[party] = PartyTail(self, party)
        subscriber = Subscriber(party, 0, self.max_pending, own_uids)
        if tail.task is None:
            # The tail runs while it has subscribers; this one keeps it alive while it starts.
            tail.subscribers.add(subscriber)
            tail.task = asyncio.create_task(tail.run(), name=f"liaison-tak-tail-{party}")
            try:
                await tail.ready.wait()
            finally:
                # Also when the device goes while the tail starts (the wait is cancelled):
                # left behind, this placeholder would be fed every page, never read.
                tail.subscribers.discard(subscriber)
        else:
            await tail.ready.wait()
        tail.join(subscriber, utcnow())
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        tail = self._tails.get(subscriber.party)
        if tail is not None:
            tail.subscribers.discard(subscriber)

    async def stream(self, subscriber: Subscriber) -> AsyncIterator[bytes]:
        """The subscriber's bytes, until it overflows or the hub stops."""
        while True:
            chunk = await subscriber.queue.get()
            if chunk is None:
                return
            yield chunk

    async def close(self) -> None:
        self.waker.stop()
        tasks = [t.task for t in self._tails.values() if t.task is not None]
        for tail in self._tails.values():
            for subscriber in list(tail.subscribers):
                subscriber.queue.put_nowait(None)
            tail.subscribers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.executor.shutdown(wait=False, cancel_futures=True)
