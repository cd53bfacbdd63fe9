"""The detector's index as a projection of the record, kept current by tailing the log.

Why tail the log rather than listen to this process's appends: several API processes may share
one PostgreSQL, and a member may append a picture entry through the generic entries route. So
before every check the index applies every picture entry with a sequence number above the last
one it applied, whoever wrote it; built from an empty index this is also how it starts. Applying
is pure bookkeeping (no I/O beyond the read it is given), and a rebuilt index holds exactly what
the live one holds, so both give the same conflicts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select

from liaison.deconfliction import (
    DEFAULT_SETTINGS,
    Conflict,
    ControlMeasure,
    DeconflictionError,
    DeconflictionIndex,
    DeconflictionSettings,
    Operation,
    SubjectType,
    UnitPosition,
)
from liaison.domain.entry import StoredEntry
from liaison.geometry import GeometryError, TimeWindow
from liaison.picture.model import (
    SubjectInfo,
    measure_item,
    operation_item,
    unit_item,
)
from liaison.projections.picture import (
    CONSENT,
    MEASURE,
    OPERATION,
    UNIT,
    proj_picture_consents,
)
from liaison.store import queries as q
from liaison.store.queries import EntryFilter
from liaison.store.schema import entries

__all__ = ["Change", "LivePicture", "Subjects"]

log = logging.getLogger("liaison.picture")

Item = Operation | UnitPosition | ControlMeasure
_PAGE = 1000


@dataclass(frozen=True)
class Change:
    """One thing the picture changed, and why (the reason a cleared conflict gives)."""

    key: str
    reason: str


def _entries(conn: Connection, kind: str, after: int, upto: int) -> Iterator[StoredEntry]:
    while True:
        page = q.list_entries(conn, None, EntryFilter(kind=kind, after=after, limit=_PAGE))
        for entry in page:
            if entry.seq > upto:
                return
            yield entry
        if len(page) < _PAGE:
            return
        after = page[-1].seq


def _info(entry: StoredEntry, type_: SubjectType, key: str, kind: str) -> SubjectInfo:
    body = entry.content.body
    return SubjectInfo(
        type=type_,
        key=key,
        party=str(entry.content.party),
        ref=str(body.get("ref", body.get("unit", ""))),
        name=str(body.get("name", "")),
        kind=kind,
        entry=entry.id,
        seq=entry.seq,
        release=tuple(entry.content.release),
        state=str(body.get("state", "")),
    )


class Subjects(Mapping[str, SubjectInfo]):
    """Every operation, unit and measure seen, by key: what the node knows of its latest version.

    A unit's is made from its latest report when asked for (a notice naming it), not for every
    report: most reports of most units are never in a conflict.
    """

    def __init__(self) -> None:
        self._known: dict[str, SubjectInfo] = {}
        self._units: dict[str, StoredEntry] = {}

    def __getitem__(self, key: str) -> SubjectInfo:
        found = self._known.get(key)
        if found is None:
            # Made each time (a few per notice), so that reading never changes the mapping.
            found = _info(self._units[key], SubjectType.UNIT, key, "unit")
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._known or key in self._units

    def __iter__(self) -> Iterator[str]:
        yield from list(self._known)
        yield from list(self._units)

    def __len__(self) -> int:
        return len(self._known) + len(self._units)

    def put(self, key: str, info: SubjectInfo) -> None:
        self._known[key] = info
        self._units.pop(key, None)

    def put_unit(self, key: str, entry: StoredEntry) -> None:
        self._units[key] = entry
        self._known.pop(key, None)


class LivePicture:
    """Live operations, latest unit reports and measures in force, with what each came from."""

    def __init__(self, settings: DeconflictionSettings = DEFAULT_SETTINGS) -> None:
        self.index = DeconflictionIndex(settings)
        #: every operation, unit and measure ever seen, by key: its latest version
        self.subjects = Subjects()
        #: what the index holds, by key (live operations, latest reports, measures in force)
        self.items: dict[str, Item] = {}
        self._roots: dict[str, str] = {}
        #: the sequence number of the last entry applied
        self.applied = 0

    def catch_up(
        self, conn: Connection, in_hand: Callable[[int], StoredEntry | None] | None = None
    ) -> dict[str, str]:
        """Apply every picture entry after :attr:`applied`; the keys changed, with why.

        ``in_hand`` gives entries the caller holds by seq (those the record service appended
        lately): when it holds every picture entry the log has after :attr:`applied` — one read
        of sequence numbers says — they are applied as they are instead of being read back
        and decoded.
        """
        size = q.head(conn)[0]
        if size <= self.applied:
            return {}
        changed: dict[str, str] = {}
        by_kind = self._in_hand(conn, in_hand, size) if in_hand is not None else None
        for kind in (OPERATION, MEASURE, UNIT):
            found = (
                by_kind[kind] if by_kind is not None else _entries(conn, kind, self.applied, size)
            )
            for entry in found:
                change = self.apply(entry)
                if change is not None:
                    changed[change.key] = change.reason
        # In hand, the consents are known to be none or some; read their rows only if some.
        consents = (
            conn.execute(
                select(proj_picture_consents.c.operation, proj_picture_consents.c.measure).where(
                    proj_picture_consents.c.seq > self.applied,
                    proj_picture_consents.c.seq <= size,
                )
            )
            if by_kind is None or by_kind[CONSENT]
            else ()
        )
        for row in consents:
            self.index.grant_consent(row.operation, row.measure)
            changed.setdefault(row.operation, "consent given")
        self.applied = size
        return changed

    def _in_hand(
        self, conn: Connection, in_hand: Callable[[int], StoredEntry | None], size: int
    ) -> dict[str, list[StoredEntry]] | None:
        """The picture entries (and consents) after :attr:`applied` by kind, in log order,
        when ``in_hand`` holds all of them; else None (they are read from the store)."""
        kinds = (OPERATION, MEASURE, UNIT, CONSENT)
        by_kind: dict[str, list[StoredEntry]] = {kind: [] for kind in kinds}
        # Every entry of the range in hand (no other process appended in between): they are
        # all there is, and no read is needed to know which are the picture's.
        for at in range(self.applied + 1, size + 1):
            entry = in_hand(at)
            if entry is None:
                break
            if entry.content.kind in by_kind:
                by_kind[entry.content.kind].append(entry)
        else:
            return by_kind
        by_kind = {kind: [] for kind in kinds}
        seqs = (
            conn.execute(
                select(entries.c.seq)
                .where(
                    entries.c.seq > self.applied, entries.c.seq <= size, entries.c.kind.in_(kinds)
                )
                .order_by(entries.c.seq)
            )
            .scalars()
            .all()
        )  # fetched at once: a row at a time cost more than the query
        for seq in seqs:
            entry = in_hand(int(seq))
            if entry is None or entry.content.kind not in by_kind:
                return None  # appended by another process, or long ago: read them all
            by_kind[entry.content.kind].append(entry)
        return by_kind

    def apply(self, entry: StoredEntry) -> Change | None:
        """Take one operation, unit or measure entry into the index."""
        try:
            if entry.content.kind == OPERATION:
                return self._operation(entry)
            if entry.content.kind == MEASURE:
                return self._measure(entry)
            if entry.content.kind == UNIT:
                return self._unit(entry)
        except (GeometryError, DeconflictionError, ValueError, KeyError) as exc:
            # A body the kind accepted but the detector cannot read: keep going, loudly.
            log.error("picture entry %s (seq %d) is not usable: %s", entry.id, entry.seq, exc)
        return None

    def _root(self, entry: StoredEntry) -> str:
        parent = entry.content.supersedes
        root = self._roots.get(parent, entry.id) if parent else entry.id
        self._roots[entry.id] = root
        return root

    def _operation(self, entry: StoredEntry) -> Change:
        root = self._root(entry)
        body = entry.content.body
        op = operation_item(body, root, str(entry.content.party))
        self.index.insert(op)
        if op.is_live:
            self.items[root] = op
        else:
            self.items.pop(root, None)
        self.subjects.put(root, _info(entry, SubjectType.OPERATION, root, op.kind))
        if op.state.value in ("cancelled", "completed"):
            return Change(root, f"operation {op.state.value}")
        return Change(root, "operation amended" if entry.content.supersedes else "new operation")

    def _measure(self, entry: StoredEntry) -> Change:
        root = self._root(entry)
        body = entry.content.body
        self.subjects.put(root, _info(entry, SubjectType.MEASURE, root, str(body["kind"])))
        if body["state"] == "withdrawn":
            self.index.remove_measure(root)
            self.items.pop(root, None)
            return Change(root, "measure withdrawn")
        measure = measure_item(body, root, str(entry.content.party))
        self.index.insert(measure)
        self.items[root] = measure
        return Change(root, "measure amended" if entry.content.supersedes else "new measure")

    def _unit(self, entry: StoredEntry) -> Change | None:
        report = unit_item(entry.content.body, str(entry.content.party))
        key = report.unit_id  # the unit's key (unit_key)
        current = self.items.get(key)
        if isinstance(current, UnitPosition) and current.time > report.time:
            return None  # an older report arriving late changes nothing
        self.index.insert(report)
        self.items[key] = report
        self.subjects.put_unit(key, entry)
        return Change(key, "unit moved")

    # --- detection -------------------------------------------------------------------------

    def conflicts_of(self, key: str) -> list[Conflict]:
        """The conflicts the thing with this key has now (none once it is gone)."""
        item = self.items.get(key)
        return self.index.check(item) if item is not None else []

    def conflicts_in(self, window: TimeWindow | None) -> list[Conflict]:
        """Every conflict now, or every conflict of an operation active during ``window``."""
        if window is None:
            return self.index.sweep()
        found: dict[str, Conflict] = {}
        for item in list(self.items.values()):
            if isinstance(item, Operation) and item.window.overlaps(window):
                for conflict in self.index.check(item):
                    found[conflict.id] = conflict
        return list(found.values())
