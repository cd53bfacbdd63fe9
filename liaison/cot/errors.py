"""Errors and warnings of the Cursor-on-Target layer.

CoT arrives from clients Liaison does not control (ATAK, WinTAK, iTAK, TAK
Server, gateways), so every refusal must say *what* is wrong in a way a program
can act on (a stable ``code``: count it, close the connection, answer the
sender) and a person can fix (the message). Anything accepted but not quite as
the standard says is recorded as a :class:`CotWarning` on the event instead of
being silently "fixed", so that what was repaired is visible in the record.

``CotError`` is a :class:`ValueError` so that callers who only want "bad input"
can catch that; the listener maps it to the API's one error shape.

Stable error codes
------------------

Framing (raised by or reported from :class:`~liaison.cot.framing.CotFramer`):

``event_too_large``        one event is over the per-event byte limit
``junk_between_events``    bytes between events that are not whitespace
``truncated_event``        an event that never reached ``</event>`` before the next began
                           or the connection ended
``connection_limit``       the connection sent more bytes than its limit
``too_many_errors``        the connection produced more bad frames than its limit
``framer_closed``          ``feed`` after the framer was closed or gave up

Parsing (raised by :func:`~liaison.cot.parse.parse_event` and by
:class:`~liaison.cot.model.CotEvent` when it is built with bad values):

``not_utf8``               not valid UTF-8 (CoT streams are 8-bit; UTF-16 content is refused)
``dtd_forbidden``          a ``<!DOCTYPE>`` (DTDs make entity bombs and external fetches possible)
``entity_forbidden``       an entity declaration
``external_reference_forbidden``  a reference to an external entity
``malformed_xml``          not well-formed XML
``too_deep``               elements nested deeper than the limit
``too_many_elements``      more elements than the limit
``too_many_attributes``    an element with more attributes than the limit
``not_an_event``           the root element is not ``<event>``
``missing_attribute``      a required attribute of ``<event>`` or ``<point>`` is absent
``bad_attribute``          an attribute value that does not fit its syntax (uid, type, how, version)
``bad_time``               ``time``, ``start`` or ``stale`` is not an ISO 8601 UTC date-time
``missing_point``          no ``<point>``
``bad_point``              a coordinate that is not a finite number in range
``duplicate_element``      two ``<point>`` or two ``<detail>`` elements
``bad_detail``             a detail child that is not one canonical XML element
``bad_link_point``         a ``<link point="lat,lon[,hae]">`` that does not parse or is out of range
``bad_shape``              a drawing or route whose geometry is incomplete or invalid
``delete_without_target``  a ``t-x-d-d`` delete that names no uid to delete
``bad_argument``           a builder was given a value it cannot turn into a valid event
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CotError", "CotErrorCode", "CotWarning", "CotWarningCode"]

CotErrorCode = Literal[
    "event_too_large",
    "junk_between_events",
    "truncated_event",
    "connection_limit",
    "too_many_errors",
    "framer_closed",
    "not_utf8",
    "dtd_forbidden",
    "entity_forbidden",
    "external_reference_forbidden",
    "malformed_xml",
    "too_deep",
    "too_many_elements",
    "too_many_attributes",
    "not_an_event",
    "missing_attribute",
    "bad_attribute",
    "bad_time",
    "missing_point",
    "bad_point",
    "duplicate_element",
    "bad_detail",
    "bad_link_point",
    "bad_shape",
    "delete_without_target",
    "bad_argument",
]

#: Warnings: what was accepted although it is not what the standard says.
#:
#: ``declared_encoding_ignored``  the XML declaration names an encoding other than UTF-8
#:                                (WinTAK writes ``utf-16`` on 8-bit text); parsed as UTF-8
#: ``time_fraction_digits``       fractional seconds with other than 0, 3 or 6 digits
#:                                (more than 6 are truncated to microseconds)
#: ``time_offset``                a time with a numeric UTC offset instead of ``Z``; converted
#: ``start_before_time``          ``start`` earlier than ``time``
#: ``single_quoted_attributes``   attributes delimited by ``'`` rather than ``"``
#: ``exponent_notation``          a coordinate written as ``1.0E-5`` (Java's ``Double.toString``)
#: ``point_attribute_missing``    ``hae``, ``ce`` or ``le`` absent; taken as unknown (9999999)
#: ``unknown_attribute``          an ``<event>`` attribute the schema does not define; dropped
#: ``bad_qos``                    a ``qos`` not of the form ``digit-letter-letter``; dropped
#: ``unknown_event_child``        an element beside ``<point>``/``<detail>``; dropped
#: ``stray_text``                 non-whitespace text outside any detail child; dropped
CotWarningCode = Literal[
    "declared_encoding_ignored",
    "time_fraction_digits",
    "time_offset",
    "start_before_time",
    "single_quoted_attributes",
    "exponent_notation",
    "point_attribute_missing",
    "unknown_attribute",
    "bad_qos",
    "unknown_event_child",
    "stray_text",
]


class CotError(ValueError):
    """CoT input refused, or a CoT stream that cannot go on.

    ``code`` is one of :data:`CotErrorCode` and never changes meaning;
    ``message`` is for people. ``offset`` is the byte offset in the connection's
    stream where the problem starts, when the error comes from the framer.
    """

    def __init__(self, code: CotErrorCode, message: str, *, offset: int | None = None) -> None:
        self.code: CotErrorCode = code
        self.message = message
        self.offset = offset
        where = f" (at stream byte {offset})" if offset is not None else ""
        super().__init__(f"{code}: {message}{where}")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword-only offset, so errors cross process boundaries intact."""
        return (_rebuild_error, (self.code, self.message, self.offset))


def _rebuild_error(code: CotErrorCode, message: str, offset: int | None) -> CotError:
    return CotError(code, message, offset=offset)


@dataclass(frozen=True)
class CotWarning:
    """Something accepted that is not what the CoT standard says, recorded as such."""

    code: CotWarningCode
    message: str

    def __str__(self) -> str:
        """``code: message``, the same shape as a :class:`CotError`."""
        return f"{self.code}: {self.message}"
