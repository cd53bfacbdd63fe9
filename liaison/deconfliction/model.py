"""The deconfliction domain: operations, unit positions, control measures and conflicts.

Why frozen dataclasses that validate in ``__post_init__``: these are projections of signed record
entries; they must never change after being built and must never exist in an invalid state.

Severity scale of a :class:`Conflict` (most to least urgent):

* ``critical`` — risk to life of another party's people or protected places: a fires operation
  within its danger distance of another party's unit (rule 2), or a fires operation within the
  separation buffer of another party's protected site (a ``humanitarian_site``; rule 1).
* ``high`` — fires involved otherwise: a fires operation clashing with another party's operation
  (rule 1), striking beyond a line it may not strike across (rule 3), or entering an area that
  another party restricts (rule 4).
* ``medium`` — no fires involved: movements, convoys, air drops or sites clashing with each other
  or entering a restricted area.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from liaison.deconfliction.errors import DeconflictionError, DeconflictionErrorCode
from liaison.geometry import (
    AltitudeBand,
    Area,
    Circle,
    Footprint,
    GeometryError,
    Line,
    Position,
    Schedule,
    Shape,
    TimeWindow,
    clash_region,
)
from liaison.geometry.earth import MAX_DISTANCE_M, WGS84, quantise_metres
from liaison.geometry.errors import GeometryErrorCode
from liaison.geometry.region import combine
from liaison.geometry.time import as_utc, format_instant, merge_windows

_C = DeconflictionErrorCode

#: Operation kinds the defaults know about; any other lowercase identifier is accepted too.
AIR_STRIKE = "air_strike"
ARTILLERY_FIRE = "artillery_fire"
GROUND_MOVEMENT = "ground_movement"
AIR_DROP = "air_drop"
CONVOY = "convoy"
HUMANITARIAN_SITE = "humanitarian_site"
KNOWN_OPERATION_KINDS = (
    AIR_STRIKE,
    ARTILLERY_FIRE,
    GROUND_MOVEMENT,
    AIR_DROP,
    CONVOY,
    HUMANITARIAN_SITE,
)

#: Control measure kinds the defaults know about (lines, then areas); extensible likewise.
BOMB_LINE = "bomb_line"
FIRE_SUPPORT_COORDINATION_LINE = "fire_support_coordination_line"
NO_FIRE_AREA = "no_fire_area"
RESTRICTED_OPERATING_ZONE = "restricted_operating_zone"
BOUNDARY = "boundary"

#: Default depth of the zone beyond a line in which a party may not strike (metres).
DEFAULT_LINE_DEPTH_M = 100_000.0
MAX_VOLUMES = 64

# Used with ``fullmatch`` only: with ``match``, a ``$`` anchor lets a final newline through.
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SIDC = re.compile(r"[A-Z0-9*\-]{15}|\d{20}|\d{30}")


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isprintable():
        raise DeconflictionError(
            _C.INVALID_ID, f"{what} must be a non-empty printable string of at most 200 characters"
        )
    return value


def _check_kind(value: object, what: str) -> str:
    if not isinstance(value, str) or not _KIND.fullmatch(value):
        raise DeconflictionError(
            _C.INVALID_KIND,
            f"{what} must be a lowercase identifier (e.g. air_strike), got {value!r}",
        )
    return value


class OperationState(StrEnum):
    """Life cycle of an operation; only planned and active operations can conflict."""

    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


LIVE_STATES = frozenset({OperationState.PLANNED, OperationState.ACTIVE})


@dataclass(frozen=True)
class Volume:
    """One 4D volume of an operation: footprint × altitude band × time window."""

    footprint: Footprint
    window: TimeWindow
    altitude: AltitudeBand = field(default_factory=AltitudeBand.surface_to_unlimited)

    def __post_init__(self) -> None:
        if not isinstance(self.footprint, Circle | Area):
            raise DeconflictionError(
                _C.INVALID_VOLUME, "a volume footprint must be a Circle or Area"
            )
        if not isinstance(self.window, TimeWindow):
            raise DeconflictionError(_C.INVALID_VOLUME, "a volume needs a TimeWindow")
        if not isinstance(self.altitude, AltitudeBand):
            raise DeconflictionError(_C.INVALID_VOLUME, "a volume needs an AltitudeBand")


@dataclass(frozen=True)
class Operation:
    """A planned activity of one party: a kind, one or more volumes, a state."""

    id: str
    party: str
    kind: str
    volumes: tuple[Volume, ...]
    state: OperationState = OperationState.PLANNED

    def __post_init__(self) -> None:
        _check_id(self.id, "operation id")
        _check_id(self.party, "party")
        _check_kind(self.kind, "operation kind")
        volumes = tuple(self.volumes)
        if not volumes or len(volumes) > MAX_VOLUMES:
            raise DeconflictionError(
                _C.INVALID_VOLUME,
                f"an operation needs 1 to {MAX_VOLUMES} volumes, got {len(volumes)}",
            )
        for v in volumes:
            if not isinstance(v, Volume):
                raise DeconflictionError(_C.INVALID_VOLUME, "volumes must be Volume objects")
        try:
            state = OperationState(self.state)
        except ValueError:
            raise DeconflictionError(_C.INVALID_STATE, f"unknown state {self.state!r}") from None
        object.__setattr__(self, "volumes", volumes)
        object.__setattr__(self, "state", state)

    @property
    def is_live(self) -> bool:
        """Planned or active: the states in which an operation can conflict."""
        return self.state in LIVE_STATES

    @property
    def window(self) -> TimeWindow:
        """The span of all volumes' windows."""
        return TimeWindow(
            min(v.window.start for v in self.volumes), max(v.window.end for v in self.volumes)
        )


