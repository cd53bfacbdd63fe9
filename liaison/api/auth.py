"""Who is calling: bearer tokens to members, members to the party they read as.

Every route but the public ones (``/healthz``, ``/v1/node``, the OpenAPI
document and the docs page) takes a :data:`CallerDep`, so a route cannot
forget to authenticate. A missing token, an unknown or revoked one, and a
member whose authority the record no longer shows all give the same 401: the
answer must not help anyone guess tokens or probe the roster.

A member reads as their party (``Caller.party``): releasability is a matter
between parties, so every read passes that party to the service layer as the
reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from liaison.domain.member import Authority
from liaison.errors import NotAuthenticated, NotFound
from liaison.node import Node
from liaison.services.roster import authenticate

__all__ = ["Caller", "CallerDep", "NodeDep", "bearer", "current_caller", "node_of"]

bearer = HTTPBearer(
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


def node_of(request: Request) -> Node:
    node = request.app.state.node
    assert isinstance(node, Node)
    return node


NodeDep = Annotated[Node, Depends(node_of)]


def current_caller(
    node: NodeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    token = credentials.credentials if credentials is not None else None
    member = authenticate(node.record, token)
    try:
        authority = node.record.authority(member)
    except NotFound:
        raise NotAuthenticated(_REFUSED) from None
    if authority.revoked:
        raise NotAuthenticated(_REFUSED)
    return Caller(authority)


CallerDep = Annotated[Caller, Depends(current_caller)]
