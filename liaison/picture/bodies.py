"""The bodies of the picture's entries, in their signed, float-free normal form.

Why normalise here, in the schema: every path that appends an entry (the picture service, the
generic ``POST /v1/entries``, a member signing on their own side) goes through
:meth:`~liaison.domain.kinds.KindSpec.validate`, so a footprint written as ordinary GeoJSON
(floats in degrees, a ``Point`` with ``radius_m``) and one already in the float-free form of
:mod:`liaison.geometry.canonical` are turned into the *same* bytes, and invalid geometry is
refused with the :class:`~liaison.geometry.GeometryError` code and detail naming the problem.
Each body is also built into its :mod:`liaison.deconfliction` model once, so a body that validates
is one the detector can use.

Units of the normal form: coordinates in integers of 1e-7 degree, lengths and heights in integer
millimetres, heading in millidegrees, speed in mm/s, instants as canonical UTC text.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from liaison.deconfliction.errors import DeconflictionError
from liaison.deconfliction.model import (
    DEFAULT_LINE_DEPTH_M,
    ControlMeasure,
    Side,
    UnitPosition,
)
from liaison.domain.kinds import Body
from liaison.domain.party import check_identifier
from liaison.geometry import (
    AltitudeBand,
    Circle,
    GeometryError,
    Line,
    Position,
    TimeWindow,
    decode_altitude,
    decode_instant,
    decode_schedule,
    decode_shape,
    encode_altitude,
    encode_instant,
    encode_schedule,
    encode_shape,
    encode_window,
    parse_footprint,
    parse_line,
    parse_position,
)
from liaison.geometry.canonical import metres_to_mm
from liaison.geometry.earth import COORD_SCALE
from liaison.geometry.errors import GeometryErrorCode
from liaison.ledger.canonical import FrozenDict, FrozenList

__all__ = [
    "AcknowledgeBody",
    "ArrangementBody",
    "ConsentBody",
    "MeasureBody",
    "NoticeBody",
    "OperationBody",
    "SignBody",
    "UnitBody",
    "VolumeBody",
    "check_ref",
    "normal_altitude",
    "normal_footprint",
    "normal_instant",
    "normal_window",
]

# Used with ``fullmatch`` only: with ``match``, a ``$`` anchor lets a final newline through.
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CONFLICT = re.compile(r"cf-[0-9a-f]{32}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")

OperationStateName = Literal["planned", "active", "completed", "cancelled"]
MeasureState = Literal["in_force", "withdrawn"]


def is_plain_ref(value: object) -> bool:
    """Whether ``value`` is a ref string as the fast paths take it (others go to the model)."""
    return type(value) is str and _REF.fullmatch(value) is not None


def check_ref(value: str, what: str = "ref") -> str:
    """A party's own label for an operation, unit or measure: safe in URLs and file names."""
    if not isinstance(value, str) or not _REF.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} must be 1-64 characters: a letter or digit, then letters, digits, "
            "'.', '_', ':' or '-'"
        )
    return value


def check_kind(value: str) -> str:
    if not _KIND.fullmatch(value):
        raise ValueError(f"kind {value!r} must be a lowercase identifier such as air_strike")
    return value


