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
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from liaison.deconfliction import DEFAULT_SETTINGS, DeconflictionSettings
from liaison.deconfliction.errors import DeconflictionError
from liaison.domain.entry import StoredEntry, is_entry_id
from liaison.domain.kinds import KINDS
from liaison.domain.time import format_time
from liaison.errors import InvalidBody, InvalidInput, NotFound
from liaison.geometry import GeometryError, TimeWindow
from liaison.picture import features, read
from liaison.picture import kinds as _kinds  # noqa: F401 - registers the picture kinds
from liaison.picture.bodies import parse_instant
from liaison.picture.detect import Detector
from liaison.picture.guards import latest_version
from liaison.picture.live import LivePicture
from liaison.picture.views import measure_view, operation_view, unit_view
from liaison.projections.picture import (
    ACKNOWLEDGE,
    ARRANGEMENT,
    CONSENT,
    MEASURE,
    OPERATION,
    SIGN,
    UNIT,
    proj_picture_measures,
    proj_picture_notices,
    proj_picture_operations,
    proj_picture_units,
)
from liaison.services.record import AppendRequest, RecordService
from liaison.store import queries as q

__all__ = ["PictureService", "window_of"]

_INSTANT = timedelta(microseconds=1)
#: the kinds whose appends change what the detector sees
_CHANGES = frozenset({OPERATION, UNIT, MEASURE, CONSENT})


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
        self.detector = Detector(record, settings)
        record.on_append_batch(self._on_append)

    def _on_append(self, entries: Sequence[StoredEntry]) -> None:
        """The post-commit hook: any change to the picture, by any path, is checked at once —
        once per append batch, since one catch-up of the live index covers all of it."""
        if any(entry.content.kind in _CHANGES for entry in entries):
            self.refresh()

    def _party(self, member: str) -> str:
        return self.record.authority(member).party

    # --- the live index --------------------------------------------------------------------

    def live(self) -> LivePicture:
        """The detector's index, caught up with the log (built from the store on first use)."""
        return self.detector.live()

    def refresh(self) -> builtins.list[StoredEntry]:
        """Catch up with the log and notify what changed; the notices written."""
        return self.detector.refresh()

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

    def operations(
        self, reader: str, window: TimeWindow | None = None, *, ended: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Operations the reader may see, active during ``window`` (planned or active ones,
        unless ``ended``), each in the latest version released to the reader."""
        with self.record.store.read() as conn:
            return [operation_view(e, r) for e, r in read.operations(conn, reader, window, ended)]

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
            return [unit_view(e) for e in read.units(conn, reader, window)]

    def measures(
        self, reader: str, window: TimeWindow | None = None, *, ended: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Measures the reader may see, in force during ``window`` (withdrawn ones if ``ended``)."""
        with self.record.store.read() as conn:
            return [measure_view(e, r) for e, r in read.measures(conn, reader, window, ended)]

    def picture(self, reader: str, window: TimeWindow | None = None) -> dict[str, Any]:
        """The time-window query: operations, units and measures current during ``window``."""
        with self.record.store.read() as conn:
            return {
                "window": None if window is None else window.to_json(),
                "operations": [
                    operation_view(e, r) for e, r in read.operations(conn, reader, window, False)
                ],
                "units": [unit_view(e) for e in read.units(conn, reader, window)],
                "measures": [
                    measure_view(e, r) for e, r in read.measures(conn, reader, window, False)
                ],
            }

    # --- GeoJSON ---------------------------------------------------------------------------

    def export_geojson(self, reader: str, window: TimeWindow | None = None) -> dict[str, Any]:
        """An RFC 7946 FeatureCollection of what the reader may see during ``window``."""
        with self.record.store.read() as conn:
            return features.export_features(
                read.operations(conn, reader, window, False),
                read.units(conn, reader, window),
                read.measures(conn, reader, window, False),
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
        changed = self.detector.catch_up()
        self.detector.settle(changed, window, sweep=window is None)
        return [
            c
            for c in self.conflicts(reader, limit=None)
            if window is None or _overlaps_json(c["window"], window)
        ]

    def conflicts(
        self, reader: str, status: str | None = None, limit: int | None = 100
    ) -> builtins.list[dict[str, Any]]:
        """Conflicts the reader's party was notified of: open first, newest first."""
        if status is not None and status not in read.STATUS_RANK:
            raise InvalidInput(f"status must be one of {', '.join(read.STATUS_RANK)}")
        # A read is a demand too: what another process or path appended is checked first.
        self.refresh()
        with self.record.store.read() as conn:
            views = [read.conflict_view(conn, reader, n) for n in read.latest_notices(conn, reader)]
        if status is not None:
            views = [v for v in views if v["status"] == status]
        views.sort(key=lambda v: (read.STATUS_RANK[v["status"]], -int(v["notice_seq"])))
        return views if limit is None else views[:limit]

    def conflict(self, reader: str, conflict: str) -> dict[str, Any]:
        """One conflict as the reader's party was told of it, with every notice it received."""
        notice = self._notice(reader, conflict)
        with self.record.store.read() as conn:
            view = read.conflict_view(conn, reader, notice)
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
