"""Rebuild every projection from the entries, and compare projections.

The projections are derived data: dropping them and replaying the record in
order through the same projectors must give back, row for row, what the live
system built one append at a time. ``dump_projections`` is how that is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from liaison.projections import PROJECTORS, ProjectorRegistry
from liaison.store import queries as q
from liaison.store.sql import SqlStore

__all__ = ["RebuildReport", "dump_projections", "rebuild_projections"]


@dataclass(frozen=True)
class RebuildReport:
    tables: tuple[str, ...]
    entries: int


def rebuild_projections(
    store: SqlStore,
    projectors: ProjectorRegistry = PROJECTORS,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Drop and rebuild every projection in one transaction (readers see old or new, never half)."""
    tables = projectors.tables()
    kinds = sorted({k for p in projectors for k in p.kinds})
    replayed = 0
    with store.write() as conn:
        size, _ = q.head(conn, for_update=True)
        for table in reversed(tables):
            table.drop(conn, checkfirst=True)
        for table in tables:
            table.create(conn)
        for entry in q.iter_entries(conn, None):
            if entry.content.kind in kinds:
                projectors.apply(conn, entry)
            replayed += 1
            if progress and replayed % 10_000 == 0:
                progress(replayed, size)
    if progress:
        progress(replayed, replayed)
    return RebuildReport(tuple(t.name for t in tables), replayed)


def dump_projections(
    store: SqlStore, projectors: ProjectorRegistry = PROJECTORS
) -> dict[str, list[tuple[object, ...]]]:
    """Every projection row, sorted, for comparing two builds of the same record."""
    with store.read() as conn:
        return {table.name: _rows(conn, table) for table in projectors.tables()}


def _rows(conn: Connection, table: object) -> list[tuple[object, ...]]:
    from sqlalchemy import Table

    assert isinstance(table, Table)
    return sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
