"""Fixtures for the command line: a runner in a fresh folder, and an initialised store in it.

Every test runs in its own ``tmp_path`` as the current folder, because the
commands' defaults (``liaison.db``, ``liaison-node.key``, ``./<member>.key``)
are relative to it, and with every ``LIAISON_*`` variable cleared so that the
environment of whoever runs the suite cannot change what a command does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.support import Cli, record_size


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path, CliRunner())


@pytest.fixture
def initialised(cli: Cli) -> Cli:
    """A store in the runner's folder with two parties on it."""
    cli.ok("init")
    cli.ok("party", "add", "uk", "United Kingdom")
    cli.ok("party", "add", "us", "United States")
    return cli


@pytest.fixture
def size_of(cli: Cli) -> Callable[[], int]:
    """The size of the record in the runner's folder, read through the library."""
    return lambda: record_size(str(cli.folder / "liaison.db"), cli.folder / "liaison-node.key")
