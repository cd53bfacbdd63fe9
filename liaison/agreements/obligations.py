"""Obligations: the machine-checkable duties an agreement's provisions carry.

Four rules, each a small JSON object with an ``id`` (unique in the agreement)
and a ``rule`` naming which it is; ``docs/agreements.md`` is the reference.

* ``consult_before`` — before ``party`` enters an arrangement on ``topic`` (or
  a topic under it) with a party outside the agreement, it must have consulted
  every other party of the agreement at least ``lead`` before.
* ``notify_before`` — ``party`` must notify the ``notify`` parties at least
  ``lead`` before an operation of one of ``kinds`` starts, or enters ``area``,
  or goes ``beyond`` a ``line``.
* ``keep_out`` — ``party`` may conduct no operation of ``kinds`` in ``area``
  or ``beyond`` a ``line`` between ``since`` and ``until`` (either open).
* ``consult_simultaneously`` — consultations by ``party`` on ``topic`` must
  reach all of ``parties`` within ``within`` of each other.

Bodies are validated when they enter the record, and a refusal names the
field (``provisions.0.obligations.1.consult_before.lead: ...``). Everything
is kept in a normal form so that the signed bytes of two equal obligations
are equal: durations as ISO 8601 in whole units, times as canonical UTC,
shapes as integers of 1e-7 degrees, lists sorted.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from liaison.agreements.durations import normalise_duration
from liaison.agreements.regions import normalise_area, normalise_line
from liaison.domain.kinds import Body
from liaison.domain.mandate import check_topic
from liaison.domain.party import check_identifier
from liaison.domain.time import format_time, parse_time

__all__ = [
    "RULES",
    "ConsultBefore",
    "ConsultSimultaneously",
    "KeepOut",
    "NotifyBefore",
    "Obligation",
]

RULES = ("consult_before", "notify_before", "keep_out", "consult_simultaneously")
_OPERATION_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


def _party(value: str) -> str:
    return check_identifier(value, "party id")


def _parties(value: list[str]) -> list[str]:
    return sorted({_party(p) for p in value})


def _kinds(value: list[str]) -> list[str]:
    for kind in value:
        if not isinstance(kind, str) or not _OPERATION_KIND.fullmatch(kind):
            raise ValueError(
                f"operation kind {kind!r} must be a lowercase word such as 'air_strike'"
            )
    if not value:
        raise ValueError("name at least one operation kind")
    return sorted(set(value))


def _time(value: str | None) -> str | None:
    return None if value is None else format_time(parse_time(value))


class _Rule(Body):
    id: str

    _id = field_validator("id")(lambda v: check_identifier(v, "obligation id"))


class ConsultBefore(_Rule):
    rule: Literal["consult_before"]
    party: str
    topic: str
    lead: str

    _p = field_validator("party")(_party)
    _t = field_validator("topic")(check_topic)
    _l = field_validator("lead")(normalise_duration)


class _Placed(_Rule):
    """A rule about operations in an area or beyond a line."""

    area: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    beyond: Literal["north", "south", "east", "west"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shapes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("area") is not None:
            data["area"] = normalise_area(data["area"])
        line, beyond = data.get("line"), data.get("beyond")
        if (line is None) != (beyond is None):
            raise ValueError("a line needs 'beyond' (the side it forbids), and 'beyond' a line")
        if line is not None:
            data["line"] = normalise_line(line, str(beyond))
        if data.get("area") is not None and line is not None:
            raise ValueError("name an area or a line, not both")
        return data


class NotifyBefore(_Placed):
    rule: Literal["notify_before"]
    party: str
    notify: list[str] = Field(min_length=1)
    kinds: list[str]
    lead: str

    _p = field_validator("party")(_party)
    _n = field_validator("notify")(_parties)
    _k = field_validator("kinds")(_kinds)
    _l = field_validator("lead")(normalise_duration)


class KeepOut(_Placed):
    rule: Literal["keep_out"]
    party: str
    kinds: list[str]
    since: str | None = None
    until: str | None = None

    _p = field_validator("party")(_party)
    _k = field_validator("kinds")(_kinds)
    _s = field_validator("since", "until")(_time)

    @model_validator(mode="after")
    def _where_and_when(self) -> KeepOut:
        if self.area is None and self.line is None:
            raise ValueError("keep_out needs an area, or a line with the side beyond it")
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class ConsultSimultaneously(_Rule):
    rule: Literal["consult_simultaneously"]
    party: str
    topic: str
    parties: list[str]
    within: str

    _p = field_validator("party")(_party)
    _t = field_validator("topic")(check_topic)
    _ps = field_validator("parties")(_parties)
    _w = field_validator("within")(normalise_duration)

    @model_validator(mode="after")
    def _two_or_more(self) -> ConsultSimultaneously:
        if len(set(self.parties) - {self.party}) < 2:
            raise ValueError("name at least two parties, other than the consulting one, to consult")
        return self


Obligation = Annotated[
    ConsultBefore | NotifyBefore | KeepOut | ConsultSimultaneously,
    Field(discriminator="rule"),
]


def obligation_parties(obligation: Any) -> set[str]:
    """Every party an obligation names, to check they are parties of the agreement."""
    named = {obligation.party}
    if isinstance(obligation, NotifyBefore):
        named |= set(obligation.notify)
    if isinstance(obligation, ConsultSimultaneously):
        named |= set(obligation.parties)
    return named


__all__ += ["obligation_parties"]
