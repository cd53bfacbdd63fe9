"""Altitude bands with an explicit vertical datum.

Why the conservative conversion: bands in different datums cannot be compared exactly without a
terrain and geoid model at the place of the clash, which this engine does not carry. So a band is
widened to the range of heights above mean sea level it could possibly mean anywhere on Earth:
the ground lies between −430 m (Dead Sea shore) and 8,849 m (Everest), and the geoid lies between
−107 m and +86 m from the ellipsoid (EGM2008; ±110 m and ±90 m used). Two bands in the same datum
are compared directly (the ground under one clash is the same ground). A conflict is therefore
never missed because of datums; it may be reported when the true heights are apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from liaison.geometry.earth import quantise_metres
from liaison.geometry.errors import GeometryError, GeometryErrorCode

_C = GeometryErrorCode

TERRAIN_MIN_M = -430.0
TERRAIN_MAX_M = 8849.0
GEOID_MIN_M = -110.0
GEOID_MAX_M = 90.0
#: Altitudes beyond this (metres, absolute) are rejected as nonsense input.
ALTITUDE_LIMIT_M = 1_000_000.0


class Datum(StrEnum):
    """Vertical reference of an altitude band."""

    AMSL = "AMSL"  # above mean sea level (orthometric)
    AGL = "AGL"  # above ground level
    HAE = "HAE"  # height above the WGS 84 ellipsoid


def _band_value(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeometryError(_C.INVALID_ALTITUDE, f"{what} must be a number of metres or null")
    number = float(value)
    if not math.isfinite(number) or abs(number) > ALTITUDE_LIMIT_M:
        raise GeometryError(_C.INVALID_ALTITUDE, f"{what} {value!r} is not a usable altitude")
    return quantise_metres(number)


@dataclass(frozen=True)
class AltitudeBand:
    """Heights from ``lower_m`` to ``upper_m`` (metres, inclusive) in ``datum``.

    ``lower_m=None`` means from the surface, ``upper_m=None`` means unlimited.
    """

    lower_m: float | None
    upper_m: float | None
    datum: Datum = Datum.AMSL

    def __post_init__(self) -> None:
        try:
            datum = Datum(self.datum)
        except ValueError:
            raise GeometryError(
                _C.INVALID_DATUM,
                f"unknown datum {self.datum!r}; use one of {', '.join(d.value for d in Datum)}",
            ) from None
        lower = _band_value(self.lower_m, "lower altitude")
        upper = _band_value(self.upper_m, "upper altitude")
        if lower is not None and upper is not None and not lower < upper:
            raise GeometryError(
                _C.INVALID_ALTITUDE, f"upper {upper} m is not above lower {lower} m"
            )
        if datum is Datum.AGL and lower is not None and lower < 0:
            raise GeometryError(
                _C.INVALID_ALTITUDE, "a band above ground level cannot start below 0"
            )
        object.__setattr__(self, "datum", datum)
        object.__setattr__(self, "lower_m", lower)
        object.__setattr__(self, "upper_m", upper)

    @classmethod
    def surface_to_unlimited(cls) -> AltitudeBand:
        """All heights (the default for ground activity and for areas without a ceiling)."""
        return cls(None, None, Datum.AGL)

    def _own(self) -> tuple[float, float]:
        lo = self.lower_m
        if lo is None:
            lo = 0.0 if self.datum is Datum.AGL else -math.inf
        hi = math.inf if self.upper_m is None else self.upper_m
        return lo, hi

    def amsl_bounds(self) -> tuple[float, float]:
        """Widest interval above mean sea level this band can mean anywhere (see module doc)."""
        lo, hi = self._own()
        if self.datum is Datum.AGL:
            return lo + TERRAIN_MIN_M, hi + TERRAIN_MAX_M
        if self.datum is Datum.HAE:
            return lo - GEOID_MAX_M, hi - GEOID_MIN_M
        return lo, hi

    def overlaps(self, other: AltitudeBand, separation_m: float = 0.0) -> bool:
        """True when the bands come within ``separation_m`` of each other vertically."""
        if self.datum is other.datum:
            a_lo, a_hi = self._own()
            b_lo, b_hi = other._own()
        else:
            a_lo, a_hi = self.amsl_bounds()
            b_lo, b_hi = other.amsl_bounds()
        return a_lo <= b_hi + separation_m and b_lo <= a_hi + separation_m

    def to_json(self) -> dict[str, object]:
        """Plain JSON (floats in metres); the canonical form uses millimetres."""
        return {"datum": self.datum.value, "lower_m": self.lower_m, "upper_m": self.upper_m}
