"""The operational picture on the record, and automatic deconfliction over it.

The write path of every picture change: the member's entry is appended (kind schema, authority
and the guards of :mod:`liaison.picture.guards`), then the live index catches up with the log
(every picture entry after the last one it applied, whoever wrote it, in this process or
another), the things that changed are checked against it, and the node appends, for each
conflict found, changed or gone, one notice per party involved, released to that party alone.
Notices are deduplicated on the record itself: a notice must supersede its party's latest
notice of that conflict (a guard), so two processes noticing the same thing write it once.

Reads go through the release filter: projections joined to the release rows, entries read as
the reader's party. See ``docs/picture.md`` for the rules, the severities, what each party is
told and the arrangement procedure.
"""

from __future__ import annotations

import builtins
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from liaison.deconfliction import DEFAULT_SETTINGS, Conflict, DeconflictionSettings
from liaison.deconfliction.errors import DeconflictionError
from liaison.domain.entry import StoredEntry, is_entry_id
from liaison.domain.kinds import KINDS
from liaison.domain.time import format_time
from liaison.errors import Conflict as RecordConflict
from liaison.errors import InvalidBody, InvalidInput, NotFound
from liaison.geometry import GeometryError, TimeWindow
from liaison.picture import features
from liaison.picture import kinds as _kinds  # noqa: F401 - registers the picture kinds
from liaison.picture.bodies import parse_instant
from liaison.picture.guards import latest_version
from liaison.picture.live import LivePicture
from liaison.picture.model import (
    clash_digest,
    cleared_body,
    conflict_secret,
    notice_body,
    record_conflict_id,
    region_geojson,
    view_hash,
)
from liaison.picture.views import measure_view, operation_view, unit_view
from liaison.projections.picture import (
    ACKNOWLEDGE,
    ARRANGEMENT,
    CONSENT,
    MEASURE,
    NOTICE,
    OPERATION,
    SIGN,
    UNIT,
    proj_picture_acks,
    proj_picture_arrangements,
    proj_picture_conflicts,
    proj_picture_measures,
    proj_picture_notices,
    proj_picture_operations,
    proj_picture_signatures,
    proj_picture_subjects,
    proj_picture_units,
)
from liaison.services.record import NODE_AUTHOR, AppendRequest, RecordService
from liaison.store import queries as q

__all__ = ["PictureService", "window_of"]

log = logging.getLogger("liaison.picture")

_STATUS_RANK = {"open": 0, "acknowledged": 1, "arranged": 1, "cleared": 2}
_ROUNDS = 3
_INSTANT = timedelta(microseconds=1)
#: the kinds whose appends change what the detector sees
_CHANGES = frozenset({OPERATION, UNIT, MEASURE, CONSENT})
#: above this many changed things, one sweep replaces checking each
_SWEEP_OVER = 256


def window_of(
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    at: datetime | str | None = None,
) -> TimeWindow | None:
    """A query window: ``[start, end)``, or the instant ``at``, or None for all time."""
    try:
        if at is not None:
            if start is not None or end is not None:
                raise InvalidInput("give either at, or start and end")
            moment = parse_instant(at)
            return TimeWindow(moment, moment + _INSTANT)
        if start is None and end is None:
            return None
        if start is None or end is None:
            raise InvalidInput("a time window needs both start and end")
        return TimeWindow(parse_instant(start), parse_instant(end))
    except GeometryError as exc:
        raise InvalidInput(f"bad time window: {exc.detail}") from None
    except ValueError:
        # The input is not echoed back: an error must never repeat what a caller sent.
        raise InvalidInput(
            "times must be ISO 8601 with a zone, e.g. 2044-07-12T16:30:00Z"
        ) from None


def _overlaps(start: str, end: str, window: TimeWindow | None) -> bool:
    if window is None:
        return True
    return start < format_time(window.end) and end > format_time(window.start)