def check_entry_id(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("must be an entry id (64 hex digits)")
    return value


def check_conflict_id(value: str) -> str:
    if not _CONFLICT.fullmatch(value):
        raise ValueError("must be a conflict id (cf- and 32 hex digits)")
    return value


def _geometry(fn: Callable[[], Any]) -> Any:
    """Run a builder, turning its errors into the ValueError pydantic reports with the field."""
    try:
        return fn()
    except (GeometryError, DeconflictionError) as exc:
        raise ValueError(f"{exc.code.value}: {exc.detail}") from None


def _is_geojson(value: Mapping[str, Any]) -> bool:
    return "coordinates" in value


def normal_footprint(value: Any) -> dict[str, Any]:
    """A footprint (GeoJSON or float-free) in float-free form: a Circle, Polygon or MultiPolygon."""
    if not isinstance(value, Mapping):
        raise ValueError("a footprint must be a GeoJSON geometry object")

    def build() -> dict[str, Any]:
        shape = parse_footprint(value) if _is_geojson(value) else decode_shape(value)
        if not isinstance(shape, Circle) and isinstance(shape, Position | Line):
            raise GeometryError(
                GeometryErrorCode.INVALID_TYPE,
                "a footprint must be a Polygon, a MultiPolygon or a Point with radius_m",
            )
        return encode_shape(shape)

    result: dict[str, Any] = _geometry(build)
    return result


def normal_position(value: Any) -> dict[str, Any]:
    """A unit's position (GeoJSON Point or float-free) in float-free form."""
    if not isinstance(value, Mapping):
        raise ValueError("a position must be a GeoJSON Point")

    def build() -> dict[str, Any]:
        shape = parse_position(value) if _is_geojson(value) else decode_shape(value)
        if not isinstance(shape, Position):
            raise GeometryError(GeometryErrorCode.INVALID_TYPE, "a position must be a Point")
        return encode_shape(shape)

    result: dict[str, Any] = _geometry(build)
    return result


def normal_measure_geometry(value: Any) -> dict[str, Any]:
    """A measure's line or area (GeoJSON or float-free) in float-free form."""
    if not isinstance(value, Mapping):
        raise ValueError("a measure's geometry must be a GeoJSON LineString or footprint")

    def build() -> dict[str, Any]:
        if _is_geojson(value):
            kind = value.get("type")
            shape: Any = parse_line(value) if kind == "LineString" else parse_footprint(value)
        else:
            shape = decode_shape(value)
        if isinstance(shape, Position):
            raise GeometryError(
                GeometryErrorCode.INVALID_TYPE, "a control measure cannot be a bare point"
            )
        return encode_shape(shape)

    result: dict[str, Any] = _geometry(build)
    return result


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 instant with a zone (``Z`` or an offset), as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    else:
        raise ValueError(f"a time must be an ISO 8601 string, got {value!r}")
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; write it in UTC with a trailing Z")
    return moment


def normal_instant(value: Any) -> str:
    """The canonical text of an instant given in any ISO 8601 form with a zone."""
    return encode_instant(parse_instant(value))


def normal_window(value: Any) -> dict[str, str]:
    """A ``{start, end}`` window in canonical form; the end must be after the start."""
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise ValueError("a time window must be {start, end}")
    start, end = parse_instant(value["start"]), parse_instant(value["end"])
    result: dict[str, str] = _geometry(lambda: encode_window(TimeWindow(start, end)))
    return result


def normal_altitude(value: Any) -> dict[str, Any]:
    """An altitude band in millimetres; metres (``lower_m``/``upper_m``) are accepted too.

    None means surface to unlimited. The datum is explicit in the normal form.
    """
    if value is None:
        return encode_altitude(AltitudeBand.surface_to_unlimited())
    if not isinstance(value, Mapping):
        raise ValueError("an altitude band must be {datum, lower_m, upper_m} or null")
    if set(value) <= {"datum", "lower_m", "upper_m"}:

        def metres() -> dict[str, Any]:
            band = AltitudeBand(
                value.get("lower_m"), value.get("upper_m"), value.get("datum", "AMSL")
            )
            return encode_altitude(band)

        result: dict[str, Any] = _geometry(metres)
        return result
    decoded: dict[str, Any] = _geometry(lambda: encode_altitude(decode_altitude(value)))
    return decoded


class VolumeBody(Body):
    """One 4D volume: a footprint, an altitude band with its datum, a time window."""

    footprint: dict[str, Any]
    altitude: dict[str, Any] = Field(default_factory=lambda: normal_altitude(None))
    window: dict[str, str]

    _f = field_validator("footprint", mode="before")(normal_footprint)
    _a = field_validator("altitude", mode="before")(normal_altitude)
    _w = field_validator("window", mode="before")(normal_window)


class OperationBody(Body):
    """A version of an operation; an amendment supersedes the previous version.

    ``ref`` is the party's own label, unique among its live operations and kept by every
    version; the record's identity of the operation is the id of its first version.
    """

    ref: str
    name: str = Field(default="", max_length=200)
    kind: str
    state: OperationStateName = "planned"
    volumes: list[VolumeBody] = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=4000)

    _r = field_validator("ref")(check_ref)
    _k = field_validator("kind")(check_kind)


