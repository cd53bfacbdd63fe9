"""Fixtures for the TAK tests: a world on SQLite (and on PostgreSQL where the test says so),
and a PKI made in the test with trustme."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from liaison.api import create_app
from liaison.tak import Tak, tak_for
from tests.api.support import BASE_URL, Api, InProcessTransport
from tests.conftest import World
from tests.tak.support import PKI


@pytest.fixture
def tak(sqlite_world: World) -> Tak:
    return tak_for(sqlite_world.node)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    """The API over a fresh world, on every backend."""
    transport = InProcessTransport(create_app(world.node))
    with httpx.Client(base_url=BASE_URL, transport=transport) as http:
        yield Api(http, world, transport)
    transport.shutdown()
