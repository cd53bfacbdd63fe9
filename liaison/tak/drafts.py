"""Drafts from TAK devices: what the party sees of them, and confirming one into the picture.

A drawing on a device is a proposal, not a commitment: committing forces (an operation) or
drawing a line others must respect (a control measure) needs a commander. Confirming a draft
calls the picture service as the confirming member — with every check an operation or measure
gets (role, mandate, guards, deconfliction) — and then closes the draft with a ``confirmed``
version naming the entry made. What the draft cannot say is given at confirmation:

========== ================================================================================
operation  ``kind``; the window ``start``/``end`` (default: the event's start and stale);
           ``altitude``; a marker needs ``radius_m``; a line or route needs ``corridor_m``
           (the footprint is the corridor that wide on each side of it)
measure    ``kind``, ``binds`` and the validity (same defaults); a line or route is a line
           measure and needs ``permitted_sides`` (or ``corridor_m`` for an area); a marker
           needs ``radius_m``; an area takes ``altitude`` and ``restricts``
========== ================================================================================

The release is what the device asked for (``releasableTo``, kept in the draft) unless the
confirmation names one; with neither, the party's default.
"""

from __future__ import annotations

import builtins
import hashlib
import threading
from collections.abc import Mapping
from typing import Any

import pyproj
import shapely
from sqlalchemy import select

from liaison.cot import parse_event
from liaison.domain.entry import StoredEntry, is_entry_id
from liaison.domain.time import format_time
from liaison.errors import Conflict, InvalidInput, LiaisonError, NotFound
from liaison.geometry import Circle, GeometryError, Line, Position, decode_shape
from liaison.services.picture import PictureService
from liaison.services.record import AppendRequest, RecordService
from liaison.store import queries as q
from liaison.tak.kinds import DRAFT, proj_tak_drafts

__all__ = ["DraftDesk", "corridor", "draft_view"]

_OPERATION_FIELDS = frozenset(
    {"as", "ref", "kind", "name", "start", "end", "altitude", "radius_m", "corridor_m", "note"}
)
_MEASURE_FIELDS = frozenset(
    {
        "as",
        "ref",
        "kind",
        "name",
        "start",
        "end",
        "altitude",
        "radius_m",
        "corridor_m",
        "note",
        "binds",
        "permitted_sides",
        "depth_m",
        "restricts",
    }
)


def corridor(line: Line, half_width_m: float) -> dict[str, Any]:
    """The area within ``half_width_m`` of a line, as a GeoJSON Polygon.

    Computed in an azimuthal equidistant projection centred on the line, where distances from
    the centre are true and nearby ones nearly so, then taken back to longitude and latitude.
    """
    if not 1.0 <= half_width_m <= 100_000.0:
        raise InvalidInput("corridor_m must be between 1 and 100000 metres")
    lons = [p[0] for p in line.coords]
    lats = [p[1] for p in line.coords]
    centre = line.coords[len(line.coords) // 2]
    aeqd = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={centre[1]} +lon_0={centre[0]} +datum=WGS84 +units=m"
    )
    there = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = pyproj.Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    xs, ys = there.transform(lons, lats)
    area = shapely.LineString(list(zip(xs, ys, strict=True))).buffer(half_width_m, quad_segs=8)
    ring = list(area.exterior.coords)
    lon_out, lat_out = back.transform([p[0] for p in ring], [p[1] for p in ring])
    coords = [[round(x, 7), round(y, 7)] for x, y in zip(lon_out, lat_out, strict=True)]
    coords[-1] = coords[0]
    return {"type": "Polygon", "coordinates": [coords]}


def draft_view(entry: StoredEntry, root: str) -> dict[str, Any]:
    """A draft as its party is shown it: the geometry as GeoJSON in degrees."""
    body = entry.content.body
    event = parse_event(body["event"].encode())
    return {
        "id": root,
        "entry": entry.id,
        "seq": entry.seq,
        "uid": body["uid"],
        "state": body["state"],
        "shape": body["shape"],
        "name": body["name"],
        "geometry": decode_shape(body["geometry"]).to_geojson(),
        "type": event.type,
        "start": format_time(event.start),
        "stale": format_time(event.stale),
        "release": body["release"],
        "warnings": body["warnings"],
        "confirmed_as": body["confirmed_as"],
        "note": body["note"],
        "author": entry.content.author,
        "appended_at": format_time(entry.stamp.at),
    }


