"""A mandate: the topics and areas a member may act on, and until when.

Topics are dotted names (``coordination``, ``coordination.air``); a mandate
topic covers itself and everything below it, and ``*`` covers every topic.
An empty topic list covers no topic at all: a mandate is given, never assumed.
Areas are GeoJSON polygons kept in signed bytes as integers of 1e-7 degrees
(signed bytes hold no floats); an empty area list means "no area limit".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liaison.domain.time import format_time, parse_time

__all__ = ["ANY_TOPIC", "E7", "Mandate", "check_topic"]

ANY_TOPIC = "*"
E7 = 10_000_000
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")


def check_topic(topic: str) -> str:
    if topic != ANY_TOPIC and not _TOPIC.fullmatch(topic):
        raise ValueError(f"topic {topic!r} must be dotted lowercase words, e.g. 'coordination.air'")
    return topic


def _ring_to_e7(ring: Sequence[Sequence[Any]]) -> tuple[tuple[int, int], ...]:
    points: list[tuple[int, int]] = []
    for position in ring:
        if len(position) < 2:
            raise ValueError("an area position needs longitude and latitude")
        lon, lat = (float(position[0]), float(position[1]))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"area position {lon}, {lat} is out of range")
        points.append((round(lon * E7), round(lat * E7)))
    if len(points) < 4 or points[0] != points[-1]:
        raise ValueError("an area ring needs at least four positions, the last equal to the first")
    return tuple(points)


@dataclass(frozen=True)
class Mandate:
    topics: frozenset[str] = frozenset()
    #: polygons, each a tuple of rings of (lon_e7, lat_e7) positions
    areas: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = ()
    expires: datetime | None = None
    _shapes: list[Any] = field(default_factory=list, compare=False, repr=False)

    def covers_topic(self, topic: str) -> bool:
        if ANY_TOPIC in self.topics:
            return True
        return any(topic == t or topic.startswith(t + ".") for t in self.topics)

    def expired_at(self, moment: datetime) -> bool:
        return self.expires is not None and moment >= self.expires

    def covers_point(self, lon: float, lat: float) -> bool:
        """Whether a point lies in one of the areas (or there is no area limit)."""
        if not self.areas:
            return True
        from shapely.geometry import Point

        point = Point(lon, lat)
        return any(shape.covers(point) for shape in self._polygons())

    def covers_geometry(self, geometry: Any) -> bool:
        """Whether a shapely geometry (lon/lat) lies within the areas.

        The areas also stand 360° east and west of themselves, so a geometry whose
        longitudes run past ±180 (one that crosses the antimeridian, written
        continuously) is tested against the parts of the mandate on either side.
        """
        if not self.areas:
            return True
        from shapely.affinity import translate
        from shapely.ops import unary_union

        polygons = self._polygons()
        copies = [translate(p, xoff=dx) for p in polygons for dx in (-360.0, 360.0)]
        return bool(unary_union([*polygons, *copies]).buffer(1e-9).covers(geometry))

    def _polygons(self) -> list[Any]:
        if not self._shapes:
            from shapely.geometry import Polygon

            for rings in self.areas:
                shell, *holes = [[(x / E7, y / E7) for x, y in ring] for ring in rings]
                self._shapes.append(Polygon(shell, holes))
        return self._shapes

    def to_json(self) -> dict[str, Any]:
        return {
            "topics": sorted(self.topics),
            "areas": [
                {"type": "Polygon", "coordinates_e7": [[list(p) for p in ring] for ring in rings]}
                for rings in self.areas
            ],
            "expires": format_time(self.expires) if self.expires else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Mandate:
        topics = frozenset(check_topic(str(t)) for t in data.get("topics", []))
        areas = []
        for area in data.get("areas", []):
            if "coordinates_e7" in area:
                rings = tuple(
                    tuple((int(x), int(y)) for x, y in ring) for ring in area["coordinates_e7"]
                )
            elif area.get("type") == "Polygon":
                rings = tuple(_ring_to_e7(ring) for ring in area["coordinates"])
            else:
                raise ValueError("a mandate area must be a GeoJSON Polygon")
            areas.append(rings)
        expires = data.get("expires")
        return cls(
            topics=topics,
            areas=tuple(areas),
            expires=parse_time(expires) if expires else None,
        )
