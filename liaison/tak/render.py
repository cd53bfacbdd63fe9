"""From entries a party may read to the CoT its TAK devices draw: pure functions.

=================== =====================================================================
entry               CoT
=================== =====================================================================
``picture.unit``    the device's own event when a ``tak.report`` is behind it (every detail
                    child it sent), else a position report built from the body: uid
                    ``liaison.unit.<party>.<unit>``, the CoT type from the 2525 symbol, the
                    name as callsign, stale at the report's stale time. A report whose event
                    is a delete becomes a ``t-x-d-d`` of the device's uid.
``picture.operation`` one drawing per part of each volume (``u-d-f`` polygon or ``u-d-c-c``
                    circle), uid ``liaison.op.<id>.<volume>.<part>``, stale at the end of
                    the volume's window; cancelled or completed: deletes
``picture.measure`` a line (open ``u-d-f``) or an area (``u-d-f`` / ``u-d-c-c``), stale at
                    the end of its validity; withdrawn: a delete
``picture.notice``  a conflict marker (red ``u-d-f``) per part of the clash region, with the
                    notice's text, stale at the end of the clash; cleared: deletes
``tak.draft``       (own party only) the drawing as the device sent it while open; a delete
                    once deleted, confirmed or discarded
=================== =====================================================================

Each rendering has a ``key`` naming the thing, the events that show it now, and the uids that
must go: a reader of the live record sends the deletes for uids a thing no longer has.
Only the receiving party's own view is used: notices are per party, and every entry given here
was read through the release filter for that party.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from liaison.cot import (
    CotError,
    CotEvent,
    CotPoint,
    LatLon,
    circle_event,
    conflict_marker,
    delete_event,
    deleted_uid,
    is_delete,
    polygon_event,
    position_report,
)
from liaison.cot.serialize import detail_element
from liaison.cot.types import AFFILIATIONS, BATTLE_DIMENSIONS
from liaison.domain.entry import StoredEntry
from liaison.geometry import Area, Circle, Line, decode_instant, decode_shape, decode_window
from liaison.geometry.earth import WGS84
from liaison.picture.model import region_geojson
from liaison.projections.picture import MEASURE, NOTICE, OPERATION, UNIT
from liaison.tak.kinds import DRAFT, event_of

__all__ = ["Rendering", "delete_events", "render", "type_from_symbol", "unit_uid"]

_BLUE: Final = -16776961  # argb(255, 0, 0, 255)
_YELLOW: Final = -256  # argb(255, 255, 255, 0)
_SMALL_M: Final = 25.0
_AFFILIATION_OF: Final = {letter: cot for cot, letter in AFFILIATIONS.items() if cot != "x"}
_NUMERIC_AFFILIATION: Final = dict(zip("0123456", "puafnsh", strict=True))
_NUMERIC_DIMENSION: Final = {"01": "A", "02": "A", "05": "P", "06": "P", "30": "S", "35": "U"}


@dataclass(frozen=True)
class Rendering:
    """How one entry shows on a TAK map now."""

    key: str
    events: tuple[CotEvent, ...]
    gone: tuple[str, ...] = ()
    #: the events as they go on the wire, when known without serialising them: a device's own
    #: event is stored as the text ``serialize_event`` wrote (the canonical form, read back
    #: equal), so that text is what serialising it again would give
    wire: bytes | None = field(default=None, compare=False, repr=False)


def unit_uid(party: str, unit: str) -> str:
    """The CoT uid of a unit reported without a device event (through the API or GeoJSON)."""
    return f"liaison.unit.{party}.{unit}"


def type_from_symbol(code: str) -> str:
    """A CoT atom type for a 2525 symbol code: 2525C letters, or 2525D digits (frame only)."""
    if len(code) == 15 and code[0] == "S":
        affiliation = _AFFILIATION_OF.get(code[1], "u")
        dimension = code[2] if code[2] in BATTLE_DIMENSIONS else "G"
        fields = ["a", affiliation, dimension]
        for letter in code[4:10]:
            if not ("A" <= letter <= "Z"):
                break
            fields.append(letter)
        return "-".join(fields)
    if code.isdigit() and len(code) in (20, 30):
        affiliation = _NUMERIC_AFFILIATION.get(code[3], "u")
        return f"a-{affiliation}-{_NUMERIC_DIMENSION.get(code[4:6], 'G')}"
    return "a-u-G"


def _point(lon: float, lat: float) -> LatLon:
    return LatLon.from_floats(round(lat, 7), round(lon, 7))


def _ring(coords: list[list[float]]) -> list[LatLon]:
    return [_point(c[0], c[1]) for c in coords]


def _around(coords: list[list[float]], extra_m: float = _SMALL_M) -> list[LatLon]:
    """A 16-gon holding the given points (a clash region that is a point or a line)."""
    lon0 = sum(c[0] for c in coords) / len(coords)
    lat0 = sum(c[1] for c in coords) / len(coords)
    reach = max(WGS84.inv(lon0, lat0, c[0], c[1])[2] for c in coords) + extra_m
    azimuths = [i * 22.5 for i in range(16)]
    lons, lats, _ = WGS84.fwd([lon0] * 16, [lat0] * 16, azimuths, [reach] * 16)
    return [_point(lon, lat) for lon, lat in zip(lons, lats, strict=True)]


def _parts(geometry: Mapping[str, Any]) -> list[list[LatLon]]:
    """Closed outlines for every part of a GeoJSON geometry."""
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _parts(g)]
    if kind == "Polygon":
        return [_ring(geometry["coordinates"][0])]
    if kind == "MultiPolygon":
        return [_ring(polygon[0]) for polygon in geometry["coordinates"]]
    if kind == "Point":
        return [_around([geometry["coordinates"]])]
    if kind in ("LineString", "MultiPoint"):
        return [_around(geometry["coordinates"])]
    if kind == "MultiLineString":
        return [_around(line) for line in geometry["coordinates"]]
    return []


def _shape_events(
    uid: str,
    shape: Any,
    *,
    now: datetime,
    stale: datetime,
    callsign: str,
    remarks: str,
    colour: int,
) -> list[CotEvent]:
    common: dict[str, Any] = {
        "time": now,
        "start": now,
        "stale": stale,
        "how": "m-p",
        "callsign": callsign,
        "remarks": remarks,
        "stroke_argb": colour,
    }
    if isinstance(shape, Circle):
        centre = _point(shape.lon, shape.lat)
        radius = Decimal(repr(shape.radius_m))
        return [circle_event(uid=f"{uid}.0", center=centre, radius_m=radius, **common)]
    if isinstance(shape, Line):
        vertices = [_point(lon, lat) for lon, lat in shape.coords]
        return [polygon_event(uid=f"{uid}.0", vertices=vertices, closed=False, **common)]
    assert isinstance(shape, Area)
    outlines = _parts(shape.to_geojson())
    return [
        polygon_event(uid=f"{uid}.{n}", vertices=outline, **common)
        for n, outline in enumerate(outlines)
    ]


def _unit(entry: StoredEntry, now: datetime, report: Mapping[str, Any] | None) -> Rendering:
    body = entry.content.body
    party = str(entry.content.party)
    key = f"unit:{party}/{body['unit']}"
    if report is not None:
        text = str(report["event"])
        try:
            event = event_of(text)
        except CotError:
            event = None
        if event is not None and is_delete(event):
            target = deleted_uid(event)
            return Rendering(key, (), (target,) if target else ())
        if event is not None:
            return Rendering(key, (event,), wire=text.encode())
    uid = unit_uid(party, str(body["unit"]))
    time = decode_instant(body["time"])
    stale = decode_instant(body["stale_time"])
    if stale <= now and stale <= entry.stamp.at:
        return Rendering(key, (), (uid,))  # a report corrected to go stale: gone
    lon, lat = decode_shape(body["position"]).to_geojson()["coordinates"]
    extra = []
    if body.get("heading_mdeg") is not None or body.get("speed_mmps") is not None:
        extra.append(
            detail_element(
                "track",
                {
                    "course": str((body.get("heading_mdeg") or 0) / 1000),
                    "speed": str((body.get("speed_mmps") or 0) / 1000),
                },
            )
        )
    event = position_report(
        uid=uid,
        cot_type=type_from_symbol(str(body["symbol_code"])),
        point=CotPoint.from_floats(lat, lon),
        time=time,
        stale=stale,
        how="m-p",
        callsign=body["name"] or str(body["unit"]),
        remarks=f"{party} unit {body['unit']}",
        extra_detail=extra,
    )
    return Rendering(key, (event,))


def _operation(entry: StoredEntry, root: str, reader: str, now: datetime) -> Rendering:
    body = entry.content.body
    party = str(entry.content.party)
    base = f"liaison.op.{root[:24]}"
    events: list[CotEvent] = []
    if body["state"] in ("planned", "active"):
        for i, volume in enumerate(body["volumes"]):
            window = decode_window(volume["window"])
            if window.end <= now:
                continue
            remarks = (
                f"{party} operation {body['ref']} ({body['kind']}, {body['state']}) "
                f"{window.start:%Y-%m-%dT%H:%MZ} to {window.end:%Y-%m-%dT%H:%MZ}"
            )
            events += _shape_events(
                f"{base}.{i}",
                decode_shape(volume["footprint"]),
                now=now,
                stale=window.end,
                callsign=body["name"] or body["ref"],
                remarks=remarks,
                colour=_BLUE if party == reader else _YELLOW,
            )
    return Rendering(f"op:{root}", tuple(events), () if events else (f"{base}.0.0",))


def _measure(entry: StoredEntry, root: str, reader: str, now: datetime) -> Rendering:
    body = entry.content.body
    party = str(entry.content.party)
    base = f"liaison.measure.{root[:24]}"
    validity = decode_window(body["validity"])
    events: list[CotEvent] = []
    if body["state"] == "in_force" and validity.end > now:
        remarks = (
            f"{party} {body['kind']} {body['ref']} binding {', '.join(body['binds'])}, in force "
            f"{validity.start:%Y-%m-%dT%H:%MZ} to {validity.end:%Y-%m-%dT%H:%MZ}"
        )
        events = _shape_events(
            base,
            decode_shape(body["geometry"]),
            now=now,
            stale=validity.end,
            callsign=body["name"] or body["ref"],
            remarks=remarks,
            colour=_BLUE if party == reader else _YELLOW,
        )
    return Rendering(f"measure:{root}", tuple(events), () if events else (f"{base}.0",))


def _notice(entry: StoredEntry, now: datetime) -> Rendering:
    body = entry.content.body
    base = f"liaison.conflict.{body['conflict']}"
    end = max(decode_instant(w["end"]) for w in body["windows"])
    events: list[CotEvent] = []
    if body["status"] == "open" and end > now:
        outlines = _parts(region_geojson(body["region_e7"]))
        events = [
            conflict_marker(
                uid=f"{base}.{n}",
                area=outline,
                time=now,
                stale=end,
                remarks=f"[{body['severity']}] {body['text']}",
            )
            for n, outline in enumerate(outlines)
            if len(outline) >= 3
        ]
    return Rendering(
        f"conflict:{body['conflict']}", tuple(events), () if events else (f"{base}.0",)
    )


def _draft(entry: StoredEntry) -> Rendering:
    body = entry.content.body
    key = f"draft:{body['uid']}"
    if body["state"] != "open":
        return Rendering(key, (), (str(body["uid"]),))
    return Rendering(key, (event_of(body["event"]),))


def render(
    entry: StoredEntry,
    *,
    reader: str,
    now: datetime,
    root_of: Callable[[StoredEntry], str],
    report_of: Callable[[StoredEntry], Mapping[str, Any] | None],
) -> Rendering | None:
    """How ``entry`` (read as ``reader``) shows on a TAK map, or None if it does not.

    ``root_of`` gives an operation's or measure's identity (its first version's id) and
    ``report_of`` the event (a ``tak.report`` item) behind a unit report, each as the reader
    may read it.
    """
    kind = entry.content.kind
    if kind == UNIT:
        return _unit(entry, now, report_of(entry))
    if kind == OPERATION:
        return _operation(entry, root_of(entry), reader, now)
    if kind == MEASURE:
        return _measure(entry, root_of(entry), reader, now)
    if kind == NOTICE:
        return _notice(entry, now)
    if kind == DRAFT:
        return _draft(entry)
    return None


def delete_events(uids: tuple[str, ...] | list[str], now: datetime) -> list[CotEvent]:
    """``t-x-d-d`` events removing ``uids`` from TAK maps."""
    return [
        delete_event(uid=f"liaison.delete.{_short(uid)}", target_uid=uid, time=now) for uid in uids
    ]


def _short(uid: str) -> str:
    return hashlib.sha256(uid.encode()).hexdigest()[:16]
