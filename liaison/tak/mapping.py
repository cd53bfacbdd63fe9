"""From a CoT event to what goes on the record: pure functions, no store.

**Unit ids.** A position report's ``uid`` is the unit's id when it is a valid unit ref (1-64
characters: a letter or digit, then letters, digits, ``.``, ``_``, ``:`` or ``-``), which
ATAK's ``ANDROID-…`` uids and GUIDs are; any other uid becomes ``cot-`` and the first 24 hex
digits of its SHA-256, so the mapping needs no table and is the same on every node. Units are
per party: the same uid reported by two parties is two units, and a uid equal to a unit id the
party reports through the API is that unit.

**Release.** The event's attributes, as TAK Server reads them, map to the release set:

============== =====================================================================
``releasableTo`` the parties to release to, by party id, separated by spaces, commas or
                 semicolons, compared in lower case (``"US, su"`` → ``us``, ``su``); an empty
                 value means the own party only. A name that is not a party on the record is
                 refused (``unknown_party``), and so is ``*``: a device does not release to
                 every party present and future (``release_forbidden``).
``caveat``       kept with the event. ``NOFORN`` (or ``OWN PARTY ONLY``) means the own party
                 only, and a ``releasableTo`` naming another party beside it is a contradiction,
                 refused (``contradictory_release``).
``access``       kept with the event; a classification marking Liaison does not interpret,
                 and never widens the release.
(none)           the party's default release, set when the party was added (by default
                 none: the own party only).
============== =====================================================================

The own party can always read its own entries; the release never comes from ``<__group>``
or ``<contact>``, which any device can write.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from liaison.cot import (
    CotEvent,
    EllipseGeometry,
    PolygonGeometry,
    RectangleGeometry,
    RouteGeometry,
    symbol_code_from_type,
)
from liaison.domain.kinds import KINDS
from liaison.domain.party import ALL_PARTIES
from liaison.errors import InvalidInput, LiaisonError
from liaison.geometry import GeometryError, encode_shape, parse_footprint, parse_line
from liaison.geometry import Position as GeoPosition
from liaison.projections.picture import UNIT
from liaison.tak.kinds import DRAFT, written_event

__all__ = [
    "NOFORN_CAVEATS",
    "DraftPlan",
    "TakError",
    "draft_body",
    "draft_plan",
    "release_of",
    "unit_bodies",
    "unit_id_of",
    "warning_texts",
]

_REF: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_SEPARATORS: Final = re.compile(r"[\s,;]+")
#: caveats that mean "not releasable to another party"
NOFORN_CAVEATS: Final = frozenset({"NOFORN", "OWN PARTY ONLY"})
_MAX_NAME = 200


class TakError(InvalidInput):
    """An event that cannot go on the record as it stands; ``code`` is stable.

    Codes beyond the CoT layer's own (:class:`~liaison.cot.CotError`): ``unknown_party``,
    ``release_forbidden``, ``contradictory_release``, ``bad_time``, ``bad_shape``,
    ``bad_unit``, ``nothing_to_delete``, ``not_recorded``, and ``refused`` (the record refused
    the entry; its message says why).
    """

    slug = "invalid-input"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.message = detail

    @classmethod
    def from_record(cls, exc: LiaisonError) -> TakError:
        """The record's refusal of an entry, as an event error."""
        return cls("refused", f"{exc.slug}: {exc.detail}")


def unit_id_of(uid: str) -> str:
    """The unit id a CoT uid reports for (see the module docstring)."""
    if _REF.fullmatch(uid):
        return uid
    return "cot-" + hashlib.sha256(uid.encode()).hexdigest()[:24]


def release_of(event: CotEvent, parties: Collection[str]) -> list[str] | None:
    """The release set the event asks for, or None for the party's default (module docstring)."""
    caveat = (event.caveat or "").strip().upper()
    noforn = caveat in NOFORN_CAVEATS
    if event.releasable_to is None:
        return [] if noforn else None
    names = [n.lower() for n in _SEPARATORS.split(event.releasable_to.strip()) if n]
    if ALL_PARTIES in names:
        raise TakError(
            "release_forbidden",
            "releasableTo='*' is not accepted from a device; name the parties to release to",
        )
    unknown = sorted(set(names) - set(parties))
    if unknown:
        shown = ", ".join(n[:32] for n in unknown[:8])
        raise TakError("unknown_party", f"releasableTo names parties not on the record: {shown}")
    wanted = sorted(set(names))
    if noforn and wanted:
        raise TakError(
            "contradictory_release",
            f"caveat {event.caveat!r} means the own party only, but releasableTo names "
            f"{', '.join(wanted)}",
        )
    return wanted


def warning_texts(event: CotEvent) -> list[str]:
    """The parser's warnings as ``code: message`` lines, to keep with the entry."""
    return [str(w)[:500] for w in event.warnings[:32]]


#: The start tag of a canonical ``<track>`` child and its attributes. Detail children are
#: C14N 2.0 text (``CotEvent`` checks it): every attribute is ``name="value"`` with a value
#: that holds no ``"``, so the start tag ends at the first ``>`` after its attributes, and
#: reading it needs no XML parse.
_TRACK: Final = re.compile(r'<track((?: [^\s="]+="[^"]*")*)/?>')
_ATTR: Final = re.compile(r' ([^\s="]+)="([^"]*)"')
_C14N_ESCAPES: Final = (("&#x9;", "\t"), ("&#xA;", "\n"), ("&#xD;", "\r"), ("&quot;", '"'))
_C14N_ESCAPES_LAST: Final = (("&lt;", "<"), ("&amp;", "&"))


