"""The live stream: server-sent events of new entries the caller may read.

Why this shape. The record's broadcaster only says "the log grew" (never what
was appended), and each subscriber then reads what is new through the same
release filter as a list: a stream can never show more than ``GET
/v1/entries`` would. One :class:`LiveHub` per process turns that signal into
wake-ups for every async subscriber from a single thread, so a thousand open
streams cost one waiting thread, not a thousand. The hub also polls the log
size while anyone is subscribed, so appends made by *another* process sharing
the database reach subscribers too, within ``poll_interval``.

Each event's id is the entry's sequence number, so a client resumes with
``Last-Event-ID`` (what browsers send on reconnect) or ``?after=``. Keep-alive
pings are comments sent on their own timer, never in step with appends the
caller cannot read, so their timing reveals nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sse_starlette import EventSourceResponse, ServerSentEvent

from liaison.api.auth import CallerDep, NodeDep, bearer, current_caller
from liaison.domain.entry import StoredEntry
from liaison.errors import InvalidInput, NotAuthenticated
from liaison.services.record import RecordService
from liaison.store.queries import EntryFilter

__all__ = ["DEFAULT_PING_SECONDS", "DEFAULT_POLL_SECONDS", "LiveHub", "router"]

log = logging.getLogger("liaison.api.stream")

#: how often a subscriber hears a keep-alive comment
DEFAULT_PING_SECONDS = 15.0
#: how often the hub checks the database for appends by other processes
DEFAULT_POLL_SECONDS = 0.5
#: entries read per query while catching up
_PAGE = 500


class LiveHub:
    """Wakes async subscribers, on any event loop, when the log grows."""

    def __init__(self, record: RecordService, poll_interval: float = DEFAULT_POLL_SECONDS) -> None:
        self._record = record
        self._poll = poll_interval
        self._lock = threading.Lock()
        self._size = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def wait_beyond(self, size: int, timeout: float) -> bool:
        """Wait until the log is known to hold more than ``size`` entries; False on timeout."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._size > size or self.stopped:
                return self._size > size
            self._waiters.add(waiter)
            self._start()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await waiter[1].wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return self._size > size

    def stop(self) -> None:
        """End every wait now (server shutdown), and the hub's thread soon after."""
        self._stopped.set()
        self._wake_all()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="liaison-live-hub", daemon=True)
            self._thread.start()

    def _wake_all(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            # A loop that has closed has no subscriber left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _run(self) -> None:
        while not self.stopped:
            known = self._size
            grown = self._record.live.wait_beyond(known, self._poll)
            if grown <= known:
                with self._lock:
                    idle = not self._waiters
                if idle:
                    continue
                try:
                    grown = self._record.size()
                except Exception:
                    log.exception("cannot read the log size; retrying")
                    self._stopped.wait(self._poll)
                    continue
            if grown > known:
                with self._lock:
                    self._size = max(self._size, grown)
                self._wake_all()


router = APIRouter(prefix="/v1", tags=["stream"])


def _event(entry: StoredEntry) -> ServerSentEvent:
    return ServerSentEvent(
        data=json.dumps(entry.to_json(), separators=(",", ":"), ensure_ascii=False),
        event="entry",
        id=str(entry.seq),
    )


def _start_after(after: int, last_event_id: str | None) -> int:
    if last_event_id is None or not last_event_id.strip():
        return after
    try:
        resumed = int(last_event_id.strip())
    except ValueError:
        raise InvalidInput("Last-Event-ID must be a sequence number") from None
    if resumed < 0:
        raise InvalidInput("Last-Event-ID must be a sequence number")
    # A browser reconnects with its original URL plus Last-Event-ID: the header wins.
    return resumed


@router.get(
    "/stream",
    summary="Server-sent events of new entries released to the caller",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    caller: CallerDep,
    node: NodeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    after: Annotated[int, Query(ge=0, description="Start after this sequence number.")] = 0,
    last_event_id: Annotated[str | None, Header(description="Resume after this event.")] = None,
) -> EventSourceResponse:
    start = _start_after(after, last_event_id)
    hub: LiveHub = request.app.state.live_hub
    ping: float = request.app.state.ping_seconds
    reader = caller.party
    record = node.record

    def scan(cursor: int) -> tuple[int, list[StoredEntry]]:
        # A stream outlives the request that opened it: a member revoked since
        # then must stop receiving, so the token is checked again on every scan.
        current_caller(node, credentials)
        # The size is read first: every entry up to it is committed, so once a
        # short page comes back, nothing the reader may see is left below it.
        size = record.size()
        return size, record.list(reader, EntryFilter(after=cursor, limit=_PAGE))

    async def events() -> AsyncIterator[ServerSentEvent]:
        cursor = start
        while not hub.stopped:
            try:
                size, found = await anyio.to_thread.run_sync(scan, cursor)
            except NotAuthenticated:
                return
            for entry in found:
                yield _event(entry)
            if len(found) == _PAGE:
                cursor = found[-1].seq
                continue
            cursor = max(cursor, size, found[-1].seq if found else 0)
            await hub.wait_beyond(cursor, timeout=ping)

    return EventSourceResponse(events(), ping=ping, headers={"Cache-Control": "no-store"})
