"""Settings: each has a name, a default and help text, in one list.

Every setting can be given on the command line or in the environment
(``LIAISON_<NAME>``); the docs' settings table is generated from this list and
a test fails when one is missing there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["SETTINGS", "Setting", "setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return "LIAISON_" + self.name.upper()

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        "liaison.db",
        "The store: a SQLite file path or any SQLAlchemy URL (postgresql+psycopg://...).",
    ),
    Setting("node_key", "liaison-node.key", "The node's Ed25519 key file, made by `liaison init`."),
    Setting(
        "origin", "liaison.local/record", "The log's origin name, written in every checkpoint."
    ),
    Setting("url", "http://127.0.0.1:8000", "The server a member's commands talk to."),
    Setting("token", "", "A member's API token (shown once by `liaison member add`)."),
    Setting("key", "", "A member's key file, for signing on the member's own side."),
    Setting("host", "127.0.0.1", "The address `liaison serve` listens on."),
    Setting("port", "8000", "The HTTP port `liaison serve` listens on."),
)


def setting(name: str) -> Setting:
    for item in SETTINGS:
        if item.name == name:
            return item
    raise KeyError(name)
