"""Options shared by many commands, each taken from its setting in :mod:`liaison.config`.

A setting has one name, default, help text and environment variable
(``LIAISON_<NAME>``); building every option from that one list is what keeps
``--help``, ``docs/cli.md`` and the settings table telling the same story.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from liaison.config import setting

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_HOST",
    "DEFAULT_KEY",
    "DEFAULT_NODE_KEY",
    "DEFAULT_ORIGIN",
    "DEFAULT_PORT",
    "DEFAULT_TOKEN",
    "DEFAULT_URL",
    "DbOption",
    "HostOption",
    "JsonOption",
    "KeyOption",
    "NodeKeyOption",
    "OriginOption",
    "PortOption",
    "TokenOption",
    "UrlOption",
]


def _option(name: str, *, secret: bool = False, metavar: str | None = None) -> Any:
    """The option for a setting (typed Any, as typer's own ``Option`` is, for use in Annotated)."""
    item = setting(name)
    option: Any = typer.Option(
        "--" + name.replace("_", "-"),
        envvar=item.env,
        show_envvar=True,
        help=item.help,
        metavar=metavar,
        # A secret's value must never be echoed by --help, even when it comes from the environment.
        show_default=not secret,
    )
    return option


DEFAULT_DB = setting("db").default
DEFAULT_NODE_KEY = setting("node_key").default
DEFAULT_ORIGIN = setting("origin").default
DEFAULT_URL = setting("url").default
DEFAULT_TOKEN = setting("token").default
DEFAULT_KEY = setting("key").default
DEFAULT_HOST = setting("host").default
DEFAULT_PORT = int(setting("port").default)

DbOption = Annotated[str, _option("db", metavar="URL")]
NodeKeyOption = Annotated[str, _option("node_key", metavar="PATH")]
OriginOption = Annotated[str, _option("origin", metavar="NAME")]
UrlOption = Annotated[str, _option("url", metavar="URL")]
TokenOption = Annotated[str, _option("token", secret=True, metavar="TOKEN")]
KeyOption = Annotated[str, _option("key", secret=True, metavar="PATH")]
HostOption = Annotated[str, _option("host", metavar="ADDRESS")]
PortOption = Annotated[int, _option("port", metavar="PORT")]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for machines instead of a table.")
]
