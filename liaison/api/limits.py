"""Refuse oversize request bodies before anything parses them.

Why a middleware and not a check in the routes: by the time a route runs,
FastAPI has already read and parsed the whole body, so a client could make the
server hold and parse any amount of JSON. Here a declared ``Content-Length``
over the limit is refused at once, unread; a body without one (chunked) is
read only up to the limit and then refused, so no request ever costs more
than ``max_bytes`` of memory. The refusal is the usual problem document (413,
``too-large``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison.api.problems import problem_response
from liaison.errors import InvalidInput, TooLarge

__all__ = ["DEFAULT_MAX_BODY", "BodyLimit"]

#: the default largest request body: a batch of ordinary entries fits well within it
DEFAULT_MAX_BODY = 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                bad = InvalidInput("Content-Length is not a number")
                await self._refuse(scope, receive, send, bad)
                return
            if length > self.max_bytes:
                await self._refuse(scope, receive, send, self._too_large())
                return
            # The server enforces that the body is exactly as long as declared.
            await self.app(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._refuse(scope, receive, send, self._too_large())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _too_large(self) -> TooLarge:
        return TooLarge(f"the request body is over the limit of {self.max_bytes} bytes")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: InvalidInput) -> None:
        response = problem_response(exc.slug, exc.title, exc.status, exc.detail)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then passes through (disconnects)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
