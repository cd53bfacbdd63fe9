"""The entry kinds TAK traffic puts on the record, their guards and their projections.

* ``tak.report`` — the CoT events behind unit position reports, as received (in the canonical
  form :func:`~liaison.cot.serialize_event` writes, so every unknown ``<detail>`` child is kept),
  each with the parser's warnings. The unit body (``picture.unit``) holds what the picture
  needs; this holds everything else the device said: uid, type, how, ``hae``/``ce``/``le``,
  callsign, team, battery, plug-in detail. One report entry holds the events of up to
  :data:`MAX_REPORTS` unit reports of one ingest batch that share a release set, and is
  appended just *before* them with that release set: so the record holds one entry per batch,
  not one per event, for what the picture does not need; whoever reads a unit report later
  finds its event at a lower sequence number (:func:`report_for`); and each entry is read on
  its own through the release filter. A delete of a unit (``t-x-d-d``) is a report whose event
  is the delete.
* ``tak.draft`` — a drawing, route or marker sent from a TAK device, which is *not* an operation
  or control measure until a commander of the party confirms it. Released to its own party only
  (a guard); the release the event asked for (``releasableTo``) is kept in the body and applies
  when it is confirmed. Versions supersede each other: an update from the device, a delete
  (``deleted``), a confirmation (``confirmed``, naming the operation or measure entry) or a
  discard (``discarded``); only an ``open`` draft changes.

Both fall under the mandate topic ``coordination``, like the picture, and need an officer: a
device reports and proposes; committing forces stays with commanders.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, select

from liaison.cot import CotError, CotEvent, parse_event, serialize_event
from liaison.domain.entry import StoredEntry
from liaison.domain.kinds import KINDS, Body, KindSpec
from liaison.domain.party import check_identifier
from liaison.domain.roles import Role
from liaison.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liaison.geometry import GeometryError, decode_shape
from liaison.ledger.canonical import FrozenDict, FrozenList
from liaison.picture.bodies import check_entry_id, check_ref, is_plain_ref, normal_instant
from liaison.picture.kinds import PICTURE_TOPIC
from liaison.projections import PROJECTORS, Projector, Rows, insert_rows, sortable_time
from liaison.projections.picture import MEASURE, OPERATION
from liaison.services.guards import GUARDS, GuardContext
from liaison.store import queries as q
from liaison.store.schema import metadata

__all__ = [
    "DRAFT",
    "DRAFT_SHAPES",
    "DRAFT_STATES",
    "MAX_REPORTS",
    "REPORT",
    "DraftBody",
    "ReportBody",
    "ReportItem",
    "event_of",
    "latest_draft",
    "proj_tak_drafts",
    "proj_tak_reports",
    "report_for",
    "written_event",
]

REPORT = "tak.report"
DRAFT = "tak.draft"

DraftState = Literal["open", "deleted", "confirmed", "discarded"]
DraftShape = Literal["polygon", "line", "rectangle", "circle", "route", "marker"]
DRAFT_STATES: tuple[str, ...] = ("open", "deleted", "confirmed", "discarded")
DRAFT_SHAPES: tuple[str, ...] = ("polygon", "line", "rectangle", "circle", "route", "marker")

#: An event is kept whole; the record's 256 KiB limit on an entry bounds it in the end.
_MAX_EVENT_CHARS = 200_000
_MAX_WARNINGS = 32
_MAX_UID = 1024
#: unit reports one ``tak.report`` entry speaks for
MAX_REPORTS = 128


#: Event texts this process wrote with :func:`serialize_event`, with the event each was
#: written from (most recent last). Such a text is in normal form by construction
#: (``parse_event(serialize_event(e)) == e``), so validating the body of an entry the ingest
#: just built need not parse it again: the writer thread, which every append waits on, does a
#: dictionary lookup instead of an XML parse; and the devices' feed renders the event from the
#: text without parsing it either (:func:`event_of`). Any other text is parsed and written
#: again, and must come out the same.
_WRITTEN: dict[str, CotEvent] = {}
_WRITTEN_MAX = 8192
_WRITTEN_LOCK = threading.Lock()


def written_event(event: CotEvent) -> str:
    """``event`` as normal-form text, remembered as such for :func:`normal_event`."""
    text = serialize_event(event).decode()
    remember_written(text, event)
    return text


def remember_written(text: str, event: CotEvent) -> None:
    """Remember ``text`` as :func:`written_event` of ``event``: what a planning worker process
    (:mod:`liaison.tak.plan`) wrote is taken as this process's own, without parsing it again."""
    with _WRITTEN_LOCK:
        _WRITTEN[text] = event
        if len(_WRITTEN) > _WRITTEN_MAX:
            del _WRITTEN[next(iter(_WRITTEN))]


