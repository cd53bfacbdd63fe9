"""Shapes, times and small scenarios shared by the picture's tests.

The theatre is a few kilometres around (10°E, 50°N); times are on 12 July 2044, so that nothing
depends on the wall clock. ``burrows`` (uk) and ``deane`` (us) and ``slavin`` (su) are the
commanders of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from liaison.domain.entry import StoredEntry
from liaison.errors import LiaisonError
from liaison.node import Node
from liaison.services.roster import Appointment
from tests.conftest import World

__all__ = [
    "END",
    "LATER",
    "SIDC",
    "START",
    "appoint",
    "conflicts",
    "measure_area",
    "only",
    "operation",
    "refused",
    "square",
    "unit",
]

START = "2044-07-12T16:00:00Z"
END = "2044-07-12T18:00:00Z"
LATER = ("2044-07-13T16:00:00Z", "2044-07-13T18:00:00Z")
SIDC = "SFGPUCA----K---"


def square(lon: float = 10.0, lat: float = 50.0, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON Polygon ``size`` degrees on a side, its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def operation(
    node: Node,
    author: str = "burrows",
    *,
    ref: str = "op-strike",
    kind: str = "air_strike",
    footprint: dict[str, Any] | None = None,
    start: str = START,
    end: str = END,
    name: str = "",
    release: Sequence[str] | None = (),
    note: str | None = None,
) -> StoredEntry:
    return node.picture.create_operation(
        author,
        ref=ref,
        kind=kind,
        name=name,
        volumes=[{"footprint": footprint or square(), "start": start, "end": end}],
        release=release,
        note=note,
    )


def unit(
    node: Node,
    author: str = "deane",
    *,
    ref: str = "1-armd",
    lon: float = 10.005,
    lat: float = 50.012,
    time: str = "2044-07-12T15:00:00Z",
    stale: str = "2044-07-12T20:00:00Z",
    name: str = "",
    release: Sequence[str] | None = (),
) -> StoredEntry:
    return node.picture.report_unit(
        author,
        unit=ref,
        name=name,
        position={"type": "Point", "coordinates": [lon, lat]},
        time=time,
        stale_time=stale,
        symbol_code=SIDC,
        release=release,
    )


def measure_area(
    node: Node,
    author: str = "slavin",
    *,
    ref: str = "roz-1",
    kind: str = "restricted_operating_zone",
    footprint: dict[str, Any] | None = None,
    binds: Sequence[str] = ("uk", "us"),
    start: str = "2044-07-01T00:00:00Z",
    end: str = "2044-08-01T00:00:00Z",
) -> StoredEntry:
    return node.picture.create_measure(
        author,
        ref=ref,
        kind=kind,
        geometry=footprint or square(10.02, 50.0, 0.02),
        valid_from=start,
        valid_until=end,
        binds=binds,
    )


def conflicts(node: Node, party: str, **kwargs: Any) -> list[dict[str, Any]]:
    return node.picture.conflicts(party, **kwargs)


def only(node: Node, party: str) -> dict[str, Any]:
    """The one conflict a party was told of."""
    found = conflicts(node, party)
    assert len(found) == 1, found
    return found[0]


def refused(exc: type[LiaisonError], fn: Any, *args: Any, **kwargs: Any) -> LiaisonError:
    """Call ``fn`` expecting ``exc``; return it for its detail."""
    try:
        fn(*args, **kwargs)
    except exc as error:
        return error
    raise AssertionError(f"expected {exc.__name__}")


def appoint(
    world: World,
    member: str,
    party: str,
    role: str,
    *,
    topics: Sequence[str] = ("coordination",),
    areas: Sequence[dict[str, Any]] = (),
    expires: str | None = None,
) -> Appointment:
    """Appoint one more member (and remember it in the world, as the fixtures do)."""
    mandate: dict[str, Any] = {"topics": list(topics), "areas": list(areas)}
    if expires is not None:
        mandate["expires"] = expires
    appointment = world.node.roster.appoint(member, party, member.title(), role, mandate)
    world.members[member] = appointment
    return appointment
