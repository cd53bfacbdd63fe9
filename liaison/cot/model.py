"""The CoT event as Liaison holds it: immutable, validated, float-free.

A :class:`CotEvent` is built either by :func:`~liaison.cot.parse.parse_event`
from the wire or by a builder in :mod:`liaison.cot.serialize`; both go through
the same validation in ``__post_init__``, so an event that exists is an event
that can be written out and read back unchanged. (One step is shared rather than
repeated: the parser hands over the detail trees it has just written in canonical
form, so they are not parsed a second time; any other caller's strings are.)

**The detail is the source of truth.** ``detail`` holds *every* child of
``<detail>``, known or unknown, as a canonical XML string (see
:mod:`liaison.cot.canonical`), in document order. The structured views —
``callsign``, ``remarks``, ``links``, ``geometry`` — are computed from it when
the event is built and are not compared (they are functions of ``detail``).
This is why nothing a client sent is lost when Liaison re-emits an event (a
``<contact>`` keeps its ``endpoint``, a plug-in's ``<__foo>`` survives), and why
the views can never disagree with what is written out.

Coordinates are :class:`~decimal.Decimal`; ``*_float`` accessors and
:meth:`CotPoint.lon_lat` give floats for geometry code. ``9999999`` is CoT's
"unknown" for ``hae``, ``ce`` and ``le``; the ``*_m`` accessors turn it into None.

Geometry, by type (anything else under ``u-d-`` is a drawing with no geometry
Liaison understands, ``geometry`` is None, and its detail is still preserved):

=========== ======================= ============================================
type        geometry                read from
=========== ======================= ============================================
``u-d-f``   :class:`PolygonGeometry`  ``<link point="lat,lon">`` in order; closed
                                    when it has 4+ vertices and ends where it began
``u-d-r``   :class:`RectangleGeometry` exactly four ``<link point>`` corners
``u-d-c-c`` :class:`EllipseGeometry`   ``<shape><ellipse major minor angle>`` around
``u-d-c-e``                          the event's point; major/minor are semi-axes in
                                    metres (ATAK writes a circle's radius in both)
``b-m-r``   :class:`RouteGeometry`     ``<link point>`` waypoints (``b-m-p-w``) and
                                    control points (``b-m-p-c``), in order
=========== ======================= ============================================
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

from liaison.cot.canonical import canonical_children
from liaison.cot.errors import CotError, CotErrorCode, CotWarning
from liaison.cot.values import SHORT_PLAIN_DECIMAL, decimal_problem, parse_decimal
from liaison.cot.xmlsafe import XmlElement

__all__ = [
    "UNKNOWN",
    "CotEvent",
    "CotGeometry",
    "CotLink",
    "CotPoint",
    "Ellipse",
    "EllipseGeometry",
    "LatLon",
    "PolygonGeometry",
    "RectangleGeometry",
    "RouteGeometry",
    "RoutePoint",
    "base_type",
    "parse_link_point",
    "valid_qos",
]

#: CoT's value for an unknown height or error (``hae``, ``ce``, ``le``).
UNKNOWN: Final = Decimal("9999999")
#: Heights and errors beyond this are refused; the Moon is 3.8e8 m away.
_MAX_METRES: Final = Decimal("1e9")
_MIN_METRES: Final = -_MAX_METRES
_ZERO: Final = Decimal(0)
_LAT_MIN: Final = Decimal(-90)
_LAT_MAX: Final = Decimal(90)
_LON_MIN: Final = Decimal(-180)
_LON_MAX: Final = Decimal(180)

_TYPE: Final = re.compile(r"\w+(?:-\w+)*(?:;[^;]*)?", re.ASCII)
_HOW: Final = re.compile(r"\w+(?:-\w+)*", re.ASCII)
_QOS: Final = re.compile(r"\d-\w-\w", re.ASCII)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: A uid both checks above pass: XML characters but no control characters, one or more.
_GOOD_UID: Final = re.compile("[\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+")

_MAX_UID: Final = 1024
_MAX_TYPE: Final = 256
_MAX_HOW: Final = 64
_MAX_TEXT: Final = 4096


def valid_qos(text: str) -> bool:
    """Whether ``text`` is a schema-valid ``qos`` (priority-overtaking-assurance, ``1-r-c``)."""
    return _QOS.fullmatch(text) is not None


def base_type(cot_type: str) -> str:
    """The type without its ``;``-suffix (the schema allows ``a-f-G;extra``)."""
    return cot_type.split(";", 1)[0]


def _check_number(
    value: object, name: str, low: Decimal | None, high: Decimal | None, code: CotErrorCode
) -> Decimal:
    if type(value) is Decimal and value.is_finite():
        # A short plain form has few digits and an exponent of minus its fraction
        # digits, so decimal_problem would pass it; str() is much cheaper than
        # as_tuple(), and this check runs for every coordinate of every event.
        text = str(value)
        if (
            len(text) <= SHORT_PLAIN_DECIMAL
            and "E" not in text
            and (low is None or value >= low)
            and (high is None or value <= high)
        ):
            return value
    if not isinstance(value, Decimal):
        raise CotError(code, f"{name} must be a Decimal, not {type(value).__name__}")
    problem = decimal_problem(value)
    if problem is not None:
        raise CotError(code, f"{name} {problem}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise CotError(code, f"{name} {value} is outside {low}..{high}")
    return value


def _float_to_decimal(value: float, name: str) -> Decimal:
    if not math.isfinite(value):
        raise CotError("bad_argument", f"{name} must be finite, not {value!r}")
    return Decimal(repr(float(value)))


@dataclass(frozen=True)
class LatLon:
    """A WGS 84 position written as ``lat,lon[,hae]`` in links and shapes."""

    lat: Decimal
    lon: Decimal
    hae: Decimal | None = None

    def __post_init__(self) -> None:
        """Refuse positions that are not on Earth, whoever builds them."""
        _check_number(self.lat, "lat", _LAT_MIN, _LAT_MAX, "bad_point")
        _check_number(self.lon, "lon", _LON_MIN, _LON_MAX, "bad_point")
        if self.hae is not None:
            _check_number(self.hae, "hae", _MIN_METRES, _MAX_METRES, "bad_point")

    @classmethod
    def from_floats(cls, lat: float, lon: float, hae: float | None = None) -> LatLon:
        """From floats, through their shortest decimal form (``repr``), so 0.1 stays 0.1."""
        return cls(
            _float_to_decimal(lat, "lat"),
            _float_to_decimal(lon, "lon"),
            None if hae is None else _float_to_decimal(hae, "hae"),
        )

    def lon_lat(self) -> tuple[float, float]:
        """``(lon, lat)`` as floats, in GeoJSON order as the rest of Liaison uses."""
        return float(self.lon), float(self.lat)


@dataclass(frozen=True)
class CotPoint:
    """``<point lat lon hae ce le>``: where, how high (HAE, metres), how sure (CE/LE, metres)."""

    lat: Decimal
    lon: Decimal
    hae: Decimal = UNKNOWN
    ce: Decimal = UNKNOWN
    le: Decimal = UNKNOWN

    def __post_init__(self) -> None:
        """Refuse coordinates out of range, non-finite or absurdly long."""
        lat, lon, hae, ce, le = self.lat, self.lon, self.hae, self.ce, self.le
        for value in (lat, lon, hae, ce, le):  # _check_number's fast path, for all five at once
            if type(value) is not Decimal or not value.is_finite():
                break
            text = str(value)
            if len(text) > SHORT_PLAIN_DECIMAL or "E" in text:
                break
        else:
            if (
                _LAT_MIN <= lat <= _LAT_MAX
                and _LON_MIN <= lon <= _LON_MAX
                and _MIN_METRES <= hae <= _MAX_METRES
                and _ZERO <= ce <= _MAX_METRES
                and _ZERO <= le <= _MAX_METRES
            ):
                return
        _check_number(self.lat, "lat", _LAT_MIN, _LAT_MAX, "bad_point")
        _check_number(self.lon, "lon", _LON_MIN, _LON_MAX, "bad_point")
        _check_number(self.hae, "hae", _MIN_METRES, _MAX_METRES, "bad_point")
        _check_number(self.ce, "ce", _ZERO, _MAX_METRES, "bad_point")
        _check_number(self.le, "le", _ZERO, _MAX_METRES, "bad_point")

    @classmethod
    def from_floats(
        cls,
        lat: float,
        lon: float,
        hae: float | None = None,
        ce: float | None = None,
        le: float | None = None,
    ) -> CotPoint:
        """From floats (None = unknown), through their shortest decimal form."""
        return cls(
            _float_to_decimal(lat, "lat"),
            _float_to_decimal(lon, "lon"),
            UNKNOWN if hae is None else _float_to_decimal(hae, "hae"),
            UNKNOWN if ce is None else _float_to_decimal(ce, "ce"),
            UNKNOWN if le is None else _float_to_decimal(le, "le"),
        )

    @property
    def lat_float(self) -> float:
        """Latitude in degrees as a float."""
        return float(self.lat)

    @property
    def lon_float(self) -> float:
        """Longitude in degrees as a float."""
        return float(self.lon)

    @property
    def hae_float(self) -> float:
        """Height above the ellipsoid as a float, 9999999.0 when unknown (as on the wire)."""
        return float(self.hae)

    @property
    def ce_float(self) -> float:
        """Circular error as a float, 9999999.0 when unknown."""
        return float(self.ce)

    @property
    def le_float(self) -> float:
        """Linear (vertical) error as a float, 9999999.0 when unknown."""
        return float(self.le)

    @property
    def hae_m(self) -> float | None:
        """Height above the WGS 84 ellipsoid in metres, None when CoT says unknown."""
        return None if self.hae == UNKNOWN else float(self.hae)

    @property
    def ce_m(self) -> float | None:
        """Circular (horizontal) error in metres, None when unknown."""
        return None if self.ce == UNKNOWN else float(self.ce)

    @property
    def le_m(self) -> float | None:
        """Linear (vertical) error in metres, None when unknown."""
        return None if self.le == UNKNOWN else float(self.le)

    def lon_lat(self) -> tuple[float, float]:
        """``(lon, lat)`` as floats, in GeoJSON order."""
        return float(self.lon), float(self.lat)

    def lat_lon(self) -> LatLon:
        """The horizontal position (and height, if known) as a :class:`LatLon`."""
        return LatLon(self.lat, self.lon, None if self.hae == UNKNOWN else self.hae)


def parse_link_point(text: str) -> LatLon:
    """``"lat,lon"`` or ``"lat,lon,hae"`` as written in ``<link point>``."""
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise CotError("bad_link_point", f"link point {text[:64]!r} is not 'lat,lon[,hae]'")
    numbers: list[Decimal] = []
    for part in parts:
        parsed = parse_decimal(part)
        if parsed is None:
            raise CotError("bad_link_point", f"link point {text[:64]!r} has a non-number")
        numbers.append(parsed[0])
    try:
        return LatLon(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else None)
    except CotError as exc:
        raise CotError("bad_link_point", f"link point {text[:64]!r}: {exc.message}") from None


@dataclass(frozen=True)
class CotLink:
    """A ``<link>`` directly under ``<detail>``: a relation to another event or a vertex."""

    uid: str | None
    type: str | None
    relation: str | None
    callsign: str | None
    remarks: str | None
    point: LatLon | None


@dataclass(frozen=True)
class Ellipse:
    """``<shape><ellipse major minor angle>``: semi-axes in metres, angle in degrees."""

    major: Decimal
    minor: Decimal
    angle: Decimal


@dataclass(frozen=True)
class PolygonGeometry:
    """A free-form drawing (``u-d-f``): a closed ring or an open line."""

    vertices: tuple[LatLon, ...]
    closed: bool


@dataclass(frozen=True)
class RectangleGeometry:
    """A rectangle (``u-d-r``) by its four corners, in the order they were sent."""

    corners: tuple[LatLon, LatLon, LatLon, LatLon]


@dataclass(frozen=True)
class EllipseGeometry:
    """A circle or ellipse (``u-d-c-c``, ``u-d-c-e``) around the event's point."""

    center: LatLon
    ellipse: Ellipse


