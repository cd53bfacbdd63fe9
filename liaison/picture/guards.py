"""The picture's rules that need the record, run inside the write transaction.

Why guards and not checks in the service: two processes sharing one PostgreSQL may append at the
same moment; only a check made inside the serialised write transaction, after the entries before
it in the same batch are applied, can refuse the second of two operations claiming one label, a
second notice for the same revision, or a signature over an arrangement that has just become
stale. Refusals name what is wrong and never describe another party's unreleased entries: a
conflict a party was not notified of is simply not found.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape as geojson_shape
from sqlalchemy import Connection, Table, select

from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import format_time
from liaison.errors import Conflict, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.geometry import Area, Circle, Line, decode_shape
from liaison.geometry.earth import WGS84
from liaison.ledger.signing import b64d, verify
from liaison.picture.model import region_geojson
from liaison.projections.picture import (
    ARRANGEMENT,
    proj_picture_acks,
    proj_picture_arrangements,
    proj_picture_conflicts,
    proj_picture_consents,
    proj_picture_measures,
    proj_picture_notices,
    proj_picture_operations,
    proj_picture_signatures,
    proj_picture_subjects,
)
from liaison.services.guards import GuardContext
from liaison.store import queries as q

__all__ = [
    "TRANSITIONS",
    "guard_acknowledge",
    "guard_arrangement",
    "guard_consent",
    "guard_measure",
    "guard_notice",
    "guard_operation",
    "guard_sign",
    "guard_unit",
    "latest_version",
    "shapely_of",
]

#: the states an operation may move to from each state (completed and cancelled are final)
TRANSITIONS = {
    "planned": frozenset({"planned", "active", "completed", "cancelled"}),
    "active": frozenset({"active", "completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
_CIRCLE_SIDES = 72


def _party(ctx: GuardContext) -> str:
    if ctx.party is None or ctx.authority is None:
        raise NotPermitted(f"{ctx.kind} entries are written by a member for their party")
    return ctx.party


def latest_version(conn: Connection, table: Table, **where: str) -> Any:
    """The latest version (a row no other row supersedes) matching ``where``, or None."""
    newer = select(table.c.supersedes).where(table.c.supersedes.is_not(None))
    query = select(table).where(table.c.id.not_in(newer))
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    return conn.execute(query.order_by(table.c.seq.desc()).limit(1)).first()


def _unwrapped(coords: Any) -> list[tuple[float, float]]:
    """Positions with longitudes made continuous: no step of more than 180° between
    neighbours, so a ring or line across the antimeridian runs past ±180 instead of
    jumping round the world on the lon/lat plane (mandates hold copies at ±360°)."""
    xy = np.asarray(coords, dtype=float)
    lons = np.unwrap(xy[:, 0], period=360.0)
    return list(zip(lons.tolist(), xy[:, 1].tolist(), strict=True))


def _unwrapped_polygons(geometry: Any) -> Any:
    """A lon/lat (Multi)Polygon with each ring's longitudes made continuous."""
    parts = getattr(geometry, "geoms", None)
    if parts is None:
        parts = [geometry]
    if not all(isinstance(p, shapely.Polygon) for p in parts):
        return geometry
    return shapely.MultiPolygon(
        [
            shapely.Polygon(
                _unwrapped(p.exterior.coords), [_unwrapped(r.coords) for r in p.interiors]
            )
            for p in parts
        ]
    )


def shapely_of(shape: Area | Circle | Line) -> Any:
    """A planar lon/lat shapely geometry of a shape, to test against a mandate's areas."""
    if isinstance(shape, Circle):
        azimuths = np.linspace(0.0, 360.0, _CIRCLE_SIDES, endpoint=False)
        lons, lats, _ = WGS84.fwd(
            np.full(_CIRCLE_SIDES, shape.lon),
            np.full(_CIRCLE_SIDES, shape.lat),
            azimuths,
            np.full(_CIRCLE_SIDES, shape.radius_m),
        )
        return shapely.Polygon(_unwrapped(np.column_stack((lons, lats))))
    if isinstance(shape, Line):
        return shapely.LineString(_unwrapped(shape.coords))
    return _unwrapped_polygons(
        shapely.MultiPolygon(
            [shapely.Polygon(rings[0], list(rings[1:])) for rings in shape.polygons]
        )
    )


def _covers(ctx: GuardContext, geometry: Any, what: str) -> None:
    assert ctx.authority is not None
    if not ctx.authority.mandate.covers_geometry(geometry):
        raise NotPermitted(f"the mandate of {ctx.author} does not cover {what}")


def _release_includes(ctx: GuardContext, parties: set[str], why: str) -> None:
    if ALL_PARTIES in ctx.release:
        return
    missing = sorted(parties - set(ctx.release))
    if missing:
        raise InvalidInput(f"{why}: release it to {', '.join(missing)} too")


