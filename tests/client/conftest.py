"""Fixtures for the client: ``liaison.Client`` over the API of a world's node, in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from liaison import Client
from liaison.api import create_app
from liaison.ledger.signing import KeyFile
from tests.api.support import BASE_URL, InProcessTransport
from tests.conftest import World

Connect = Callable[..., Client]


@contextmanager
def connector(world: World) -> Iterator[Connect]:
    """``connect(member, key=..., wrap=..., verifier_key=...)`` over one in-process app."""
    transport = InProcessTransport(create_app(world.node))
    clients: list[Client] = []

    def connect(
        member: str | None = None,
        *,
        key: KeyFile | None = None,
        wrap: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
        verifier_key: str | None = None,
    ) -> Client:
        client = Client(
            BASE_URL,
            world.token(member) if member else None,
            key=key,
            transport=wrap(transport) if wrap else transport,
            verifier_key=verifier_key,
        )
        clients.append(client)
        return client

    try:
        yield connect
    finally:
        for client in clients:
            client.close()
        transport.shutdown()


@pytest.fixture
def connect(world: World) -> Iterator[Connect]:
    """A client acting as any member (or anonymous), on every backend."""
    with connector(world) as connect_:
        yield connect_


@pytest.fixture
def sqlite_connect(sqlite_world: World) -> Iterator[Connect]:
    """The same on SQLite only, for tests where storage does not matter."""
    with connector(sqlite_world) as connect_:
        yield connect_