@dataclass(frozen=True)
class RoutePoint:
    """One point of a route: a named waypoint (``b-m-p-w``) or a control point (``b-m-p-c``)."""

    point: LatLon
    uid: str | None = None
    callsign: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class RouteGeometry:
    """A route (``b-m-r``): its points in travel order."""

    points: tuple[RoutePoint, ...]


CotGeometry = PolygonGeometry | RectangleGeometry | EllipseGeometry | RouteGeometry


def _check_text(value: object, name: str, *, max_length: int = _MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise CotError("bad_attribute", f"{name} must be a string")
    if len(value) > max_length:
        raise CotError("bad_attribute", f"{name} is longer than {max_length} characters")
    if _NOT_XML.search(value):
        raise CotError("bad_attribute", f"{name} contains a character XML cannot carry")
    return value


def _check_time(value: object, name: str) -> datetime:
    if type(value) is datetime and value.tzinfo is UTC:
        return value  # as the parser makes them; astimezone(UTC) would return it as it is
    if not isinstance(value, datetime):
        raise CotError("bad_time", f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise CotError("bad_time", f"{name} must be an aware datetime in UTC")
    return value.astimezone(UTC)


def _decimal_attribute(element: XmlElement, name: str, code: CotErrorCode) -> Decimal:
    text = element.get(name)
    parsed = None if text is None else parse_decimal(text)
    if parsed is None:
        raise CotError(code, f"<{element.tag}> {name}={text!r} is not a finite number")
    return parsed[0]


def _link(element: XmlElement) -> CotLink:
    point_text = element.get("point")
    return CotLink(
        uid=element.get("uid"),
        type=element.get("type"),
        relation=element.get("relation"),
        callsign=element.get("callsign"),
        remarks=element.get("remarks"),
        point=None if point_text is None else parse_link_point(point_text),
    )


def _ellipse(shapes: Sequence[XmlElement]) -> Ellipse | None:
    """The first ``<shape><ellipse>`` among the detail's ``<shape>`` children."""
    for child in shapes:
        found = child.find("ellipse")
        if found is None:
            continue
        major = _decimal_attribute(found, "major", "bad_shape")
        minor = _decimal_attribute(found, "minor", "bad_shape")
        angle = Decimal(0)
        if "angle" in found.attrib:
            angle = _decimal_attribute(found, "angle", "bad_shape")
        if major <= 0 or minor <= 0:
            raise CotError("bad_shape", f"ellipse axes must be positive, not {major}, {minor}")
        return Ellipse(major, minor, angle)
    return None


_GEOMETRY_TYPES: Final = frozenset({"u-d-f", "u-d-r", "u-d-c-c", "u-d-c-e", "b-m-r"})


def _geometry(
    cot_type: str, links: tuple[CotLink, ...], ellipse: Ellipse | None, center: CotPoint
) -> CotGeometry | None:
    if cot_type not in _GEOMETRY_TYPES:
        return None
    vertices = tuple(link.point for link in links if link.point is not None)
    if cot_type == "u-d-f":
        if len(vertices) < 2:
            raise CotError(
                "bad_shape", f"a free-form drawing needs 2 or more link points, has {len(vertices)}"
            )
        first, last = vertices[0], vertices[-1]
        closed = len(vertices) >= 4 and (first.lat, first.lon) == (last.lat, last.lon)
        return PolygonGeometry(vertices, closed)
    if cot_type == "u-d-r":
        if len(vertices) != 4:
            raise CotError(
                "bad_shape", f"a rectangle needs exactly 4 corner link points, has {len(vertices)}"
            )
        return RectangleGeometry((vertices[0], vertices[1], vertices[2], vertices[3]))
    if cot_type in ("u-d-c-c", "u-d-c-e"):
        if ellipse is None:
            raise CotError("bad_shape", f"a {cot_type} needs <shape><ellipse major minor/>")
        return EllipseGeometry(center.lat_lon(), ellipse)
    if cot_type == "b-m-r":
        points = tuple(
            RoutePoint(link.point, link.uid, link.callsign, link.type)
            for link in links
            if link.point is not None
        )
        if len(points) < 2:
            raise CotError("bad_shape", f"a route needs 2 or more link points, has {len(points)}")
        return RouteGeometry(points)
    return None


class _Handover(threading.local):
    """Detail trees :func:`~liaison.cot.parse.parse_event` has just parsed, for its event.

    The parser writes each detail string from a tree it has just parsed, with
    the same limits, so parsing the strings again in ``__post_init__`` would
    only rebuild those trees. The handover is matched by the identity of the
    very tuple the parser built, on this thread, and used once; every other
    construction (a builder, :func:`dataclasses.replace`, anyone's own strings)
    still has its strings parsed and checked.
    """

    def __init__(self) -> None:
        self.detail: tuple[str, ...] | None = None
        self.children: list[XmlElement] = []


_HANDOVER: Final = _Handover()


def _hand_over(detail: tuple[str, ...] | None, children: list[XmlElement]) -> None:
    """Let the next event built on this thread with this very ``detail`` take ``children``.

    For :mod:`liaison.cot.parse` only: ``detail`` must be the canonical forms of
    ``children``, written by :func:`~liaison.cot.canonical.canonical_element`
    from a document parsed within :data:`~liaison.cot.xmlsafe.DEFAULT_LIMITS`.
    The event takes them once; the parser withdraws them (``None``) if building
    the event failed before that.
    """
    _HANDOVER.detail, _HANDOVER.children = detail, children


@dataclass(frozen=True)
class CotEvent:
    """One CoT ``<event>``; see the module docstring for what is stored and what is derived.

    ``warnings`` say what was irregular in the bytes it was parsed from; they
    describe the input, not the event, and are not compared.
    """

    uid: str
    type: str
    how: str
    time: datetime
    start: datetime
    stale: datetime
    point: CotPoint
    detail: tuple[str, ...] = ()
    access: str | None = None
    caveat: str | None = None
    releasable_to: str | None = None
    qos: str | None = None
    opex: str | None = None
    warnings: tuple[CotWarning, ...] = field(default=(), compare=False)
    callsign: str | None = field(init=False, compare=False, repr=False)
    remarks: str | None = field(init=False, compare=False, repr=False)
    links: tuple[CotLink, ...] = field(init=False, compare=False, repr=False)
    geometry: CotGeometry | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Validate every field and compute the views of ``detail``."""
        uid = self.uid
        if not (type(uid) is str and len(uid) <= _MAX_UID and _GOOD_UID.fullmatch(uid)):
            _check_text(uid, "uid", max_length=_MAX_UID)  # raises, with the reason, or:
            if not uid or _CONTROL.search(uid):
                raise CotError("bad_attribute", "uid must be non-empty, without control characters")
        if not isinstance(self.type, str) or not (
            len(self.type) <= _MAX_TYPE and _TYPE.fullmatch(self.type)
        ):
            raise CotError("bad_attribute", f"type {str(self.type)[:64]!r} is not a CoT type")
        if not isinstance(self.how, str) or not (
            len(self.how) <= _MAX_HOW and _HOW.fullmatch(self.how)
        ):
            raise CotError("bad_attribute", f"how {str(self.how)[:64]!r} is not a CoT how")
        if not (type(self.time) is datetime and self.time.tzinfo is UTC):
            object.__setattr__(self, "time", _check_time(self.time, "time"))
        if not (type(self.start) is datetime and self.start.tzinfo is UTC):
            object.__setattr__(self, "start", _check_time(self.start, "start"))
        if not (type(self.stale) is datetime and self.stale.tzinfo is UTC):
            object.__setattr__(self, "stale", _check_time(self.stale, "stale"))
        if not isinstance(self.point, CotPoint):
            raise CotError("missing_point", "point must be a CotPoint")
        if self.access is not None:
            _check_text(self.access, "access")
        if self.caveat is not None:
            _check_text(self.caveat, "caveat")
        if self.releasable_to is not None:
            _check_text(self.releasable_to, "releasable_to")
        if self.opex is not None:
            _check_text(self.opex, "opex")
        if self.qos is not None and not (isinstance(self.qos, str) and valid_qos(self.qos)):
            raise CotError("bad_attribute", f"qos {self.qos!r} is not digit-letter-letter")
        if not isinstance(self.detail, tuple):
            raise CotError("bad_detail", "detail must be a tuple of canonical XML strings")
        for xml in self.detail:
            if not isinstance(xml, str):
                raise CotError("bad_detail", "detail must be a tuple of canonical XML strings")
        children: list[XmlElement]
        if not self.detail:
            children = []
        elif _HANDOVER.detail is self.detail:
            children = _HANDOVER.children  # the parser's own trees of these very strings
            _HANDOVER.detail, _HANDOVER.children = None, []
        else:
            children = canonical_children(self.detail)
        contact = remarks = None
        linked: list[CotLink] = []
        shapes: list[XmlElement] = []
        for child in children:
            tag = child.tag
            if tag == "link":
                linked.append(_link(child))
            elif tag == "contact":
                contact = child if contact is None else contact
            elif tag == "remarks":
                remarks = child if remarks is None else remarks
            elif tag == "shape":
                shapes.append(child)
        links = tuple(linked)
        kind = self.type.partition(";")[0]  # base_type(), inline
        if kind == "t-x-d-d" and not any(link.uid for link in links):
            raise CotError("delete_without_target", "a t-x-d-d delete needs <link uid='...'>")
        ellipse = _ellipse(shapes) if shapes else None
        geometry = _geometry(kind, links, ellipse, self.point) if kind in _GEOMETRY_TYPES else None
        # The views in one step (a frozen dataclass keeps its fields in __dict__):
        # object.__setattr__ four times is a measurable part of every event.
        vars(self).update(
            callsign=None if contact is None else contact.get("callsign"),
            remarks=None if remarks is None else (remarks.text or ""),
            links=links,
            geometry=geometry,
        )

    @property
    def base_type(self) -> str:
        """The type without any ``;``-suffix."""
        return base_type(self.type)
