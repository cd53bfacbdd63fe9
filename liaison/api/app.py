"""The application: routes, one error shape, a body limit, and the live hub.

``create_app(node)`` builds the FastAPI application over a node the caller
owns (tests, ``liaison serve``). ``factory`` builds it from the settings
(``LIAISON_DB``, ``LIAISON_NODE_KEY``) for ``uvicorn liaison.api.app:factory
--factory``, so that several API processes can serve one PostgreSQL store:
nothing here holds state another process could not also hold.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from liaison.api import (
    routes_agreements,
    routes_entries,
    routes_meetings,
    routes_messages,
    routes_node,
    routes_picture,
    routes_proofs,
    routes_roster,
    routes_tak,
    stream,
)
from liaison.api.limits import DEFAULT_MAX_BODY, BodyLimit
from liaison.api.problems import (
    PROBLEM_MEDIA_TYPE,
    install_problem_handlers,
    method_index,
    problem_catalogue,
    problem_type,
)
from liaison.api.schemas import Problem
from liaison.config import setting
from liaison.node import Node
from liaison.services.periodic import Periodic
from liaison.web import routes as web_routes

__all__ = ["create_app", "create_app_from_settings", "factory"]

log = logging.getLogger("liaison.api")

_DESCRIPTION = """\
The HTTP API of a Liaison node: a signed, releasable, verifiable record shared
by independent parties.

Authenticate with a member's token: `Authorization: Bearer lsn_...`. Every
read is made as the member's party and sees only what is released to it.
Every error is an RFC 9457 problem (`application/problem+json`) whose `type`
is one of:

{types}
"""


def _description() -> str:
    rows = "\n".join(
        f"- `{problem_type(slug)}` ({status}): {title}"
        for slug, (status, title) in sorted(problem_catalogue().items())
    )
    return _DESCRIPTION.format(types=rows)


_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "A problem (RFC 9457)",
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
    },
}


def create_app(
    node: Node,
    *,
    owns_node: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    ping_seconds: float = stream.DEFAULT_PING_SECONDS,
    poll_seconds: float = stream.DEFAULT_POLL_SECONDS,
    compliance_seconds: float = 60.0,
    freeze_gc: bool = False,
) -> FastAPI:
    """The API over ``node``; with ``owns_node`` the node is closed when the app shuts down.

    At start, before serving, the deconfliction index is built from the store (a projection,
    like every view) and whatever was appended since the latest conflict notice is checked, so
    that no request pays for the build. With ``freeze_gc`` (a server process: ``liaison serve``,
    the factory) the objects alive then are frozen out of the cyclic garbage collector: a large
    index would otherwise be re-scanned by every full collection, pauses of tens of ms landing
    inside requests. While the app runs, the compliance check runs every ``compliance_seconds``
    (0: never), so that obligations broken by time passing are found without waiting for an
    append.
    """
    hub = stream.LiveHub(node.record, poll_interval=poll_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        await asyncio.to_thread(node.picture.refresh)
        items = len(node.picture.live().index)
        if freeze_gc:
            gc.collect()
            gc.freeze()
        log.info(
            "deconfliction index built in %.2f s (%d items)",
            time.perf_counter() - started,
            items,
        )
        timer = None
        if compliance_seconds > 0:
            timer = Periodic("liaison-compliance", compliance_seconds, node.agreements.check)
            timer.start()
        try:
            yield
        finally:
            if timer is not None:
                timer.stop()
            hub.stop()
            if owns_node:
                node.close()

    from liaison import __version__

    app = FastAPI(
        title="Liaison",
        version=__version__,
        description=_description(),
        lifespan=lifespan,
        responses=_PROBLEM_RESPONSES,
    )
    app.state.node = node
    app.state.live_hub = hub
    app.state.ping_seconds = ping_seconds
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=max_body)
    modules = (routes_node, routes_roster, routes_entries, stream, routes_proofs, web_routes)
    routers = [module.router for module in modules]
    routers.append(routes_picture.router)
    routers.append(routes_messages.router)
    routers.append(routes_agreements.router)
    routers.append(routes_meetings.router)
    routers.append(routes_tak.router)
    for router in routers:
        app.include_router(router)
    app.state.method_index = method_index(
        [*app.router.routes, *(route for router in routers for route in router.routes)]
    )
    return app


def create_app_from_settings() -> FastAPI:
    """The API over the store and node key named by the settings (environment)."""
    node = Node.open(setting("db").value(), setting("node_key").value())
    return create_app(node, owns_node=True, freeze_gc=True)


def factory() -> FastAPI:
    """For ``uvicorn liaison.api.app:factory --factory``: one node per worker process."""
    return create_app_from_settings()
