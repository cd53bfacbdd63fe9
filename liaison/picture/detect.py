"""Detection as the record sees it: catch the live index up with the log, find what the changes
mean, and write the notices that make the record say so.

Why a class of its own: the picture service is the members' door (writes and reads); this is the
node's own work after every durable picture change, whoever made it. It keeps the invariant that,
once it has settled, every conflict the index holds has an open notice to each party involved at
its current revision, and every notified conflict that no longer exists has been cleared — written
once however many processes notice the same change, because each notice must supersede its
party's latest notice of that conflict (a guard), and a refused race is simply re-examined.
"""

from __future__ import annotations

import builtins
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from liaison.deconfliction import DEFAULT_SETTINGS, Conflict, DeconflictionSettings
from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.errors import Conflict as RecordConflict
from liaison.geometry import TimeWindow
from liaison.picture.live import LivePicture
from liaison.picture.model import (
    clash_digest,
    cleared_body,
    conflict_secret,
    notice_body,
    record_conflict_id,
    view_hash,
)
from liaison.projections.picture import (
    NOTICE,
    proj_picture_conflicts,
    proj_picture_measures,
    proj_picture_notices,
    proj_picture_operations,
    proj_picture_subjects,
    proj_picture_units,
)
from liaison.services.record import NODE_AUTHOR, AppendRequest, RecordService
from liaison.store import queries as q

__all__ = ["Detector", "overlaps"]

log = logging.getLogger("liaison.picture")

_ROUNDS = 3
#: above this many changed things, one sweep replaces checking each
_SWEEP_OVER = 256


def overlaps(start: str, end: str, window: TimeWindow | None) -> bool:
    """Whether the stored span ``[start, end)`` (fixed-width time text) meets ``window``."""
    if window is None:
        return True
    return start < format_time(window.end) and end > format_time(window.start)


