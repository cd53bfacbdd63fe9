"""Checkpoints, Merkle proofs and stamps: what lets a party check the log itself.

These carry only stamps (sequence number, entry id, append time) and hashes,
never content, so they are served to every member whatever they may read:
a party must be able to check the existence and order of entries it cannot
read (design invariant 4). The entry ids in stamps are salted commitments and
reveal nothing of the content.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["proofs"])

Size = Annotated[int, Query(ge=1)]


@router.get(
    "/checkpoint",
    response_model=schemas.CheckpointOut,
    summary="The latest signed checkpoint (signing a new one if the log grew)",
)
def checkpoint(_caller: CallerDep, node: NodeDep) -> JSONResponse:
    return JSONResponse(schemas.checkpoint_json(node.proofs.checkpoint()))


@router.get(
    "/checkpoints",
    response_model=schemas.Checkpoints,
    summary="Every signed checkpoint, oldest first",
)
def checkpoints(_caller: CallerDep, node: NodeDep) -> JSONResponse:
    rows = node.proofs.checkpoints()
    return JSONResponse({"checkpoints": [schemas.checkpoint_json(r) for r in rows]})


@router.get(
    "/proofs/inclusion",
    response_model=schemas.InclusionOut,
    summary="Proof that the entry at a sequence number is in the tree of a given size",
)
def inclusion(
    _caller: CallerDep,
    node: NodeDep,
    seq: Size,
    tree_size: Annotated[int | None, Query(ge=1, description="Default: the current size.")] = None,
) -> JSONResponse:
    return JSONResponse(schemas.inclusion_json(node.proofs.inclusion(seq, tree_size)))


@router.get(
    "/proofs/consistency",
    response_model=schemas.ConsistencyOut,
    summary="Proof that the tree of size `second` extends the tree of size `first`",
)
def consistency(
    _caller: CallerDep,
    node: NodeDep,
    first: Size,
    second: Annotated[int | None, Query(ge=1, description="Default: the current size.")] = None,
) -> JSONResponse:
    return JSONResponse(schemas.consistency_json(node.proofs.consistency(first, second)))


@router.get(
    "/stamps",
    response_model=schemas.Stamps,
    summary="The public commitments of a range of the log (at most 10,000)",
)
def stamps(_caller: CallerDep, node: NodeDep, first: Size, last: Size) -> JSONResponse:
    found = node.proofs.stamps(first, last)
    return JSONResponse({"stamps": [schemas.stamp_json(s) for s in found]})
