"""Who is calling: bearer tokens to members, members to the party they read as.

Every route but the public ones (``/healthz``, ``/v1/node``, the OpenAPI
document and the docs page) takes a :data:`CallerDep`, so a route cannot
forget to authenticate. A missing token, an unknown or revoked one, and a
member whose authority the record no longer shows all give the same 401: the
answer must not help anyone guess tokens or probe the roster.

A member reads as their party (``Caller.party``): releasability is a matter
between parties, so every read passes that party to the service layer as the
reader.

The web page authenticates with a session cookie instead (see
:mod:`liaison.web.sessions`): when a request has no bearer token, :data:`bearer`
hands on the cookie as credentials of the ``Session`` scheme, so every route,
and the live stream's re-check of its caller, accepts either. A request that
changes anything on the strength of the cookie alone must carry the session's
``X-Liaison-CSRF`` header, since a browser sends cookies on any site's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from liaison.domain.member import Authority
from liaison.errors import NotAuthenticated, NotFound, NotPermitted
from liaison.node import Node
from liaison.services.roster import authenticate_authority
from liaison.web.sessions import CSRF_HEADER, SESSION_COOKIE, csrf_matches, find_session

__all__ = [
    "SESSION_SCHEME",
    "Caller",
    "CallerDep",
    "NodeDep",
    "bearer",
    "current_caller",
    "node_of",
]

#: the scheme of credentials that came from the web session cookie, not a header
SESSION_SCHEME = "Session"

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _BearerOrSession(HTTPBearer):
    """A bearer token if the request has one, else the web session cookie."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        given = await super().__call__(request)
        if given is not None:
            return given
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        method = request.scope.get("method", "GET")
        if method not in _SAFE_METHODS and not csrf_matches(
            cookie, request.headers.get(CSRF_HEADER)
        ):
            raise NotPermitted(
                f"a request signed in by the web session cookie must carry the session's "
                f"{CSRF_HEADER} header to change anything"
            )
        return HTTPAuthorizationCredentials(scheme=SESSION_SCHEME, credentials=cookie)


bearer = _BearerOrSession(
    auto_error=False,
    bearerFormat="lsn_…",
    description="A member's API token, as printed once by `liaison member add`.",
)

_REFUSED = "a valid member token is required"


@dataclass(frozen=True)
class Caller:
    """An authenticated member and their authority as the record shows it now."""

    authority: Authority

    @property
    def member(self) -> str:
        return self.authority.member

    @property
    def party(self) -> str:
        """The party the member reads as: the reader of every read they make."""
        return self.authority.party


async def node_of(request: Request) -> Node:
    node = request.app.state.node
    assert isinstance(node, Node)
    return node


NodeDep = Annotated[Node, Depends(node_of)]


def current_caller(
    node: NodeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is not None and credentials.scheme == SESSION_SCHEME:
        session = find_session(node.store, credentials.credentials)
        if session is None:
            raise NotAuthenticated(_REFUSED)
        try:
            authority = node.record.authority(session.member)
        except NotFound:
            raise NotAuthenticated(_REFUSED) from None
    else:
        token = credentials.credentials if credentials is not None else None
        authority = authenticate_authority(node.record, token)
    if authority.revoked:
        raise NotAuthenticated(_REFUSED)
    return Caller(authority)


CallerDep = Annotated[Caller, Depends(current_caller)]