def _optional_number(value: object, what: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DeconflictionError(_C.INVALID_UNIT, f"{what} must be a finite number or None")
    if not low <= float(value) < high:
        raise DeconflictionError(_C.INVALID_UNIT, f"{what} {value} not in [{low}, {high})")
    return round(float(value) * 1000) / 1000


@dataclass(frozen=True)
class UnitPosition:
    """A unit's reported position; current from ``time`` until ``stale_time``.

    ``symbol_code`` is a MIL-STD-2525 symbol identification code: 15 characters (2525B/C) or 20
    or 30 digits (2525D/E). Heading (degrees true, [0, 360)) is kept to 0.001° and speed (m/s)
    to 1 mm/s, the units of the float-free form.
    """

    unit_id: str
    party: str
    position: Position
    time: datetime
    stale_time: datetime
    symbol_code: str
    heading_deg: float | None = None
    speed_mps: float | None = None

    def __post_init__(self) -> None:
        _check_id(self.unit_id, "unit id")
        _check_id(self.party, "party")
        if not isinstance(self.position, Position):
            raise DeconflictionError(_C.INVALID_UNIT, "a unit position needs a Position")
        time = as_utc(self.time, "report time")
        stale = as_utc(self.stale_time, "stale time")
        if not time < stale:
            raise DeconflictionError(_C.INVALID_UNIT, "stale time must be after the report time")
        code = self.symbol_code
        if not isinstance(code, str) or not _SIDC.fullmatch(code):
            raise DeconflictionError(
                _C.INVALID_SYMBOL,
                f"symbol code {code!r} is not a MIL-STD-2525 SIDC (15 characters or 20/30 digits)",
            )
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "stale_time", stale)
        heading = _optional_number(self.heading_deg, "heading", 0.0, 360.0)
        if heading is not None and heading >= 360.0:
            heading = 0.0
        object.__setattr__(self, "heading_deg", heading)
        object.__setattr__(self, "speed_mps", _optional_number(self.speed_mps, "speed", 0.0, 1e5))

    @classmethod
    def unchecked(
        cls,
        unit_id: str,
        party: str,
        position: Position,
        time: datetime,
        stale_time: datetime,
        symbol_code: str,
        heading_deg: float | None,
        speed_mps: float | None,
    ) -> UnitPosition:
        """A report made without the checks of ``__init__``, for fields already checked and
        normal: a UTC ``time`` before ``stale_time``, a valid symbol code, heading and speed
        in range and to 0.001. Why: the live picture builds one per unit report from a body
        the record has just validated by building this very object; checking it again was a
        third of the picture's cost per report. Anything else must use the constructor.
        """
        item = object.__new__(cls)
        item.__dict__.update(
            unit_id=unit_id,
            party=party,
            position=position,
            time=time,
            stale_time=stale_time,
            symbol_code=symbol_code,
            heading_deg=heading_deg,
            speed_mps=speed_mps,
        )
        return item

    @property
    def currency(self) -> TimeWindow:
        """When this report is current: ``[time, stale_time)``."""
        return TimeWindow(self.time, self.stale_time)


