"""What each CoT event asks of the record, worked out without the record: the ingest's first half.

Why a half of its own: reading an event (libxml2, then building the event) and turning a
position report into the bodies of its entries (the unit report's normal form, the event's
canonical text for the report entry) were 130 µs of every event's 450 in ``liaison serve``,
all of it holding the one interpreter lock the writer, the live picture and the feed also
need. None of it reads the record: given the parties on the record and the time, it depends
on the event's bytes alone. So the listener hands its frames to worker *processes*
(:class:`Planner`), which send back a :class:`Plan` per frame as plain data, and the process
that holds the record only checks and appends (:meth:`liaison.tak.ingest.Ingest.commit`).

A plan carries the parsed event (an event pickles as plain fields: about 11 µs to load, against
65 to parse). The recording process takes the event text a worker wrote as written by itself
(:func:`liaison.tak.kinds.remember_written`), so neither the report entry's validation nor the
devices' feed parses it again; the workers are its own children, spawned by it and spoken to
over a private pipe. The unit report's body is still validated again before it is appended
(about 15 µs), so the body on the record is the record's own normal form whatever a worker sent.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liaison.cot import (
    CotError,
    CotEvent,
    EventKind,
    event_kind,
    parse_event,
    ping_reply,
    serialize_event,
)
from liaison.tak.mapping import TakError, release_of, unit_bodies

__all__ = ["Plan", "Planner", "Unreadable", "default_workers", "plan_event", "plan_frames"]

log = logging.getLogger("liaison.tak")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A frame that is not an event the parser accepts: its code and message, for the log."""

    code: str
    message: str


_READS_RECORD: frozenset[EventKind] = frozenset({"shape", "route", "marker", "delete"})


@dataclass(frozen=True, slots=True)
class Plan:
    """What one event asks of the record (module docstring)."""

    uid: str
    type: str
    kind: EventKind
    #: a position: the unit report's body and the report item, in normal form
    unit: Any = None
    report: Any = None
    #: the release the event asks for (None: the party's default); not for deletes
    release: list[str] | None = None
    #: a refusal found before the record is read: (code, message)
    refusal: tuple[str, str] | None = None
    #: a ping: the answer, serialised
    reply: bytes | None = None
    #: the event itself (not for pings and others)
    event: CotEvent | None = None

    @property
    def reads_record(self) -> bool:
        """A drawing, route, marker or delete to record: it reads the record before it writes,
        so it is recorded one at a time, after everything before it."""
        return self.refusal is None and self.kind in _READS_RECORD


def plan_event(event: CotEvent, parties: Collection[str], now: datetime) -> Plan:
    """The plan of one parsed event."""
    kind = event_kind(event)
    uid, type_ = event.uid, event.type
    if kind == "ping":
        return Plan(uid, type_, kind, reply=serialize_event(ping_reply(event, now=now)))
    if kind == "other":
        return Plan(uid, type_, kind)
    try:
        release = None if kind == "delete" else release_of(event, parties)
        if kind == "position":
            # Frozen bodies pickle as plain dicts: sent elsewhere, they are validated again.
            unit, report = unit_bodies(event)
            return Plan(uid, type_, kind, unit, report, release, event=event)
    except TakError as exc:
        return Plan(uid, type_, kind, refusal=(exc.code, exc.message))
    return Plan(uid, type_, kind, release=release, event=event)


def plan_frames(
    frames: Sequence[bytes], parties: Collection[str], now: datetime, max_event_bytes: int
) -> list[Plan | Unreadable]:
    """Read each frame and plan it: what a worker process runs, its answer all plain data."""
    out: list[Plan | Unreadable] = []
    for frame in frames:
        try:
            event = parse_event(frame, max_bytes=max_event_bytes)
        except CotError as exc:
            out.append(Unreadable(exc.code, exc.message))
            continue
        out.append(plan_event(event, parties, now))
    return out


def _warm() -> int:
    """Run in each new worker, so its imports are done before the first batch waits on them."""
    return os.getpid()


def _watch_parent(parent: int) -> None:
    """A worker's initializer: end the worker when the serving process is gone.

    Why: a worker waits on its pipe for the next batch, and a serving process that is killed
    (or ends without closing its planner) never sends the word to stop; the worker would live
    on, an orphan holding the parent's inherited descriptors."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="liaison-plan-parent", daemon=True).start()


def default_workers() -> int:
    """Worker processes for ``liaison serve``: every core but one (the record's), at most 4."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class Planner:
    """Plans batches of frames, in ``workers`` processes, or in the caller's thread when 0.

    The processes are started with ``spawn`` (never ``fork``: the server has threads, and a
    forked child would inherit their locks held). If a worker dies, the batch it held is
    planned again in the caller's thread and the pool is started afresh: a crash there costs
    time, never an event.
    """

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError("workers must be 0 or more")
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def start(self) -> None:
        """Start the processes now and wait until each has imported what it needs."""
        if self.workers == 0:
            return
        pool = self._ensure()
        for future in [pool.submit(_warm) for _ in range(self.workers)]:
            future.result()

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_watch_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def plan(
        self,
        frames: Sequence[bytes],
        parties: Collection[str],
        now: datetime,
        max_event_bytes: int,
    ) -> list[Plan | Unreadable]:
        """Plan ``frames``, blocking the calling thread (not the interpreter) until done."""
        if self.workers == 0 or not frames:
            return plan_frames(frames, parties, now, max_event_bytes)
        pool = self._ensure()
        try:
            future: Future[list[Plan | Unreadable]] = pool.submit(
                plan_frames, list(frames), frozenset(parties), now, max_event_bytes
            )
            return future.result()
        except BrokenProcessPool:
            log.error("a CoT planning worker died; planning this batch here, restarting them")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
                    self.restarts += 1
            pool.shutdown(wait=False, cancel_futures=True)
            return plan_frames(frames, parties, now, max_event_bytes)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
