"""Fixtures for the picture over HTTP: the app in-process, and a picture client per member."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from liaison.api import create_app
from liaison.client import Client
from liaison.client_picture import PictureClient
from tests.api.support import BASE_URL, Api, InProcessTransport
from tests.conftest import World

Pictures = Callable[..., PictureClient]


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    """The API over a fresh world, on every backend."""
    transport = InProcessTransport(create_app(world.node))
    with httpx.Client(base_url=BASE_URL, transport=transport) as http:
        yield Api(http, world, transport)
    transport.shutdown()


@pytest.fixture
def pictures(api: Api) -> Iterator[Pictures]:
    """``pictures(member, signing=False)``: a PictureClient acting as that member."""
    clients: list[Client] = []

    def connect(member: str, *, signing: bool = False) -> PictureClient:
        key = api.world.members[member].key if signing else None
        client = Client(BASE_URL, api.world.token(member), key=key, transport=api.transport)
        clients.append(client)
        return PictureClient(client)

    yield connect
    for client in clients:
        client.close()