def event_of(text: str) -> CotEvent:
    """The event a stored event text says: the one it was written from, when this process
    wrote it recently, else parsed (:class:`~liaison.cot.CotError` if it does not parse)."""
    event = _WRITTEN.get(text)
    return event if event is not None else parse_event(text.encode())


def normal_event(value: Any) -> str:
    """The CoT event text in canonical form; anything that does not parse is refused."""
    if not isinstance(value, str) or len(value) > _MAX_EVENT_CHARS:
        raise ValueError(f"event must be CoT XML text of at most {_MAX_EVENT_CHARS} characters")
    if value in _WRITTEN:
        return value
    try:
        return serialize_event(parse_event(value.encode())).decode()
    except CotError as exc:
        raise ValueError(f"event is not a valid CoT event: {exc}") from None


def _warnings(value: list[str]) -> list[str]:
    if len(value) > _MAX_WARNINGS or any(len(w) > 500 for w in value):
        raise ValueError(f"at most {_MAX_WARNINGS} warnings of at most 500 characters")
    return value


class ReportItem(Body):
    """The CoT event behind the unit report of ``unit`` at ``time``."""

    unit: str
    time: str
    event: str
    warnings: list[str] = Field(default_factory=list)

    _u = field_validator("unit")(lambda v: check_ref(v, "unit"))
    _t = field_validator("time", mode="before")(normal_instant)
    _e = field_validator("event", mode="before")(normal_event)
    _w = field_validator("warnings")(_warnings)


class ReportBody(Body):
    """The CoT events behind unit reports appended right after this entry."""

    reports: list[ReportItem] = Field(min_length=1, max_length=MAX_REPORTS)

    @classmethod
    def fast_normal(cls, data: Mapping[str, Any]) -> dict[str, Any] | None:
        # The ingest's own report bodies: event texts it just wrote, times in canonical form.
        if data.keys() != {"reports"}:
            return None
        reports = data["reports"]
        if type(reports) not in (list, FrozenList) or not 1 <= len(reports) <= MAX_REPORTS:
            return None
        items = []
        for item in reports:
            normal = _fast_item(item)
            if normal is None:
                return None
            items.append(normal)
        return {"reports": FrozenList(items)}


_ITEM_FIELDS = frozenset({"unit", "time", "event", "warnings"})
_ITEM_REQUIRED = frozenset({"unit", "time", "event"})
_CANONICAL_INSTANT = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z"
)


def _fast_item(item: object) -> FrozenDict | None:
    """A report item in normal form when it plainly is one (see :meth:`Body.fast_normal`)."""
    if type(item) is not dict and type(item) is not FrozenDict:
        return None
    assert isinstance(item, dict)
    keys = item.keys()
    if not keys >= _ITEM_REQUIRED or not keys <= _ITEM_FIELDS:
        return None
    unit, time, event = item["unit"], item["time"], item["event"]
    warnings = item.get("warnings", [])
    if not is_plain_ref(unit):
        return None
    # A canonical instant (four-digit year from 1000, microseconds only when not zero) is its
    # own normal form.
    if type(time) is not str or not _CANONICAL_INSTANT.fullmatch(time) or time[-8:] == ".000000Z":
        return None
    try:
        datetime.fromisoformat(time[:-1])  # a real instant (no 13th month)
    except ValueError:
        return None
    # An event text this process wrote is in normal form (see :data:`_WRITTEN`).
    if type(event) is not str or len(event) > _MAX_EVENT_CHARS or event not in _WRITTEN:
        return None
    if type(warnings) not in (list, FrozenList) or len(warnings) > _MAX_WARNINGS:
        return None
    for warning in warnings:
        if type(warning) is not str or len(warning) > 500:
            return None
    return FrozenDict(
        {"unit": unit, "time": time, "event": event, "warnings": FrozenList(warnings)}
    )


