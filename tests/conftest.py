"""Shared fixtures: a fresh store on every backend, and a small populated node.

``store_url`` is parametrised over SQLite and PostgreSQL so that the same
contract tests run on both. PostgreSQL tests use a fresh schema on the server
named by ``LIAISON_TEST_PG`` (default: the local server's ``test`` database);
they are skipped only when that server is unreachable *and* ``CI`` is not set:
in CI an unreachable PostgreSQL is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from liaison.node import Node
from liaison.services.roster import Appointment

# The machine running the suite is shared and noisy: Hypothesis's per-example
# deadline would turn a slow moment into a failure that says nothing about the code.
settings.register_profile("liaison", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("liaison")

PG_URL = os.environ.get("LIAISON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}, and CI requires it")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL} (not in CI)")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A SQLAlchemy URL whose search_path is a fresh schema, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = pg_server.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "liaison.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@dataclass
class World:
    """A node with three parties and members of every role, as most tests need."""

    node: Node
    tmp: Path
    members: dict[str, Appointment]

    def token(self, member: str) -> str:
        return self.members[member].token


PARTIES = {"uk": "United Kingdom", "us": "United States", "su": "Soviet Union"}
MEMBERS = [
    # member, party, role, topics
    ("eden", "uk", "plenipotentiary", ["*"]),
    ("kerr", "uk", "officer", ["diplomacy"]),
    ("burrows", "uk", "commander", ["coordination"]),
    ("watcher", "uk", "observer", ["*"]),
    ("deane", "us", "commander", ["coordination"]),
    ("harriman", "us", "plenipotentiary", ["*"]),
    ("molotov", "su", "plenipotentiary", ["*"]),
    ("slavin", "su", "commander", ["coordination"]),
]


def make_world(url: str, tmp: Path) -> World:
    node, _ = Node.create(url, tmp / f"node-{secrets.token_hex(4)}.key", "liaison.test/record")
    for party, name in PARTIES.items():
        node.roster.add_party(party, name)
    members = {
        member: node.roster.appoint(member, party, member.title(), role, {"topics": topics})
        for member, party, role, topics in MEMBERS
    }
    return World(node, tmp, members)


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    w = make_world(store_url, tmp_path)
    yield w
    w.node.close()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    w = make_world(str(tmp_path / "liaison.db"), tmp_path)
    yield w
    w.node.close()
