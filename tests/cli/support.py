"""Running ``liaison`` in-process for the tests, and reading back what it did to the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from liaison.cli import app
from liaison.config import SETTINGS
from liaison.node import Node

__all__ = ["CLEAN_ENV", "Cli", "record_size"]

CLEAN_ENV: dict[str, str | None] = {s.env: None for s in SETTINGS} | {"COLUMNS": "200"}


@dataclass
class Cli:
    """Runs ``liaison`` in-process in one folder."""

    folder: Path
    runner: CliRunner

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return self.runner.invoke(app, list(args), input=input, env={**CLEAN_ENV, **(env or {})})

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run a command that must succeed; a failure shows what it printed."""
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kwargs).stdout)


def record_size(db: str, node_key: str | Path) -> int:
    node = Node.open(db, node_key)
    try:
        return node.record.size()
    finally:
        node.close()
