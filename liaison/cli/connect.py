"""Opening what a command works on: a node over a store, or a client of a server.

The library is imported inside these functions, not at the top of the CLI, so
that ``liaison --help`` and a member's commands against a server start without
loading the store, the migrations and the SQL drivers they never use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from liaison.errors import InvalidInput

if TYPE_CHECKING:
    from liaison.client import Client
    from liaison.node import Node

__all__ = ["open_client", "open_node", "progress_bar"]


@contextmanager
def open_node(db: str, node_key: str) -> Iterator[Node]:
    """The node over an existing store, closed (writer stopped, connections released) after."""
    from liaison.node import Node

    node = Node.open(db, node_key)
    try:
        yield node
    finally:
        node.close()


@contextmanager
def open_client(url: str, token: str, key: str = "") -> Iterator[Client]:
    """A client of the server at ``url`` acting as the member the token belongs to."""
    from liaison.client import Client

    if not token:
        raise InvalidInput("a member token is needed: pass --token or set LIAISON_TOKEN")
    signing_key = None
    if key:
        from liaison.ledger.signing import BadKeyError, KeyFile

        try:
            signing_key = KeyFile.read(Path(key))
        except BadKeyError as exc:
            raise InvalidInput(str(exc)) from exc
    client = Client(url, token, key=signing_key)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback ``(done, total)`` drawn on stderr, so stdout stays clean for pipes."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
