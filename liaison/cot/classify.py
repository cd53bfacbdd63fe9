"""What a CoT event is for Liaison: a unit's position, a drawing, a route, a delete, a ping.

The listener routes each event by :func:`event_kind`; the kinds are decided in
this order (the first that applies wins):

``delete``    type ``t-x-d-d`` (the uid to delete is in ``<link uid>``), or any
              event whose ``stale`` is at or before its ``start`` — both are how
              TAK clients remove something from the map
``ping``      type ``t-x-c-t`` exactly (a ``t-x-c-t-r`` reply is ``other``, so a
              listener that answers pings never answers its own answers)
``route``     type ``b-m-r``
``shape``     any drawing, ``u-d-…`` (free form, rectangle, circle, ellipse, ...)
``marker``    a designated point ``b-m-p-…`` (waypoint, spot map, point of
              interest), or an atom ``a-…`` placed by someone else: it carries a
              ``<link relation="p-p">`` to its producer, as every marker dropped on
              an ATAK map does
``position``  any other atom ``a-…``: a unit or device reporting where it is
``other``     everything else (chat, file transfer, TAK control, range-and-bearing
              lines ``u-rb-a``, ...)

:func:`is_position_report` is wider than the ``position`` kind: it is True for
every atom (``a-…``) that is not a delete, hand-placed markers included,
because a marker of a hostile vehicle is a reported position too.
"""

from __future__ import annotations

from typing import Literal

from liaison.cot.model import CotEvent

__all__ = ["EventKind", "deleted_uid", "event_kind", "is_delete", "is_position_report"]

EventKind = Literal["position", "shape", "route", "marker", "delete", "ping", "other"]

_DELETE = "t-x-d-d"
_PING = "t-x-c-t"
_PRODUCER = "p-p"


def is_delete(event: CotEvent) -> bool:
    """Whether ``event`` removes something: ``t-x-d-d``, or stale at or before start."""
    return event.base_type == _DELETE or event.stale <= event.start


def deleted_uid(event: CotEvent) -> str | None:
    """The uid ``event`` deletes, or None if it is not a delete.

    For ``t-x-d-d`` it is the first ``<link uid>`` (the event cannot be built
    without one); for a stale-at-start event it is the event's own uid.
    """
    if event.base_type == _DELETE:
        return next(link.uid for link in event.links if link.uid)
    if event.stale <= event.start:
        return event.uid
    return None


def is_position_report(event: CotEvent) -> bool:
    """Whether ``event`` places an atom (``a-…``: a unit, vehicle, person) at its point."""
    return event.base_type.startswith("a-") and not is_delete(event)


def event_kind(event: CotEvent) -> EventKind:
    """How Liaison treats ``event``; see the module docstring for the rules and their order."""
    cot_type = event.base_type
    if is_delete(event):
        return "delete"
    if cot_type == _PING:
        return "ping"
    if cot_type == "b-m-r":
        return "route"
    if cot_type.startswith("u-d-"):
        return "shape"
    if cot_type.startswith("b-m-p-"):
        return "marker"
    if cot_type.startswith("a-"):
        if any(link.relation == _PRODUCER for link in event.links):
            return "marker"
        return "position"
    return "other"
