"""Builders for deconfliction tests: operations, units and measures from a few numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyproj import Geod

from liaison.deconfliction import ControlMeasure, Operation, OperationState, UnitPosition, Volume
from liaison.geometry import AltitudeBand, Area, Circle, Line, Position, Schedule, TimeWindow

GEOD = Geod(ellps="WGS84")
T = datetime(1944, 7, 12, tzinfo=UTC)
SIDC = "SFGPUCI--------"


def hours(h0: float, h1: float) -> TimeWindow:
    return TimeWindow(T + timedelta(hours=h0), T + timedelta(hours=h1))


def east_of(lon: float, lat: float, metres: float) -> tuple[float, float]:
    out_lon, out_lat, _ = GEOD.fwd(lon, lat, 90.0, metres)
    return float(out_lon), float(out_lat)


def circle_op(
    op_id: str,
    party: str,
    kind: str,
    lon: float,
    lat: float,
    radius: float = 500.0,
    window: TimeWindow | None = None,
    altitude: AltitudeBand | None = None,
    state: OperationState = OperationState.PLANNED,
) -> Operation:
    volume = Volume(
        Circle(lon, lat, radius),
        window or hours(0, 2),
        altitude or AltitudeBand.surface_to_unlimited(),
    )
    return Operation(op_id, party, kind, (volume,), state)


def unit(
    unit_id: str, party: str, lon: float, lat: float, window: TimeWindow | None = None
) -> UnitPosition:
    w = window or hours(-1, 3)
    return UnitPosition(unit_id, party, Position(lon, lat), w.start, w.end, SIDC)


def square(lon: float, lat: float, half: float) -> Area:
    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return Area(((ring,),))


def area_measure(
    measure_id: str,
    kind: str,
    owner: str,
    binds: set[str],
    footprint: Area | Circle,
    window: TimeWindow | None = None,
    schedule: Schedule | None = None,
    altitude: AltitudeBand | None = None,
    restricts: frozenset[str] | None = None,
) -> ControlMeasure:
    return ControlMeasure(
        measure_id,
        kind,
        owner,
        frozenset(binds),
        footprint,
        window or hours(-24, 24),
        schedule=schedule,
        altitude=altitude or AltitudeBand.surface_to_unlimited(),
        restricts=restricts,
    )


def meridian_line(
    measure_id: str,
    owner: str,
    sides: dict[str, str],
    lon: float = 10.0,
    depth_m: float = 100_000.0,
    window: TimeWindow | None = None,
    schedule: Schedule | None = None,
) -> ControlMeasure:
    """A line along a meridian from 0° to 1° N: its left is west, its right is east."""
    return ControlMeasure(
        measure_id,
        "bomb_line",
        owner,
        frozenset(sides),
        Line(((lon, 0.0), (lon, 0.5), (lon, 1.0))),
        window or hours(-24, 24),
        schedule=schedule,
        permitted_sides=tuple(sides.items()),  # type: ignore[arg-type]
        depth_m=depth_m,
    )