def _validate(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A body's normal form, or InvalidBody naming the problem (nothing is appended)."""
    try:
        return KINDS.get(kind).validate(body)
    except (GeometryError, DeconflictionError) as exc:
        raise InvalidBody(f"{exc.code.value}: {exc.detail}", kind=kind) from None


class PictureService:
    """Operations, units, measures and their conflicts, for members of every party."""

    def __init__(
        self, record: RecordService, settings: DeconflictionSettings = DEFAULT_SETTINGS
    ) -> None:
        self.record = record
        self.settings = settings
        self._secret = conflict_secret(bytes(record.node_key))
        self._lock = threading.RLock()
        self._live: LivePicture | None = None
        record.on_append(self._on_append)

    def _on_append(self, entry: StoredEntry) -> None:
        """The post-commit hook: any change to the picture, by any path, is checked at once."""
        if entry.content.kind in _CHANGES:
            self.refresh()

    def _party(self, member: str) -> str:
        return self.record.authority(member).party

    # --- the live index --------------------------------------------------------------------

    def live(self) -> LivePicture:
        """The index, caught up with the log (built from the store on first use)."""
        with self._lock:
            self._catch_up()
            assert self._live is not None
            return self._live

    def _catch_up(self) -> dict[str, str]:
        with self._lock:
            first = self._live is None
            if self._live is None:
                self._live = LivePicture(self.settings)
            with self.record.store.read() as conn:
                changed = self._live.catch_up(conn)
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
        changed = self._catch_up()
        # Past a few hundred changes (a process starting on a big record, a large import) one
        # sweep of the whole index is cheaper than checking each change on its own.
        return self._settle(changed, sweep=len(changed) > _SWEEP_OVER)

    def _settle(
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
            newer = self._catch_up()
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
                if _overlaps(r.start_at, r.end_at, window)
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
        notices = proj_picture_notices
        newer = select(notices.c.supersedes).where(notices.c.supersedes.is_not(None))
        found: dict[tuple[str, str], Any] = {}
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

    # --- operations ------------------------------------------------------------------------

    def create_operation(
        self,
        author: str,
        *,
        ref: str,
        kind: str,
        volumes: Sequence[Mapping[str, Any]],
        name: str = "",
        state: str = "planned",
        note: str | None = None,
        release: Sequence[str] | None = None,
    ) -> StoredEntry:
        """Put a new operation on the record.

        Each volume is ``{footprint, altitude?, start, end}`` (or ``window: {start, end}``):
        a GeoJSON Polygon/MultiPolygon or a Point with ``radius_m``; an altitude band
        ``{datum, lower_m, upper_m}`` (omit for surface to unlimited); ISO 8601 times.
        """
        body = {
            "ref": ref,
            "name": name,
            "kind": kind,
            "state": state,
            "volumes": [_volume(v) for v in volumes],
            "note": note,
        }
        normal = _validate(OPERATION, body)
        return self.record.append(AppendRequest(author, OPERATION, normal, release=release))

    def _latest_own(self, conn: Connection, table: Any, party: str, ref_or_id: str) -> Any:
        if is_entry_id(ref_or_id):
            row = conn.execute(select(table).where(table.c.id == ref_or_id)).first()
            if row is None or row.party != party:
                return None
            return latest_version(conn, table, root=row.root)
        return latest_version(conn, table, party=party, ref=ref_or_id)

    def _own_latest(self, author: str, table: Any, ref_or_id: str, what: str) -> StoredEntry:
        party = self._party(author)
        with self.record.store.read() as conn:
            row = self._latest_own(conn, table, party, ref_or_id)
            entry = q.get_entry(conn, row.id, party) if row is not None else None
        if entry is None:
            raise NotFound(f"no such {what} of your party")
        return entry

    def amend_operation(
        self,
        author: str,
        operation: str,
        *,
        kind: str | None = None,
        volumes: Sequence[Mapping[str, Any]] | None = None,
        name: str | None = None,
        state: str | None = None,
        note: str | None = None,
        release: Sequence[str] | None = None,
    ) -> StoredEntry:
        """A new version of one of the party's operations (by ref or entry id)."""
        old = self._own_latest(author, proj_picture_operations, operation, "operation")
        body = dict(old.content.body)
        changes = {"kind": kind, "name": name, "state": state, "note": note}
        body.update({k: v for k, v in changes.items() if v is not None})
        if volumes is not None:
            body["volumes"] = [_volume(v) for v in volumes]
        normal = _validate(OPERATION, body)
        keep = [p for p in old.content.release if p != old.content.party]
        return self.record.append(
            AppendRequest(
                author,
                OPERATION,
                normal,
                release=keep if release is None else release,
                supersedes=old.id,
            )
        )

    def cancel_operation(self, author: str, operation: str) -> StoredEntry:
        """Cancel an operation: a new version whose state is cancelled."""
        return self.amend_operation(author, operation, state="cancelled")

    # --- units ----------------------------------------------------------------------------

    def report_unit(
        self,
        author: str,
        *,
        unit: str,
        position: Mapping[str, Any],
        time: datetime | str,
        stale_time: datetime | str,
        symbol_code: str,
        heading_deg: float | None = None,
        speed_mps: float | None = None,
        name: str = "",
        release: Sequence[str] | None = None,
    ) -> StoredEntry:
        """Report where one of the party's units is (GeoJSON Point), current until stale_time."""
        body = {
            "unit": unit,
            "name": name,
            "position": dict(position),
            "time": time if isinstance(time, str) else format_time(time),
            "stale_time": stale_time if isinstance(stale_time, str) else format_time(stale_time),
            "symbol_code": symbol_code,
            "heading_mdeg": None if heading_deg is None else _milli(heading_deg, "heading_deg"),
            "speed_mmps": None if speed_mps is None else _milli(speed_mps, "speed_mps"),
        }
        normal = _validate(UNIT, body)
        return self.record.append(AppendRequest(author, UNIT, normal, release=release))

    # --- control measures ------------------------------------------------------------------

    def create_measure(
        self,
        author: str,
        *,
        ref: str,
        kind: str,
        geometry: Mapping[str, Any],
        valid_from: datetime | str,
        valid_until: datetime | str,
        binds: Sequence[str],
        permitted_sides: Mapping[str, str] | None = None,
        depth_m: float | None = None,
        altitude: Mapping[str, Any] | None = None,
        restricts: Sequence[str] | None = None,
        schedule: Mapping[str, Any] | None = None,
        agreement_ref: str | None = None,
        name: str = "",
        note: str | None = None,
        release: Sequence[str] | None = None,
    ) -> StoredEntry:
        """Put a line (with the side each bound party may strike on) or an area on the record.

        It is released to every party it binds (and to ``release``).
        """
        body = {
            "ref": ref,
            "name": name,
            "kind": kind,
            "state": "in_force",
            "binds": list(binds),
            "geometry": dict(geometry),
            "validity": {"start": _text(valid_from), "end": _text(valid_until)},
            "schedule": None if schedule is None else dict(schedule),
            "agreement_ref": agreement_ref,
            "permitted_sides": None if permitted_sides is None else dict(permitted_sides),
            "depth_mm": None if depth_m is None else _milli(depth_m, "depth_m"),
            "altitude": None if altitude is None else dict(altitude),
            "restricts": None if restricts is None else list(restricts),
            "note": note,
        }
        normal = _validate(MEASURE, body)
        shown = sorted({*normal["binds"], *(release or [])})
        return self.record.append(AppendRequest(author, MEASURE, normal, release=shown))

    def amend_measure(
        self, author: str, measure: str, release: Sequence[str] | None = None, **changes: Any
    ) -> StoredEntry:
        """A new version of a measure; ``changes`` are body fields (``state="withdrawn"``...)."""
        old = self._own_latest(author, proj_picture_measures, measure, "measure")
        unknown = sorted(set(changes) - set(old.content.body) - {"depth_m"})
        if unknown:
            raise InvalidInput(f"a measure has no field {', '.join(unknown)}")
        body = dict(old.content.body)
        if "depth_m" in changes:
            body["depth_mm"] = _milli(changes.pop("depth_m"), "depth_m")
        body.update(changes)
        normal = _validate(MEASURE, body)
        keep = [p for p in old.content.release if p != old.content.party]
        shown = sorted({*normal["binds"], *(keep if release is None else release)})
        return self.record.append(
            AppendRequest(author, MEASURE, normal, release=shown, supersedes=old.id)
        )

    def withdraw_measure(self, author: str, measure: str) -> StoredEntry:
        """Withdraw a measure: a new version whose state is withdrawn."""
        return self.amend_measure(author, measure, state="withdrawn")

    def consent(
        self,
        author: str,
        measure: str,
        *,
        operation: str | None = None,
        conflict: str | None = None,
        note: str | None = None,
    ) -> StoredEntry:
        """Let one operation enter one of the party's restricted areas (rule 4).

        Name the operation by an entry id (when it is released to you) or name the conflict you
        were notified of (when it is not).
        """
        party = self._party(author)
        area = self._own_latest(author, proj_picture_measures, measure, "measure")
        if operation is not None:
            op_entry = self.record.get(party, operation)
            if op_entry.content.kind != OPERATION:
                raise NotFound("no such operation")
            other = [str(op_entry.content.party)]
        elif conflict is not None:
            other = list(self._notice(party, conflict).content.body["parties"])
        else:
            raise InvalidInput("name the operation or the conflict")
        body = {"measure": area.id, "operation": operation, "conflict": conflict, "note": note}
        normal = _validate(CONSENT, body)
        return self.record.append(AppendRequest(author, CONSENT, normal, release=other))

    # --- resolving conflicts ---------------------------------------------------------------

    def _notice(self, party: str, conflict: str) -> StoredEntry:
        """The party's latest notice of a conflict (NotFound if it was never notified)."""
        with self.record.store.read() as conn:
            row = latest_version(conn, proj_picture_notices, conflict=conflict, party=party)
            entry = q.get_entry(conn, row.id, party) if row is not None else None
        if entry is None:
            raise NotFound("no such conflict")
        return entry

    def acknowledge(self, author: str, conflict: str, note: str | None = None) -> StoredEntry:
        """Acknowledge the current revision of a conflict for the party."""
        notice = self._notice(self._party(author), conflict).content.body
        body = {"conflict": conflict, "revision": notice["revision"], "note": note}
        return self.record.append(
            AppendRequest(
                author, ACKNOWLEDGE, _validate(ACKNOWLEDGE, body), release=notice["parties"]
            )
        )

    def propose_arrangement(self, author: str, conflict: str, text: str) -> StoredEntry:
        """Put a deconfliction arrangement for a conflict to every party involved.

        It binds once a commander of each party, whose mandate covers the region and time of the
        clash, has signed the arrangement entry's canonical bytes (:meth:`sign_arrangement`).
        """
        notice = self._notice(self._party(author), conflict).content.body
        body = {
            "conflict": conflict,
            "revision": notice["revision"],
            "parties": notice["parties"],
            "text": text,
        }
        return self.record.append(
            AppendRequest(
                author, ARRANGEMENT, _validate(ARRANGEMENT, body), release=notice["parties"]
            )
        )

    def sign_arrangement(
        self, author: str, arrangement: str, key_id: str, signature: str
    ) -> StoredEntry:
        """Record a commander's signature, made on their side over the arrangement's bytes
        (``StoredEntry.raw``; see :func:`liaison.picture.arrangement_signature`)."""
        entry = self.record.get(self._party(author), arrangement)
        if entry.content.kind != ARRANGEMENT:
            raise NotFound("no such arrangement")
        body = {"arrangement": arrangement, "key_id": key_id, "signature": signature}
        return self.record.append(
            AppendRequest(
                author, SIGN, _validate(SIGN, body), release=entry.content.body["parties"]
            )
        )

    # --- reading the picture ---------------------------------------------------------------

    def _visible_latest(
        self, conn: Connection, table: Any, reader: str, columns: Sequence[str]
    ) -> builtins.list[Any]:
        """Per root, the latest version released to the reader."""
        query = select(*(table.c[c] for c in ("id", "root", "seq", *columns))).where(
            q.released_to(table.c.seq, reader)
        )
        best: dict[str, Any] = {}
        for row in conn.execute(query.order_by(table.c.seq)):
            best[row.root] = row
        return sorted(best.values(), key=lambda r: r.seq)

    def _operations(
        self, conn: Connection, reader: str, window: TimeWindow | None, ended: bool
    ) -> builtins.list[tuple[StoredEntry, str]]:
        rows = self._visible_latest(
            conn, proj_picture_operations, reader, ("state", "start_at", "end_at")
        )
        out = []
        for row in rows:
            if not ended and row.state not in ("planned", "active"):
                continue
            if _overlaps(row.start_at, row.end_at, window):
                entry = q.get_entry_by_seq(conn, int(row.seq), reader)
                if entry is not None:
                    out.append((entry, str(row.root)))
        return out

    def _units(
        self, conn: Connection, reader: str, window: TimeWindow | None
    ) -> builtins.list[StoredEntry]:
        units = proj_picture_units
        query = select(units).where(q.released_to(units.c.seq, reader))
        if window is not None:
            query = query.where(
                units.c.time < format_time(window.end),
                units.c.stale_time > format_time(window.start),
            )
        best: dict[tuple[str, str], Any] = {}
        for row in conn.execute(query.order_by(units.c.time, units.c.seq)):
            best[(row.party, row.unit)] = row
        found = [q.get_entry_by_seq(conn, int(r.seq), reader) for r in best.values()]
        return sorted((e for e in found if e is not None), key=lambda e: e.seq)

    def _measures(
        self, conn: Connection, reader: str, window: TimeWindow | None, ended: bool
    ) -> builtins.list[tuple[StoredEntry, str]]:
        rows = self._visible_latest(
            conn, proj_picture_measures, reader, ("state", "valid_from", "valid_until")
        )
        out = []
        for row in rows:
            if not ended and row.state != "in_force":
                continue
            if _overlaps(row.valid_from, row.valid_until, window):
                entry = q.get_entry_by_seq(conn, int(row.seq), reader)
                if entry is not None:
                    out.append((entry, str(row.root)))
        return out

    def operations(
        self, reader: str, window: TimeWindow | None = None, *, ended: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Operations the reader may see, active during ``window`` (planned or active ones,
        unless ``ended``), each in the latest version released to the reader."""
        with self.record.store.read() as conn:
            return [operation_view(e, r) for e, r in self._operations(conn, reader, window, ended)]

    def operation(self, reader: str, operation: str) -> dict[str, Any]:
        """One operation (by any version's entry id, or the reader's own ref), with its
        versions the reader may see."""
        with self.record.store.read() as conn:
            table = proj_picture_operations
            if is_entry_id(operation):
                row = conn.execute(select(table).where(table.c.id == operation)).first()
            else:
                row = latest_version(conn, table, party=reader, ref=operation)
            versions = []
            if row is not None:
                for version in conn.execute(
                    select(table.c.seq).where(table.c.root == row.root).order_by(table.c.seq)
                ):
                    entry = q.get_entry_by_seq(conn, int(version.seq), reader)
                    if entry is not None:
                        versions.append(entry)
        if row is None or not versions:
            raise NotFound("no such operation")
        view = operation_view(versions[-1], str(row.root))
        view["versions"] = [e.id for e in versions]
        return view

    def units(self, reader: str, window: TimeWindow | None = None) -> builtins.list[dict[str, Any]]:
        """Each unit's latest report the reader may see (current during ``window``, if given)."""
        with self.record.store.read() as conn:
            return [unit_view(e) for e in self._units(conn, reader, window)]

    def measures(
        self, reader: str, window: TimeWindow | None = None, *, ended: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Measures the reader may see, in force during ``window`` (withdrawn ones if ``ended``)."""
        with self.record.store.read() as conn:
            return [measure_view(e, r) for e, r in self._measures(conn, reader, window, ended)]

    def picture(self, reader: str, window: TimeWindow | None = None) -> dict[str, Any]:
        """The time-window query: operations, units and measures current during ``window``."""
        with self.record.store.read() as conn:
            return {
                "window": None if window is None else window.to_json(),
                "operations": [
                    operation_view(e, r) for e, r in self._operations(conn, reader, window, False)
                ],
                "units": [unit_view(e) for e in self._units(conn, reader, window)],
                "measures": [
                    measure_view(e, r) for e, r in self._measures(conn, reader, window, False)
                ],
            }

    # --- GeoJSON ---------------------------------------------------------------------------

    def export_geojson(self, reader: str, window: TimeWindow | None = None) -> dict[str, Any]:
        """An RFC 7946 FeatureCollection of what the reader may see during ``window``."""
        with self.record.store.read() as conn:
            return features.export_features(
                self._operations(conn, reader, window, False),
                self._units(conn, reader, window),
                self._measures(conn, reader, window, False),
            )

    def import_geojson(
        self, author: str, collection: Mapping[str, Any], release: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Create or amend the party's operations and measures and report its units from a
        FeatureCollection. Everything is validated before anything is appended; items of other
        parties are skipped (counted in ``skipped``)."""
        party = self._party(author)
        try:
            imported = features.read_collection(collection)
        except (GeometryError, DeconflictionError) as exc:
            raise InvalidBody(f"{exc.code.value}: {exc.detail}") from None
        labels = features.names(collection)
        plan: builtins.list[tuple[str, str, AppendRequest | None]] = []
        skipped = 0
        with self.record.store.read() as conn:
            for op in imported.operations:
                if op.party != party:
                    skipped += 1
                    continue
                body = features.operation_body(op, labels.get(("operation", op.id), ""))
                plan.append(
                    self._import_step(
                        conn, author, OPERATION, proj_picture_operations, party, body, release
                    )
                )
            for unit in imported.units:
                if unit.party != party:
                    skipped += 1
                    continue
                body = features.unit_body(unit, labels.get(("unit", unit.unit_id), ""))
                plan.append(self._import_unit(conn, author, party, body, release))
            for measure in imported.measures:
                if measure.owner != party:
                    skipped += 1
                    continue
                label = labels.get(("control_measure", measure.id), "")
                body = features.measure_body(measure, label)
                plan.append(
                    self._import_step(
                        conn, author, MEASURE, proj_picture_measures, party, body, release
                    )
                )
        requests = [r for _, _, r in plan if r is not None]
        results = iter(self.record.append_many(requests) if requests else [])
        report = []
        for kind, ref, request in plan:
            item: dict[str, Any] = {"kind": kind, "ref": ref}
            if request is None:
                item["action"] = "unchanged"
            else:
                result = next(results)
                if isinstance(result, StoredEntry):
                    item["action"] = "amended" if request.supersedes else "appended"
                    item["entry"] = result.id
                else:
                    item["action"] = "refused"
                    item["error"] = result.detail
            report.append(item)
        return {"items": report, "skipped": skipped}

    def _import_step(
        self,
        conn: Connection,
        author: str,
        kind: str,
        table: Any,
        party: str,
        body: dict[str, Any],
        release: Sequence[str] | None,
    ) -> tuple[str, str, AppendRequest | None]:
        latest = latest_version(conn, table, party=party, ref=body["ref"])
        live = latest is not None and latest.state in ("planned", "active", "in_force")
        old = q.get_entry(conn, latest.id, party) if live else None
        if old is not None and not body["name"]:
            body["name"] = old.content.body["name"]
        normal = _validate(kind, body)
        shown: Sequence[str] | None = release
        if kind == MEASURE:
            shown = sorted({*normal["binds"], *(release or [])})
        if old is None:
            return kind, body["ref"], AppendRequest(author, kind, normal, release=shown)
        if {**normal, "note": None} == {**old.content.body, "note": None}:
            return kind, body["ref"], None
        if shown is None:
            shown = [p for p in old.content.release if p != party]
        return (
            kind,
            body["ref"],
            AppendRequest(author, kind, normal, release=shown, supersedes=old.id),
        )

    def _import_unit(
        self,
        conn: Connection,
        author: str,
        party: str,
        body: dict[str, Any],
        release: Sequence[str] | None,
    ) -> tuple[str, str, AppendRequest | None]:
        normal = _validate(UNIT, body)
        units = proj_picture_units
        same = conn.execute(
            select(units.c.id).where(
                units.c.party == party,
                units.c.unit == normal["unit"],
                units.c.time == format_time(parse_instant(normal["time"])),
            )
        ).first()
        if same is not None:
            return UNIT, normal["unit"], None
        return UNIT, normal["unit"], AppendRequest(author, UNIT, normal, release=release)

    # --- conflicts -------------------------------------------------------------------------

    def check(self, reader: str, window: TimeWindow | None = None) -> builtins.list[dict[str, Any]]:
        """Detect on demand: every conflict during ``window`` (all time if None) is found and
        notified, and those on the record that no longer exist are cleared. Returns the reader's
        conflicts during the window."""
        changed = self._catch_up()
        self._settle(changed, window, sweep=window is None)
        return [
            c
            for c in self.conflicts(reader, limit=None)
            if window is None or _overlaps_json(c["window"], window)
        ]

    def conflicts(
        self, reader: str, status: str | None = None, limit: int | None = 100
    ) -> builtins.list[dict[str, Any]]:
        """Conflicts the reader's party was notified of: open first, newest first."""
        if status is not None and status not in _STATUS_RANK:
            raise InvalidInput(f"status must be one of {', '.join(_STATUS_RANK)}")
        self.refresh()
        with self.record.store.read() as conn:
            notices = proj_picture_notices
            newer = select(notices.c.supersedes).where(notices.c.supersedes.is_not(None))
            rows = conn.execute(
                select(notices.c.seq).where(
                    notices.c.party == reader,
                    q.released_to(notices.c.seq, reader),
                    notices.c.id.not_in(newer),
                )
            ).all()
            views = []
            for row in rows:
                entry = q.get_entry_by_seq(conn, int(row.seq), reader)
                if entry is not None:
                    views.append(self._conflict_view(conn, reader, entry))
        if status is not None:
            views = [v for v in views if v["status"] == status]
        views.sort(key=lambda v: (_STATUS_RANK[v["status"]], -int(v["notice_seq"])))
        return views if limit is None else views[:limit]

    def conflict(self, reader: str, conflict: str) -> dict[str, Any]:
        """One conflict as the reader's party was told of it, with every notice it received."""
        notice = self._notice(reader, conflict)
        with self.record.store.read() as conn:
            view = self._conflict_view(conn, reader, notice)
            history = conn.execute(
                select(proj_picture_notices.c.seq)
                .where(
                    proj_picture_notices.c.conflict == conflict,
                    proj_picture_notices.c.party == reader,
                    q.released_to(proj_picture_notices.c.seq, reader),
                )
                .order_by(proj_picture_notices.c.seq)
            ).all()
            entries = [q.get_entry_by_seq(conn, int(r.seq), reader) for r in history]
        view["notices"] = [e.to_json() for e in entries if e is not None]
        return view

    def _conflict_view(self, conn: Connection, reader: str, notice: StoredEntry) -> dict[str, Any]:
        body = notice.content.body
        cid = body["conflict"]
        row = conn.execute(
            select(proj_picture_conflicts).where(proj_picture_conflicts.c.conflict == cid)
        ).first()
        if body["status"] == "cleared":
            status = "cleared"
        elif row is not None and row.revision == body["revision"]:
            status = row.status if row.status != "cleared" else "open"
        else:
            status = "open"
        acks = conn.execute(
            select(proj_picture_acks.c.party).where(
                proj_picture_acks.c.conflict == cid,
                proj_picture_acks.c.revision == body["revision"],
                q.released_to(proj_picture_acks.c.seq, reader),
            )
        ).all()
        arrangements = []
        for arr in conn.execute(
            select(proj_picture_arrangements)
            .where(
                proj_picture_arrangements.c.conflict == cid,
                q.released_to(proj_picture_arrangements.c.seq, reader),
            )
            .order_by(proj_picture_arrangements.c.seq)
        ):
            signed = conn.execute(
                select(proj_picture_signatures.c.party).where(
                    proj_picture_signatures.c.arrangement == arr.id,
                    q.released_to(proj_picture_signatures.c.seq, reader),
                )
            ).all()
            arrangements.append(
                {
                    "id": arr.id,
                    "revision": arr.revision,
                    "proposed_by": arr.party,
                    "parties": json.loads(arr.parties),
                    "signed_by": sorted(r.party for r in signed),
                    "binding": arr.bound_seq is not None,
                }
            )
        windows = body["windows"]
        return {
            "conflict": cid,
            "status": status,
            "reason": body["reason"],
            "revision": body["revision"],
            "rule": body["rule"],
            "severity": body["severity"],
            "parties": body["parties"],
            "windows": windows,
            "window": {"start": windows[0]["start"], "end": windows[-1]["end"]},
            "region": region_geojson(body["region_e7"]),
            "own": body["own"],
            "others": body["others"],
            "text": body["text"],
            "notice": notice.id,
            "notice_seq": notice.seq,
            "notified_at": format_time(notice.stamp.at),
            "acknowledged_by": sorted(r.party for r in acks),
            "arrangements": arrangements,
        }


def _overlaps_json(window: Mapping[str, str], query: TimeWindow) -> bool:
    return parse_instant(window["start"]) < query.end and parse_instant(window["end"]) > query.start


def _text(value: datetime | str) -> str:
    return value if isinstance(value, str) else format_time(value)


def _milli(value: float, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{what} must be a number")
    return round(float(value) * 1000)


def _volume(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A volume as the body wants it: ``start``/``end`` may be given beside the footprint."""
    if not isinstance(raw, Mapping):
        raise InvalidBody("each volume must be an object {footprint, altitude, start, end}")
    volume = dict(raw)
    if "window" not in volume:
        start, end = volume.pop("start", None), volume.pop("end", None)
        if start is None or end is None:
            raise InvalidBody("each volume needs start and end (or a window {start, end})")
        volume["window"] = {"start": _text(start), "end": _text(end)}
    if volume.get("altitude") is None:
        volume.pop("altitude", None)
    return volume