class Side(StrEnum):
    """A side of a line, seen travelling from its first position to its last."""

    LEFT = "left"
    RIGHT = "right"


def _azimuth_mean(a: float, b: float) -> float:
    x = math.cos(math.radians(a)) + math.cos(math.radians(b))
    y = math.sin(math.radians(a)) + math.sin(math.radians(b))
    return math.degrees(math.atan2(y, x))


def _line_zone(line: Line, side: Side, depth_m: float) -> Area:
    """The zone on ``side`` of ``line``: the line, its offset by ``depth_m``, and the two ends."""
    coords = np.array(line.coords)
    lons = coords[:, 0]
    lats = coords[:, 1]
    fwd, back, _ = WGS84.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    start_az = np.atleast_1d(np.asarray(fwd, dtype=np.float64))
    end_az = np.atleast_1d(np.asarray(back, dtype=np.float64)) + 180.0
    directions = [float(start_az[0])]
    for i in range(1, len(coords) - 1):
        directions.append(_azimuth_mean(float(end_az[i - 1]), float(start_az[i])))
    directions.append(float(end_az[-1]))
    turn = -90.0 if side is Side.LEFT else 90.0
    out_lon, out_lat, _ = WGS84.fwd(
        lons, lats, np.array(directions) + turn, np.full(len(coords), depth_m)
    )
    offset = list(zip(np.asarray(out_lon).tolist(), np.asarray(out_lat).tolist(), strict=True))
    ring = [*line.coords, *reversed(offset), line.coords[0]]
    try:
        return Area(((tuple((float(x), float(y)) for x, y in ring),),))
    except GeometryError as exc:
        raise GeometryError(
            exc.code,
            f"the {side.value} zone of the line ({depth_m:.0f} m deep) is not a valid area: "
            f"{exc.detail}; use a smaller depth_m or a simpler line",
        ) from None


