"""Writing CoT: events back to bytes, and builders for the events Liaison sends.

:func:`serialize_event` writes any :class:`~liaison.cot.model.CotEvent` the way
TAK expects on a stream: an XML declaration, a newline, the event, and nothing
after ``</event>`` (``protocol.txt``: the next event's declaration must follow
immediately). Times are written with 3 fractional digits (6 when the
microseconds need them), numbers in plain decimal notation, attributes in
double quotes, detail children exactly as stored (canonical XML), so that
``parse_event(serialize_event(e)) == e``.

The builders make the events Liaison itself sends to TAK clients:

==================== ============= ==========================================================
builder              CoT type      what
==================== ============= ==========================================================
position_report      ``a-…``       a unit's reported position, with callsign and remarks
polygon_event        ``u-d-f``     a free-form area (closed) or line (open)
rectangle_event      ``u-d-r``     a rectangle by its four corners
circle_event         ``u-d-c-c``   a circle: centre and radius in metres
route_event          ``b-m-r``     a route by its waypoints and control points
conflict_marker      ``u-d-f``     a deconfliction notice: see below
delete_event         ``t-x-d-d``   remove a uid from the map
ping_reply           ``t-x-c-t-r`` the answer to a client's ``t-x-c-t`` ping
==================== ============= ==========================================================

Drawings carry ATAK's style children (``strokeColor``, ``strokeWeight``,
``fillColor``; colours are signed 32-bit ARGB integers, see :func:`argb`) and
their point is the centre of their vertices, computed on the sphere so that a
shape across the antimeridian or near a pole is centred where it is.

**Conflict markers** are a closed ``u-d-f`` polygon over the conflicting area,
drawn in red with a translucent red fill, ``how="m-f"`` (machine-made, fused
from several parties' data), the callsign given (``CONFLICT`` by default) and
the notice text in ``<remarks>``. ``start`` is when the notice is valid from
(normally now) and ``stale`` when the clash is over, so the marker leaves the map
by itself. A drawing rather than a point, because what a party needs to see is
*where* its operation must not go; and ``u-d-f`` rather than a new type, because
every TAK client draws it and shows its remarks. Only what the receiving party
may learn belongs in the remarks: the builder writes what it is given.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from liaison.cot.canonical import canonical_fragment
from liaison.cot.classify import event_kind
from liaison.cot.errors import CotError
from liaison.cot.model import UNKNOWN, CotEvent, CotPoint, LatLon, RoutePoint, base_type
from liaison.cot.values import format_decimal, format_time

__all__ = [
    "CONFLICT_FILL",
    "CONFLICT_STROKE",
    "argb",
    "canonical_detail",
    "circle_event",
    "conflict_marker",
    "delete_event",
    "detail_element",
    "ping_reply",
    "polygon_event",
    "position_report",
    "rectangle_event",
    "route_event",
    "serialize_event",
    "serialize_events",
]

_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ATTRIBUTE_ESCAPES: Final = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
_PING_REPLY_UID: Final = "takPong"
_WHITE: Final = -1


def argb(alpha: int, red: int, green: int, blue: int) -> int:
    """A colour as ATAK writes it: ARGB packed into a *signed* 32-bit integer."""
    for channel in (alpha, red, green, blue):
        if not 0 <= channel <= 255:
            raise CotError("bad_argument", f"colour channel {channel} is outside 0..255")
    value = (alpha << 24) | (red << 16) | (green << 8) | blue
    return value - (1 << 32) if value >= 1 << 31 else value


#: Opaque red stroke and translucent red fill of a conflict marker.
CONFLICT_STROKE: Final = argb(255, 255, 0, 0)
CONFLICT_FILL: Final = argb(96, 255, 0, 0)


def _attribute(value: str) -> str:
    return value.translate(_ATTRIBUTE_ESCAPES)


def serialize_event(event: CotEvent) -> bytes:
    """``event`` as UTF-8 CoT XML: declaration, newline, ``<event>…</event>``, nothing after."""
    attributes = [
        ("version", "2.0"),
        ("uid", event.uid),
        ("type", event.type),
        ("how", event.how),
        ("time", format_time(event.time)),
        ("start", format_time(event.start)),
        ("stale", format_time(event.stale)),
        ("qos", event.qos),
        ("opex", event.opex),
        ("access", event.access),
        ("caveat", event.caveat),
        ("releasableTo", event.releasable_to),
    ]
    head = " ".join(
        f'{name}="{_attribute(value)}"' for name, value in attributes if value is not None
    )
    point = event.point
    coordinates = " ".join(
        f'{name}="{format_decimal(value)}"'
        for name, value in (
            ("lat", point.lat),
            ("lon", point.lon),
            ("hae", point.hae),
            ("ce", point.ce),
            ("le", point.le),
        )
    )
    detail = f"<detail>{''.join(event.detail)}</detail>" if event.detail else "<detail/>"
    return f"{_DECLARATION}<event {head}><point {coordinates}/>{detail}</event>".encode()


def serialize_events(events: Iterable[CotEvent]) -> bytes:
    """Several events as one stream chunk, each with its own declaration, nothing between."""
    return b"".join(serialize_event(event) for event in events)


def canonical_detail(xml: str) -> str:
    """One detail child given as XML text, parsed safely and returned in canonical form.

    Use it for detail a caller already holds as text (for example a ``<__group>``
    copied from a party's own client) before passing it as ``extra_detail``.
    """
    return canonical_fragment(xml)[0]


def detail_element(
    tag: str,
    attributes: Mapping[str, str] | None = None,
    text: str | None = None,
    children: Sequence[ET.Element] = (),
) -> str:
    """A detail child built from parts, in canonical form; invalid names or text are refused."""
    element = ET.Element(tag, dict(attributes or {}))
    element.text = text
    element.extend(children)
    return canonical_detail(ET.tostring(element, encoding="unicode"))


def _start_or(start: datetime | None, time: datetime) -> datetime:
    return time if start is None else start


def _link_point(position: LatLon) -> str:
    parts = [position.lat, position.lon] + ([position.hae] if position.hae is not None else [])
    return ",".join(format_decimal(part) for part in parts)


def _centre(vertices: Sequence[LatLon]) -> CotPoint:
    """The centre of ``vertices`` on the sphere: the normalised mean of their unit vectors."""
    x = y = z = 0.0
    for vertex in vertices:
        lat, lon = math.radians(float(vertex.lat)), math.radians(float(vertex.lon))
        x += math.cos(lat) * math.cos(lon)
        y += math.cos(lat) * math.sin(lon)
        z += math.sin(lat)
    if math.hypot(x, y, z) < 1e-9:
        first = vertices[0]
        return CotPoint(first.lat, first.lon)
    lat = max(-90.0, min(90.0, math.degrees(math.atan2(z, math.hypot(x, y)))))
    lon = max(-180.0, min(180.0, math.degrees(math.atan2(y, x))))
    return CotPoint(Decimal(f"{lat:.9f}"), Decimal(f"{lon:.9f}"))


def _style(stroke_argb: int, stroke_weight: Decimal, fill_argb: int | None) -> list[str]:
    style = [
        detail_element("strokeColor", {"value": str(stroke_argb)}),
        detail_element("strokeWeight", {"value": format_decimal(stroke_weight)}),
    ]
    if fill_argb is not None:
        style.append(detail_element("fillColor", {"value": str(fill_argb)}))
    return style


def _labels(callsign: str | None, remarks: str | None) -> list[str]:
    labels = []
    if callsign is not None:
        labels.append(detail_element("contact", {"callsign": callsign}))
    if remarks is not None:
        labels.append(detail_element("remarks", text=remarks))
    return labels


def _same_place(a: LatLon, b: LatLon) -> bool:
    return (a.lat, a.lon) == (b.lat, b.lon)


def position_report(
    *,
    uid: str,
    cot_type: str,
    point: CotPoint,
    time: datetime,
    stale: datetime,
    how: str,
    start: datetime | None = None,
    callsign: str | None = None,
    remarks: str | None = None,
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A position report for an atom (``cot_type`` must be ``a-…``); ``start`` defaults to ``time``.

    ``how`` has no default: whether a position was typed in (``h-e``), read from
    GPS (``m-g``) or relayed from another system (``m-p``) is for the caller to say.
    """
    if not base_type(cot_type).startswith("a-"):
        raise CotError("bad_argument", f"a position report's type must be a-…, not {cot_type!r}")
    return CotEvent(
        uid=uid,
        type=cot_type,
        how=how,
        time=time,
        start=_start_or(start, time),
        stale=stale,
        point=point,
        detail=(*_labels(callsign, remarks), *(canonical_detail(x) for x in extra_detail)),
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
    )


def polygon_event(
    *,
    uid: str,
    vertices: Sequence[LatLon],
    time: datetime,
    stale: datetime,
    start: datetime | None = None,
    closed: bool = True,
    how: str = "h-e",
    callsign: str | None = None,
    remarks: str | None = None,
    stroke_argb: int = _WHITE,
    stroke_weight: Decimal = Decimal("3.0"),
    fill_argb: int | None = None,
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A free-form drawing (``u-d-f``): a closed area, or an open line with ``closed=False``.

    A closed ring is closed for the caller (the first vertex is repeated at the
    end) if it is not already; it needs 3 distinct corners. An open line needs 2
    vertices and must not end where it began, or readers would take it for an area.
    """
    ring = list(vertices)
    if closed:
        if ring and not _same_place(ring[0], ring[-1]):
            ring.append(ring[0])
        if len(ring) < 4:
            raise CotError("bad_argument", "a closed polygon needs at least 3 distinct vertices")
    else:
        if len(ring) < 2:
            raise CotError("bad_argument", "a line needs at least 2 vertices")
        if len(ring) >= 4 and _same_place(ring[0], ring[-1]):
            raise CotError("bad_argument", "an open line must not end where it began")
    centre_of = ring[:-1] if closed else ring
    detail = [detail_element("link", {"point": _link_point(vertex)}) for vertex in ring]
    detail += _style(stroke_argb, stroke_weight, fill_argb if closed else None)
    detail += _labels(callsign, remarks)
    detail += [canonical_detail(x) for x in extra_detail]
    return CotEvent(
        uid=uid,
        type="u-d-f",
        how=how,
        time=time,
        start=_start_or(start, time),
        stale=stale,
        point=_centre(centre_of),
        detail=tuple(detail),
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
    )


def rectangle_event(
    *,
    uid: str,
    corners: Sequence[LatLon],
    time: datetime,
    stale: datetime,
    start: datetime | None = None,
    how: str = "h-e",
    callsign: str | None = None,
    remarks: str | None = None,
    stroke_argb: int = _WHITE,
    stroke_weight: Decimal = Decimal("3.0"),
    fill_argb: int | None = None,
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A rectangle (``u-d-r``) by its four corners in drawing order."""
    if len(corners) != 4:
        raise CotError("bad_argument", f"a rectangle has 4 corners, not {len(corners)}")
    detail = [detail_element("link", {"point": _link_point(corner)}) for corner in corners]
    detail += _style(stroke_argb, stroke_weight, fill_argb)
    detail += _labels(callsign, remarks)
    detail += [canonical_detail(x) for x in extra_detail]
    return CotEvent(
        uid=uid,
        type="u-d-r",
        how=how,
        time=time,
        start=_start_or(start, time),
        stale=stale,
        point=_centre(corners),
        detail=tuple(detail),
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
    )


def circle_event(
    *,
    uid: str,
    center: LatLon,
    radius_m: Decimal,
    time: datetime,
    stale: datetime,
    start: datetime | None = None,
    how: str = "h-e",
    callsign: str | None = None,
    remarks: str | None = None,
    stroke_argb: int = _WHITE,
    stroke_weight: Decimal = Decimal("3.0"),
    fill_argb: int | None = None,
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A circle (``u-d-c-c``): ATAK's ``<shape><ellipse>`` with the radius as both semi-axes."""
    if not isinstance(radius_m, Decimal) or not radius_m.is_finite() or radius_m <= 0:
        raise CotError("bad_argument", f"radius_m must be a positive finite Decimal: {radius_m!r}")
    radius = format_decimal(radius_m)
    ellipse = ET.Element("ellipse", {"major": radius, "minor": radius, "angle": "360"})
    detail = [detail_element("shape", children=[ellipse])]
    detail += _style(stroke_argb, stroke_weight, fill_argb)
    detail += _labels(callsign, remarks)
    detail += [canonical_detail(x) for x in extra_detail]
    hae = UNKNOWN if center.hae is None else center.hae
    return CotEvent(
        uid=uid,
        type="u-d-c-c",
        how=how,
        time=time,
        start=_start_or(start, time),
        stale=stale,
        point=CotPoint(center.lat, center.lon, hae),
        detail=tuple(detail),
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
    )


def route_event(
    *,
    uid: str,
    points: Sequence[RoutePoint],
    time: datetime,
    stale: datetime,
    start: datetime | None = None,
    how: str = "h-e",
    callsign: str | None = None,
    remarks: str | None = None,
    method: str = "Driving",
    stroke_argb: int = _WHITE,
    stroke_weight: Decimal = Decimal("3.0"),
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A route (``b-m-r``) in travel order; the event's point is its first point.

    Each point becomes ``<link relation="c">`` as ATAK writes it. A point without
    a uid gets ``<route uid>.<index>``; without a type, the ends and named points
    are waypoints (``b-m-p-w``) and the rest control points (``b-m-p-c``).
    """
    if len(points) < 2:
        raise CotError("bad_argument", "a route needs at least 2 points")
    detail = []
    last = len(points) - 1
    for index, point in enumerate(points):
        named = bool(point.callsign) or index in (0, last)
        detail.append(
            detail_element(
                "link",
                {
                    "uid": point.uid or f"{uid}.{index}",
                    "callsign": point.callsign or "",
                    "type": point.type or ("b-m-p-w" if named else "b-m-p-c"),
                    "point": _link_point(point.point),
                    "remarks": "",
                    "relation": "c",
                },
            )
        )
    detail.append(
        detail_element(
            "link_attr",
            {
                "method": method,
                "direction": "Infil",
                "routetype": "Primary",
                "order": "Ascending Check Points",
                "color": str(stroke_argb),
            },
        )
    )
    detail += _style(stroke_argb, stroke_weight, None)
    detail.append(detail_element("__routeinfo", children=[ET.Element("__navcues")]))
    detail += _labels(callsign, remarks)
    detail += [canonical_detail(x) for x in extra_detail]
    first = points[0].point
    return CotEvent(
        uid=uid,
        type="b-m-r",
        how=how,
        time=time,
        start=_start_or(start, time),
        stale=stale,
        point=CotPoint(first.lat, first.lon, UNKNOWN if first.hae is None else first.hae),
        detail=tuple(detail),
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
    )


def conflict_marker(
    *,
    uid: str,
    area: Sequence[LatLon],
    time: datetime,
    stale: datetime,
    remarks: str,
    start: datetime | None = None,
    callsign: str = "CONFLICT",
    access: str | None = None,
    caveat: str | None = None,
    releasable_to: str | None = None,
    extra_detail: Sequence[str] = (),
) -> CotEvent:
    """A deconfliction notice as a red ``u-d-f`` area with remarks (see the module docstring)."""
    return polygon_event(
        uid=uid,
        vertices=area,
        time=time,
        stale=stale,
        start=start,
        closed=True,
        how="m-f",
        callsign=callsign,
        remarks=remarks,
        stroke_argb=CONFLICT_STROKE,
        stroke_weight=Decimal("4.0"),
        fill_argb=CONFLICT_FILL,
        access=access,
        caveat=caveat,
        releasable_to=releasable_to,
        extra_detail=(detail_element("labels_on", {"value": "true"}), *extra_detail),
    )


def delete_event(
    *, uid: str, target_uid: str, time: datetime, target_type: str | None = None
) -> CotEvent:
    """A ``t-x-d-d`` that removes ``target_uid`` from TAK maps (with ATAK's ``__forcedelete``)."""
    link = {"uid": target_uid, "relation": "none", "type": target_type or "none"}
    return CotEvent(
        uid=uid,
        type="t-x-d-d",
        how="h-g-i-g-o",
        time=time,
        start=time,
        stale=time + timedelta(seconds=20),
        point=CotPoint(Decimal(0), Decimal(0)),
        detail=(detail_element("link", link), detail_element("__forcedelete")),
    )


def ping_reply(
    ping: CotEvent, *, now: datetime, stale_after: timedelta = timedelta(seconds=20)
) -> CotEvent:
    """The ``t-x-c-t-r`` answer to a ``t-x-c-t`` ping, as TAK Server sends it (uid ``takPong``)."""
    if event_kind(ping) != "ping":
        raise CotError("bad_argument", f"only a t-x-c-t ping is answered, not {ping.type!r}")
    return CotEvent(
        uid=_PING_REPLY_UID,
        type="t-x-c-t-r",
        how="h-g-i-g-o",
        time=now,
        start=now,
        stale=now + stale_after,
        point=CotPoint(Decimal(0), Decimal(0), Decimal(0)),
    )
