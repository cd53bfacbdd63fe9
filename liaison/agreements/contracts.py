"""What the compliance checker reads from entries other capabilities write.

Obligations are about things agreements do not own: arrangements a party
enters and operations it conducts. This module is the contract with those
capabilities, kept small so that any kind registered later fits it.

**Arrangements.** An entry is an arrangement when its body says
``"arrangement": true``; it must then give ``topic`` (a dotted topic) and
``parties`` (every party to the arrangement, the author's included), and may
give ``agreement``: the root id of the proposal it carries out, so that
consultations on that proposal count as consultation on the arrangement. A
binding agreement is an arrangement too, entered when it became binding.

**Operations.** An entry is an operation when its kind is in
:data:`OPERATION_KINDS` (``operation``, and any kind the operations capability
or a test adds). Its body gives ``kinds`` (a list; or ``kind``, one),
``start`` and optionally ``end`` (ISO 8601 UTC; no end means open-ended),
``footprint`` (GeoJSON Polygon or MultiPolygon, in ``coordinates`` or
``coordinates_e7``, or a Point with ``radius_m``), and optionally ``state``
(``cancelled`` operations are ignored). Several volumes may be given instead
as ``volumes``: a list of objects each with ``footprint``, ``start`` and
``end`` (or a ``window`` object holding ``start`` and ``end``). Versions
supersede one another; the latest version is what is checked, and a party
counts as notified from the first version released to it.

Entries that claim to be arrangements or operations but do not fit are not
guessed at: they are reported as unreadable in the compliance report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from liaison.agreements.regions import footprint_shape
from liaison.agreements.status import Ref
from liaison.domain.entry import StoredEntry
from liaison.domain.mandate import check_topic
from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import parse_time

__all__ = [
    "OPERATION_KINDS",
    "Arrangement",
    "ContractError",
    "Operation",
    "Volume",
    "is_arrangement",
    "read_arrangement",
    "read_operations",
]

#: entry kinds read as operations; the operations capability adds its own
OPERATION_KINDS: set[str] = {"operation"}


class ContractError(ValueError):
    """An entry claims to be an arrangement or operation but does not fit the contract."""


@dataclass(frozen=True)
class Arrangement:
    ref: Ref
    party: str | None
    parties: frozenset[str]
    topic: str
    #: the agreement root consultations on which count for this arrangement
    agreement: str | None


@dataclass(frozen=True)
class Volume:
    shape: BaseGeometry
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Operation:
    root: Ref
    latest: Ref
    party: str
    kinds: frozenset[str]
    volumes: tuple[Volume, ...]
    cancelled: bool
    #: for each party, the first version of the operation released to it
    notified: Mapping[str, Ref]

    @property
    def start(self) -> datetime:
        return min(v.start for v in self.volumes)


def is_arrangement(entry: StoredEntry) -> bool:
    return entry.content.body.get("arrangement") is True


def read_arrangement(entry: StoredEntry) -> Arrangement:
    body = entry.content.body
    try:
        topic = check_topic(str(body["topic"]))
        parties = body["parties"]
        if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
            raise ContractError("parties must be a list of party ids")
        agreement = body.get("agreement")
        if agreement is not None and not isinstance(agreement, str):
            raise ContractError("agreement must be the root id of a proposal")
    except (KeyError, ValueError) as exc:
        raise ContractError(f"arrangement {entry.id}: {exc}") from None
    party = entry.content.party
    return Arrangement(
        Ref.of(entry),
        party,
        frozenset(parties) | ({party} if party else set()),
        topic,
        agreement,
    )


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise ContractError(f"{what} must be an ISO 8601 time")
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ContractError(f"{what}: {exc}") from None


def _volume(raw: Mapping[str, Any], where: str) -> Volume:
    window = raw.get("window") if isinstance(raw.get("window"), Mapping) else raw
    assert isinstance(window, Mapping)
    start = _time(window.get("start"), f"{where}.start")
    end = None if window.get("end") is None else _time(window.get("end"), f"{where}.end")
    if end is not None and end <= start:
        raise ContractError(f"{where}: end must be after start")
    try:
        shape = footprint_shape(raw.get("footprint"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise ContractError(f"{where}.footprint: {exc}") from None
    return Volume(shape, start, end)


def _operation_fields(body: Mapping[str, Any]) -> tuple[frozenset[str], tuple[Volume, ...], bool]:
    kinds = body.get("kinds", [body["kind"]] if "kind" in body else None)
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise ContractError("an operation needs kinds (a list) or kind")
    if "volumes" in body:
        raw = body["volumes"]
        if not isinstance(raw, list) or not raw or not all(isinstance(v, Mapping) for v in raw):
            raise ContractError("volumes must be a non-empty list of objects")
        volumes = tuple(_volume(v, f"volumes.{i}") for i, v in enumerate(raw))
    else:
        volumes = (_volume(body, "operation"),)
    return frozenset(kinds), volumes, body.get("state") == "cancelled"


def read_operations(
    entries: Iterable[StoredEntry], parties: Iterable[str]
) -> tuple[list[Operation], list[tuple[Ref, str]]]:
    """Operations (one per chain of versions) and the entries that did not fit."""
    known = set(parties)
    ordered = sorted(entries, key=lambda e: e.seq)
    root_of: dict[str, str] = {}
    chains: dict[str, list[StoredEntry]] = {}
    for entry in ordered:
        parent = entry.content.supersedes
        root = root_of.get(parent, entry.id) if parent else entry.id
        root_of[entry.id] = root
        chains.setdefault(root, []).append(entry)
    operations: list[Operation] = []
    unreadable: list[tuple[Ref, str]] = []
    for chain in chains.values():
        latest = chain[-1]
        if latest.content.party is None:
            continue
        try:
            kinds, volumes, cancelled = _operation_fields(latest.content.body)
        except (ContractError, KeyError) as exc:
            unreadable.append((Ref.of(latest), f"not an operation by the contract: {exc}"))
            continue
        notified: dict[str, Ref] = {}
        for version in chain:
            release = set(version.content.release)
            reached = known if ALL_PARTIES in release else release
            for party in reached:
                notified.setdefault(party, Ref.of(version))
        operations.append(
            Operation(
                Ref.of(chain[0]),
                Ref.of(latest),
                latest.content.party,
                kinds,
                volumes,
                cancelled,
                notified,
            )
        )
    return operations, unreadable