def _unescape(value: str) -> str:
    """An attribute value as C14N 2.0 wrote it, back to its text."""
    if "&" not in value:
        return value
    for escaped, char in (*_C14N_ESCAPES, *_C14N_ESCAPES_LAST):
        value = value.replace(escaped, char)
    return value


def _track(event: CotEvent) -> tuple[float | None, float | None]:
    """Heading (degrees true) and speed (m/s) from ``<track course speed>``, if sensible."""
    for child in event.detail:
        found = _TRACK.match(child)
        if found is None:
            continue
        attrs = {name: _unescape(value) for name, value in _ATTR.findall(found.group(1))}
        heading = _number(attrs.get("course"), 0, 360)
        speed = _number(attrs.get("speed"), 0, 99_999)
        return (None if heading is None else heading % 360.0), speed
    return None, None


#: a plain decimal of at most 5 + 9 digits: its float is the decimal's, and compares with an
#: integer bound as the decimal does (a float's spacing there is far below 1e-9)
_PLAIN_NUMBER: Final = re.compile(r"[0-9]{1,5}(?:\.[0-9]{1,9})?")


def _number(text: str | None, low: int, high: int) -> float | None:
    if text is None:
        return None
    if _PLAIN_NUMBER.fullmatch(text):  # nearly every device's course and speed
        number = float(text)
        return number if low <= number <= high else None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    return float(value)


def unit_bodies(event: CotEvent) -> tuple[dict[str, Any], dict[str, Any]]:
    """The normal-form ``picture.unit`` body and ``tak.report`` body of a position report.

    The unit report is current from the event's ``time`` until its ``stale``; its symbol is
    the 2525C code of the type; its name is the callsign. Everything else stays in the report.
    """
    if not event.stale > event.time:
        raise TakError("bad_time", "stale must be after time for a position report")
    symbol = symbol_code_from_type(event.type)
    if symbol is None:
        raise TakError("bad_unit", f"type {event.type[:64]!r} has no 2525 affiliation")
    heading, speed = _track(event)
    unit = unit_id_of(event.uid)
    body = {
        "unit": unit,
        "name": (event.callsign or "")[:_MAX_NAME],
        "position": {"type": "Point", "coordinates": list(event.point.lon_lat())},
        "time": event.time,
        "stale_time": event.stale,
        "symbol_code": symbol,
        "heading_mdeg": None if heading is None else round(heading * 1000) % 360_000,
        "speed_mmps": None if speed is None else round(speed * 1000),
    }
    try:
        normal = KINDS.get(UNIT).validate(body)
    except LiaisonError as exc:
        raise TakError("bad_unit", exc.detail) from None
    report = {
        "unit": unit,
        "time": normal["time"],
        "event": written_event(event),
        "warnings": warning_texts(event),
    }
    return normal, report


@dataclass(frozen=True)
class DraftPlan:
    """What a drawing, route or marker proposes: its shape and float-free geometry."""

    shape: str
    geometry: dict[str, Any]


def _ring(points: list[list[float]]) -> list[list[float]]:
    return points if points[0] == points[-1] else [*points, points[0]]


def draft_plan(event: CotEvent) -> DraftPlan:
    """The proposed geometry of a drawing, route or marker (an ellipse as its bounding circle)."""
    geometry = event.geometry
    try:
        if isinstance(geometry, PolygonGeometry):
            coords = [list(v.lon_lat()) for v in geometry.vertices]
            if geometry.closed:
                area = parse_footprint({"type": "Polygon", "coordinates": [coords]})
                return DraftPlan("polygon", encode_shape(area))
            return DraftPlan(
                "line", encode_shape(parse_line({"type": "LineString", "coordinates": coords}))
            )
        if isinstance(geometry, RectangleGeometry):
            corners = _ring([list(v.lon_lat()) for v in geometry.corners])
            area = parse_footprint({"type": "Polygon", "coordinates": [corners]})
            return DraftPlan("rectangle", encode_shape(area))
        if isinstance(geometry, EllipseGeometry):
            lon, lat = geometry.center.lon_lat()
            radius = float(max(geometry.ellipse.major, geometry.ellipse.minor))
            circle = parse_footprint(
                {"type": "Point", "coordinates": [lon, lat], "radius_m": radius}
            )
            return DraftPlan("circle", encode_shape(circle))
        if isinstance(geometry, RouteGeometry):
            coords = [list(p.point.lon_lat()) for p in geometry.points]
            line = parse_line({"type": "LineString", "coordinates": coords})
            return DraftPlan("route", encode_shape(line))
        lon, lat = event.point.lon_lat()
        return DraftPlan("marker", encode_shape(GeoPosition(lon, lat)))
    except GeometryError as exc:
        raise TakError("bad_shape", f"{exc.code.value}: {exc.detail}") from None


def draft_body(
    event: CotEvent, release: list[str] | None, *, state: str = "open", note: str | None = None
) -> dict[str, Any]:
    """The normal-form ``tak.draft`` body for a drawing, route or marker."""
    plan = draft_plan(event)
    body = {
        "uid": event.uid,
        "state": state,
        "shape": plan.shape,
        "geometry": plan.geometry,
        "name": (event.callsign or "")[:_MAX_NAME],
        "event": written_event(event),
        "release": release,
        "warnings": warning_texts(event),
        "confirmed_as": None,
        "note": note,
    }
    try:
        return KINDS.get(DRAFT).validate(body)
    except LiaisonError as exc:
        raise TakError("bad_shape", exc.detail) from None