class DraftDesk:
    """Listing, confirming and discarding a party's drafts."""

    def __init__(self, record: RecordService, picture: PictureService, lock: threading.Lock):
        self.record = record
        self.picture = picture
        #: shared with the ingest, so a device's update and a confirmation never race
        self._lock = lock

    def _party(self, member: str) -> str:
        return self.record.authority(member).party

    def drafts(self, reader: str, *, closed: bool = False) -> builtins.list[dict[str, Any]]:
        """The reader's party's drafts, latest version of each; only open ones unless ``closed``."""
        table = proj_tak_drafts
        newer = select(table.c.supersedes).where(table.c.supersedes.is_not(None))
        query = select(table.c.seq, table.c.root).where(
            table.c.party == reader, table.c.id.not_in(newer), q.released_to(table.c.seq, reader)
        )
        if not closed:
            query = query.where(table.c.state == "open")
        with self.record.store.read() as conn:
            out = []
            for row in conn.execute(query.order_by(table.c.seq)):
                entry = q.get_entry_by_seq(conn, int(row.seq), reader)
                if entry is not None:
                    out.append(draft_view(entry, str(row.root)))
        return out

    def _latest(self, reader: str, draft: str) -> tuple[StoredEntry, str]:
        table = proj_tak_drafts
        if not is_entry_id(draft):
            raise NotFound("no such draft")
        with self.record.store.read() as conn:
            row = conn.execute(
                select(table.c.root).where(table.c.id == draft, table.c.party == reader)
            ).first()
            if row is None:
                raise NotFound("no such draft")
            newer = select(table.c.supersedes).where(table.c.supersedes.is_not(None))
            latest = conn.execute(
                select(table.c.seq).where(table.c.root == row.root, table.c.id.not_in(newer))
            ).first()
            entry = None if latest is None else q.get_entry_by_seq(conn, int(latest.seq), reader)
        if entry is None:
            raise NotFound("no such draft")
        return entry, str(row.root)

    def draft(self, reader: str, draft: str) -> dict[str, Any]:
        """One draft (by the id of any of its versions), in its latest version."""
        entry, root = self._latest(reader, draft)
        return draft_view(entry, root)

    def discard(self, member: str, draft: str, note: str | None = None) -> dict[str, Any]:
        """Close an open draft without confirming it."""
        party = self._party(member)
        with self._lock:
            entry, root = self._open(party, draft)
            body = {**entry.content.body, "state": "discarded", "note": note, "warnings": []}
            made = self.record.append(
                AppendRequest(member, DRAFT, body, release=[], supersedes=entry.id)
            )
        return draft_view(made, root)

    def _open(self, party: str, draft: str) -> tuple[StoredEntry, str]:
        entry, root = self._latest(party, draft)
        if entry.content.body["state"] != "open":
            raise Conflict(f"this draft was {entry.content.body['state']}; it cannot change")
        return entry, root

    def confirm(self, member: str, draft: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Make an open draft an operation or a measure (see the module docstring).

        Returns ``{"draft": view, "operation" | "measure": entry id}``.
        """
        party = self._party(member)
        target = params.get("as")
        allowed = _OPERATION_FIELDS if target == "operation" else _MEASURE_FIELDS
        if target not in ("operation", "measure"):
            raise InvalidInput("say what the draft becomes: as = operation or measure")
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise InvalidInput(f"not a field of a confirmation as {target}: {', '.join(unknown)}")
        if not isinstance(params.get("kind"), str):
            raise InvalidInput("kind is required (e.g. ground_movement, restricted_area)")
        with self._lock:
            entry, root = self._open(party, draft)
            body = entry.content.body
            event = parse_event(body["event"].encode())
            start = params.get("start") or format_time(event.start)
            end = params.get("end") or format_time(event.stale)
            ref = (
                params.get("ref") or "tak-" + hashlib.sha256(body["uid"].encode()).hexdigest()[:16]
            )
            release = params.get("release", body["release"])
            name = params.get("name") or body["name"]
            if target == "operation":
                made = self.picture.create_operation(
                    member,
                    ref=ref,
                    kind=params["kind"],
                    name=name,
                    volumes=[
                        {
                            "footprint": self._footprint(body, params),
                            "altitude": params.get("altitude"),
                            "start": start,
                            "end": end,
                        }
                    ],
                    note=params.get("note"),
                    release=release,
                )
            else:
                made = self._measure(member, body, params, ref, name, start, end, release)
            closed = {**body, "state": "confirmed", "confirmed_as": made.id, "warnings": []}
            try:
                version = self.record.append(
                    AppendRequest(member, DRAFT, closed, release=[], supersedes=entry.id)
                )
            except LiaisonError as exc:
                raise Conflict(
                    f"{target} {made.id} was made, but the draft could not be closed: {exc.detail}"
                ) from None
        return {"draft": draft_view(version, root), target: made.id}

    def _footprint(self, body: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        shape = decode_shape(body["geometry"])
        try:
            if isinstance(shape, Position):
                radius = params.get("radius_m")
                if not isinstance(radius, int | float) or isinstance(radius, bool):
                    raise InvalidInput("a marker needs radius_m (metres) to become an area")
                return Circle(shape.lon, shape.lat, float(radius)).to_geojson()
            if isinstance(shape, Line):
                width = params.get("corridor_m")
                if not isinstance(width, int | float) or isinstance(width, bool):
                    raise InvalidInput("a line or route needs corridor_m (metres) to be an area")
                return corridor(shape, float(width))
        except GeometryError as exc:
            raise InvalidInput(f"{exc.code.value}: {exc.detail}") from None
        return shape.to_geojson()

    def _measure(
        self,
        member: str,
        body: Mapping[str, Any],
        params: Mapping[str, Any],
        ref: str,
        name: str,
        start: str,
        end: str,
        release: Any,
    ) -> StoredEntry:
        shape = decode_shape(body["geometry"])
        as_line = isinstance(shape, Line) and params.get("corridor_m") is None
        geometry = shape.to_geojson() if as_line else self._footprint(body, params)
        binds = params.get("binds")
        if not isinstance(binds, list):
            raise InvalidInput("binds is required: the parties the measure binds")
        return self.picture.create_measure(
            member,
            ref=ref,
            kind=params["kind"],
            geometry=geometry,
            valid_from=start,
            valid_until=end,
            binds=binds,
            permitted_sides=params.get("permitted_sides"),
            depth_m=params.get("depth_m"),
            altitude=None if as_line else params.get("altitude"),
            restricts=None if as_line else params.get("restricts"),
            name=name,
            note=params.get("note"),
            release=release,
        )
