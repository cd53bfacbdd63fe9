"""The node itself: health, identity, the kinds it accepts, and a member's export.

``/healthz`` and ``/v1/node`` are public on purpose: a load balancer must
check health without a token, and a party must be able to fetch the node's
public key and checkpoint verifier key before it trusts anything else the
node says (and compare them with what it was told out of band).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response, StreamingResponse

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.api.problems import UNAVAILABLE, problem_response
from liaison.ledger.signing import b64e
from liaison.services.bundle import export_lines

__all__ = ["router"]

router = APIRouter(tags=["node"])

#: export lines are sent in chunks of about this many bytes, to keep the stream
#: cheap (one hop to the worker thread per chunk, not per entry)
_EXPORT_CHUNK = 64 * 1024


def _version() -> str:
    from liaison import __version__

    return __version__


@router.get("/healthz", response_model=schemas.Health, summary="Liveness and store reachability")
def healthz(node: NodeDep) -> Response:
    try:
        node.store.ping()
    except Exception:
        return problem_response(
            UNAVAILABLE.slug, UNAVAILABLE.title, UNAVAILABLE.status, "the store is not reachable"
        )
    return JSONResponse({"status": "ok"})


@router.get(
    "/v1/node",
    response_model=schemas.NodeOut,
    summary="The node's origin, public key and checkpoint verifier key (public)",
)
def node_info(node: NodeDep) -> JSONResponse:
    return JSONResponse(
        {
            "origin": node.record.origin,
            "public_key": b64e(bytes(node.record.node_key.verify_key)),
            "verifier_key": node.proofs.verifier_key,
            "version": _version(),
        }
    )


@router.get("/v1/kinds", response_model=schemas.Kinds, summary="The entry kinds this node accepts")
def kinds(_caller: CallerDep, node: NodeDep) -> JSONResponse:
    return JSONResponse({"kinds": [schemas.kind_json(spec) for spec in node.record.kinds]})


def _chunked(lines: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= _EXPORT_CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


@router.get(
    "/v1/export",
    summary="The caller's export bundle (JSON lines): what their party may read, plus stamps",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/jsonl": {}}}},
)
def export(caller: CallerDep, node: NodeDep) -> StreamingResponse:
    # The header line signs a checkpoint first, so any problem with the log is
    # a proper error response here, before the stream starts.
    lines = export_lines(node, caller.party)
    first = next(lines)

    def body() -> Iterator[bytes]:
        yield first.encode("utf-8")
        yield from _chunked(lines)

    return StreamingResponse(
        body(),
        media_type="application/jsonl",
        headers={"Content-Disposition": 'attachment; filename="liaison-export.jsonl"'},
    )
