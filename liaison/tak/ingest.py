"""CoT events from a member's devices onto the record, through the services.

What each event becomes (by :func:`~liaison.cot.event_kind`):

============ ===========================================================================
position     a ``picture.unit`` report of the member's party, with the release the event
             asks for (:func:`~liaison.tak.mapping.release_of`), and the event as received
             kept in a ``tak.report`` entry (one per batch and release set), all in one
             group commit with the rest of the batch. When one batch holds several reports
             of the same unit with the same release, every one is kept in the report entry
             and only the latest becomes a unit report (``coalesced``): the picture shows
             where a unit is, and a position superseded within the same fraction of a
             second adds nothing to it, while the record still holds what was said
shape, route a ``tak.draft`` for the party to confirm (own party only); a later event with
marker       the same uid updates the open draft (or changes nothing, when only its times
             moved: devices re-send drawings)
delete       the open draft with that uid is marked ``deleted``; else the unit's current
             report is corrected to go stale now (a new ``picture.unit`` superseding it, with
             the delete kept as its ``tak.report``); else ``nothing_to_delete``
ping         answered (:func:`~liaison.cot.ping_reply`), nothing recorded
other        not recorded (chat, file transfers, TAK control, range-and-bearing lines)
============ ===========================================================================

Each event succeeds or fails on its own, and a failure is an :class:`Outcome` with a stable
code and a message for the connection's log: a bad event never costs the good ones beside it.
Positions are appended in batches (``append_many``, one durable transaction for many events);
drafts and deletes read the record before writing, so they go one at a time under a lock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from liaison.cot import CotEvent, EventKind, deleted_uid, parse_event
from liaison.domain.entry import StoredEntry
from liaison.domain.kinds import KINDS
from liaison.domain.member import Authority
from liaison.domain.time import format_time
from liaison.errors import LiaisonError
from liaison.geometry import decode_instant, encode_instant
from liaison.projections.picture import UNIT, proj_picture_units
from liaison.services.record import AppendRequest, RecordService
from liaison.store import queries as q
from liaison.tak.kinds import (
    DRAFT,
    MAX_REPORTS,
    REPORT,
    latest_draft,
    remember_written,
    written_event,
)
from liaison.tak.mapping import TakError, draft_body, unit_id_of, warning_texts
from liaison.tak.plan import Plan, plan_event

__all__ = ["Ingest", "Outcome"]

_ONE_MS = timedelta(milliseconds=1)
_UNIT = KINDS.get(UNIT)
#: event text one report entry holds at most (the record refuses entries over 256 KiB)
_REPORT_CHARS = 150_000

_Position = tuple[int, dict[str, Any], dict[str, Any], list[str] | None]


def _chunks(positions: list[_Position]) -> list[tuple[list[str] | None, list[_Position]]]:
    """Positions grouped by release set, in order, cut to what one report entry may hold."""
    groups: dict[tuple[str, ...] | None, list[_Position]] = {}
    for position in positions:
        release = position[3]
        groups.setdefault(None if release is None else tuple(release), []).append(position)
    out: list[tuple[list[str] | None, list[_Position]]] = []
    for key, members in groups.items():
        release = None if key is None else list(key)
        chunk: list[_Position] = []
        size = 0
        for position in members:
            length = len(position[2]["event"])
            if chunk and (len(chunk) == MAX_REPORTS or size + length > _REPORT_CHARS):
                out.append((release, chunk))
                chunk, size = [], 0
            chunk.append(position)
            size += length
        out.append((release, chunk))
    return out


def _report_body(items: list[dict[str, Any]]) -> Mapping[str, Any]:
    """The report entry's body, validated here (the writer, which every append waits on, then
    need not); one that does not validate goes as it is, for the writer to refuse."""
    body = {"reports": items}
    try:
        return KINDS.get(REPORT).validate(body)
    except LiaisonError:
        return body


@dataclass(frozen=True)
class Outcome:
    """What became of one event: an action, the entries written, or a refusal with its code."""

    uid: str
    type: str
    kind: EventKind
    action: str
    entries: tuple[str, ...] = ()
    code: str | None = None
    message: str | None = None
    #: a ping's answer, serialised
    reply: bytes | None = field(default=None, compare=False)

    @property
    def refused(self) -> bool:
        return self.action == "refused"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uid": self.uid,
            "type": self.type,
            "kind": self.kind,
            "action": self.action,
            "entries": list(self.entries),
        }
        if self.code is not None:
            out["error"] = {"code": self.code, "message": self.message}
        if self.reply is not None:
            out["reply"] = self.reply.decode()
        return out


def _party_ids(conn: Any) -> frozenset[str]:
    return frozenset(p.id for p in q.parties(conn))


class _Said(Protocol):
    """What an outcome names of its event: a parsed event or its plan."""

    @property
    def uid(self) -> str: ...

    @property
    def type(self) -> str: ...


def _outcome(event: _Said, kind: EventKind, action: str, *entries: str) -> Outcome:
    return Outcome(event.uid, event.type, kind, action, tuple(entries))


def _refused(event: _Said, kind: EventKind, error: TakError) -> Outcome:
    return Outcome(event.uid, event.type, kind, "refused", (), error.code, error.message)


def _pong(plan: Plan) -> Outcome:
    return dataclasses.replace(_outcome(plan, "ping", "answered"), reply=plan.reply)


def _same_drawing(old: CotEvent, new: CotEvent) -> bool:
    """Equal but for the times: ATAK re-sends a drawing with new times every so often."""
    return dataclasses.replace(new, time=old.time, start=old.start, stale=old.stale) == old


class Ingest:
    """Turns a member's CoT events into entries; safe to call from many threads."""

    def __init__(self, record: RecordService) -> None:
        self.record = record
        #: drafts and deletes read before they write: one at a time (see the module docstring)
        self.serial_lock = threading.Lock()

    def roster(self, member: str) -> tuple[Authority | None, frozenset[str]]:
        """The member's authority and the parties, as the record shows them now, in one read
        (the writer checks the authority again, inside the transaction that appends)."""
        with self.record.store.read() as conn:
            return q.authority(conn, member), _party_ids(conn)

    def parties(self) -> frozenset[str]:
        """The parties on the record now (what a plan's release is checked against)."""
        with self.record.store.read() as conn:
            return _party_ids(conn)

    def ingest(
        self, member: str, events: Sequence[CotEvent], *, now: datetime | None = None
    ) -> list[Outcome]:
        """Record what each event says for ``member``'s party; one outcome per event, in order."""
        moment = now or self.record.clock()
        authority, parties = self.roster(member)
        plans = [plan_event(event, parties, moment) for event in events]
        return self.commit(member, authority, plans)

    def commit(
        self, member: str, authority: Authority | None, plans: Sequence[Plan]
    ) -> list[Outcome]:
        """Record the planned events (:mod:`liaison.tak.plan`) for ``member``, whose authority
        :meth:`roster` read before they were planned; one outcome per plan, in order."""
        if authority is None or authority.revoked:
            error = TakError("refused", f"not-permitted: {member} may not act for a party now")
            return [_refused(p, p.kind, error) if p.kind != "ping" else _pong(p) for p in plans]
        party = authority.party
        outcomes: list[Outcome | None] = [None] * len(plans)
        positions: list[_Position] = []
        serial: list[int] = []
        for i, plan in enumerate(plans):
            kind = plan.kind
            if kind == "ping":
                outcomes[i] = _pong(plan)
            elif kind == "other":
                outcomes[i] = Outcome(
                    plan.uid,
                    plan.type,
                    kind,
                    "ignored",
                    code="not_recorded",
                    message=f"type {plan.type[:64]} is not a position, drawing, route, marker, "
                    "delete or ping; nothing was recorded",
                )
            elif plan.refusal is not None:
                outcomes[i] = _refused(plan, kind, TakError(*plan.refusal))
            elif kind == "position":
                # A body planned in this process is the spec's own; one sent by a worker is
                # plain data, validated again here (see liaison.tak.plan).
                unit = plan.unit
                try:
                    if not _UNIT.validated(unit):
                        assert plan.event is not None
                        remember_written(plan.report["event"], plan.event)
                        unit = _UNIT.validate(unit)
                except LiaisonError as exc:
                    outcomes[i] = _refused(plan, kind, TakError("bad_unit", exc.detail))
                    continue
                positions.append((i, unit, plan.report, plan.release))
            else:
                assert plan.reads_record
                serial.append(i)
        if positions:
            self._positions(member, plans, positions, outcomes)
        if serial:
            moment = self.record.clock()
            with self.serial_lock:
                for i in serial:
                    plan = plans[i]
                    event = plan.event
                    assert event is not None
                    try:
                        if plan.kind == "delete":
                            outcomes[i] = self._delete(member, party, event, moment)
                        else:
                            outcomes[i] = self._draft(member, party, event, plan.kind, plan.release)
                    except TakError as exc:
                        outcomes[i] = _refused(plan, plan.kind, exc)
                    except LiaisonError as exc:
                        outcomes[i] = _refused(plan, plan.kind, TakError.from_record(exc))
        done = [o for o in outcomes if o is not None]
        assert len(done) == len(plans)
        return done

    def _positions(
        self,
        member: str,
        events: Sequence[Plan],
        positions: list[_Position],
        outcomes: list[Outcome | None],
    ) -> None:
        """Append the positions: per release set, one report entry, then one unit report per
        unit (the latest of the batch; see the module docstring)."""
        requests: list[AppendRequest] = []
        placed: dict[int, tuple[int, int, bool]] = {}  # event: report at, unit at, is latest
        for release, chunk in _chunks(positions):
            # The report goes first, so whoever reads a unit report finds it already there.
            report_at = len(requests)
            report = _report_body([item for _, _, item, _ in chunk])
            requests.append(AppendRequest(member, REPORT, report, release=release))
            latest: dict[str, tuple[str, int, dict[str, Any]]] = {}
            for i, body, _, _ in chunk:
                if body["time"] >= latest.get(body["unit"], ("", -1, body))[0]:
                    latest[body["unit"]] = (body["time"], i, body)
            unit_at: dict[str, int] = {}
            for unit, (_, _, body) in latest.items():
                unit_at[unit] = len(requests)
                requests.append(AppendRequest(member, UNIT, body, release=release))
            for i, body, _, _ in chunk:
                placed[i] = (report_at, unit_at[body["unit"]], latest[body["unit"]][1] == i)
        results = self.record.append_many(requests)
        for i, (report_at, unit_at_, is_latest) in placed.items():
            told, made = results[report_at], results[unit_at_]
            event = events[i]
            if is_latest and isinstance(made, StoredEntry):
                if isinstance(told, StoredEntry):
                    outcomes[i] = _outcome(event, "position", "reported", made.id, told.id)
                else:
                    outcomes[i] = Outcome(
                        event.uid,
                        event.type,
                        "position",
                        "reported",
                        (made.id,),
                        code="detail_not_kept",
                        message=f"the unit report was recorded, its event was not: {told.detail}",
                    )
            elif is_latest:
                assert isinstance(made, LiaisonError)
                outcomes[i] = _refused(event, "position", TakError.from_record(made))
            elif isinstance(told, StoredEntry):
                # A later report of the same unit in this batch went to the picture; this one
                # is on the record in the report entry.
                written = [told.id] + ([made.id] if isinstance(made, StoredEntry) else [])
                outcomes[i] = _outcome(event, "position", "coalesced", *written)
            else:
                outcomes[i] = _refused(event, "position", TakError.from_record(told))

    def _draft(
        self, member: str, party: str, event: CotEvent, kind: EventKind, release: list[str] | None
    ) -> Outcome:
        body = draft_body(event, release)
        with self.record.store.read() as conn:
            current = latest_draft(conn, party, event.uid)
        if current is None or current.state != "open":
            entry = self.record.append(AppendRequest(member, DRAFT, body, release=[]))
            return _outcome(event, kind, "drafted", entry.id)
        old = self.record.get(party, current.id).content.body
        before = parse_event(old["event"].encode())
        if _same_drawing(before, event) and old["release"] == body["release"]:
            return _outcome(event, kind, "unchanged", current.id)
        entry = self.record.append(
            AppendRequest(member, DRAFT, body, release=[], supersedes=current.id)
        )
        return _outcome(event, kind, "updated", entry.id)

    def _delete(self, member: str, party: str, event: CotEvent, now: datetime) -> Outcome:
        target = deleted_uid(event)
        assert target is not None
        with self.record.store.read() as conn:
            draft = latest_draft(conn, party, target)
            units = proj_picture_units
            unit = conn.execute(
                select(units.c.id, units.c.stale_time)
                .where(units.c.party == party, units.c.unit == unit_id_of(target))
                .order_by(units.c.time.desc(), units.c.seq.desc())
                .limit(1)
            ).first()
        if draft is not None and draft.state == "open":
            body = dict(self.record.get(party, draft.id).content.body)
            body.update(state="deleted", note="deleted from a TAK device", warnings=[])
            entry = self.record.append(
                AppendRequest(member, DRAFT, body, release=[], supersedes=draft.id)
            )
            return _outcome(event, "delete", "deleted", entry.id)
        if unit is not None and unit.stale_time > format_time(now):
            old = self.record.get(party, unit.id)
            body = dict(old.content.body)
            reported = old.content.body["time"]
            body["stale_time"] = encode_instant(max(now, decode_instant(reported) + _ONE_MS))
            keep = [p for p in old.content.release if p != party]
            report = {
                "unit": body["unit"],
                "time": reported,
                "event": written_event(event),
                "warnings": warning_texts(event),
            }
            results = self.record.append_many(
                [
                    AppendRequest(member, REPORT, {"reports": [report]}, release=keep),
                    AppendRequest(member, UNIT, body, release=keep, supersedes=unit.id),
                ]
            )
            corrected = results[1]
            if not isinstance(corrected, StoredEntry):
                raise TakError.from_record(corrected)
            return _outcome(event, "delete", "deleted", corrected.id)
        raise TakError(
            "nothing_to_delete", "no open drawing and no current unit of your party has that uid"
        )
