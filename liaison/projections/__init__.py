"""Projections: the tables users read, derived from the entries.

A projector names the entry kinds it follows and the ``proj_`` tables it owns,
and applies one entry at a time inside the append transaction. Rebuilding is
dropping every projector's tables, creating them again and replaying the
record in order through the same ``apply`` — so a rebuilt projection is the
live one by construction, and a test checks it row for row.

A projector may also say, through ``rows``, that an entry's projection is only
rows to insert, computed from the entry alone (no read): the record then
inserts such rows for a whole batch of entries at once (one ``executemany``
per table), and ``apply`` must insert exactly those rows. Entries whose
projection reads or updates go through ``apply`` in log order, after every row
queued before them is written, so the tables go through the same states as
one entry at a time.

Capabilities register their projectors in :data:`PROJECTORS`, keyed by kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Connection, Integer, String, Table

from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.geometry import decode_instant
from liaison.store.queries import bulk_insert

__all__ = ["PROJECTORS", "Projector", "ProjectorRegistry", "Rows", "insert_rows", "sortable_time"]

_CANONICAL_INSTANT = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z"
)


def sortable_time(text: str) -> str:
    """A canonical instant (as bodies hold it) in the fixed-width text projections sort by:
    ``format_time(decode_instant(text))``, written without building a datetime when the text
    plainly is one (every unit report has two)."""
    found = _CANONICAL_INSTANT.fullmatch(text) if type(text) is str else None
    if found is not None and text[-8:] != ".000000Z":
        try:
            datetime.fromisoformat(text[:-1])  # a real instant (no 13th month)
        except ValueError:
            pass
        else:
            return text if found.group(1) else text[:-1] + ".000000Z"
    return format_time(decode_instant(text))


class Apply(Protocol):
    def __call__(self, conn: Connection, entry: StoredEntry) -> None: ...


#: rows to insert, by table
Rows = list[tuple[Table, dict[str, Any]]]


class RowsOf(Protocol):
    """An entry's projection as rows to insert, when that is all it is; else None."""

    def __call__(self, entry: StoredEntry) -> Rows | None: ...


@dataclass(frozen=True)
class Projector:
    name: str
    kinds: frozenset[str]
    tables: tuple[Table, ...]
    apply: Apply
    rows: RowsOf | None = None


#: column types whose values the drivers take as they are (no SQLAlchemy processing)
_PLAIN_TYPES = (String, Integer, BigInteger)


def _plain_columns(table: Table) -> tuple[str, ...] | None:
    """The table's columns, when every one is of a plain type, else None."""
    if all(isinstance(column.type, _PLAIN_TYPES) for column in table.columns):
        return tuple(column.name for column in table.columns)
    return None


def insert_rows(conn: Connection, rows: Rows) -> None:
    """Insert rows, one ``executemany`` per table, tables in the order they first appear.

    Rows that give every column of a table of plain columns (a unit report's, a TAK report's:
    a row for nearly every append) go to the driver as tuples (``bulk_insert``), without
    SQLAlchemy's per-row parameter processing, which there has nothing to do.
    """
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for table, row in rows:
        by_table.setdefault(table, []).append(row)
    for table, values in by_table.items():
        columns = _plain_columns(table)
        if columns is not None and all(len(row) == len(columns) for row in values):
            try:
                tuples = [tuple(row[name] for name in columns) for row in values]
            except KeyError:
                pass  # a row names a column the table does not have: SQLAlchemy says so
            else:
                bulk_insert(conn, table, columns, tuples)
                continue
        conn.execute(table.insert(), values)


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

    def apply_many(self, conn: Connection, entries: Sequence[StoredEntry]) -> None:
        """Apply entries in log order, inserting the plain rows of a run of them at once."""
        queued: Rows = []
        for entry in entries:
            for projector in self.for_kind(entry.content.kind):
                rows = projector.rows(entry) if projector.rows is not None else None
                if rows is not None:
                    queued.extend(rows)
                    continue
                if queued:
                    insert_rows(conn, queued)
                    queued = []
                projector.apply(conn, entry)
        if queued:
            insert_rows(conn, queued)


PROJECTORS = ProjectorRegistry()
