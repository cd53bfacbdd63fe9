"""Fixtures for the HTTP API: the application over a world's node, called in-process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from liaison.api import create_app
from tests.api.support import BASE_URL, Api, InProcessTransport
from tests.conftest import World


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    """The API over a fresh world, on every backend."""
    transport = InProcessTransport(create_app(world.node))
    with httpx.Client(base_url=BASE_URL, transport=transport) as http:
        yield Api(http, world, transport)
    transport.shutdown()


@pytest.fixture
def sqlite_api(sqlite_world: World) -> Iterator[Api]:
    """The API over a fresh SQLite world, for tests where storage does not matter."""
    transport = InProcessTransport(create_app(sqlite_world.node))
    with httpx.Client(base_url=BASE_URL, transport=transport) as http:
        yield Api(http, sqlite_world, transport)
    transport.shutdown()