@dataclass(frozen=True)
class ControlMeasure:
    """A line or area with an owner, the parties it binds and when it is in force.

    A *line* measure (``geometry`` is a :class:`Line`, e.g. a bomb line) names for each bound party
    the side on which that party may strike (``permitted_sides``); the zone ``depth_m`` deep on the
    other side is where that party's fires are forbidden (rule 3). An *area* measure (``geometry``
    is a footprint: no-fire area, restricted operating zone, boundary) restricts the kinds in
    ``restricts`` (None: the defaults for its kind in the settings) within its ``altitude`` band,
    for every bound party other than its owner (rule 4). Either is in force during ``validity``,
    intersected with ``schedule`` when given (e.g. daily windows).
    """

    id: str
    kind: str
    owner: str
    binds: frozenset[str]
    geometry: Line | Footprint
    validity: TimeWindow
    schedule: Schedule | None = None
    agreement_ref: str | None = None
    permitted_sides: tuple[tuple[str, Side], ...] = ()
    depth_m: float = DEFAULT_LINE_DEPTH_M
    altitude: AltitudeBand = field(default_factory=AltitudeBand.surface_to_unlimited)
    restricts: frozenset[str] | None = None
    _zones: dict[Side, Area] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        _check_id(self.id, "control measure id")
        _check_kind(self.kind, "control measure kind")
        _check_id(self.owner, "owner")
        binds = frozenset(self.binds)
        for party in binds:
            _check_id(party, "bound party")
        if not isinstance(self.validity, TimeWindow):
            raise DeconflictionError(_C.INVALID_MEASURE, "validity must be a TimeWindow")
        if self.schedule is not None and not isinstance(self.schedule, Schedule):
            raise DeconflictionError(_C.INVALID_MEASURE, "schedule must be a Schedule")
        if self.agreement_ref is not None:
            _check_id(self.agreement_ref, "agreement reference")
        object.__setattr__(self, "binds", binds)
        if isinstance(self.geometry, Line):
            self._init_line(binds)
        elif isinstance(self.geometry, Circle | Area):
            if self.permitted_sides:
                raise DeconflictionError(
                    _C.INVALID_MEASURE, "permitted_sides apply to line measures only"
                )
            if self.restricts is not None:
                object.__setattr__(
                    self,
                    "restricts",
                    frozenset(_check_kind(k, "restricted kind") for k in self.restricts),
                )
            if not binds:
                raise DeconflictionError(_C.INVALID_MEASURE, "an area measure must bind a party")
        else:
            raise DeconflictionError(_C.INVALID_MEASURE, "geometry must be a Line, Circle or Area")

    def _init_line(self, binds: frozenset[str]) -> None:
        sides: dict[str, Side] = {}
        for entry in self.permitted_sides:
            party, side = entry
            _check_id(party, "party with a permitted side")
            try:
                sides[party] = Side(side)
            except ValueError:
                raise DeconflictionError(
                    _C.INVALID_MEASURE, f"side must be 'left' or 'right', got {side!r}"
                ) from None
        if len(sides) != len(self.permitted_sides):
            raise DeconflictionError(_C.INVALID_MEASURE, "a party has more than one permitted side")
        if not sides or set(sides) != binds:
            raise DeconflictionError(
                _C.INVALID_MEASURE,
                "a line must give a permitted side for exactly the parties it binds",
            )
        depth = self.depth_m
        if (
            isinstance(depth, bool)
            or not isinstance(depth, int | float)
            or not math.isfinite(depth)
            or not 0 < depth <= MAX_DISTANCE_M
        ):
            raise GeometryError(
                GeometryErrorCode.INVALID_DISTANCE,
                f"depth_m must be in (0, {MAX_DISTANCE_M:.0f}] metres, got {depth!r}",
            )
        depth = quantise_metres(float(depth))
        object.__setattr__(self, "depth_m", depth)
        object.__setattr__(self, "permitted_sides", tuple(sorted(sides.items())))
        assert isinstance(self.geometry, Line)
        needed = {Side.RIGHT if s is Side.LEFT else Side.LEFT for s in sides.values()}
        for side in sorted(needed):
            self._zones[side] = _line_zone(self.geometry, side, depth)

    @property
    def is_line(self) -> bool:
        """True for a line measure (rule 3), False for an area measure (rule 4)."""
        return isinstance(self.geometry, Line)

    def forbidden_zone(self, party: str) -> Area | None:
        """The zone beyond this line where ``party`` may not strike (None if not bound)."""
        for bound, side in self.permitted_sides:
            if bound == party:
                return self._zones[Side.RIGHT if side is Side.LEFT else Side.LEFT]
        return None

    def zones(self) -> tuple[Area, ...]:
        """All forbidden zones of a line measure (for indexing)."""
        return tuple(self._zones[s] for s in sorted(self._zones))

    def in_force(self, window: TimeWindow) -> tuple[TimeWindow, ...]:
        """The parts of ``window`` during which this measure is in force."""
        common = self.validity.intersection(window)
        if common is None:
            return ()
        if self.schedule is None:
            return (common,)
        return self.schedule.occurrences(common)