def _release_exactly(ctx: GuardContext, parties: list[str]) -> None:
    if sorted(ctx.release) != sorted(set(parties)):
        raise InvalidInput(f"this entry must be released to exactly {sorted(set(parties))}")


# --- operations, units, measures ----------------------------------------------------------


def guard_operation(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    for i, volume in enumerate(body["volumes"]):
        footprint = decode_shape(volume["footprint"])
        assert isinstance(footprint, Area | Circle)
        _covers(ctx, shapely_of(footprint), f"the footprint of volume {i}")
    table = proj_picture_operations
    if ctx.supersedes is None:
        if body["state"] not in ("planned", "active"):
            raise InvalidInput("a new operation is planned or active")
        same = latest_version(ctx.conn, table, party=party, ref=body["ref"])
        if same is not None and same.state in ("planned", "active"):
            raise Conflict(f"your party already has a live operation {body['ref']}; amend it")
        return
    old = ctx.conn.execute(select(table).where(table.c.id == ctx.supersedes)).first()
    if old is None:
        raise NotFound(f"no operation {ctx.supersedes} to amend")
    if body["state"] not in TRANSITIONS[old.state]:
        if not TRANSITIONS[old.state]:
            raise Conflict(f"operation {old.ref} is {old.state}; it can no longer change")
        raise InvalidInput(f"an operation that is {old.state} cannot become {body['state']}")
    if body["ref"] != old.ref:
        raise InvalidInput(f"an amendment keeps the operation's ref ({old.ref})")


def guard_unit(ctx: GuardContext) -> None:
    _party(ctx)


def guard_measure(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    unknown = sorted(set(body["binds"]) - {p.id for p in q.parties(ctx.conn)})
    if unknown:
        raise InvalidInput(f"a measure cannot bind unknown parties: {', '.join(unknown)}")
    _release_includes(ctx, set(body["binds"]), "a measure is released to every party it binds")
    geometry = decode_shape(body["geometry"])
    assert isinstance(geometry, Area | Circle | Line)
    _covers(ctx, shapely_of(geometry), "the measure's geometry")
    table = proj_picture_measures
    if ctx.supersedes is None:
        if body["state"] != "in_force":
            raise InvalidInput("a new measure is in force")
        same = latest_version(ctx.conn, table, party=party, ref=body["ref"])
        if same is not None and same.state == "in_force":
            raise Conflict(f"your party already has a measure {body['ref']} in force; amend it")
        return
    old = ctx.conn.execute(select(table).where(table.c.id == ctx.supersedes)).first()
    if old is None:
        raise NotFound(f"no measure {ctx.supersedes} to amend")
    if old.state != "in_force":
        raise Conflict(f"measure {old.ref} has been withdrawn; it can no longer change")
    if body["ref"] != old.ref:
        raise InvalidInput(f"an amendment keeps the measure's ref ({old.ref})")


def _restricting_area(ctx: GuardContext, measure_id: str, party: str) -> Any:
    table = proj_picture_measures
    row = ctx.conn.execute(select(table).where(table.c.id == measure_id)).first()
    if row is None or row.party != party:
        raise NotFound("no such measure of your party")
    latest = latest_version(ctx.conn, table, root=row.root)
    entry = q.get_entry(ctx.conn, latest.id, party)
    assert entry is not None
    if latest.state != "in_force":
        raise Conflict(f"measure {row.ref} has been withdrawn")
    if isinstance(decode_shape(entry.content.body["geometry"]), Line):
        raise InvalidInput("consent applies to an area; a line binds by its permitted sides")
    return latest


def guard_consent(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    measure = _restricting_area(ctx, body["measure"], party)
    ops = proj_picture_operations
    if body["operation"] is not None:
        if q.get_entry(ctx.conn, body["operation"], party) is None:
            raise NotFound("no such operation")
        op = ctx.conn.execute(select(ops).where(ops.c.id == body["operation"])).first()
        if op is None:
            raise NotFound("no such operation")
        root = op.root
    else:
        _notified(ctx, body["conflict"], party)
        subjects = {
            (r.type, r.key)
            for r in ctx.conn.execute(
                select(proj_picture_subjects).where(
                    proj_picture_subjects.c.conflict == body["conflict"]
                )
            )
        }
        roots = [key for kind, key in subjects if kind == "operation"]
        if ("measure", measure.root) not in subjects or not roots:
            raise InvalidInput("this conflict is not about an operation entering that area")
        root = roots[0]
    op_party = ctx.conn.execute(select(ops.c.party).where(ops.c.id == root)).scalar()
    if op_party == party:
        raise InvalidInput("your own operations need no consent to enter your own areas")
    _release_includes(ctx, {str(op_party)}, "the party of the operation must learn of the consent")
    table = proj_picture_consents
    if ctx.conn.execute(
        select(table.c.id).where(table.c.operation == root, table.c.measure == measure.root)
    ).first():
        raise Conflict("your party has already consented to that operation entering that area")


# --- conflicts: notices and resolution ----------------------------------------------------


def _conflict(ctx: GuardContext, conflict: str) -> Any:
    return ctx.conn.execute(
        select(proj_picture_conflicts).where(proj_picture_conflicts.c.conflict == conflict)
    ).first()


def _latest_notice(ctx: GuardContext, conflict: str, party: str) -> Any:
    return latest_version(ctx.conn, proj_picture_notices, conflict=conflict, party=party)


def _notified(ctx: GuardContext, conflict: str, party: str) -> Any:
    """The conflict, if ``party`` was notified of it; else the same NotFound as no conflict."""
    row = _conflict(ctx, conflict)
    if row is None or _latest_notice(ctx, conflict, party) is None:
        raise NotFound("no such conflict")
    return row


def guard_notice(ctx: GuardContext) -> None:
    body = ctx.body
    if ctx.party is not None:
        raise NotPermitted("conflict notices are written by the node")
    _release_exactly(ctx, [body["party"]])
    if body["party"] not in body["parties"]:
        raise InvalidInput("a notice goes to one of the conflict's parties")
    latest = _latest_notice(ctx, body["conflict"], body["party"])
    if (latest.id if latest is not None else None) != ctx.supersedes:
        raise Conflict("the notice does not supersede the party's latest notice of this conflict")
    row = _conflict(ctx, body["conflict"])
    if row is None:
        if body["revision"] != 1 or body["status"] != "open":
            raise Conflict("a conflict is first notified open, as revision 1")
        return
    if body["revision"] < row.revision:
        raise Conflict(f"the conflict is already at revision {row.revision}")
    if body["revision"] > row.revision + 1:
        raise InvalidInput(f"the next revision of this conflict is {row.revision + 1}")


def _open_revision(row: Any, revision: int) -> None:
    if row.status == "cleared":
        raise Conflict("this conflict has been cleared")
    if revision != row.revision:
        raise Conflict(
            f"the conflict has changed since revision {revision}; it is at revision "
            f"{row.revision}: answer that one"
        )


def guard_acknowledge(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    row = _notified(ctx, body["conflict"], party)
    _open_revision(row, body["revision"])
    _release_exactly(ctx, json.loads(row.parties))
    table = proj_picture_acks
    if ctx.conn.execute(
        select(table.c.party).where(
            table.c.conflict == body["conflict"],
            table.c.revision == body["revision"],
            table.c.party == party,
        )
    ).first():
        raise Conflict("your party has already acknowledged this revision")


def guard_arrangement(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    row = _notified(ctx, body["conflict"], party)
    _open_revision(row, body["revision"])
    parties = json.loads(row.parties)
    if body["parties"] != sorted(parties):
        raise InvalidInput(f"an arrangement for this conflict names exactly {sorted(parties)}")
    _release_exactly(ctx, parties)


def guard_sign(ctx: GuardContext) -> None:
    party = _party(ctx)
    authority = ctx.authority
    assert authority is not None
    body = ctx.body
    entry = q.get_entry(ctx.conn, body["arrangement"], party)
    if entry is None or entry.content.kind != ARRANGEMENT:
        raise NotFound("no such arrangement")
    arrangement = ctx.conn.execute(
        select(proj_picture_arrangements).where(
            proj_picture_arrangements.c.id == body["arrangement"]
        )
    ).first()
    assert arrangement is not None
    parties = json.loads(arrangement.parties)
    if party not in parties:
        raise NotPermitted("only a party to the arrangement signs it")
    signatures = proj_picture_signatures
    if ctx.conn.execute(
        select(signatures.c.party).where(
            signatures.c.arrangement == arrangement.id, signatures.c.party == party
        )
    ).first():
        raise Conflict("your party has already signed this arrangement")
    row = _conflict(ctx, arrangement.conflict)
    _open_revision(row, arrangement.revision)
    key = authority.current_key
    if body["key_id"] != key.key_id:
        raise InvalidInput(
            f"sign with the current key of {authority.member} ({key.key_id}), not {body['key_id']}"
        )
    if not verify(key.public_key, entry.raw, b64d(body["signature"], what="signature")):
        raise InvalidSignature(
            f"the signature does not verify over arrangement {arrangement.id} with key {key.key_id}"
        )
    region = _unwrapped_polygons(geojson_shape(region_geojson(json.loads(row.region))))
    _covers(ctx, region, "the region of the conflict")
    mandate = authority.mandate
    if mandate.expires is not None and format_time(mandate.expires) < row.end_at:
        raise NotPermitted(
            f"the mandate of {authority.member} expires at {format_time(mandate.expires)}, "
            f"before the conflict ends ({row.end_at})"
        )
    _release_exactly(ctx, parties)
