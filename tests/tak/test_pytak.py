"""A real TAK client, PyTAK (from PyPI), against the listener: TCP and TLS, in and out.

PyTAK builds its own events (``pytak.gen_cot``), frames its own stream (``TXWorker``), opens its
own TLS connection with a client certificate (``protocol_factory``) and reads events the way TAK
clients do (``RXWorker.readcot``: up to ``</event>``). Two devices: a uk one on the plain port
bound to ``burrows``, a us one over TLS whose certificate is bound to ``deane``.
"""

from __future__ import annotations

import asyncio
import warnings
import xml.etree.ElementTree as ET
from configparser import ConfigParser, SectionProxy
from typing import Any

import pytest

from liaison.cot import CotFramer, parse_event
from liaison.tak import tak_for
from tests.conftest import World
from tests.tak.support import PKI, run_async, running_listener, until

with warnings.catch_warnings():
    # PyTAK warns at import that its optional aiohttp extra (certificate enrollment over
    # HTTPS, not used here) is not installed.
    warnings.simplefilter("ignore", UserWarning)
    import pytak

pytestmark = [
    pytest.mark.timeout(180),
    # PyTAK sets ssl.OP_NO_TLSv1 and OP_NO_TLSv1_1 on its client context, which Python 3.11
    # deprecates; the warning is PyTAK's, not ours.
    pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning"),
]


def _config(url: str, **extra: str) -> SectionProxy:
    parser = ConfigParser()
    parser["pytak"] = {"COT_URL": url, **extra}
    return parser["pytak"]


def _event(uid: str, *, lat: float, releasable_to: str | None = None) -> bytes:
    element = pytak.gen_cot_xml(
        lat=lat, lon=10.0, ce=5, hae=120, le=9, uid=uid, stale=900, cot_type="a-f-G-U-C",
        callsign=uid,
    )  # fmt: skip
    assert isinstance(element, ET.Element)
    if releasable_to is not None:
        element.set("releasableTo", releasable_to)
    data: bytes = pytak.serialize_cot(element)
    return data


class _Collect(pytak.RXWorker):  # type: ignore[misc]
    async def handle_data(self, data: bytes) -> None:
        """The events stay on the queue for the test to read."""


class Device:
    """One PyTAK client: a TX worker sending what is queued, an RX worker collecting."""

    def __init__(self, config: SectionProxy) -> None:
        self.config = config
        self.tx: asyncio.Queue[bytes] = asyncio.Queue()
        self.rx: asyncio.Queue[bytes] = asyncio.Queue()
        self.received: dict[str, Any] = {}
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        reader, writer = await pytak.protocol_factory(self.config)
        self.writer = writer
        self.tasks = [
            asyncio.create_task(pytak.TXWorker(self.tx, self.config, writer).run()),
            asyncio.create_task(_Collect(self.rx, self.config, reader).run()),
        ]

    async def send(self, data: bytes) -> None:
        await self.tx.put(data)

    async def wait_for(self, uid: str, timeout: float = 30) -> Any:
        async with asyncio.timeout(timeout):
            while uid not in self.received:
                data = await self.rx.get()
                for frame in CotFramer().feed(data):
                    event = parse_event(frame)
                    self.received[event.uid] = event
        return self.received[uid]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.tasks:
            self.writer.close()


def _units(world: World, party: str) -> set[str]:
    return {u["unit"] for u in world.node.picture.units(party) if u["party"] == party}


def test_pytak_over_tcp_and_tls_reports_and_receives_only_what_is_released(
    sqlite_world: World, pki: PKI
) -> None:
    cert, key = pki.client("deane-pytak")
    tak_for(sqlite_world.node).certificates.bind("deane", cert.read_bytes(), "PyTAK")

    async def scenario() -> None:
        async with running_listener(sqlite_world.node, member="burrows", pki=pki) as listener:
            uk = Device(_config(f"tcp://127.0.0.1:{listener.tcp_port}"))
            us = Device(
                _config(
                    f"tls://127.0.0.1:{listener.tls_port}",
                    PYTAK_TLS_CLIENT_CERT=str(cert),
                    PYTAK_TLS_CLIENT_KEY=str(key),
                    PYTAK_TLS_CLIENT_CAFILE=str(pki.ca_file),
                    PYTAK_TLS_SERVER_EXPECTED_HOSTNAME="localhost",
                )
            )
            try:
                await uk.start()
                await us.start()
                await us.send(_event("PYTAK-US-1", lat=50.5))
                await uk.send(_event("PYTAK-UK-SHOWN", lat=50.1, releasable_to="us"))
                await uk.send(_event("PYTAK-UK-HIDDEN", lat=50.2))
                await until(lambda: _units(sqlite_world, "us") == {"PYTAK-US-1"})
                await until(
                    lambda: _units(sqlite_world, "uk") == {"PYTAK-UK-SHOWN", "PYTAK-UK-HIDDEN"}
                )
                await uk.send(_event("PYTAK-UK-LAST", lat=50.3, releasable_to="us"))
                shown = await us.wait_for("PYTAK-UK-SHOWN")
                await us.wait_for("PYTAK-UK-LAST")
                assert "PYTAK-UK-HIDDEN" not in us.received
                assert shown.callsign == "PYTAK-UK-SHOWN"
                assert shown.point.ce == 5
                # The us position was not released to uk: the uk device never gets it.
                await uk.send(_event("PYTAK-UK-PING-ORDER", lat=50.4, releasable_to="us"))
                await us.wait_for("PYTAK-UK-PING-ORDER")
                assert "PYTAK-US-1" not in uk.received
            finally:
                await uk.stop()
                await us.stop()
            assert [clog.errors for clog in listener.connections.values() if clog.errors] == []

    run_async(scenario())
    (us_unit,) = [u for u in sqlite_world.node.picture.units("us") if u["party"] == "us"]
    assert us_unit["author"] == "deane"
    assert sqlite_world.node.picture.units("su") == []