# What the fast path of a unit report accepts: a subset of what the model accepts, matched in
# full and in ASCII (the model's own checks let a few odd values through to later checks).
_FAST_SIDC = re.compile(r"[A-Z0-9*\-]{15}|[0-9]{20}|[0-9]{30}")
_UNIT_FIELDS = frozenset(
    {"unit", "name", "position", "time", "stale_time", "symbol_code", "heading_mdeg", "speed_mmps"}
)
_UNIT_REQUIRED = frozenset({"unit", "position", "time", "stale_time", "symbol_code"})
_NUMBER = (int, float)


def _fast_degrees(value: object, limit: float) -> int | None:
    """A coordinate in 1e-7 degree as the model writes it (quantised, then scaled), or None."""
    if type(value) not in _NUMBER or not -limit <= value <= limit:  # type: ignore[operator]
        return None  # not a number, out of range, or NaN
    number = float(value)  # type: ignore[arg-type]
    return round(round(number * COORD_SCALE) / COORD_SCALE * COORD_SCALE)


def _fast_point(value: object) -> FrozenDict | None:
    """A GeoJSON or float-free Point in float-free form, as :func:`normal_position` writes it."""
    if type(value) is not dict and type(value) is not FrozenDict:
        return None
    assert isinstance(value, dict)
    if len(value) != 2 or value.get("type") != "Point":
        return None
    if "coordinates" in value:
        raw = value["coordinates"]
        if type(raw) not in (list, tuple, FrozenList) or len(raw) != 2:
            return None
        lon, lat = _fast_degrees(raw[0], 180.0), _fast_degrees(raw[1], 90.0)
    elif "coordinates_e7" in value:
        raw = value["coordinates_e7"]
        if type(raw) not in (list, FrozenList) or len(raw) != 2:
            return None
        if type(raw[0]) is not int or type(raw[1]) is not int:
            return None
        lon = _fast_degrees(raw[0] / COORD_SCALE, 180.0)
        lat = _fast_degrees(raw[1] / COORD_SCALE, 90.0)
    else:
        return None
    if lon is None or lat is None:
        return None
    return FrozenDict({"type": "Point", "coordinates_e7": FrozenList([lon, lat])})


def _fast_instant(value: object) -> tuple[str, datetime] | None:
    """An instant's canonical text and UTC datetime, as :func:`normal_instant` gives, or None."""
    if type(value) is datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            return None
        moment = value.astimezone(UTC)
    elif type(value) is str:
        try:
            moment = parse_instant(value).astimezone(UTC)
        except ValueError:
            return None
    else:
        return None
    if moment.year < 1000:
        return None
    return encode_instant(moment), moment


