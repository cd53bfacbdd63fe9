"""Deconfliction policy: separation buffers per pair of kinds, danger distances per fires kind.

Why a settings object and not constants: the figures are policy, agreed between the parties of a
deployment, and must be explicit and reviewable. The defaults below are illustrative starting
points drawn from common practice, not doctrine:

Danger distances (rule 2: a fires operation within this of another party's current unit):

==================  ========  ======================================================
kind                metres    why
==================  ========  ======================================================
air_strike          1,000     risk-estimate distance order for large air-delivered bombs
artillery_fire        600     the usual "danger close" figure for 155 mm artillery
==================  ========  ======================================================

Separations (rule 1: footprints of two parties' operations closer than this, with altitude bands
closer than the vertical figure, during overlapping time). Pairs not listed need 0 m (their
footprints must actually overlap, bands must overlap):

=================================  ==========  ========
pair of kinds                      horizontal  vertical
=================================  ==========  ========
air_strike × air_strike            3,000 m     300 m
air_strike × air_drop              3,000 m     300 m
air_drop × air_drop                1,000 m     150 m
air_strike × artillery_fire        1,000 m     0 m
artillery_fire × artillery_fire      600 m     0 m
air_strike × ground_movement       1,000 m     0 m
air_strike × convoy                1,000 m     0 m
artillery_fire × ground_movement     600 m     0 m
artillery_fire × convoy              600 m     0 m
artillery_fire × air_drop          1,000 m     0 m
air_strike × humanitarian_site     2,000 m     0 m
artillery_fire × humanitarian_site 1,500 m     0 m
air_drop × humanitarian_site         500 m     0 m
=================================  ==========  ========

Area restrictions (rule 4), by measure kind: ``no_fire_area`` restricts air_strike and
artillery_fire; ``restricted_operating_zone`` restricts air_strike, air_drop and artillery_fire
(shells cross the airspace); ``boundary`` and any other kind restrict every kind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from liaison.deconfliction import model as m
from liaison.deconfliction.errors import DeconflictionError, DeconflictionErrorCode
from liaison.geometry.earth import MAX_DISTANCE_M

_C = DeconflictionErrorCode


def _distance(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeconflictionError(_C.INVALID_SETTING, f"{what} must be a number of metres")
    if not math.isfinite(value) or not 0 <= value <= MAX_DISTANCE_M:
        raise DeconflictionError(
            _C.INVALID_SETTING, f"{what} must be in [0, {MAX_DISTANCE_M:.0f}] m, got {value}"
        )
    return float(value)


@dataclass(frozen=True)
class Separation:
    """Required horizontal and vertical separation between two kinds of operation (metres)."""

    horizontal_m: float
    vertical_m: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "horizontal_m", _distance(self.horizontal_m, "horizontal_m"))
        object.__setattr__(self, "vertical_m", _distance(self.vertical_m, "vertical_m"))


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


_FIRES = frozenset({m.AIR_STRIKE, m.ARTILLERY_FIRE})

DEFAULT_SEPARATIONS: Mapping[tuple[str, str], Separation] = MappingProxyType(
    {
        _pair(m.AIR_STRIKE, m.AIR_STRIKE): Separation(3000, 300),
        _pair(m.AIR_STRIKE, m.AIR_DROP): Separation(3000, 300),
        _pair(m.AIR_DROP, m.AIR_DROP): Separation(1000, 150),
        _pair(m.AIR_STRIKE, m.ARTILLERY_FIRE): Separation(1000),
        _pair(m.ARTILLERY_FIRE, m.ARTILLERY_FIRE): Separation(600),
        _pair(m.AIR_STRIKE, m.GROUND_MOVEMENT): Separation(1000),
        _pair(m.AIR_STRIKE, m.CONVOY): Separation(1000),
        _pair(m.ARTILLERY_FIRE, m.GROUND_MOVEMENT): Separation(600),
        _pair(m.ARTILLERY_FIRE, m.CONVOY): Separation(600),
        _pair(m.ARTILLERY_FIRE, m.AIR_DROP): Separation(1000),
        _pair(m.AIR_STRIKE, m.HUMANITARIAN_SITE): Separation(2000),
        _pair(m.ARTILLERY_FIRE, m.HUMANITARIAN_SITE): Separation(1500),
        _pair(m.AIR_DROP, m.HUMANITARIAN_SITE): Separation(500),
    }
)

DEFAULT_DANGER_DISTANCES: Mapping[str, float] = MappingProxyType(
    {m.AIR_STRIKE: 1000.0, m.ARTILLERY_FIRE: 600.0}
)

DEFAULT_AREA_RESTRICTIONS: Mapping[str, frozenset[str] | None] = MappingProxyType(
    {
        m.NO_FIRE_AREA: _FIRES,
        m.RESTRICTED_OPERATING_ZONE: frozenset({m.AIR_STRIKE, m.AIR_DROP, m.ARTILLERY_FIRE}),
        m.BOUNDARY: None,
    }
)


@dataclass(frozen=True)
class DeconflictionSettings:
    """Policy figures used by the rules; see the module documentation for the defaults.

    ``fires_kinds`` are the kinds rules 2 and 3 apply to (each needs a danger distance);
    ``protected_kinds`` raise a fires clash with them to ``critical``.
    """

    separations: Mapping[tuple[str, str], Separation] = field(
        default_factory=lambda: DEFAULT_SEPARATIONS
    )
    default_separation: Separation = field(default_factory=lambda: Separation(0.0, 0.0))
    danger_distances_m: Mapping[str, float] = field(
        default_factory=lambda: DEFAULT_DANGER_DISTANCES
    )
    fires_kinds: frozenset[str] = _FIRES
    protected_kinds: frozenset[str] = frozenset({m.HUMANITARIAN_SITE})
    area_restrictions: Mapping[str, frozenset[str] | None] = field(
        default_factory=lambda: DEFAULT_AREA_RESTRICTIONS
    )
    _max_sep: dict[str, float] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        seps: dict[tuple[str, str], Separation] = {}
        for key, sep in self.separations.items():
            if not isinstance(sep, Separation) or len(key) != 2:
                raise DeconflictionError(_C.INVALID_SETTING, f"bad separation entry {key!r}")
            seps[_pair(key[0], key[1])] = sep
        dangers = {
            k: _distance(v, f"danger distance of {k}") for k, v in self.danger_distances_m.items()
        }
        missing = set(self.fires_kinds) - set(dangers)
        if missing:
            raise DeconflictionError(
                _C.INVALID_SETTING, f"fires kinds without a danger distance: {sorted(missing)}"
            )
        object.__setattr__(self, "separations", MappingProxyType(seps))
        object.__setattr__(self, "danger_distances_m", MappingProxyType(dangers))
        object.__setattr__(self, "fires_kinds", frozenset(self.fires_kinds))
        object.__setattr__(self, "protected_kinds", frozenset(self.protected_kinds))
        object.__setattr__(
            self, "area_restrictions", MappingProxyType(dict(self.area_restrictions))
        )

    def separation(self, kind_a: str, kind_b: str) -> Separation:
        """Separation required between operations of these two kinds (symmetric)."""
        return self.separations.get(_pair(kind_a, kind_b), self.default_separation)

    def max_horizontal_separation(self, kind: str) -> float:
        """The largest horizontal separation any other kind may require from ``kind``."""
        cached = self._max_sep.get(kind)
        if cached is None:
            cached = max(
                [self.default_separation.horizontal_m]
                + [s.horizontal_m for (a, b), s in self.separations.items() if kind in (a, b)]
            )
            self._max_sep[kind] = cached
        return cached

    def is_fires(self, kind: str) -> bool:
        """True for kinds that deliver fires (rules 2 and 3 apply)."""
        return kind in self.fires_kinds

    def danger_distance(self, kind: str) -> float:
        """Danger distance of a fires kind (0 for other kinds)."""
        return self.danger_distances_m.get(kind, 0.0) if kind in self.fires_kinds else 0.0

    @property
    def max_danger_distance(self) -> float:
        """The largest danger distance of any fires kind."""
        return max((self.danger_distance(k) for k in self.fires_kinds), default=0.0)

    def restricted_kinds(self, measure: m.ControlMeasure) -> frozenset[str] | None:
        """Operation kinds an area measure restricts (None: all kinds)."""
        if measure.restricts is not None:
            return measure.restricts
        return self.area_restrictions.get(measure.kind)


DEFAULT_SETTINGS = DeconflictionSettings()
