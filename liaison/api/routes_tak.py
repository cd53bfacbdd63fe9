"""TAK over HTTP: CoT posted by a member, the picture as KML, and the party's drafts.

``POST /v1/cot`` takes the same stream a TAK connection carries (one or more events, with or
without XML declarations) and records it for the calling member exactly as the CoT listener
would (:mod:`liaison.tak.ingest`): each event succeeds or fails on its own, and the answer lists
what became of each, with the stable code of every problem. ``GET /v1/picture.kml`` is the
caller's party's picture as KML. Drafts from TAK devices are listed, confirmed into operations
or control measures, or discarded under ``/v1/tak/drafts``. Every read is made as the caller's
party; a draft of another party is the same 404 as no draft.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from liaison.api.auth import CallerDep, NodeDep
from liaison.cot import CotError, CotFramer, parse_event
from liaison.errors import InvalidInput
from liaison.services.picture import window_of
from liaison.tak.kml import KML_MEDIA_TYPE, picture_kml
from liaison.tak.listener import ListenerConfig
from liaison.tak.service import tak_for

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["tak"])

#: the listener's per-event limit applies to events posted over HTTP too
_MAX_EVENT_BYTES = ListenerConfig().max_event_bytes

StartQ = Annotated[
    str | None, Query(description="Window start (ISO 8601 with a zone); give end too.")
]
EndQ = Annotated[str | None, Query(description="Window end (exclusive).")]
AtQ = Annotated[str | None, Query(description="One instant instead of a window.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfirmIn(_In):
    """What a draft becomes, and what the drawing could not say."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    as_: Literal["operation", "measure"] = Field(alias="as")
    kind: str = Field(description="air_strike, ground_movement, ...; or restricted_area, ...")
    ref: str | None = Field(None, description="The party's label (default: tak-<hash of uid>).")
    name: str | None = None
    start: str | None = Field(None, description="Default: the event's start.")
    end: str | None = Field(None, description="Default: the event's stale time.")
    altitude: dict[str, Any] | None = None
    radius_m: float | None = Field(None, description="A marker's radius, to make it an area.")
    corridor_m: float | None = Field(
        None, description="Half-width of the corridor around a line or route, to make an area."
    )
    binds: list[str] | None = Field(None, description="A measure: the parties it binds.")
    permitted_sides: dict[str, Literal["left", "right"]] | None = None
    depth_m: float | None = None
    restricts: list[str] | None = None
    note: str | None = None
    release: list[str] | None = Field(
        None, description="Default: the release the device asked for (releasableTo)."
    )


class DiscardIn(_In):
    note: str | None = None


_COT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {
                "schema": {"type": "string"},
                "example": '<event version="2.0" uid="ANDROID-1" type="a-f-G-U-C" how="m-g" '
                'time="2044-07-12T16:30:00Z" start="2044-07-12T16:30:00Z" '
                'stale="2044-07-12T16:35:00Z"><point lat="50.0" lon="10.0" hae="0" ce="5" '
                'le="5"/><detail><contact callsign="ALPHA"/></detail></event>',
            }
        },
    }
}


@router.post(
    "/cot",
    summary="Record CoT events (one or more, as a TAK stream carries them) for the caller",
    openapi_extra=_COT_BODY,
)
async def post_cot(request: Request, caller: CallerDep, node: NodeDep) -> JSONResponse:
    data = await request.body()
    framer = CotFramer(max_event_bytes=_MAX_EVENT_BYTES, max_connection_bytes=None, max_errors=None)
    frames = framer.feed(data)
    problems = [*framer.take_errors(), *framer.close()]
    events = []
    for frame in frames:
        try:
            events.append(parse_event(frame, max_bytes=_MAX_EVENT_BYTES))
        except CotError as exc:
            problems.append(exc)
    errors = [{"code": p.code, "message": p.message, "offset": p.offset} for p in problems]
    if not events:
        first = f": {problems[0].code}: {problems[0].message}" if problems else ""
        raise InvalidInput(f"the body holds no valid CoT event{first}", errors=errors)
    outcomes = await run_in_threadpool(tak_for(node).ingest.ingest, caller.member, events)
    return JSONResponse({"events": [o.to_json() for o in outcomes], "errors": errors})


@router.get(
    "/picture.kml",
    summary="The caller's party's picture as KML (Google Earth, ATAK)",
    response_class=Response,
    responses={200: {"content": {KML_MEDIA_TYPE: {}}}},
)
async def picture_as_kml(
    caller: CallerDep, node: NodeDep, start: StartQ = None, end: EndQ = None, at: AtQ = None
) -> Response:
    window = window_of(start, end, at)
    body = await run_in_threadpool(picture_kml, node.picture, caller.party, window)
    return Response(
        body,
        media_type=KML_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="liaison-{caller.party}.kml"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/tak/drafts", summary="The party's drafts from TAK devices (open ones by default)")
def drafts(
    caller: CallerDep,
    node: NodeDep,
    closed: Annotated[bool, Query(description="Also deleted, confirmed and discarded.")] = False,
) -> JSONResponse:
    return JSONResponse({"drafts": tak_for(node).drafts.drafts(caller.party, closed=closed)})


@router.get("/tak/drafts/{draft}", summary="One draft of the party, in its latest version")
def draft(caller: CallerDep, node: NodeDep, draft: str) -> JSONResponse:
    return JSONResponse(tak_for(node).drafts.draft(caller.party, draft))


@router.post(
    "/tak/drafts/{draft}/confirm",
    summary="Make a draft an operation or a control measure of the party",
)
def confirm(caller: CallerDep, node: NodeDep, draft: str, body: ConfirmIn) -> JSONResponse:
    params = body.model_dump(by_alias=True, exclude_none=True)
    result = tak_for(node).drafts.confirm(caller.member, draft, params)
    return JSONResponse(result, status_code=201)


@router.post("/tak/drafts/{draft}/discard", summary="Close a draft without confirming it")
def discard(caller: CallerDep, node: NodeDep, draft: str, body: DiscardIn) -> JSONResponse:
    return JSONResponse(tak_for(node).drafts.discard(caller.member, draft, body.note))
