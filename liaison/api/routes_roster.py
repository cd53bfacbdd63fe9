"""Who is on the record and with what authority, at any moment.

The roster is read from the record itself: ``party.add`` and
``member.appoint`` entries are released to every party (so that every party
can check every signature and every member's authority), and a member's
authority at a moment comes from the roster projection through the service
layer. Nothing here needs more than what any member may already read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.domain.entry import StoredEntry
from liaison.node import Node
from liaison.services.record import parse_time_param
from liaison.store.queries import EntryFilter

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["roster"])

_PAGE = 1000


def _all_of_kind(node: Node, reader: str, kind: str) -> Iterator[StoredEntry]:
    after = 0
    while True:
        page = node.record.list(reader, EntryFilter(kind=kind, after=after, limit=_PAGE))
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].seq


@router.get("/me", response_model=schemas.AuthorityOut, summary="The caller's own authority")
def me(caller: CallerDep) -> JSONResponse:
    return JSONResponse(schemas.authority_json(caller.authority))


@router.get("/parties", response_model=schemas.Parties, summary="The parties on the record")
def parties(caller: CallerDep, node: NodeDep) -> JSONResponse:
    found: list[dict[str, Any]] = [
        {
            "id": entry.content.body["party"],
            "name": entry.content.body["name"],
            "default_release": list(entry.content.body.get("default_release", [])),
            "seq": entry.seq,
        }
        for entry in _all_of_kind(node, caller.party, "party.add")
    ]
    found.sort(key=lambda p: str(p["id"]))
    return JSONResponse({"parties": found})


@router.get(
    "/members", response_model=schemas.Members, summary="Every member and their authority now"
)
def members(
    caller: CallerDep,
    node: NodeDep,
    party: Annotated[str | None, Query(description="Only this party's members.")] = None,
) -> JSONResponse:
    ids = sorted(
        entry.content.body["member"]
        for entry in _all_of_kind(node, caller.party, "member.appoint")
        if party is None or entry.content.body["party"] == party
    )
    found = [schemas.authority_json(node.record.authority(member)) for member in ids]
    return JSONResponse({"members": found})


@router.get(
    "/members/{member}/authority",
    response_model=schemas.AuthorityOut,
    summary="A member's authority now, or at any past moment",
)
def authority(
    _caller: CallerDep,
    node: NodeDep,
    member: str,
    at: Annotated[
        str | None, Query(description="An ISO 8601 instant in UTC (default: now).")
    ] = None,
) -> JSONResponse:
    found = node.record.authority(member, parse_time_param(at))
    return JSONResponse(schemas.authority_json(found))
