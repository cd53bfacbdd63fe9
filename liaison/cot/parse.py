"""Reading one CoT event from bytes: safely, strictly where it matters, leniently where it is safe.

What is refused (a :class:`~liaison.cot.errors.CotError` with a stable code) is
whatever could hurt the node or put something false on the record: DTDs and
entities, oversize or over-deep documents, invalid UTF-8 or UTF-16 content,
a root that is not ``<event>``, missing identity or time, times without a zone,
coordinates out of range or not finite, a shape whose geometry is broken, a
delete that names nothing.

What is accepted and recorded as a :class:`~liaison.cot.errors.CotWarning` is
what real clients send and a careful reader can take at its word: the
``encoding="utf-16"`` WinTAK writes on 8-bit text, 1- or 2-digit fractional
seconds, ``start`` earlier than ``time``, single-quoted attributes, exponent
notation, a missing ``hae``/``ce``/``le`` (unknown), an unknown ``<event>``
attribute (dropped), stray text between elements (dropped).

Decisions where CoT is silent:

* ``version`` must be present and be 2.x (the schema says at least 2; a 3 would
  be a format this code does not know).
* ``how`` is required, as the schema says, but any ``word(-word)*`` is taken:
  the how tree grows and an odd value does no harm.
* The ``<event>`` attributes TAK Server reads for classification and release
  (``access``, ``caveat``, ``releasableTo``) and the schema's ``qos``/``opex``
  are kept as given; a malformed ``qos`` is dropped with a warning since it only
  steers queueing. Any other ``<event>`` attribute is dropped with a warning.
* ``<point>`` and ``<detail>`` may come in either order; two of either is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from liaison.cot.canonical import canonical_children_of
from liaison.cot.errors import CotError, CotWarning, CotWarningCode
from liaison.cot.framing import DEFAULT_MAX_EVENT_BYTES, CotFramer
from liaison.cot.model import UNKNOWN, CotEvent, CotPoint, _hand_over, valid_qos
from liaison.cot.values import (
    PLAIN_DECIMAL,
    SHORT_PLAIN_DECIMAL,
    ParsedTime,
    parse_decimal,
    parse_time,
)
from liaison.cot.xmlsafe import DEFAULT_LIMITS, XmlElement, XmlLimits, parse_document

__all__ = ["StreamResult", "parse_event", "parse_stream"]

_REQUIRED: Final = ("version", "uid", "type", "how", "time", "start", "stale")
_OPTIONAL: Final = ("access", "caveat", "releasableTo", "qos", "opex")
_KNOWN: Final = frozenset(_REQUIRED + _OPTIONAL)
_USUAL_FRACTION_DIGITS: Final = (0, 3, 6)
_UTF8_NAMES: Final = frozenset({"utf-8", "utf8"})
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")


class _Warnings:
    """Warnings in the order found, each distinct (code, message) once."""

    def __init__(self) -> None:
        self.items: list[CotWarning] = []

    def add(self, code: CotWarningCode, message: str) -> None:
        warning = CotWarning(code, message)
        if warning not in self.items:
            self.items.append(warning)


def _check_bytes(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise CotError(
            "event_too_large", f"event is {len(data)} bytes, more than the limit of {max_bytes}"
        )
    # find() rather than `in`: bytes.__contains__ first tries its argument as an
    # integer and builds (then drops) a TypeError, a measurable cost per event.
    if data[:2] in _UTF16_BOMS or data.find(b"\x00") != -1:
        raise CotError(
            "not_utf8", "the event is UTF-16 or contains NUL bytes; CoT streams are UTF-8"
        )
    if data.isascii():  # ASCII is UTF-8, and checking that is much cheaper than decoding
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CotError("not_utf8", f"invalid UTF-8 at byte {exc.start}") from None


def _is_blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _time(attrs: dict[str, str], name: str) -> ParsedTime:
    text = attrs[name]
    parsed = parse_time(text)
    if parsed is None:
        raise CotError(
            "bad_time",
            f"{name}={text[:64]!r} is not an ISO 8601 UTC time such as 2020-12-16T19:59:34.921Z",
        )
    return parsed


def _time_warnings(times: dict[str, ParsedTime], warnings: _Warnings) -> None:
    """One warning per kind of irregularity, naming the attributes it concerns."""
    time, start, stale = times["time"], times["start"], times["stale"]
    if (
        time.fraction_digits in _USUAL_FRACTION_DIGITS
        and start.fraction_digits in _USUAL_FRACTION_DIGITS
        and stale.fraction_digits in _USUAL_FRACTION_DIGITS
        and not (time.offset or start.offset or stale.offset)
        and start.value >= time.value
    ):
        return
    odd = {
        name: t.fraction_digits
        for name, t in times.items()
        if t.fraction_digits not in _USUAL_FRACTION_DIGITS
    }
    if odd:
        listed = ", ".join(f"{name} ({digits})" for name, digits in odd.items())
        truncated = any(digits > 6 for digits in odd.values())
        warnings.add(
            "time_fraction_digits",
            f"fractional seconds with an unusual number of digits: {listed}"
            + ("; truncated to microseconds" if truncated else ""),
        )
    offsets = [name for name, t in times.items() if t.offset]
    if offsets:
        warnings.add("time_offset", f"numeric UTC offsets converted to UTC: {', '.join(offsets)}")
    if times["start"].value < times["time"].value:
        warnings.add("start_before_time", "start is earlier than time")


def _coordinate(text: str | None, name: str, warnings: _Warnings) -> Decimal:
    if text is None:
        if name in ("lat", "lon"):
            raise CotError("missing_attribute", f"<point> has no {name}")
        warnings.add("point_attribute_missing", f"<point> has no {name}; taken as unknown")
        return UNKNOWN
    parsed = parse_decimal(text)
    if parsed is None:
        raise CotError("bad_point", f"<point> {name}={text[:64]!r} is not a finite number")
    if parsed[1]:
        warnings.add("exponent_notation", f"<point> {name} uses exponent notation")
    return parsed[0]


def _point(element: XmlElement, warnings: _Warnings) -> CotPoint:
    attributes = dict(element.items())
    values: list[Decimal] = []
    for name in ("lat", "lon", "hae", "ce", "le"):
        text = attributes.get(name)
        if text is not None and len(text) <= SHORT_PLAIN_DECIMAL and PLAIN_DECIMAL.fullmatch(text):
            values.append(Decimal(text))  # what parse_decimal gives such text, without its checks
        else:
            values.append(_coordinate(text, name, warnings))
    return CotPoint(*values)


def _detail(
    element: XmlElement, plain: bool, warnings: _Warnings
) -> tuple[tuple[str, ...], list[XmlElement]]:
    """The detail children in canonical form, and their trees; warns of what was dropped."""
    children = list(element)
    stray = not _is_blank(element.text)
    exponent = False
    for child in children:
        if not stray and (tail := child.tail) and tail.strip():
            stray = True
        if child.tag == "link":
            point = child.get("point")
            if point is not None and ("e" in point or "E" in point):
                exponent = True
    canonical = canonical_children_of(element, plain=plain, children=children)
    if stray:
        warnings.add("stray_text", "text directly inside <detail> was dropped")
    if exponent:
        warnings.add("exponent_notation", "a <link point> uses exponent notation")
    return tuple(canonical), children


def _within_defaults(limits: XmlLimits) -> bool:
    """Whether a document parsed under ``limits`` also fits the limits an event checks."""
    return (
        limits.max_depth <= DEFAULT_LIMITS.max_depth
        and limits.max_elements <= DEFAULT_LIMITS.max_elements
        and limits.max_attributes <= DEFAULT_LIMITS.max_attributes
    )


def parse_event(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_EVENT_BYTES, limits: XmlLimits = DEFAULT_LIMITS
) -> CotEvent:
    """Parse one framed CoT event (optionally preceded by an XML declaration).

    Raises :class:`~liaison.cot.errors.CotError` and nothing else for any input
    bytes; the returned event's ``warnings`` list what was accepted although
    irregular.
    """
    raw = data if type(data) is bytes else bytes(data)
    _check_bytes(raw, max_bytes)
    parsed = parse_document(raw, limits)
    warnings = _Warnings()
    declared = parsed.declared_encoding
    if declared is not None and declared.strip().lower().replace("_", "-") not in _UTF8_NAMES:
        warnings.add(
            "declared_encoding_ignored",
            f"the XML declaration says encoding={declared[:32]!r}; the bytes were read as UTF-8",
        )
    if parsed.single_quoted:
        warnings.add("single_quoted_attributes", "attributes are delimited by single quotes")
    root = parsed.root
    if root.tag != "event":
        shown = root.tag if len(root.tag) <= 64 else root.tag[:64] + "..."
        raise CotError("not_an_event", f"the root element is <{shown}>, not <event>")
    attrs = dict(root.items())
    for name in _REQUIRED:
        if name not in attrs:
            raise CotError("missing_attribute", f"<event> has no {name}")
    if attrs["version"] != "2.0":  # what every client writes, known good without parsing
        version = parse_decimal(attrs["version"])
        if version is None or not 2 <= version[0] < 3:
            raise CotError("bad_attribute", f"version={attrs['version'][:16]!r} is not 2.x")
    time = _time(attrs, "time")
    # Clients usually send start equal to time: the same text is the same instant.
    start = time if attrs["start"] == attrs["time"] else _time(attrs, "start")
    stale = _time(attrs, "stale")
    if not (
        time.fraction_digits in _USUAL_FRACTION_DIGITS
        and stale.fraction_digits in _USUAL_FRACTION_DIGITS
        and start is time  # parsed once: the same digits, no offset, not earlier
        and not time.offset
        and not stale.offset
    ):
        _time_warnings({"time": time, "start": start, "stale": stale}, warnings)
    if len(attrs) > len(_REQUIRED):
        unknown = sorted(attrs.keys() - _KNOWN)
        if unknown:
            names = ", ".join(name[:32] for name in unknown[:8])
            warnings.add("unknown_attribute", f"<event> attributes dropped: {names}")
    qos = attrs.get("qos")
    if qos is not None and not valid_qos(qos):
        warnings.add("bad_qos", f"qos={qos[:16]!r} is not digit-letter-letter")
        qos = None

    points: list[XmlElement] = []
    details: list[XmlElement] = []
    others: set[str] = set()
    stray = not _is_blank(root.text)
    for child in root:
        tag = child.tag
        if tag == "point":
            points.append(child)
        elif tag == "detail":
            details.append(child)
        else:
            others.add(tag[:32])
        if not stray and not _is_blank(child.tail):
            stray = True
    if others:
        warnings.add("unknown_event_child", f"elements dropped: {', '.join(sorted(others)[:8])}")
    if stray:
        warnings.add("stray_text", "text directly inside <event> was dropped")
    if not points:
        raise CotError("missing_point", "<event> has no <point>")
    if len(points) > 1 or len(details) > 1:
        raise CotError("duplicate_element", "<event> has more than one <point> or <detail>")
    point = _point(points[0], warnings)
    detail, children = _detail(details[0], not parsed.namespaced, warnings) if details else ((), [])

    handed = bool(detail) and (limits is DEFAULT_LIMITS or _within_defaults(limits))
    if handed:
        _hand_over(detail, children)
    try:
        return CotEvent(
            uid=attrs["uid"],
            type=attrs["type"],
            how=attrs["how"],
            time=time.value,
            start=start.value,
            stale=stale.value,
            point=point,
            detail=detail,
            access=attrs.get("access"),
            caveat=attrs.get("caveat"),
            releasable_to=attrs.get("releasableTo"),
            qos=qos,
            opex=attrs.get("opex"),
            warnings=tuple(warnings.items),
        )
    except BaseException:
        if handed:
            _hand_over(None, [])
        raise


@dataclass(frozen=True)
class StreamResult:
    """What a byte stream held: the events that parsed, and every problem on the way."""

    events: tuple[CotEvent, ...]
    errors: tuple[CotError, ...]


def parse_stream(data: bytes, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> StreamResult:
    """Frame and parse a whole captured stream (a file, a test); a bad event never hides the next.

    Framing and parse errors are both collected; nothing is raised for bad
    input, since a capture is read to the end whatever it holds.
    """
    framer = CotFramer(max_event_bytes=max_event_bytes, max_connection_bytes=None, max_errors=None)
    events: list[CotEvent] = []
    errors: list[CotError] = []
    frames = framer.feed(data)
    frames_errors = framer.take_errors()
    for frame in frames:
        try:
            events.append(parse_event(frame, max_bytes=max_event_bytes))
        except CotError as exc:
            errors.append(exc)
    errors.extend(frames_errors)
    errors.extend(framer.close())
    return StreamResult(tuple(events), tuple(errors))
