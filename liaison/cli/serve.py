"""Running the HTTP API over a store, and the demonstration node behind ``make demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from liaison.cli.connect import open_node
from liaison.cli.options import (
    DEFAULT_DB,
    DEFAULT_HOST,
    DEFAULT_NODE_KEY,
    DEFAULT_PORT,
    DbOption,
    HostOption,
    NodeKeyOption,
    PortOption,
)
from liaison.cli.output import out

__all__ = ["demo", "serve"]


def serve(
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
) -> None:
    """Run the HTTP API (OpenAPI at /openapi.json, docs at /docs) until interrupted."""
    from liaison.api.server import serve as run_server

    with open_node(db, node_key) as node:
        out().print(
            f"Serving {escape(node.store.safe_url)} at http://{escape(host)}:{port} "
            "(Ctrl-C to stop)"
        )
        run_server(node, host, port)


def demo(
    directory: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="PATH",
            help="The folder for the demo store, keys and tokens (replaced if it exists).",
        ),
    ] = Path(".demo"),
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
) -> None:
    """Build a fresh demonstration record with three parties and their members, and serve it."""
    from liaison.api.server import serve as run_server
    from liaison.demo import build_demo, instructions

    # Plain print: the instructions hold long tokens and commands meant to be copied whole,
    # which Rich would wrap at the terminal's width.
    node, members = build_demo(directory, say=print)
    try:
        url = f"http://{host}:{port}"
        print(instructions(members, url, directory))
        run_server(node, host, port)
    finally:
        node.close()