def _fast_unit(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """:meth:`UnitBody.fast_normal`: the plain cases of a unit report, checked as the model
    and its ``_valid`` check them, without building a position or a unit model."""
    keys = data.keys()
    if not keys >= _UNIT_REQUIRED or not keys <= _UNIT_FIELDS:
        return None
    unit, name, symbol = data["unit"], data.get("name", ""), data["symbol_code"]
    if not is_plain_ref(unit):
        return None
    if type(name) is not str or len(name) > 200 or not name.isprintable():
        return None
    if type(symbol) is not str or not _FAST_SIDC.fullmatch(symbol):
        return None
    heading, speed = data.get("heading_mdeg"), data.get("speed_mmps")
    if heading is not None and (type(heading) is not int or not 0 <= heading < 360_000):
        return None
    if speed is not None and (type(speed) is not int or not 0 <= speed < 100_000_000):
        return None
    position = _fast_point(data["position"])
    time, stale = _fast_instant(data["time"]), _fast_instant(data["stale_time"])
    if position is None or time is None or stale is None or not time[1] < stale[1]:
        return None
    return {
        "unit": unit,
        "name": name,
        "position": position,
        "time": time[0],
        "stale_time": stale[0],
        "symbol_code": symbol,
        "heading_mdeg": heading,
        "speed_mmps": speed,
    }


class UnitBody(Body):
    """One position report of a unit: current from ``time`` until ``stale_time``."""

    unit: str
    name: str = Field(default="", max_length=200)
    position: dict[str, Any]
    time: str
    stale_time: str
    symbol_code: str
    heading_mdeg: int | None = Field(default=None, ge=0, lt=360_000)
    speed_mmps: int | None = Field(default=None, ge=0, lt=100_000_000)

    _u = field_validator("unit")(lambda v: check_ref(v, "unit"))
    _p = field_validator("position", mode="before")(normal_position)
    _t = field_validator("time", "stale_time", mode="before")(normal_instant)

    @classmethod
    def fast_normal(cls, data: Mapping[str, Any]) -> dict[str, Any] | None:
        # Every position report of every device comes through here, twice before this path.
        return _fast_unit(data)

    @model_validator(mode="after")
    def _valid(self) -> UnitBody:
        position = decode_shape(self.position)
        assert isinstance(position, Position)
        _geometry(
            lambda: UnitPosition(
                self.unit,
                "party",
                position,
                decode_instant(self.time),
                decode_instant(self.stale_time),
                self.symbol_code,
            )
        )
        return self


class MeasureBody(Body):
    """A version of a control measure: a line with the side each bound party may strike on, or
    an area restricting kinds of operation; in force during ``validity`` (and ``schedule``)."""

    ref: str
    name: str = Field(default="", max_length=200)
    kind: str
    state: MeasureState = "in_force"
    binds: list[str]
    geometry: dict[str, Any]
    validity: dict[str, str]
    schedule: dict[str, Any] | None = None
    agreement_ref: str | None = Field(default=None, max_length=200)
    permitted_sides: dict[str, Side] | None = None
    depth_mm: int | None = Field(default=None, gt=0)
    altitude: dict[str, Any] | None = None
    restricts: list[str] | None = None
    note: str | None = Field(default=None, max_length=4000)

    _r = field_validator("ref")(check_ref)
    _k = field_validator("kind")(check_kind)
    _g = field_validator("geometry", mode="before")(normal_measure_geometry)
    _v = field_validator("validity", mode="before")(normal_window)

    @field_validator("binds")
    @classmethod
    def _binds(cls, value: list[str]) -> list[str]:
        return sorted({check_identifier(p, "party id") for p in value})

    @field_validator("restricts")
    @classmethod
    def _restricts(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted({check_kind(k) for k in value})

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Mapping) and not isinstance(value.get("anchor"), str):
            raise ValueError("schedule anchor must be an ISO 8601 time")
        if isinstance(value, Mapping):
            value = {**value, "anchor": normal_instant(value["anchor"])}
        return _geometry(lambda: encode_schedule(decode_schedule(value)))

    @field_validator("altitude", mode="before")
    @classmethod
    def _altitude(cls, value: Any) -> Any:
        return None if value is None else normal_altitude(value)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """Fill what depends on the shape: a line's depth, an area's altitude band."""
        if not isinstance(data, Mapping) or not isinstance(data.get("geometry"), Mapping):
            return data
        filled = dict(data)
        if data["geometry"].get("type") == "LineString":
            if filled.get("depth_mm") is None:
                filled["depth_mm"] = metres_to_mm(DEFAULT_LINE_DEPTH_M)
        elif filled.get("altitude") is None:
            filled["altitude"] = normal_altitude(None)
        return filled

    @model_validator(mode="after")
    def _valid(self) -> MeasureBody:
        if isinstance(decode_shape(self.geometry), Line):
            if self.altitude is not None or self.restricts is not None:
                raise ValueError("altitude and restricts apply to area measures, not lines")
            if self.permitted_sides is None:
                raise ValueError("a line needs permitted_sides: {party: 'left'|'right'}")
        elif self.permitted_sides is not None or self.depth_mm is not None:
            raise ValueError("permitted_sides and depth_mm apply to lines, not areas")
        self.to_measure("check", "owner")
        return self

    def to_measure(self, measure_id: str, owner: str) -> ControlMeasure:
        """The deconfliction model of this measure (validating it)."""
        geometry = decode_shape(self.geometry)
        extra: dict[str, Any] = {
            "schedule": None if self.schedule is None else decode_schedule(self.schedule),
            "agreement_ref": self.agreement_ref,
        }
        if isinstance(geometry, Line):
            sides = self.permitted_sides or {}
            extra["permitted_sides"] = tuple((p, Side(s)) for p, s in sides.items())
            extra["depth_m"] = (self.depth_mm or 0) / 1000
        else:
            extra["altitude"] = decode_altitude(self.altitude)
            extra["restricts"] = None if self.restricts is None else frozenset(self.restricts)
        window = self.validity
        result: ControlMeasure = _geometry(
            lambda: ControlMeasure(
                measure_id,
                self.kind,
                owner,
                frozenset(self.binds),
                geometry,  # type: ignore[arg-type]
                TimeWindow(decode_instant(window["start"]), decode_instant(window["end"])),
                **extra,
            )
        )
        return result


class ConsentBody(Body):
    """The owner of a restricted area consents to one operation entering it (rule 4).

    Name the operation by an entry id of one of its versions (when it is released to you), or
    name the conflict your party was notified of (when it is not).
    """

    measure: str
    operation: str | None = None
    conflict: str | None = None
    note: str | None = Field(default=None, max_length=4000)

    _m = field_validator("measure")(check_entry_id)

    @field_validator("operation")
    @classmethod
    def _op(cls, value: str | None) -> str | None:
        return None if value is None else check_entry_id(value)

    @field_validator("conflict")
    @classmethod
    def _cf(cls, value: str | None) -> str | None:
        return None if value is None else check_conflict_id(value)

    @model_validator(mode="after")
    def _one(self) -> ConsentBody:
        if (self.operation is None) == (self.conflict is None):
            raise ValueError("name exactly one of operation (an entry id) or conflict")
        return self


class OwnSubject(Body):
    """One of the notified party's own things involved in a conflict."""

    type: Literal["operation", "unit", "measure"]
    key: str = Field(min_length=1, max_length=300)
    ref: str
    entry: str

    _e = field_validator("entry")(check_entry_id)


class OtherSubject(Body):
    """Another party's thing involved: its details only when released to the notified party."""

    party: str
    type: Literal["operation", "unit", "measure"]
    released: bool
    entry: str | None = None
    ref: str | None = None
    name: str | None = None
    kind: str | None = None


class NoticeBody(Body):
    """What the node tells one party about one conflict (released to that party only).

    ``revision`` counts changes of the clash itself (opened, changed, cleared, reopened);
    acknowledgements and arrangements answer one revision.
    """

    conflict: str
    revision: int = Field(ge=1)
    party: str
    status: Literal["open", "cleared"]
    reason: str | None = Field(default=None, max_length=64)
    rule: str
    severity: Literal["critical", "high", "medium"]
    parties: list[str]
    windows: list[dict[str, str]] = Field(min_length=1)
    region_e7: dict[str, Any]
    own: list[OwnSubject]
    others: list[OtherSubject]
    text: str = Field(max_length=4000)

    _c = field_validator("conflict")(check_conflict_id)
    _w = field_validator("windows", mode="before")(lambda v: [normal_window(w) for w in v])


class AcknowledgeBody(Body):
    """A party acknowledges one revision of a conflict it was notified of."""

    conflict: str
    revision: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=4000)

    _c = field_validator("conflict")(check_conflict_id)


class ArrangementBody(Body):
    """A deconfliction arrangement for one revision of a conflict, to be signed by a commander
    of every party involved; binding once all have signed."""

    conflict: str
    revision: int = Field(ge=1)
    parties: list[str]
    text: str = Field(min_length=1, max_length=65536)

    _c = field_validator("conflict")(check_conflict_id)

    @field_validator("parties")
    @classmethod
    def _parties(cls, value: list[str]) -> list[str]:
        parties = sorted({check_identifier(p, "party id") for p in value})
        if len(parties) < 1:
            raise ValueError("name the parties of the conflict")
        return parties


class SignBody(Body):
    """A commander's Ed25519 signature over an arrangement entry's canonical content bytes."""

    arrangement: str
    key_id: str
    signature: str

    _a = field_validator("arrangement")(check_entry_id)

    @field_validator("key_id")
    @classmethod
    def _key_id(cls, value: str) -> str:
        if not _KEY_ID.fullmatch(value):
            raise ValueError("key_id must be 16 lowercase hex digits (the id of a member key)")
        return value

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("signature must be base64") from None
        if len(raw) != 64:
            raise ValueError(f"an Ed25519 signature is 64 bytes, not {len(raw)}")
        return value
