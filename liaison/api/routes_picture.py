"""The operational picture over HTTP: operations, units, measures, conflicts, GeoJSON.

Every route acts as the caller: writes are appended with the caller's authority (the record
checks role, mandate and the picture's guards), reads are made as the caller's party through
the release filter, so a route never shows a party an entry not released to it. Conflict
notices reach each party on the live stream (``GET /v1/stream``) like any other entry released
to it. Errors never repeat what was sent: an unknown or unreleased operation, measure, conflict
or arrangement is the same 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from liaison.api.auth import CallerDep, NodeDep
from liaison.domain.entry import StoredEntry
from liaison.geometry import TimeWindow
from liaison.services.picture import window_of

__all__ = ["router"]

router = APIRouter(prefix="/v1/picture", tags=["picture"])

GEOJSON_MEDIA_TYPE = "application/geo+json"

StartQ = Annotated[
    str | None, Query(description="Window start (ISO 8601 with a zone); give end too.")
]
EndQ = Annotated[str | None, Query(description="Window end (exclusive).")]
AtQ = Annotated[str | None, Query(description="One instant instead of a window.")]
EndedQ = Annotated[bool, Query(description="Include completed, cancelled or withdrawn ones.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VolumeIn(_In):
    """One 4D volume of an operation."""

    footprint: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon, or a Point with radius_m (metres)."
    )
    altitude: dict[str, Any] | None = Field(
        None, description="{datum: AMSL|AGL|HAE, lower_m, upper_m}; null: surface to unlimited."
    )
    start: str
    end: str


class OperationIn(_In):
    ref: str = Field(description="The party's own label, unique among its live operations.")
    kind: str = Field(description="air_strike, artillery_fire, ground_movement, air_drop, ...")
    name: str = ""
    state: Literal["planned", "active"] = "planned"
    volumes: list[VolumeIn] = Field(min_length=1, max_length=64)
    note: str | None = None
    release: list[str] | None = Field(None, description="Parties to release to.")


class OperationAmendIn(_In):
    kind: str | None = None
    name: str | None = None
    state: Literal["planned", "active", "completed", "cancelled"] | None = None
    volumes: list[VolumeIn] | None = None
    note: str | None = None
    release: list[str] | None = None


class UnitIn(_In):
    unit: str
    name: str = ""
    position: dict[str, Any] = Field(description="A GeoJSON Point.")
    time: str
    stale_time: str
    symbol_code: str = Field(description="MIL-STD-2525 SIDC: 15 characters, or 20/30 digits.")
    heading_deg: float | None = None
    speed_mps: float | None = None
    release: list[str] | None = None


class MeasureIn(_In):
    ref: str
    kind: str = Field(description="bomb_line, no_fire_area, restricted_operating_zone, ...")
    name: str = ""
    geometry: dict[str, Any] = Field(description="A GeoJSON LineString, or a footprint.")
    valid_from: str
    valid_until: str
    binds: list[str]
    permitted_sides: dict[str, Literal["left", "right"]] | None = None
    depth_m: float | None = None
    altitude: dict[str, Any] | None = None
    restricts: list[str] | None = None
    schedule: dict[str, Any] | None = None
    agreement_ref: str | None = None
    note: str | None = None
    release: list[str] | None = None


class MeasureAmendIn(_In):
    name: str | None = None
    geometry: dict[str, Any] | None = None
    validity: dict[str, str] | None = None
    binds: list[str] | None = None
    permitted_sides: dict[str, Literal["left", "right"]] | None = None
    depth_m: float | None = None
    altitude: dict[str, Any] | None = None
    restricts: list[str] | None = None
    schedule: dict[str, Any] | None = None
    agreement_ref: str | None = None
    note: str | None = None
    release: list[str] | None = None


class ConsentIn(_In):
    operation: str | None = Field(None, description="An entry id of the operation, if released.")
    conflict: str | None = Field(None, description="Or the conflict your party was notified of.")
    note: str | None = None


class NoteIn(_In):
    note: str | None = None


class ArrangementIn(_In):
    text: str = Field(description="What the parties agree to do.")


class SignatureIn(_In):
    key_id: str
    signature: str = Field(
        description="Ed25519 signature (base64) of the arrangement entry's content bytes."
    )


class CheckIn(_In):
    start: str | None = None
    end: str | None = None


def _created(entry: StoredEntry) -> JSONResponse:
    return JSONResponse(
        entry.to_json(), status_code=201, headers={"Location": f"/v1/entries/{entry.id}"}
    )


def _window(start: str | None, end: str | None, at: str | None) -> TimeWindow | None:
    return window_of(start, end, at)


def _volumes(volumes: list[VolumeIn] | None) -> list[dict[str, Any]] | None:
    return None if volumes is None else [v.model_dump() for v in volumes]


# --- the time-window query ----------------------------------------------------------------


@router.get("", summary="Operations, units and measures current during a window")
def picture(
    caller: CallerDep,
    node: NodeDep,
    start: StartQ = None,
    end: EndQ = None,
    at: AtQ = None,
) -> JSONResponse:
    return JSONResponse(node.picture.picture(caller.party, _window(start, end, at)))


# --- operations ---------------------------------------------------------------------------


@router.get("/operations", summary="Operations the caller may see, during a window")
def operations(
    caller: CallerDep,
    node: NodeDep,
    start: StartQ = None,
    end: EndQ = None,
    at: AtQ = None,
    ended: EndedQ = False,
) -> JSONResponse:
    window = _window(start, end, at)
    return JSONResponse({"operations": node.picture.operations(caller.party, window, ended=ended)})


@router.post("/operations", status_code=201, summary="Put a new operation on the record")
def create_operation(caller: CallerDep, node: NodeDep, operation: OperationIn) -> JSONResponse:
    entry = node.picture.create_operation(
        caller.member,
        ref=operation.ref,
        kind=operation.kind,
        name=operation.name,
        state=operation.state,
        volumes=_volumes(operation.volumes) or [],
        note=operation.note,
        release=operation.release,
    )
    return _created(entry)


@router.get("/operations/{operation}", summary="One operation, by entry id or own ref")
def get_operation(caller: CallerDep, node: NodeDep, operation: str) -> JSONResponse:
    return JSONResponse(node.picture.operation(caller.party, operation))


@router.post(
    "/operations/{operation}/amend", status_code=201, summary="A new version of an operation"
)
def amend_operation(
    caller: CallerDep, node: NodeDep, operation: str, changes: OperationAmendIn
) -> JSONResponse:
    entry = node.picture.amend_operation(
        caller.member,
        operation,
        kind=changes.kind,
        name=changes.name,
        state=changes.state,
        volumes=_volumes(changes.volumes),
        note=changes.note,
        release=changes.release,
    )
    return _created(entry)


@router.post("/operations/{operation}/cancel", status_code=201, summary="Cancel an operation")
def cancel_operation(caller: CallerDep, node: NodeDep, operation: str) -> JSONResponse:
    return _created(node.picture.cancel_operation(caller.member, operation))


# --- units --------------------------------------------------------------------------------


@router.get("/units", summary="Each unit's latest report the caller may see")
def units(
    caller: CallerDep,
    node: NodeDep,
    start: StartQ = None,
    end: EndQ = None,
    at: AtQ = None,
) -> JSONResponse:
    return JSONResponse({"units": node.picture.units(caller.party, _window(start, end, at))})


@router.post("/units", status_code=201, summary="Report a unit's position")
def report_unit(caller: CallerDep, node: NodeDep, report: UnitIn) -> JSONResponse:
    entry = node.picture.report_unit(
        caller.member,
        unit=report.unit,
        name=report.name,
        position=report.position,
        time=report.time,
        stale_time=report.stale_time,
        symbol_code=report.symbol_code,
        heading_deg=report.heading_deg,
        speed_mps=report.speed_mps,
        release=report.release,
    )
    return _created(entry)


# --- control measures ---------------------------------------------------------------------


@router.get("/measures", summary="Control measures the caller may see, in force during a window")
def measures(
    caller: CallerDep,
    node: NodeDep,
    start: StartQ = None,
    end: EndQ = None,
    at: AtQ = None,
    ended: EndedQ = False,
) -> JSONResponse:
    window = _window(start, end, at)
    return JSONResponse({"measures": node.picture.measures(caller.party, window, ended=ended)})


@router.post("/measures", status_code=201, summary="Put a line or an area on the record")
def create_measure(caller: CallerDep, node: NodeDep, measure: MeasureIn) -> JSONResponse:
    fields = measure.model_dump(exclude={"release"})
    return _created(node.picture.create_measure(caller.member, release=measure.release, **fields))


@router.post("/measures/{measure}/amend", status_code=201, summary="A new version of a measure")
def amend_measure(
    caller: CallerDep, node: NodeDep, measure: str, changes: MeasureAmendIn
) -> JSONResponse:
    fields = changes.model_dump(exclude={"release"}, exclude_none=True)
    return _created(
        node.picture.amend_measure(caller.member, measure, release=changes.release, **fields)
    )


@router.post("/measures/{measure}/withdraw", status_code=201, summary="Withdraw a measure")
def withdraw_measure(caller: CallerDep, node: NodeDep, measure: str) -> JSONResponse:
    return _created(node.picture.withdraw_measure(caller.member, measure))


@router.post(
    "/measures/{measure}/consents",
    status_code=201,
    summary="Let one operation enter one of your restricted areas",
)
def consent(caller: CallerDep, node: NodeDep, measure: str, consent: ConsentIn) -> JSONResponse:
    entry = node.picture.consent(
        caller.member,
        measure,
        operation=consent.operation,
        conflict=consent.conflict,
        note=consent.note,
    )
    return _created(entry)


# --- conflicts ----------------------------------------------------------------------------


@router.get("/conflicts", summary="Conflicts the caller's party was notified of")
def conflicts(
    caller: CallerDep,
    node: NodeDep,
    status: Annotated[
        Literal["open", "acknowledged", "arranged", "cleared"] | None,
        Query(description="Only conflicts with this status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    found = node.picture.conflicts(caller.party, status=status, limit=limit)
    return JSONResponse({"conflicts": found})


@router.get("/conflicts/{conflict}", summary="One conflict, with every notice the caller got")
def get_conflict(caller: CallerDep, node: NodeDep, conflict: str) -> JSONResponse:
    return JSONResponse(node.picture.conflict(caller.party, conflict))


@router.post(
    "/conflicts/{conflict}/acknowledge",
    status_code=201,
    summary="Acknowledge the current revision of a conflict",
)
def acknowledge(
    caller: CallerDep, node: NodeDep, conflict: str, note: NoteIn | None = None
) -> JSONResponse:
    text = note.note if note is not None else None
    return _created(node.picture.acknowledge(caller.member, conflict, text))


@router.post(
    "/conflicts/{conflict}/arrangements",
    status_code=201,
    summary="Propose a deconfliction arrangement to every party involved",
)
def propose_arrangement(
    caller: CallerDep, node: NodeDep, conflict: str, arrangement: ArrangementIn
) -> JSONResponse:
    return _created(node.picture.propose_arrangement(caller.member, conflict, arrangement.text))


@router.post(
    "/arrangements/{arrangement}/signatures",
    status_code=201,
    summary="Record a commander's signature of an arrangement, made on their side",
)
def sign_arrangement(
    caller: CallerDep, node: NodeDep, arrangement: str, signature: SignatureIn
) -> JSONResponse:
    entry = node.picture.sign_arrangement(
        caller.member, arrangement, signature.key_id, signature.signature
    )
    return _created(entry)


@router.post("/check", summary="Detect conflicts now, during a window (all time if none)")
def check(caller: CallerDep, node: NodeDep, window: CheckIn | None = None) -> JSONResponse:
    span = _window(window.start, window.end, None) if window is not None else None
    return JSONResponse({"conflicts": node.picture.check(caller.party, span)})


# --- GeoJSON ------------------------------------------------------------------------------


@router.get(
    "/geojson",
    summary="An RFC 7946 FeatureCollection of what the caller may see",
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
def export_geojson(
    caller: CallerDep,
    node: NodeDep,
    start: StartQ = None,
    end: EndQ = None,
    at: AtQ = None,
) -> JSONResponse:
    collection = node.picture.export_geojson(caller.party, _window(start, end, at))
    return JSONResponse(collection, media_type=GEOJSON_MEDIA_TYPE)


@router.post("/geojson", summary="Import the caller's party's items from a FeatureCollection")
def import_geojson(
    caller: CallerDep,
    node: NodeDep,
    collection: Annotated[dict[str, Any], Body(description="An RFC 7946 FeatureCollection.")],
    release: Annotated[
        list[str] | None, Query(description="Parties to release new entries to.")
    ] = None,
) -> JSONResponse:
    return JSONResponse(node.picture.import_geojson(caller.member, collection, release))
