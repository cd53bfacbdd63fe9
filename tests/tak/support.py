"""CoT events to send, and a listener to send them to, for the TAK tests.

Times are relative to now (the listener's outbound and the picture's "current" views read the
wall clock), positions are around (10°E, 50°N) like the picture's tests. ``burrows`` (uk),
``deane`` (us) and ``slavin`` (su) of ``tests/conftest.py`` are the members devices act for.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from liaison.cot import CotEvent, CotPoint, LatLon, polygon_event, position_report, serialize_event
from liaison.node import Node
from liaison.tak import CotListener, ListenerConfig

T = TypeVar("T")

__all__ = [
    "PKI",
    "Receiver",
    "drawing",
    "now",
    "ping",
    "position",
    "running_listener",
    "until",
    "wire",
]

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def position(
    uid: str = "ANDROID-0001",
    *,
    lat: float = 50.0,
    lon: float = 10.0,
    callsign: str = "ALPHA",
    cot_type: str = "a-f-G-U-C",
    stale_s: float = 600,
    releasable_to: str | None = None,
    caveat: str | None = None,
    access: str | None = None,
    extra: tuple[str, ...] = (),
    at: datetime | None = None,
) -> CotEvent:
    moment = at or now()
    return position_report(
        uid=uid,
        cot_type=cot_type,
        point=CotPoint.from_floats(lat, lon, 120.0, 4.5, 9.0),
        time=moment,
        stale=moment + timedelta(seconds=stale_s),
        how="m-g",
        callsign=callsign,
        releasable_to=releasable_to,
        caveat=caveat,
        access=access,
        extra_detail=extra,
    )


def ping(uid: str = "ANDROID-0001-ping") -> CotEvent:
    """A ``t-x-c-t`` ping as ATAK sends it."""
    moment = now()
    return CotEvent(
        uid=uid,
        type="t-x-c-t",
        how="h-g-i-g-o",
        time=moment,
        start=moment,
        stale=moment + timedelta(seconds=20),
        point=CotPoint(Decimal(0), Decimal(0)),
    )


def drawing(
    uid: str = "shape-1", *, size: float = 0.01, releasable_to: str | None = None
) -> CotEvent:
    moment = now()
    corners = [
        LatLon(Decimal("50.0"), Decimal("10.0")),
        LatLon(Decimal("50.0"), Decimal(str(10.0 + size))),
        LatLon(Decimal(str(50.0 + size)), Decimal(str(10.0 + size))),
        LatLon(Decimal(str(50.0 + size)), Decimal("10.0")),
    ]
    return polygon_event(
        uid=uid,
        vertices=corners,
        time=moment,
        stale=moment + timedelta(days=1),
        callsign="Box",
        releasable_to=releasable_to,
    )


def wire(*events: CotEvent) -> bytes:
    """Events as a TAK stream carries them: each with its declaration, nothing between."""
    return b"".join(serialize_event(e) for e in events)


class PKI:
    """A CA, a server certificate for localhost, and client certificates, written to files."""

    def __init__(self, directory: Path) -> None:
        import trustme

        self.directory = directory
        self.ca = trustme.CA()
        self.ca_file = directory / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        server = self.ca.issue_cert("localhost", "127.0.0.1")
        self.server_cert = directory / "server.pem"
        self.server_key = directory / "server.key"
        server.cert_chain_pems[0].write_to_path(str(self.server_cert))
        server.private_key_pem.write_to_path(str(self.server_key))
        self.stranger_ca = trustme.CA()
        self._clients: dict[tuple[str, bool], tuple[Path, Path]] = {}

    def client(self, name: str, *, stranger: bool = False) -> tuple[Path, Path]:
        """The client certificate and key of ``name`` (made once; by another CA if ``stranger``)."""
        if (name, stranger) not in self._clients:
            self._clients[(name, stranger)] = self._issue(name, stranger)
        return self._clients[(name, stranger)]

    def _issue(self, name: str, stranger: bool) -> tuple[Path, Path]:
        ca = self.stranger_ca if stranger else self.ca
        issued = ca.issue_cert(f"{name}@devices.liaison.test", common_name=name)
        cert = self.directory / f"{name}{'-stranger' if stranger else ''}.pem"
        key = cert.with_suffix(".key")
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        return cert, key


@contextlib.asynccontextmanager
async def running_listener(
    node: Node, *, member: str | None = "burrows", pki: PKI | None = None, **limits: object
) -> AsyncIterator[CotListener]:
    """A listener on free loopback ports: plain TCP as ``member``, and TLS if ``pki`` is given."""
    config = ListenerConfig(
        host="127.0.0.1",
        tcp_port=0 if member is not None else None,
        tcp_member=member,
        tls_port=0 if pki is not None else None,
        cert=pki.server_cert if pki is not None else None,
        key=pki.server_key if pki is not None else None,
        ca=pki.ca_file if pki is not None else None,
        outbound_poll_seconds=0.2,
        **limits,  # type: ignore[arg-type]
    )
    listener = CotListener(node, config)
    await listener.start()
    try:
        yield listener
    finally:
        await listener.close()


async def until(
    check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``check`` (in a thread: it may read the store) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(interval)


class Receiver:
    """Reads CoT from a connection, keeping every event it has seen."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        from liaison.cot import CotFramer

        self.reader = reader
        self.framer = CotFramer(max_connection_bytes=None)
        self.events: list[CotEvent] = []

    async def wait_for(
        self, check: Callable[[CotEvent], bool], *, timeout: float = 20.0
    ) -> CotEvent:
        from liaison.cot import parse_event

        deadline = time.monotonic() + timeout
        for event in self.events:
            if check(event):
                return event
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                seen = sorted({e.uid for e in self.events})
                raise AssertionError(f"timed out; received only {seen}")
            try:
                data = await asyncio.wait_for(self.reader.read(65536), timeout=left)
            except TimeoutError:
                continue
            if not data:
                raise AssertionError("the connection was closed")
            fresh = [parse_event(frame) for frame in self.framer.feed(data)]
            self.events.extend(fresh)
            for event in fresh:
                if check(event):
                    return event


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a test's coroutine on a fresh event loop in a thread of its own.

    Playwright's sync API (the browser tests) leaves an event loop running in the
    main thread of the worker that ran them; ``asyncio.run`` there would refuse.
    The thread is a daemon and is waited for at most ``RUN_ASYNC_LIMIT`` seconds, so a
    coroutine that never finishes fails its test instead of hanging the worker (an
    executor would wait for its thread on the way out, however the test ended).
    """
    outcome: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(coro))
        except BaseException as exc:  # handed to the test's thread below
            errors.append(exc)

    thread = threading.Thread(target=target, name="run-async", daemon=True)
    thread.start()
    thread.join(RUN_ASYNC_LIMIT)
    if thread.is_alive():
        raise AssertionError(f"the test's event loop did not finish within {RUN_ASYNC_LIMIT} s")
    if errors:
        raise errors[0]
    return outcome[0]


#: how long a test's coroutine may run before it counts as hung
RUN_ASYNC_LIMIT = 120.0


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found
