"""Appending entries and reading them back, always as the caller's party.

Every read passes ``caller.party`` to the service layer, which filters by
release in SQL: a list, a count, a text search and a lookup by id can only
ever see what is released to the caller. A lookup of an entry that exists but
is not released, of one that does not exist, and of a malformed id all raise
the same :class:`~liaison.errors.NotFound`, so the three responses are
identical byte for byte.

The routes are plain ``def`` functions: the service layer is synchronous
(SQLAlchemy, the group-commit writer), so FastAPI runs them in its thread
pool, where concurrent appends are batched into one durable commit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from starlette.responses import JSONResponse

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.api.problems import error_body
from liaison.errors import InvalidInput, LiaisonError
from liaison.store.queries import EntryFilter

__all__ = ["MAX_BATCH", "router"]

#: the most entries one batch request may carry
MAX_BATCH = 1000
#: the largest page of entries
MAX_PAGE = 1000

router = APIRouter(prefix="/v1/entries", tags=["entries"])

KindQ = Annotated[
    str | None,
    Query(description="An entry kind, or a family such as `member.*`.", max_length=200),
]
PartyQ = Annotated[str | None, Query(description="The party that wrote it.", max_length=64)]
AuthorQ = Annotated[str | None, Query(description="The member who wrote it.", max_length=64)]
TextQ = Annotated[
    str | None,
    Query(description="Case-insensitive text anywhere in the content.", max_length=500),
]
AfterQ = Annotated[int, Query(ge=0, description="Only entries with a greater sequence number.")]


def _filter(
    kind: str | None,
    party: str | None,
    author: str | None,
    text: str | None,
    after: int = 0,
    limit: int = 100,
) -> EntryFilter:
    return EntryFilter(kind=kind, party=party, author=author, text=text, after=after, limit=limit)


@router.post(
    "",
    status_code=201,
    response_model=schemas.Entry,
    summary="Append an entry",
    responses={201: {"headers": {"Location": {"description": "The new entry's URL."}}}},
)
def append(caller: CallerDep, node: NodeDep, entry: schemas.AppendBody) -> JSONResponse:
    stored = node.record.append(entry.to_request(caller.member))
    return JSONResponse(
        stored.to_json(), status_code=201, headers={"Location": f"/v1/entries/{stored.id}"}
    )


@router.post(
    "/batch",
    response_model=schemas.BatchResult,
    summary="Append many entries, each accepted or refused on its own",
)
def append_batch(
    caller: CallerDep,
    node: NodeDep,
    entries: Annotated[list[schemas.AppendBody], Body(description="At most 1000 entries.")],
) -> JSONResponse:
    if len(entries) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} entries, not {len(entries)}")
    results = node.record.append_many([e.to_request(caller.member) for e in entries])
    items: list[dict[str, object]] = []
    for result in results:
        if isinstance(result, LiaisonError):
            items.append({"problem": error_body(result)})
        else:
            items.append({"entry": result.to_json()})
    return JSONResponse({"results": items})


@router.get("", response_model=schemas.EntryPage, summary="List entries released to the caller")
def list_entries(
    caller: CallerDep,
    node: NodeDep,
    kind: KindQ = None,
    party: PartyQ = None,
    author: AuthorQ = None,
    text: TextQ = None,
    after: AfterQ = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> JSONResponse:
    found = node.record.list(caller.party, _filter(kind, party, author, text, after, limit))
    next_after = found[-1].seq if len(found) == limit else None
    return JSONResponse({"entries": [e.to_json() for e in found], "next_after": next_after})


@router.get("/count", response_model=schemas.Count, summary="Count entries released to the caller")
def count_entries(
    caller: CallerDep,
    node: NodeDep,
    kind: KindQ = None,
    party: PartyQ = None,
    author: AuthorQ = None,
    text: TextQ = None,
    after: AfterQ = 0,
) -> JSONResponse:
    count = node.record.count(caller.party, _filter(kind, party, author, text, after))
    return JSONResponse({"count": count})


@router.get("/{entry_id}", response_model=schemas.Entry, summary="Read one entry")
def get_entry(caller: CallerDep, node: NodeDep, entry_id: str) -> JSONResponse:
    return JSONResponse(node.record.get(caller.party, entry_id).to_json())


@router.get(
    "/{entry_id}/versions",
    response_model=schemas.Versions,
    summary="Every version of an entry the caller may read, oldest first",
)
def entry_versions(caller: CallerDep, node: NodeDep, entry_id: str) -> JSONResponse:
    chain = node.record.versions(caller.party, entry_id)
    return JSONResponse({"versions": [e.to_json() for e in chain]})
