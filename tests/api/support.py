"""Calling the API in-process, and running it on a real port when a test needs one.

``InProcessTransport`` is a synchronous httpx transport that calls the ASGI
application directly (through ``httpx.ASGITransport`` on a private event loop
thread), so the very same ``httpx.Client`` and ``liaison.Client`` code paths
run in tests as against a server. It buffers each response whole, so live
streams, which never end, are tested against :func:`running_server`: uvicorn
on a free localhost port in a thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio.from_thread
import httpx
import uvicorn
from fastapi import FastAPI

from tests.conftest import World

__all__ = ["Api", "InProcessTransport", "running_server"]

BASE_URL = "http://liaison.test"


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: FastAPI) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def call() -> tuple[int, httpx.Headers, bytes]:
            inner = httpx.Request(
                request.method, request.url, headers=request.headers, content=content
            )
            response = await self._asgi.handle_async_request(inner)
            body = await response.aread()
            return response.status_code, response.headers, body

        status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Nothing: several clients share one transport; the fixture that made it shuts it down."""

    def shutdown(self) -> None:
        self._stack.close()


@dataclass
class Api:
    """An in-process HTTP client of one world's node, acting as any of its members."""

    http: httpx.Client
    world: World
    transport: InProcessTransport

    def auth(self, member: str | None) -> dict[str, str]:
        return {} if member is None else {"Authorization": f"Bearer {self.world.token(member)}"}

    def get(self, path: str, member: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(member), **kwargs.pop("headers", {})}
        return self.http.get(path, headers=headers, **kwargs)

    def post(self, path: str, member: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(member), **kwargs.pop("headers", {})}
        return self.http.post(path, headers=headers, **kwargs)

    def note(self, member: str, text: str, **fields: Any) -> dict[str, Any]:
        """Append a note through the API; it must be accepted."""
        payload = {"kind": "note", "body": {"text": text}, **fields}
        response = self.post("/v1/entries", member, json=payload)
        assert response.status_code == 201, response.text
        entry: dict[str, Any] = response.json()
        return entry


@contextlib.contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free localhost port; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
