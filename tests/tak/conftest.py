"""Fixtures for the TAK tests: a world on SQLite (and on PostgreSQL where the test says so),
and a PKI made in the test with trustme."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison.tak import Tak, tak_for
from tests.conftest import World, make_world
from tests.tak.support import PKI


@pytest.fixture
def tak(sqlite_world: World) -> Tak:
    return tak_for(sqlite_world.node)


@pytest.fixture
def any_world(store_url: str, tmp_path: Path) -> Iterator[World]:
    """The world on every backend (the record's contract: SQLite and PostgreSQL)."""
    w = make_world(store_url, tmp_path)
    yield w
    w.node.close()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))