class Rule(StrEnum):
    """The conflict rules."""

    OPERATIONS_OVERLAP = "operations_overlap"
    FIRES_NEAR_UNIT = "fires_near_unit"
    FIRES_BEYOND_LINE = "fires_beyond_line"
    RESTRICTED_AREA_ENTRY = "restricted_area_entry"


class Severity(StrEnum):
    """How urgent a conflict is (see the module documentation for the scale)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"

    @property
    def rank(self) -> int:
        """0 for the most urgent."""
        return (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM).index(self)


class SubjectType(StrEnum):
    """What a conflict's subject is."""

    OPERATION = "operation"
    UNIT = "unit"
    MEASURE = "measure"


class Subject(NamedTuple):
    """One thing involved in a conflict."""

    type: SubjectType
    id: str


@dataclass(frozen=True)
class Clash:
    """One place and time where two shapes clash (one volume pair, one time window)."""

    window: TimeWindow
    shape_a: Shape = field(compare=False)
    shape_b: Shape = field(compare=False)

    @cached_property
    def region(self) -> dict[str, Any]:
        """Where: the shapes' intersection, else the shortest line between them (GeoJSON)."""
        return clash_region(self.shape_a, self.shape_b)


def conflict_id(
    rule: Rule,
    subjects: Iterable[Subject],
    parties: Iterable[str],
    windows: Iterable[TimeWindow],
) -> str:
    """A deterministic id from a conflict's content (rule, subjects, parties, windows).

    Why not the region: the region is a derived rendering; the id must be byte-identical whenever
    the projection is rebuilt from the record, whatever the geometry library version.
    """
    body = {
        "rule": rule.value,
        "subjects": [[s.type.value, s.id] for s in sorted(subjects)],
        "parties": sorted(set(parties)),
        "windows": [[format_instant(w.start), format_instant(w.end)] for w in windows],
    }
    # For this shape (ASCII keys, printable strings, no numbers) the standard library's compact,
    # key-sorted, non-ASCII-preserving JSON is byte for byte RFC 8785, and much faster.
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "cf-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Conflict:
    """A detected clash between parties' operations, units and measures.

    ``subjects`` and ``parties`` are sorted; ``windows`` are merged and sorted. ``region`` (GeoJSON)
    is computed on first access, as detection does not need it.
    """

    id: str
    rule: Rule
    severity: Severity
    subjects: tuple[Subject, ...]
    parties: tuple[str, ...]
    windows: tuple[TimeWindow, ...]
    clashes: tuple[Clash, ...] = field(compare=False, repr=False)

    @classmethod
    def build(
        cls,
        rule: Rule,
        severity: Severity,
        subjects: Iterable[Subject],
        parties: Iterable[str],
        clashes: Iterable[Clash],
    ) -> Conflict:
        """Assemble a conflict and its deterministic id."""
        subj = tuple(sorted(subjects))
        prt = tuple(sorted(set(parties)))
        cl = tuple(clashes)
        windows = merge_windows(c.window for c in cl)
        return cls(conflict_id(rule, subj, prt, windows), rule, severity, subj, prt, windows, cl)

    @property
    def window(self) -> TimeWindow:
        """From the first clash's start to the last clash's end."""
        return TimeWindow(self.windows[0].start, self.windows[-1].end)

    @cached_property
    def region(self) -> dict[str, Any]:
        """Where the clash is, as a GeoJSON geometry (a GeometryCollection if several)."""
        return combine([c.region for c in self.clashes])

    def to_json(self) -> dict[str, Any]:
        """A plain JSON view (the region has float coordinates, as GeoJSON does)."""
        return {
            "id": self.id,
            "rule": self.rule.value,
            "severity": self.severity.value,
            "subjects": [{"type": s.type.value, "id": s.id} for s in self.subjects],
            "parties": list(self.parties),
            "windows": [w.to_json() for w in self.windows],
            "window": self.window.to_json(),
            "region": self.region,
        }
