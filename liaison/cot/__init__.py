"""Cursor on Target (CoT): framing, safe parsing, classification and writing of TAK traffic.

Pure functions and values only — no sockets, no database. The listener feeds
each connection's bytes to a :class:`CotFramer`, parses each frame with
:func:`parse_event`, routes the event by :func:`event_kind`, and answers with
events built and written by :mod:`liaison.cot.serialize`.

Modules: :mod:`~liaison.cot.framing` (stream → frames), :mod:`~liaison.cot.parse`
(frame → event), :mod:`~liaison.cot.model` (the event), :mod:`~liaison.cot.classify`
(what an event is), :mod:`~liaison.cot.types` (CoT type → MIL-STD-2525C),
:mod:`~liaison.cot.serialize` (event → bytes, builders), :mod:`~liaison.cot.errors`
(stable error and warning codes), :mod:`~liaison.cot.xmlsafe` (the safe XML parser),
:mod:`~liaison.cot.canonical` (canonical detail XML).
"""

from liaison.cot.classify import (
    EventKind,
    deleted_uid,
    event_kind,
    is_delete,
    is_position_report,
)
from liaison.cot.errors import CotError, CotErrorCode, CotWarning, CotWarningCode
from liaison.cot.framing import (
    DEFAULT_MAX_CONNECTION_BYTES,
    DEFAULT_MAX_ERRORS,
    DEFAULT_MAX_EVENT_BYTES,
    CotFramer,
)
from liaison.cot.model import (
    UNKNOWN,
    CotEvent,
    CotGeometry,
    CotLink,
    CotPoint,
    Ellipse,
    EllipseGeometry,
    LatLon,
    PolygonGeometry,
    RectangleGeometry,
    RouteGeometry,
    RoutePoint,
)
from liaison.cot.parse import StreamResult, parse_event, parse_stream
from liaison.cot.serialize import (
    argb,
    canonical_detail,
    circle_event,
    conflict_marker,
    delete_event,
    detail_element,
    ping_reply,
    polygon_event,
    position_report,
    rectangle_event,
    route_event,
    serialize_event,
    serialize_events,
)
from liaison.cot.types import symbol_code_from_type
from liaison.cot.xmlsafe import DEFAULT_LIMITS, XmlLimits

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_CONNECTION_BYTES",
    "DEFAULT_MAX_ERRORS",
    "DEFAULT_MAX_EVENT_BYTES",
    "UNKNOWN",
    "CotError",
    "CotErrorCode",
    "CotEvent",
    "CotFramer",
    "CotGeometry",
    "CotLink",
    "CotPoint",
    "CotWarning",
    "CotWarningCode",
    "Ellipse",
    "EllipseGeometry",
    "EventKind",
    "LatLon",
    "PolygonGeometry",
    "RectangleGeometry",
    "RouteGeometry",
    "RoutePoint",
    "StreamResult",
    "XmlLimits",
    "argb",
    "canonical_detail",
    "circle_event",
    "conflict_marker",
    "delete_event",
    "deleted_uid",
    "detail_element",
    "event_kind",
    "is_delete",
    "is_position_report",
    "parse_event",
    "parse_stream",
    "ping_reply",
    "polygon_event",
    "position_report",
    "rectangle_event",
    "route_event",
    "serialize_event",
    "serialize_events",
    "symbol_code_from_type",
]
