"""Running the API under uvicorn.

``serve`` is what ``liaison serve`` calls with a node it opened. Live streams
are long-lived connections; a graceful-shutdown limit makes sure a stopping
server does not wait on them for ever (sse-starlette also ends them when
uvicorn signals an exit). For several processes over one PostgreSQL store,
run ``uvicorn liaison.api.app:factory --factory`` with ``LIAISON_DB`` and
``LIAISON_NODE_KEY`` set, once per process or with ``--workers``.
"""

from __future__ import annotations

import asyncio
from types import FrameType

import uvicorn

from liaison.api.app import create_app, create_app_from_settings, factory
from liaison.node import Node
from liaison.tak.listener import ListenerConfig, serve_with_listener

__all__ = ["GRACEFUL_SHUTDOWN_SECONDS", "create_app_from_settings", "factory", "serve"]

#: how long a stopping server lets open requests and streams finish
GRACEFUL_SHUTDOWN_SECONDS = 5


class _Server(uvicorn.Server):
    """uvicorn's server, except that the signal which stopped it is not raised again once it
    has shut down.

    Why: uvicorn, after its graceful shutdown, raises SIGTERM or SIGINT again with the default
    action restored, so a SIGTERM ended the process right there (status -15) — before the CoT
    listener had appended the events it had read and queued, stopped its planning workers,
    and before the node was closed. Here ``serve`` returns, everything closes in order, and the
    process ends with status 0.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # What capture_signals would raise again once the server has shut down.
        self._captured_signals.clear()


def serve(
    node: Node,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    cot: ListenerConfig | None = None,
) -> None:
    """Serve the API over ``node`` until interrupted; the caller still owns (closes) the node.

    With ``cot``, the CoT listener for TAK devices runs on the same event loop.
    """
    config = uvicorn.Config(
        create_app(node, freeze_gc=True),
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
    server = _Server(config)
    if cot is None:
        server.run()
        return
    asyncio.run(serve_with_listener(node, cot, server.serve))
