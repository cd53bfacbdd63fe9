"""Projections: the tables users read, derived from the entries.

A projector names the entry kinds it follows and the ``proj_`` tables it owns,
and applies one entry at a time inside the append transaction. Rebuilding is
dropping every projector's tables, creating them again and replaying the
record in order through the same ``apply`` — so a rebuilt projection is the
live one by construction, and a test checks it row for row.

Capabilities register their projectors in :data:`PROJECTORS`, keyed by kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Table

from liaison.domain.entry import StoredEntry

__all__ = ["PROJECTORS", "Projector", "ProjectorRegistry"]


class Apply(Protocol):
    def __call__(self, conn: Connection, entry: StoredEntry) -> None: ...


@dataclass(frozen=True)
class Projector:
    name: str
    kinds: frozenset[str]
    tables: tuple[Table, ...]
    apply: Apply


class ProjectorRegistry:
    def __init__(self) -> None:
        self._projectors: list[Projector] = []
        self._by_kind: dict[str, list[Projector]] = {}

    def register(self, projector: Projector) -> Projector:
        self._projectors.append(projector)
        for kind in projector.kinds:
            self._by_kind.setdefault(kind, []).append(projector)
        return projector

    def for_kind(self, kind: str) -> list[Projector]:
        return self._by_kind.get(kind, [])

    def __iter__(self) -> Iterator[Projector]:
        return iter(self._projectors)

    def tables(self) -> list[Table]:
        return [t for p in self._projectors for t in p.tables]

    def apply(self, conn: Connection, entry: StoredEntry) -> None:
        for projector in self.for_kind(entry.content.kind):
            projector.apply(conn, entry)


PROJECTORS = ProjectorRegistry()
