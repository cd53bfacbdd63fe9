"""The CoT listener over real sockets: framing, bad input, limits, binding, TLS, pings."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from liaison.cot import parse_event
from liaison.tak import tak_for
from tests.conftest import World
from tests.tak.support import (
    PKI,
    Receiver,
    drawing,
    ping,
    position,
    run_async,
    running_listener,
    until,
    wire,
)

pytestmark = pytest.mark.timeout(120)

#: the events read and planned in the listener's own process, and in a worker process
WORKERS = pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "one-worker"])


def _units(world: World, party: str) -> set[str]:
    return {u["unit"] for u in world.node.picture.units(party) if u["party"] == party}


def _codes(listener: object) -> list[str]:
    logs = [*listener.connections.values(), *listener.closed]  # type: ignore[attr-defined]
    return [code for clog in logs for code, _ in clog.errors]


@WORKERS
def test_events_split_across_reads_with_and_without_declarations(
    sqlite_world: World, workers: int
) -> None:
    stream = (
        wire(position("A-1"))
        + b"\n\n"
        + wire(position("A-2")).split(b"\n", 1)[1]  # no declaration
        + b"\r\n"
        + wire(position("A-3"), position("A-4"))
    )

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, workers=workers) as listener:
            _, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            for start in range(0, len(stream), 7):
                writer.write(stream[start : start + 7])
                await writer.drain()
            await until(lambda: _units(sqlite_world, "uk") == {"A-1", "A-2", "A-3", "A-4"})
            writer.close()
            assert _codes(listener) == []

    run_async(scenario())


@WORKERS
def test_bad_events_are_logged_and_the_good_ones_still_recorded(
    sqlite_world: World, workers: int
) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><event version="2.0">&b;</event>'
    )
    huge = wire(position("HUGE", callsign="X" * 300_000))
    stream = b"".join(
        [
            wire(position("good-1")),
            b"GET / HTTP/1.1\r\n\r\n",  # junk
            bomb,
            b"<event version='2.0' uid='x' type='a-f-G' ></event>",  # no point
            b"<event><point lat='1'",  # cut short by the next event
            huge,
            wire(position("bad-release", releasable_to="narnia")),
            wire(position("good-2")),
        ]
    )

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, workers=workers) as listener:
            _, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            writer.write(stream)
            await writer.drain()
            await until(lambda: _units(sqlite_world, "uk") == {"good-1", "good-2"})
            await listener.drain()
            codes = _codes(listener)
            # The framer never hands the parser a DOCTYPE: a declaration followed by anything
            # but <event> is junk, so the bomb's entities are never declared, let alone expanded.
            for code in (
                "junk_between_events",
                "malformed_xml",
                "missing_attribute",
                "truncated_event",
                "event_too_large",
                "unknown_party",
            ):
                assert code in codes, (code, codes)
            writer.close()

    run_async(scenario())


@WORKERS
def test_a_ping_is_answered_on_the_connection(sqlite_world: World, workers: int) -> None:
    async def scenario() -> None:
        async with running_listener(sqlite_world.node, outbound=False, workers=workers) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            writer.write(wire(ping()))
            await writer.drain()
            pong = await Receiver(reader).wait_for(lambda e: e.type == "t-x-c-t-r")
            assert pong.uid == "takPong"
            writer.close()

    run_async(scenario())


def test_a_plain_port_records_only_as_its_member_whatever_the_event_claims(
    sqlite_world: World,
) -> None:
    claims = (
        '<__group name="Blue" role="HQ"/>',
        '<contact callsign="DEANE" endpoint="*:-1:stcp"/>',
        '<link uid="deane" relation="p-p" type="a-f-G"/>',
    )
    event = position("claims-to-be-deane", extra=claims[:2])

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, member="burrows") as listener:
            _, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            writer.write(wire(event))
            await writer.drain()
            await until(lambda: _units(sqlite_world, "uk") == {"claims-to-be-deane"})
            writer.close()

    run_async(scenario())
    assert _units(sqlite_world, "us") == set()
    (unit,) = sqlite_world.node.picture.units("uk")
    assert unit["author"] == "burrows"


def test_the_connection_limit_ends_the_connection(sqlite_world: World) -> None:
    async def scenario() -> None:
        async with running_listener(
            sqlite_world.node, max_connection_bytes=2000, outbound=False
        ) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            writer.write(wire(*(position(f"P-{i}") for i in range(10))))
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            await until(lambda: "connection_limit" in _codes(listener))

    run_async(scenario())


@WORKERS
def test_too_many_bad_frames_end_the_connection(sqlite_world: World, workers: int) -> None:
    async def scenario() -> None:
        async with running_listener(
            sqlite_world.node, max_errors=3, outbound=False, workers=workers
        ) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            writer.write(b"<event></event>" * 10)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            await until(lambda: "too_many_errors" in _codes(listener))

    run_async(scenario())


def _client_context(pki: PKI, name: str, *, stranger: bool = False) -> ssl.SSLContext:
    cert, key = pki.client(name, stranger=stranger)
    context = ssl.create_default_context(cafile=str(pki.ca_file))
    context.load_cert_chain(str(cert), str(key))
    return context


def test_tls_records_as_the_member_the_certificate_is_bound_to(
    sqlite_world: World, pki: PKI
) -> None:
    cert, _ = pki.client("deane-phone")
    tak_for(sqlite_world.node).certificates.bind("deane", cert.read_bytes(), "phone")

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, member=None, pki=pki) as listener:
            context = _client_context(pki, "deane-phone")
            _, writer = await asyncio.open_connection(
                "127.0.0.1", listener.tls_port, ssl=context, server_hostname="localhost"
            )
            writer.write(wire(position("US-1")))
            await writer.drain()
            await until(lambda: _units(sqlite_world, "us") == {"US-1"})
            writer.close()

    run_async(scenario())


def test_tls_refuses_an_unbound_a_foreign_and_a_revoked_certificate(
    sqlite_world: World, pki: PKI
) -> None:
    certificates = tak_for(sqlite_world.node).certificates
    bound, _ = pki.client("slavin-phone")
    certificates.bind("slavin", bound.read_bytes())

    async def send(listener: object, context: ssl.SSLContext, uid: str) -> bytes:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1",
            listener.tls_port,  # type: ignore[attr-defined]
            ssl=context,
            server_hostname="localhost",
        )
        writer.write(wire(position(uid)))
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(), timeout=10)
        except (ConnectionError, ssl.SSLError):
            return b""
        finally:
            writer.close()

    async def scenario() -> None:
        async with running_listener(
            sqlite_world.node, member=None, pki=pki, recheck_seconds=0.2
        ) as listener:
            assert await send(listener, _client_context(pki, "nobody"), "U-1") == b""
            assert "unknown_certificate" in _codes(listener)
            # Another CA's certificate fails the handshake (with TLS 1.3 the client learns it
            # on its first read): no connection is ever served, nothing is recorded.
            try:
                answer = await send(listener, _client_context(pki, "evil", stranger=True), "U-2")
            except (ssl.SSLError, ConnectionError):
                answer = b""
            assert answer == b""
            # A bound device is cut off once its binding is revoked.
            context = _client_context(pki, "slavin-phone")
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", listener.tls_port, ssl=context, server_hostname="localhost"
            )
            writer.write(wire(position("SU-1")))
            await writer.drain()
            await until(lambda: _units(sqlite_world, "su") == {"SU-1"})
            await asyncio.to_thread(
                certificates.revoke, certificates.bindings("slavin")[0].fingerprint
            )
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            assert "not_permitted" in _codes(listener)
            writer.close()

    run_async(scenario())
    assert _units(sqlite_world, "su") == {"SU-1"}
    assert _units(sqlite_world, "uk") == set()


def test_a_device_receives_what_is_released_to_its_party_and_nothing_else(
    sqlite_world: World, pki: PKI
) -> None:
    cert, _ = pki.client("deane-tablet")
    tak_for(sqlite_world.node).certificates.bind("deane", cert.read_bytes())
    released = position("UK-SEEN", releasable_to="us", stale_s=900)
    secret = position("UK-SECRET")
    marker = position("UK-LAST", releasable_to="us")

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, pki=pki) as listener:
            context = _client_context(pki, "deane-tablet")
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", listener.tls_port, ssl=context, server_hostname="localhost"
            )
            receiver = Receiver(reader)
            _, uk = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            uk.write(wire(released, secret))
            await uk.drain()
            await until(lambda: len(_units(sqlite_world, "uk")) == 2)
            uk.write(wire(marker))
            await uk.drain()
            seen = await receiver.wait_for(lambda e: e.uid == "UK-SEEN")
            await receiver.wait_for(lambda e: e.uid == "UK-LAST")
            assert "UK-SECRET" not in {e.uid for e in receiver.events}
            assert seen == released  # the device's own event: every detail, the stale time
            assert seen.stale == released.stale
            uk.close()
            writer.close()

    run_async(scenario())


def test_a_drawing_from_one_device_reaches_the_partys_other_devices_as_a_draft(
    sqlite_world: World, pki: PKI
) -> None:
    cert, _ = pki.client("burrows-tablet")
    tak_for(sqlite_world.node).certificates.bind("burrows", cert.read_bytes())
    box = drawing("uk-box")

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, pki=pki) as listener:
            context = _client_context(pki, "burrows-tablet")
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", listener.tls_port, ssl=context, server_hostname="localhost"
            )
            receiver = Receiver(reader)
            _, uk = await asyncio.open_connection("127.0.0.1", listener.tcp_port)
            uk.write(wire(box))
            await uk.drain()
            got = await receiver.wait_for(lambda e: e.uid == "uk-box")
            assert got == box
            uk.close()
            writer.close()

    run_async(scenario())
    assert parse_event(wire(box)) == box


def test_devices_joining_later_are_sent_what_is_current_for_their_party(
    sqlite_world: World, pki: PKI
) -> None:
    from tests.picture.support import operation, square

    certificates = tak_for(sqlite_world.node).certificates
    for name in ("deane-early", "deane-late"):
        certificates.bind("deane", pki.client(name)[0].read_bytes())
    tak_for(sqlite_world.node).ingest.ingest("burrows", [position("UK-BEFORE", releasable_to="us")])

    async def connect(listener: object, name: str) -> tuple[Receiver, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1",
            listener.tls_port,  # type: ignore[attr-defined]
            ssl=_client_context(pki, name),
            server_hostname="localhost",
        )
        return Receiver(reader), writer

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, pki=pki) as listener:
            early, early_writer = await connect(listener, "deane-early")
            await early.wait_for(lambda e: e.uid == "UK-BEFORE")
            await asyncio.to_thread(operation, sqlite_world.node, "burrows", ref="uk-1")
            await asyncio.to_thread(
                operation, sqlite_world.node, "deane", ref="us-1", footprint=square(10.005, 50.005)
            )
            marker = await early.wait_for(lambda e: e.uid.startswith("liaison.conflict."))
            late, late_writer = await connect(listener, "deane-late")
            await late.wait_for(lambda e: e.uid == "UK-BEFORE")
            again = await late.wait_for(lambda e: e.uid == marker.uid)
            assert again.remarks == marker.remarks
            us_ops = await late.wait_for(lambda e: e.uid.startswith("liaison.op."))
            assert "us operation us-1" in (us_ops.remarks or "")
            for writer in (early_writer, late_writer):
                writer.close()

    run_async(scenario())
