"""Fixtures for the agreements tests: a desk over the two-backend world."""

from __future__ import annotations

import pytest

from tests.agreements.support import Desk
from tests.conftest import World


@pytest.fixture
def desk(world: World) -> Desk:
    return Desk(world)


@pytest.fixture
def sqlite_desk(sqlite_world: World) -> Desk:
    return Desk(sqlite_world)
