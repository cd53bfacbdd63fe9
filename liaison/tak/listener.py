"""The CoT listener: TAK devices connect over TCP or TLS, each connection bound to one member.

**Who is speaking.** A CoT event names a callsign, a team (``<__group>``) and a contact, and
any device can write any of them, so none of it says whose the event is. Each connection is
bound to a member *before* its first byte is read:

* **TLS** (``--cot-tls-port``): the device presents a client certificate issued by the CA the
  listener trusts (``--cot-ca``); its SHA-256 fingerprint must be bound to a member who is not
  revoked (``liaison member cert``). Anything else is refused during or right after the
  handshake, before an event is read.
* **Plain TCP** (``--cot-port``, for a trusted network segment only): the port itself is bound
  to one member (``--cot-member``), as a TAK Server input is bound to a group. Every event on
  that port is that member's, whatever it says; there is no way to write as another member or
  party over it. A device that must be told apart from others needs TLS.

Either way the member's authority is re-checked every few seconds (and by the record on every
append): revoking the member, or the certificate's binding, ends the connection.

**What a connection does.** Bytes go through a :class:`~liaison.cot.CotFramer` and each frame
through :func:`~liaison.cot.parse_event`; pings are answered at once on the connection;
everything else is queued for the ingest, which appends in batches across connections (many
events, one group commit). Every problem — junk, a truncated or oversize event, an event the
parser refuses, an event the record refuses — is written to the connection's log with its
stable code and never stops the events after it. Two limits end a connection: more bytes than
``max_connection_bytes``, more bad frames than ``max_errors``. While connected, the device
receives what is released to its party (:mod:`liaison.tak.outbound`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import itertools
import logging
import ssl
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liaison.cot import CotError, CotFramer
from liaison.domain.time import utcnow
from liaison.errors import InvalidInput, NotFound
from liaison.node import Node
from liaison.tak.ingest import Outcome
from liaison.tak.outbound import OutboundHub, Subscriber
from liaison.tak.plan import Plan, Planner, Unreadable
from liaison.tak.service import tak_for

__all__ = ["ConnectionLog", "CotListener", "ListenerConfig", "serve_with_listener"]

log = logging.getLogger("liaison.tak")

_READ = 64 * 1024

#: The cyclic collector's thresholds while the listener serves. Why: every event allocates
#: some hundred tracked objects that live for one ingest batch (the parsed event, the queued
#: item, the append request, the entry). With CPython's default of 700, the young generations
#: are collected many times per batch, so most of those objects are promoted to the oldest
#: generation before they die, and every quarter of growth there triggers a full collection of
#: the whole heap (the live picture, each party's rendered state): tens of milliseconds each.
#: Measured: 50-100 µs of collections per event with the parser of early 2026-11-22, about 20 µs
#: per event over 50 connections once the parser made far fewer objects. With a young generation
#: of 20,000 objects most of them die young; what is collected is the same, later, in fewer passes.
GC_THRESHOLDS = (20_000, 10, 10)


@dataclass(frozen=True)
class ListenerConfig:
    """Where the listener listens and the limits it keeps; see ``docs/tak.md``."""

    host: str = "127.0.0.1"
    #: plain TCP port (None: none), and the member every event on it is from
    tcp_port: int | None = None
    tcp_member: str | None = None
    #: TLS port (None: none), the server's certificate and key, and the CA of client certs
    tls_port: int | None = None
    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    #: largest event; the record's 256 KiB entry limit is the real ceiling
    max_event_bytes: int = 256 * 1024
    #: bytes one connection may send in its life (None: no limit)
    max_connection_bytes: int | None = 1 << 30
    #: bad frames and refused events one connection may send before it is cut off
    max_errors: int = 1000
    max_connections: int = 1024
    #: events per ingest batch, and batches in flight at once (read, planned or appended)
    batch_size: int = 512
    concurrent_batches: int = 2
    #: processes that read and plan the events (:mod:`liaison.tak.plan`); 0: this process
    workers: int = 0
    #: events waiting for the ingest before connections stop being read (backpressure)
    max_queued: int = 20_000
    handshake_timeout: float = 15.0
    #: how often a connection's member (and certificate) is checked again
    recheck_seconds: float = 5.0
    #: whether devices receive the picture (off for ingest-only benchmarks)
    outbound: bool = True
    outbound_poll_seconds: float = 0.5

    def validate(self) -> None:
        if self.tcp_port is None and self.tls_port is None:
            raise InvalidInput("give --cot-port, --cot-tls-port or both")
        if self.tcp_port is not None and not self.tcp_member:
            raise InvalidInput(
                "a plain TCP port is bound to one member: give --cot-member with --cot-port"
            )
        if self.tls_port is not None and not (self.cert and self.key and self.ca):
            raise InvalidInput("the TLS port needs --cot-cert, --cot-key and --cot-ca")
        if not 0 <= self.workers <= 64:
            raise InvalidInput("--cot-workers must be from 0 to 64")


@dataclass
class ConnectionLog:
    """What happened on one connection: counts, and the latest problems with their codes."""

    id: str
    peer: str
    member: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    errors: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=200))
    closed_because: str | None = None

    def error(self, code: str, message: str) -> None:
        self.counts["errors"] += 1
        self.errors.append((code, message))
        log.warning("CoT %s (%s) %s: %s", self.id, self.member or self.peer, code, message)

    def framing(self, error: CotError) -> None:
        where = f" (at stream byte {error.offset})" if error.offset is not None else ""
        self.error(error.code, error.message + where)

    def outcome(self, outcome: Outcome) -> None:
        self.counts[outcome.action] += 1
        if outcome.code is not None and outcome.action in ("refused", "ignored"):
            uid = outcome.uid[:64]
            text = f"event {uid} ({outcome.type[:32]}): {outcome.message}"
            if outcome.action == "refused":
                self.error(outcome.code, text)
            else:
                log.info("CoT %s (%s) %s: %s", self.id, self.member, outcome.code, text)

    def close(self, why: str) -> None:
        if self.closed_because is None:
            self.closed_because = why
            log.info("CoT %s (%s) closed: %s", self.id, self.member or self.peer, why)


@dataclass(eq=False)
class _Device:
    """One connection as the ingest sees it: whose it is, where pings are answered, and the
    uids of its own positions (never echoed back to it by the feed)."""

    clog: ConnectionLog
    writer: asyncio.StreamWriter
    own_uids: set[str]
    #: set when the ingest finds more bad events than the connection may send
    over: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class _Batch:
    """A batch of frames on its way to the record (see :meth:`CotListener._ingest`)."""

    items: list[tuple[_Device, bytes]]
    #: earlier batches still in flight when this one was made
    earlier: list[_Batch]
    #: set once planned: whether it holds drafts or deletes (which read before they write)
    planned: asyncio.Future[bool]
    #: set once appended (or given up)
    done: asyncio.Future[None]


def _server_context(config: ListenerConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    assert config.cert is not None
    assert config.key is not None
    assert config.ca is not None
    try:
        context.load_cert_chain(str(config.cert), str(config.key))
        context.load_verify_locations(cafile=str(config.ca))
    except (OSError, ssl.SSLError) as exc:
        raise InvalidInput(f"cannot load the CoT TLS certificate, key or CA: {exc}") from exc
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class CotListener:
    """The listener over one node; ``await start()``, then ``await close()``."""

    def __init__(self, node: Node, config: ListenerConfig) -> None:
        config.validate()
        self.node = node
        self.config = config
        self.tak = tak_for(node)
        self.connections: dict[str, ConnectionLog] = {}
        self.closed: deque[ConnectionLog] = deque(maxlen=100)
        self.hub: OutboundHub | None = None
        self._servers: list[asyncio.Server] = []
        self._ids = itertools.count(1)
        self._queue: asyncio.Queue[tuple[_Device, bytes]] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._in_flight: list[_Batch] = []
        self.planner = Planner(config.workers)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._executor = ThreadPoolExecutor(
            max_workers=config.concurrent_batches + 1, thread_name_prefix="liaison-tak-in"
        )
        self.tcp_port: int | None = None
        self.tls_port: int | None = None

    # --- starting and stopping ------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        if config.tcp_member is not None:
            member = config.tcp_member
            authority = await loop.run_in_executor(
                self._executor, self.node.record.authority, member
            )
            if authority.revoked:
                raise InvalidInput(f"member {member} has been revoked")
        await loop.run_in_executor(self._executor, self.planner.start)
        self._queue = asyncio.Queue(maxsize=config.max_queued)
        self._slots = asyncio.Semaphore(config.concurrent_batches)
        if config.outbound:
            self.hub = OutboundHub(self.node, poll_seconds=config.outbound_poll_seconds)
        self._spawn(self._batcher(), "liaison-tak-batcher")
        if config.tcp_port is not None:
            server = await asyncio.start_server(
                self._on_tcp, config.host, config.tcp_port, limit=_READ
            )
            self._servers.append(server)
            self.tcp_port = server.sockets[0].getsockname()[1]
            log.info("CoT over TCP on %s:%s as %s", config.host, self.tcp_port, config.tcp_member)
        if config.tls_port is not None:
            server = await asyncio.start_server(
                self._on_tls,
                config.host,
                config.tls_port,
                ssl=_server_context(config),
                ssl_handshake_timeout=config.handshake_timeout,
                limit=_READ,
            )
            self._servers.append(server)
            self.tls_port = server.sockets[0].getsockname()[1]
            log.info("CoT over TLS on %s:%s", config.host, self.tls_port)

    async def close(self) -> None:
        """Stop accepting, end every connection, finish the ingest of what was queued."""
        for server in self._servers:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        if self._queue is not None:
            await self.drain()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.hub is not None:
            await self.hub.close()
        self._executor.shutdown(wait=True)
        self.planner.close()  # the workers' last batches are done: this is quick

    async def drain(self) -> None:
        """Wait until every event queued so far has been through the ingest."""
        assert self._queue is not None
        assert self._slots is not None
        await self._queue.join()
        for _ in range(self.config.concurrent_batches):
            await self._slots.acquire()
        for _ in range(self.config.concurrent_batches):
            self._slots.release()

    def _spawn(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- connections ----------------------------------------------------------------------

    def _new_log(self, scheme: str, writer: asyncio.StreamWriter) -> ConnectionLog | None:
        peer = writer.get_extra_info("peername")
        clog = ConnectionLog(f"{scheme}-{next(self._ids)}", str(peer))
        if len(self.connections) >= self.config.max_connections:
            clog.close("too many connections")
            self.closed.append(clog)
            writer.close()
            return None
        self.connections[clog.id] = clog
        return clog

    async def _on_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clog = self._new_log("tcp", writer)
        if clog is None:
            return
        assert self.config.tcp_member is not None
        clog.member = self.config.tcp_member
        await self._guarded(clog, reader, writer, None)

    async def _on_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clog = self._new_log("tls", writer)
        if clog is None:
            return
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            clog.error("no_certificate", "no client certificate was presented")
            await self._finish(clog, writer, "no client certificate")
            return
        fingerprint = hashlib.sha256(der).hexdigest()
        loop = asyncio.get_running_loop()
        member = await loop.run_in_executor(
            self._executor, self.tak.certificates.member_for, fingerprint
        )
        if member is None:
            clog.error(
                "unknown_certificate",
                f"certificate {fingerprint} is not bound to a member (or was revoked)",
            )
            await self._finish(clog, writer, "unknown certificate")
            return
        clog.member = member
        await self._guarded(clog, reader, writer, fingerprint)

    async def _guarded(
        self,
        clog: ConnectionLog,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        fingerprint: str | None,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        why = "closed by the device"
        try:
            why = await self._serve(clog, reader, writer, fingerprint)
        except asyncio.CancelledError:
            why = "the listener stopped"
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            why = f"connection error: {exc.__class__.__name__}"
        except Exception:
            log.exception("CoT %s failed", clog.id)
            why = "internal error"
        finally:
            self._handlers.discard(task)
            await self._finish(clog, writer, why)

    async def _finish(self, clog: ConnectionLog, writer: asyncio.StreamWriter, why: str) -> None:
        clog.close(why)
        self.connections.pop(clog.id, None)
        self.closed.append(clog)
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await writer.wait_closed()

    async def _still_allowed(self, clog: ConnectionLog, fingerprint: str | None) -> str | None:
        """Why the connection must end now, or None."""
        loop = asyncio.get_running_loop()

        def check() -> str | None:
            try:
                authority = self.node.record.authority(clog.member)
            except NotFound:
                return "the member is not on the record"
            if authority.revoked:
                return "the member was revoked"
            if fingerprint is not None and self.tak.certificates.member_for(fingerprint) is None:
                return "the certificate binding was revoked"
            return None

        return await loop.run_in_executor(self._executor, check)

    async def _serve(
        self,
        clog: ConnectionLog,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        fingerprint: str | None,
    ) -> str:
        config = self.config
        problem = await self._still_allowed(clog, fingerprint)
        if problem is not None:
            clog.error("not_permitted", problem)
            return problem
        loop = asyncio.get_running_loop()
        party = (
            await loop.run_in_executor(self._executor, self.node.record.authority, clog.member)
        ).party
        own_uids: set[str] = set()
        out_task: asyncio.Task[str] | None = None
        if self.hub is not None:
            # Reading starts at once; the device's picture follows as soon as it is ready.
            out_task = asyncio.create_task(self._write_out(clog, writer, party, own_uids))
        device = _Device(clog, writer, own_uids)
        framer = CotFramer(
            max_event_bytes=config.max_event_bytes,
            max_connection_bytes=config.max_connection_bytes,
            max_errors=config.max_errors,
        )
        read_task: asyncio.Task[bytes] | None = None
        over_task = asyncio.ensure_future(device.over.wait())
        next_check = loop.time() + config.recheck_seconds
        try:
            while True:
                if read_task is None:
                    read_task = asyncio.ensure_future(reader.read(_READ))
                waiting: set[asyncio.Future[Any]] = {read_task, over_task}
                if out_task is not None:
                    waiting.add(out_task)
                timeout = max(0.0, next_check - loop.time())
                done, _ = await asyncio.wait(
                    waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if out_task is not None and out_task in done:
                    return out_task.result()
                if over_task in done:
                    return self._too_many_errors(clog)
                if loop.time() >= next_check:
                    next_check = loop.time() + config.recheck_seconds
                    problem = await self._still_allowed(clog, fingerprint)
                    if problem is not None:
                        clog.error("not_permitted", problem)
                        return problem
                if read_task not in done:
                    continue
                data = read_task.result()
                read_task = None
                if not data:
                    for error in framer.close():
                        clog.framing(error)
                    return "closed by the device"
                clog.counts["bytes"] += len(data)
                try:
                    frames = framer.feed(data)
                except CotError as exc:
                    clog.framing(exc)
                    return exc.message
                for error in framer.take_errors():
                    clog.framing(error)
                await self._frames(device, frames)
                if framer.closed:
                    return "too many bad events"
                if clog.counts["errors"] > config.max_errors:
                    return self._too_many_errors(clog)
        finally:
            over_task.cancel()
            if read_task is not None:
                read_task.cancel()
            if out_task is not None:
                out_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await out_task

    async def _frames(self, device: _Device, frames: list[bytes]) -> None:
        """Queue the frames for the ingest, which reads them (in a worker process, if any)."""
        assert self._queue is not None
        device.clog.counts["events"] += len(frames)
        for frame in frames:
            await self._queue.put((device, frame))

    def _too_many_errors(self, clog: ConnectionLog) -> str:
        clog.error(
            "too_many_errors",
            f"the connection sent more than {self.config.max_errors} bad events",
        )
        return "too many bad events"

    async def _write_out(
        self, clog: ConnectionLog, writer: asyncio.StreamWriter, party: str, own_uids: set[str]
    ) -> str:
        """Send the device its party's picture, then what changes, until it stops reading."""
        hub = self.hub
        assert hub is not None
        subscriber: Subscriber = await hub.subscribe(party, own_uids)
        try:
            async for chunk in hub.stream(subscriber):
                writer.write(chunk)
                clog.counts["bytes_out"] += len(chunk)
                try:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                    # cancellation that arrives as the drain completes, and this loop would
                    # then wait for the next chunk while the listener waits for it to end.
                    async with asyncio.timeout(30):
                        await writer.drain()
                except TimeoutError:
                    clog.error("slow_consumer", "the device did not read for 30 s")
                    return "slow consumer"
            if subscriber.overflowed:
                clog.error("slow_consumer", "the device fell too far behind the picture")
                return "slow consumer"
            return "the listener stopped"
        finally:
            hub.unsubscribe(subscriber)

    # --- the ingest -----------------------------------------------------------------------

    async def _batcher(self) -> None:
        assert self._queue is not None
        assert self._slots is not None
        queue = self._queue
        loop = asyncio.get_running_loop()
        while True:
            items = [await queue.get()]
            while len(items) < self.config.batch_size and not queue.empty():
                items.append(queue.get_nowait())
            await self._slots.acquire()
            self._in_flight = [b for b in self._in_flight if not b.done.done()]
            batch = _Batch(items, list(self._in_flight), loop.create_future(), loop.create_future())
            self._in_flight.append(batch)
            self._spawn(self._ingest(batch), "liaison-tak-ingest")

    async def _ingest(self, batch: _Batch) -> None:
        """Plan the batch, answer its pings, then append it once no earlier batch may be
        overtaken: a batch of positions only waits for earlier batches with drafts or deletes;
        a batch with drafts or deletes (which read before they write) waits for every earlier
        batch, so a device's later update never overtakes its earlier one."""
        assert self._queue is not None
        assert self._slots is not None
        loop = asyncio.get_running_loop()
        try:
            plans = await self._plan(batch)
            serial = any(isinstance(p, Plan) and p.reads_record for p in plans)
            batch.planned.set_result(serial)
            for before in batch.earlier:
                if serial or await before.planned:
                    await asyncio.shield(before.done)
            members: dict[str, list[tuple[_Device, Plan]]] = {}
            for (device, _), plan in zip(batch.items, plans, strict=True):
                if isinstance(plan, Unreadable):
                    device.clog.error(plan.code, plan.message)
                elif plan.kind == "ping":
                    assert plan.reply is not None
                    device.clog.counts["answered"] += 1
                    if not device.writer.is_closing():  # the device may have gone meanwhile
                        device.writer.write(plan.reply)
                else:
                    if plan.kind == "position":
                        device.own_uids.add(plan.uid)
                    members.setdefault(device.clog.member, []).append((device, plan))
            for member, items in members.items():
                try:
                    outcomes = await loop.run_in_executor(
                        self._executor, self._commit, member, [plan for _, plan in items]
                    )
                except Exception:
                    log.exception("the ingest of %d events failed", len(items))
                    for device, _ in items:
                        device.clog.error("internal_error", "the event could not be recorded")
                    continue
                for (device, _), outcome in zip(items, outcomes, strict=True):
                    device.clog.outcome(outcome)
            for device, _ in batch.items:
                if device.clog.counts["errors"] > self.config.max_errors:
                    device.over.set()
        finally:
            if not batch.planned.done():
                batch.planned.set_result(True)
            batch.done.set_result(None)
            for _ in batch.items:
                self._queue.task_done()
            self._slots.release()

    async def _plan(self, batch: _Batch) -> list[Plan | Unreadable]:
        """Read and plan the batch's frames (in a worker process when there are workers)."""
        loop = asyncio.get_running_loop()
        parties = await loop.run_in_executor(self._executor, self.tak.ingest.parties)
        return await loop.run_in_executor(
            self._executor,
            self.planner.plan,
            [frame for _, frame in batch.items],
            parties,
            utcnow(),
            self.config.max_event_bytes,
        )

    def _commit(self, member: str, plans: list[Plan]) -> list[Outcome]:
        ingest = self.tak.ingest
        authority, _ = ingest.roster(member)
        return ingest.commit(member, authority, plans)


async def serve_with_listener(
    node: Node, config: ListenerConfig, serve: Callable[[], Awaitable[None]]
) -> None:
    """Run ``serve()`` (uvicorn's ``Server.serve``) with the CoT listener on the same loop.

    While it runs, the cyclic garbage collector's young generation is larger (see
    :data:`GC_THRESHOLDS`); the thresholds before are restored on the way out.
    """
    listener = CotListener(node, config)
    await listener.start()
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        await serve()
    finally:
        gc.set_threshold(*thresholds)
        await listener.close()