class DraftBody(Body):
    """A drawing, route or marker from a TAK device, for its party to confirm."""

    uid: str = Field(min_length=1, max_length=_MAX_UID)
    state: DraftState = "open"
    shape: DraftShape
    geometry: dict[str, Any]
    name: str = Field(default="", max_length=200)
    event: str
    release: list[str] | None = None
    warnings: list[str] = Field(default_factory=list)
    confirmed_as: str | None = None
    note: str | None = Field(default=None, max_length=2000)

    _e = field_validator("event", mode="before")(normal_event)
    _w = field_validator("warnings")(_warnings)

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            decode_shape(value)
        except GeometryError as exc:
            raise ValueError(f"geometry: {exc.detail}") from None
        return value

    @field_validator("release")
    @classmethod
    def _release(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return sorted({check_identifier(p, "party id") for p in value})

    @field_validator("confirmed_as")
    @classmethod
    def _confirmed(cls, value: str | None) -> str | None:
        return None if value is None else check_entry_id(value)

    @model_validator(mode="after")
    def _states(self) -> DraftBody:
        if (self.state == "confirmed") != (self.confirmed_as is not None):
            raise ValueError("confirmed_as is given exactly when the state is confirmed")
        if parse_event(self.event.encode()).uid != self.uid:
            raise ValueError("uid must be the uid of the event")
        return self


# --- projections --------------------------------------------------------------------------

proj_tak_reports = Table(
    "proj_tak_reports",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("item", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("unit", String(64), nullable=False, index=True),
    Column("time", String(32), nullable=False),
)

proj_tak_drafts = Table(
    "proj_tak_drafts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("root", String(64), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("party", String(32), nullable=False),
    Column("uid", String(_MAX_UID), nullable=False),
    Column("uid_key", String(64), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
)


def uid_key(uid: str) -> str:
    """A fixed-width index key for a CoT uid (uids may be up to 1024 characters)."""
    return hashlib.sha256(uid.encode()).hexdigest()


def _rows(entry: StoredEntry) -> Rows | None:
    """A report entry's projection is a row per report, from the entry alone; a draft's is not
    (it reads the chain's root)."""
    if entry.content.kind != REPORT:
        return None
    return [
        (
            proj_tak_reports,
            {
                "id": entry.id,
                "item": n,
                "seq": entry.seq,
                "party": entry.content.party,
                "unit": item["unit"],
                "time": sortable_time(item["time"]),
            },
        )
        for n, item in enumerate(entry.content.body["reports"])
    ]


def _apply(conn: Connection, entry: StoredEntry) -> None:
    body = entry.content.body
    if entry.content.kind == REPORT:
        insert_rows(conn, _rows(entry) or [])
        return
    root = entry.id
    if entry.content.supersedes is not None:
        old = conn.execute(
            select(proj_tak_drafts.c.root).where(proj_tak_drafts.c.id == entry.content.supersedes)
        ).scalar()
        root = str(old) if old is not None else entry.id
    conn.execute(
        proj_tak_drafts.insert().values(
            id=entry.id,
            root=root,
            seq=entry.seq,
            party=entry.content.party,
            uid=body["uid"],
            uid_key=uid_key(body["uid"]),
            state=body["state"],
            supersedes=entry.content.supersedes,
        )
    )


TAK_PROJECTOR = PROJECTORS.register(
    Projector(
        name="tak",
        kinds=frozenset({REPORT, DRAFT}),
        tables=(proj_tak_reports, proj_tak_drafts),
        apply=_apply,
        rows=_rows,
    )
)


def latest_draft(conn: Connection, party: str, uid: str) -> Any:
    """The latest version of the party's most recent draft chain for ``uid``, or None."""
    table = proj_tak_drafts
    newer = select(table.c.supersedes).where(table.c.supersedes.is_not(None))
    return conn.execute(
        select(table)
        .where(
            table.c.uid_key == uid_key(uid),
            table.c.party == party,
            table.c.uid == uid,
            table.c.id.not_in(newer),
        )
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()


def report_for(
    conn: Connection,
    party: str,
    unit: str,
    time: str,
    before: int,
    entry_at: Callable[[int], StoredEntry | None],
) -> dict[str, Any] | None:
    """The CoT event behind the unit report at ``before`` (its seq), if the reader may read it.

    ``time`` is the unit report's time in the store's text form. It is the latest report item
    for that unit and time written before the unit report, returned (``{unit, time, event,
    warnings}``) only when ``entry_at`` — the reader's read of an entry by seq, None when it is
    not released to them — gives its entry.
    """
    table = proj_tak_reports
    row = conn.execute(
        select(table.c.seq, table.c.item)
        .where(
            table.c.unit == unit,
            table.c.party == party,
            table.c.time == time,
            table.c.seq < before,
        )
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    entry = entry_at(int(row.seq))
    if entry is None:
        return None
    item: dict[str, Any] = entry.content.body["reports"][int(row.item)]
    return item


# --- guards -------------------------------------------------------------------------------


def _party(ctx: GuardContext) -> str:
    if ctx.party is None or ctx.authority is None:
        raise NotPermitted(f"{ctx.kind} entries are written by a member for their party")
    return ctx.party


def guard_report(ctx: GuardContext) -> None:
    _party(ctx)


def guard_draft(ctx: GuardContext) -> None:
    party = _party(ctx)
    body = ctx.body
    if tuple(ctx.release) != (party,):
        raise NotPermitted(
            "a draft is released to its own party only; the release it asks for applies when "
            "it is confirmed"
        )
    if ctx.supersedes is None:
        if body["state"] != "open":
            raise InvalidInput("a new draft is open")
        current = latest_draft(ctx.conn, party, body["uid"])
        if current is not None and current.state == "open":
            raise Conflict("your party already has an open draft with this uid; update it")
        return
    old = ctx.conn.execute(
        select(proj_tak_drafts).where(proj_tak_drafts.c.id == ctx.supersedes)
    ).first()
    if old is None:
        raise NotFound("no such draft of your party")
    if old.state != "open":
        raise Conflict(f"this draft was {old.state}; it can no longer change")
    if old.uid != body["uid"]:
        raise InvalidInput("a new version of a draft keeps its uid")
    if body["state"] == "confirmed":
        made = q.get_entry(ctx.conn, body["confirmed_as"], party)
        if (
            made is None
            or made.content.party != party
            or made.content.kind not in (OPERATION, MEASURE)
        ):
            raise NotFound("confirmed_as must be an operation or measure of your party")


def _topic(_body: object) -> str:
    return PICTURE_TOPIC


KINDS.register(
    KindSpec(
        REPORT,
        ReportBody,
        Role.OFFICER,
        "The CoT event behind a unit position report from a TAK device, with its warnings.",
        topic=_topic,
    )
)
KINDS.register(
    KindSpec(
        DRAFT,
        DraftBody,
        Role.OFFICER,
        "A drawing, route or marker from a TAK device, released to its own party only, until a "
        "commander confirms it as an operation or control measure.",
        topic=_topic,
    )
)
GUARDS.register(REPORT, guard_report, reads_record=False)
GUARDS.register(DRAFT, guard_draft)