class Detector:
    """The live index of one process, and the notices it writes."""

    def __init__(
        self, record: RecordService, settings: DeconflictionSettings = DEFAULT_SETTINGS
    ) -> None:
        self.record = record
        self.settings = settings
        self._secret = conflict_secret(bytes(record.node_key))
        self._lock = threading.RLock()
        self._live: LivePicture | None = None

    def live(self) -> LivePicture:
        """The index, caught up with the log (built from the store on first use)."""
        with self._lock:
            self.catch_up()
            assert self._live is not None
            return self._live

    def catch_up(self) -> dict[str, str]:
        with self._lock:
            first = self._live is None
            if self._live is None:
                self._live = LivePicture(self.settings)
            with self.record.store.read() as conn:
                # Entries this process appended lately are taken from memory, not read back.
                changed = self._live.catch_up(conn, None if first else self.record.recent)
                if first:
                    # Entries after the latest notice may never have been checked (a process
                    # that stopped between its append and its notices): check them now.
                    last = conn.execute(
                        select(proj_picture_notices.c.seq)
                        .order_by(proj_picture_notices.c.seq.desc())
                        .limit(1)
                    ).scalar()
                    changed = self._changed_since(conn, int(last or 0))
            return changed

    def _changed_since(self, conn: Connection, seq: int) -> dict[str, str]:
        assert self._live is not None
        changed: dict[str, str] = {}
        for table in (proj_picture_operations, proj_picture_measures):
            for row in conn.execute(select(table.c.root).where(table.c.seq > seq)):
                changed[str(row.root)] = "checked at start"
        for row in conn.execute(
            select(proj_picture_units.c.party, proj_picture_units.c.unit).where(
                proj_picture_units.c.seq > seq
            )
        ):
            changed[f"{row.party}/{row.unit}"] = "checked at start"
        return changed

    def refresh(self) -> builtins.list[StoredEntry]:
        """Catch up with the log and notify every conflict of what changed; the notices written."""
        changed = self.catch_up()
        # Past a few hundred changes (a process starting on a big record, a large import) one
        # sweep of the whole index is cheaper than checking each change on its own.
        return self.settle(changed, sweep=len(changed) > _SWEEP_OVER)

    def settle(
        self, changed: Mapping[str, str], window: TimeWindow | None = None, *, sweep: bool = False
    ) -> builtins.list[StoredEntry]:
        """Write the notices the changes call for, until the record and the index agree."""
        written: builtins.list[StoredEntry] = []
        pending = dict(changed)
        for _ in range(_ROUNDS):
            with self._lock:
                requests = self._notices(pending, window, sweep=sweep)
            if not requests:
                return written
            raced = False
            for result in self.record.append_many(requests):
                if isinstance(result, StoredEntry):
                    written.append(result)
                elif isinstance(result, RecordConflict):
                    raced = True  # another process wrote it, or the conflict moved on
                else:
                    log.error("a conflict notice was refused: %s", result.detail)
            newer = self.catch_up()
            if not raced and not newer:
                return written
            pending.update(newer)
        return written

    def _notices(
        self, changed: Mapping[str, str], window: TimeWindow | None, *, sweep: bool
    ) -> builtins.list[AppendRequest]:
        live = self._live
        assert live is not None
        current: dict[str, Conflict] = {}
        found: list[Conflict] = []
        if sweep:
            found.extend(live.conflicts_in(None))
        else:
            for key in changed:
                found.extend(live.conflicts_of(key))
            if window is not None:
                found.extend(live.conflicts_in(window))
        with self.record.store.read() as conn:
            stored = self._stored(conn, changed.keys(), window, sweep=sweep)
            if not sweep:
                # A stored conflict may still exist through a thing that did not change.
                for _, keys in stored.values():
                    for key in keys:
                        found.extend(live.conflicts_of(key))
            for conflict in found:
                current[record_conflict_id(self._secret, conflict)] = conflict
            rows = self._rows(conn, set(current) | set(stored))
            latest = self._latest_notices(conn, set(current) | set(stored))
            return [
                *self._open_requests(current, rows, latest),
                *self._clear_requests(conn, stored, current, changed, latest),
            ]

    def _stored(
        self, conn: Connection, keys: Iterable[str], window: TimeWindow | None, *, sweep: bool
    ) -> dict[str, tuple[Any, builtins.list[str]]]:
        """Conflicts on the record, not cleared, that involve these keys (or the window),
        each with the keys of its subjects."""
        conflicts = proj_picture_conflicts
        subjects = proj_picture_subjects
        ids: set[str] = set()
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            ids.update(
                r.conflict
                for r in conn.execute(select(subjects.c.conflict).where(subjects.c.key.in_(chunk)))
            )
        if sweep or window is not None:
            query = select(conflicts.c.conflict, conflicts.c.start_at, conflicts.c.end_at)
            ids.update(
                r.conflict
                for r in conn.execute(query.where(conflicts.c.status != "cleared"))
                if overlaps(r.start_at, r.end_at, window)
            )
        out: dict[str, tuple[Any, builtins.list[str]]] = {}
        for row in self._rows(conn, ids).values():
            if row.status == "cleared":
                continue
            keys_of = [
                r.key
                for r in conn.execute(
                    select(subjects.c.key).where(subjects.c.conflict == row.conflict)
                )
            ]
            out[row.conflict] = (row, sorted(keys_of))
        return out

    @staticmethod
    def _rows(conn: Connection, ids: set[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        listed = sorted(ids)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            for row in conn.execute(
                select(proj_picture_conflicts).where(proj_picture_conflicts.c.conflict.in_(chunk))
            ):
                found[row.conflict] = row
        return found

    @staticmethod
    def _latest_notices(conn: Connection, ids: set[str]) -> dict[tuple[str, str], Any]:
        found: dict[tuple[str, str], Any] = {}
        if not ids:
            return found  # the common case after a batch of unit reports: no statement to build
        notices = proj_picture_notices
        newer = select(notices.c.supersedes).where(notices.c.supersedes.is_not(None))
        listed = sorted(ids)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            for row in conn.execute(
                select(notices).where(notices.c.conflict.in_(chunk), notices.c.id.not_in(newer))
            ):
                found[(row.conflict, row.party)] = row
        return found

    def _open_requests(
        self,
        current: Mapping[str, Conflict],
        rows: Mapping[str, Any],
        latest: Mapping[tuple[str, str], Any],
    ) -> builtins.list[AppendRequest]:
        live = self._live
        assert live is not None
        requests: builtins.list[AppendRequest] = []
        for cid in sorted(current):
            conflict = current[cid]
            parties = sorted(conflict.parties)
            digest = clash_digest(notice_body(conflict, cid, 1, parties[0], live.subjects))
            row = rows.get(cid)
            if row is None:
                revision = 1
            elif row.status == "cleared" or row.digest != digest:
                revision = int(row.revision) + 1
            else:
                revision = int(row.revision)
            for party in parties:
                body = notice_body(conflict, cid, revision, party, live.subjects)
                last = latest.get((cid, party))
                if last is not None and last.revision == revision and last.view == view_hash(body):
                    continue
                requests.append(
                    AppendRequest(
                        NODE_AUTHOR,
                        NOTICE,
                        body,
                        release=[party],
                        supersedes=last.id if last is not None else None,
                    )
                )
        return requests

    def _clear_requests(
        self,
        conn: Connection,
        stored: Mapping[str, tuple[Any, builtins.list[str]]],
        current: Mapping[str, Conflict],
        changed: Mapping[str, str],
        latest: Mapping[tuple[str, str], Any],
    ) -> builtins.list[AppendRequest]:
        requests: builtins.list[AppendRequest] = []
        for cid in sorted(set(stored) - set(current)):
            row, keys = stored[cid]
            reason = next((changed[k] for k in keys if k in changed), "no longer detected")
            for party in json.loads(row.parties):
                last = latest.get((cid, party))
                if last is None:
                    continue
                entry = q.get_entry(conn, last.id, None)
                assert entry is not None
                body = cleared_body(entry.content.body, int(row.revision) + 1, reason)
                requests.append(
                    AppendRequest(NODE_AUTHOR, NOTICE, body, release=[party], supersedes=last.id)
                )
        return requests
