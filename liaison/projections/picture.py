"""Projections of the operational picture: operations, units, measures, consents, and conflicts.

Rows carry the ``seq`` of the entry they come from, and every read on behalf of a party joins
that seq against the release rows (:func:`liaison.store.queries.released_to`), so a projection
never shows a party more than the entries behind it. Operations and measures keep one row per
version (a party may have been released an older version than the latest), with ``root``, the
id of the first version, as the thing's identity.

``proj_picture_conflicts`` and ``proj_picture_subjects`` are the node's own view (every notice
to every party), for the guards and the detector; a party reads conflicts only through its own
notices. A conflict's status is computed here from the record alone, so a rebuild gives it back:

* ``open`` — the latest notices say the clash exists;
* ``acknowledged`` — every party involved acknowledged this revision;
* ``arranged`` — an arrangement for this revision was signed by every party involved;
* ``cleared`` — the latest notices say the clash no longer exists (amended, cancelled, ...).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, Text, select

from liaison.domain.entry import StoredEntry
from liaison.picture.model import clash_digest, view_hash
from liaison.projections import PROJECTORS, Projector, Rows, insert_rows, sortable_time
from liaison.store.schema import metadata

__all__ = [
    "PICTURE",
    "PICTURE_KINDS",
    "proj_picture_acks",
    "proj_picture_arrangements",
    "proj_picture_conflicts",
    "proj_picture_consents",
    "proj_picture_measures",
    "proj_picture_notices",
    "proj_picture_operations",
    "proj_picture_signatures",
    "proj_picture_subjects",
    "proj_picture_units",
]

OPERATION = "picture.operation"
UNIT = "picture.unit"
MEASURE = "picture.measure"
CONSENT = "picture.consent"
NOTICE = "picture.notice"
ACKNOWLEDGE = "picture.acknowledge"
ARRANGEMENT = "picture.arrangement"
SIGN = "picture.sign"
PICTURE_KINDS = frozenset(
    {OPERATION, UNIT, MEASURE, CONSENT, NOTICE, ACKNOWLEDGE, ARRANGEMENT, SIGN}
)

proj_picture_operations = Table(
    "proj_picture_operations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("root", String(64), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("party", String(32), nullable=False),
    Column("ref", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("start_at", String(32), nullable=False),
    Column("end_at", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
)

proj_picture_units = Table(
    "proj_picture_units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("party", String(32), nullable=False),
    Column("unit", String(64), nullable=False, index=True),
    Column("time", String(32), nullable=False),
    Column("stale_time", String(32), nullable=False),
)

proj_picture_measures = Table(
    "proj_picture_measures",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("root", String(64), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("party", String(32), nullable=False),
    Column("ref", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("valid_from", String(32), nullable=False),
    Column("valid_until", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
)

proj_picture_consents = Table(
    "proj_picture_consents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("party", String(32), nullable=False),
    Column("measure", String(64), nullable=False),
    Column("operation", String(64), nullable=False, index=True),
)

proj_picture_notices = Table(
    "proj_picture_notices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("conflict", String(35), nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("start_at", String(32), nullable=False),
    Column("end_at", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
    Column("view", String(64), nullable=False),
)

proj_picture_conflicts = Table(
    "proj_picture_conflicts",
    metadata,
    Column("conflict", String(35), primary_key=True),
    Column("rule", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("parties", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(64), nullable=True),
    Column("digest", String(64), nullable=False),
    Column("region", Text, nullable=False),
    Column("start_at", String(32), nullable=False),
    Column("end_at", String(32), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
)

proj_picture_subjects = Table(
    "proj_picture_subjects",
    metadata,
    Column("conflict", String(35), primary_key=True),
    # Indexed on its own too: the detector looks up the conflicts of changed subjects by key,
    # which the (conflict, key) primary key cannot serve.
    Column("key", String(300), primary_key=True, index=True),
    Column("party", String(32), nullable=False),
    Column("type", String(16), nullable=False),
    Column("seq", BigInteger, nullable=False),
)

proj_picture_acks = Table(
    "proj_picture_acks",
    metadata,
    Column("conflict", String(35), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("party", String(32), primary_key=True),
    Column("member", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
)

proj_picture_arrangements = Table(
    "proj_picture_arrangements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("conflict", String(35), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("party", String(32), nullable=False),
    Column("parties", Text, nullable=False),
    Column("bound_seq", BigInteger, nullable=True),
)

proj_picture_signatures = Table(
    "proj_picture_signatures",
    metadata,
    Column("arrangement", String(64), primary_key=True),
    Column("party", String(32), primary_key=True),
    Column("member", String(32), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("seq", BigInteger, nullable=False),
)


def _time(text: str) -> str:
    """A canonical instant as the fixed-width text projections sort by."""
    return sortable_time(text)


def _span(windows: list[dict[str, str]]) -> tuple[str, str]:
    return min(_time(w["start"]) for w in windows), max(_time(w["end"]) for w in windows)


def _root(conn: Connection, table: Table, entry: StoredEntry) -> str:
    parent = entry.content.supersedes
    if parent is None:
        return entry.id
    root = conn.execute(select(table.c.root).where(table.c.id == parent)).scalar()
    return str(root) if root is not None else entry.id


def _operation(conn: Connection, entry: StoredEntry, body: dict[str, Any]) -> None:
    start, end = _span([v["window"] for v in body["volumes"]])
    conn.execute(
        proj_picture_operations.insert().values(
            id=entry.id,
            root=_root(conn, proj_picture_operations, entry),
            seq=entry.seq,
            party=entry.content.party,
            ref=body["ref"],
            name=body["name"],
            kind=body["kind"],
            state=body["state"],
            start_at=start,
            end_at=end,
            supersedes=entry.content.supersedes,
        )
    )


def _measure(conn: Connection, entry: StoredEntry, body: dict[str, Any]) -> None:
    conn.execute(
        proj_picture_measures.insert().values(
            id=entry.id,
            root=_root(conn, proj_picture_measures, entry),
            seq=entry.seq,
            party=entry.content.party,
            ref=body["ref"],
            name=body["name"],
            kind=body["kind"],
            state=body["state"],
            valid_from=_time(body["validity"]["start"]),
            valid_until=_time(body["validity"]["end"]),
            supersedes=entry.content.supersedes,
        )
    )


def consent_target(conn: Connection, body: dict[str, Any]) -> tuple[str, str] | None:
    """The (operation root, measure root) a consent body names, as the projections know them."""
    measure = conn.execute(
        select(proj_picture_measures.c.root).where(proj_picture_measures.c.id == body["measure"])
    ).scalar()
    if body.get("operation") is not None:
        operation = conn.execute(
            select(proj_picture_operations.c.root).where(
                proj_picture_operations.c.id == body["operation"]
            )
        ).scalar()
    else:
        operation = conn.execute(
            select(proj_picture_subjects.c.key).where(
                proj_picture_subjects.c.conflict == body["conflict"],
                proj_picture_subjects.c.type == "operation",
            )
        ).scalar()
    if measure is None or operation is None:
        return None
    return str(operation), str(measure)


def _conflict_row(conn: Connection, conflict: str) -> Any:
    return conn.execute(
        select(proj_picture_conflicts).where(proj_picture_conflicts.c.conflict == conflict)
    ).first()


def _notice(conn: Connection, entry: StoredEntry, body: dict[str, Any]) -> None:
    start, end = _span(body["windows"])
    conn.execute(
        proj_picture_notices.insert().values(
            id=entry.id,
            seq=entry.seq,
            conflict=body["conflict"],
            party=body["party"],
            revision=body["revision"],
            status=body["status"],
            rule=body["rule"],
            severity=body["severity"],
            start_at=start,
            end_at=end,
            supersedes=entry.content.supersedes,
            view=view_hash(body),
        )
    )
    clash = {
        "revision": body["revision"],
        "status": body["status"],
        "reason": body["reason"],
        "severity": body["severity"],
        "digest": clash_digest(body),
        "region": json.dumps(body["region_e7"], sort_keys=True, separators=(",", ":")),
        "start_at": start,
        "end_at": end,
        "last_seq": entry.seq,
    }
    row = _conflict_row(conn, body["conflict"])
    if row is None:
        conn.execute(
            proj_picture_conflicts.insert().values(
                conflict=body["conflict"],
                rule=body["rule"],
                parties=json.dumps(sorted(body["parties"])),
                first_seq=entry.seq,
                **clash,
            )
        )
    elif body["revision"] > row.revision:
        conn.execute(
            proj_picture_conflicts.update()
            .where(proj_picture_conflicts.c.conflict == body["conflict"])
            .values(**clash)
        )
    else:
        conn.execute(
            proj_picture_conflicts.update()
            .where(proj_picture_conflicts.c.conflict == body["conflict"])
            .values(last_seq=entry.seq)
        )
    for own in body["own"]:
        known = conn.execute(
            select(proj_picture_subjects.c.key).where(
                proj_picture_subjects.c.conflict == body["conflict"],
                proj_picture_subjects.c.key == own["key"],
            )
        ).first()
        if known is None:
            conn.execute(
                proj_picture_subjects.insert().values(
                    conflict=body["conflict"],
                    key=own["key"],
                    party=body["party"],
                    type=own["type"],
                    seq=entry.seq,
                )
            )


def _set_status(conn: Connection, conflict: str, status: str) -> None:
    conn.execute(
        proj_picture_conflicts.update()
        .where(proj_picture_conflicts.c.conflict == conflict)
        .values(status=status)
    )


def _acknowledge(conn: Connection, entry: StoredEntry, body: dict[str, Any]) -> None:
    conn.execute(
        proj_picture_acks.insert().values(
            conflict=body["conflict"],
            revision=body["revision"],
            party=entry.content.party,
            member=entry.content.author,
            seq=entry.seq,
        )
    )
    row = _conflict_row(conn, body["conflict"])
    if row is None or row.revision != body["revision"] or row.status != "open":
        return
    acked = {
        r.party
        for r in conn.execute(
            select(proj_picture_acks.c.party).where(
                proj_picture_acks.c.conflict == body["conflict"],
                proj_picture_acks.c.revision == body["revision"],
            )
        )
    }
    if set(json.loads(row.parties)) <= acked:
        _set_status(conn, body["conflict"], "acknowledged")


def _sign(conn: Connection, entry: StoredEntry, body: dict[str, Any]) -> None:
    conn.execute(
        proj_picture_signatures.insert().values(
            arrangement=body["arrangement"],
            party=entry.content.party,
            member=entry.content.author,
            key_id=body["key_id"],
            seq=entry.seq,
        )
    )
    arrangement = conn.execute(
        select(proj_picture_arrangements).where(
            proj_picture_arrangements.c.id == body["arrangement"]
        )
    ).first()
    if arrangement is None or arrangement.bound_seq is not None:
        return
    signed = {
        r.party
        for r in conn.execute(
            select(proj_picture_signatures.c.party).where(
                proj_picture_signatures.c.arrangement == body["arrangement"]
            )
        )
    }
    if not set(json.loads(arrangement.parties)) <= signed:
        return
    conn.execute(
        proj_picture_arrangements.update()
        .where(proj_picture_arrangements.c.id == arrangement.id)
        .values(bound_seq=entry.seq)
    )
    row = _conflict_row(conn, arrangement.conflict)
    if (
        row is not None
        and row.revision == arrangement.revision
        and row.status in ("open", "acknowledged")
    ):
        _set_status(conn, arrangement.conflict, "arranged")


def rows(entry: StoredEntry) -> Rows | None:
    """A unit report's projection is one row, from the entry alone (see ``Projector.rows``)."""
    if entry.content.kind != UNIT:
        return None
    body = entry.content.body
    return [
        (
            proj_picture_units,
            {
                "id": entry.id,
                "seq": entry.seq,
                "party": entry.content.party,
                "unit": body["unit"],
                "time": _time(body["time"]),
                "stale_time": _time(body["stale_time"]),
            },
        )
    ]


def apply(conn: Connection, entry: StoredEntry) -> None:
    kind = entry.content.kind
    body = dict(entry.content.body)
    if kind == OPERATION:
        _operation(conn, entry, body)
    elif kind == UNIT:
        insert_rows(conn, rows(entry) or [])
    elif kind == MEASURE:
        _measure(conn, entry, body)
    elif kind == CONSENT:
        target = consent_target(conn, body)
        if target is not None:
            conn.execute(
                proj_picture_consents.insert().values(
                    id=entry.id,
                    seq=entry.seq,
                    party=entry.content.party,
                    operation=target[0],
                    measure=target[1],
                )
            )
    elif kind == NOTICE:
        _notice(conn, entry, body)
    elif kind == ACKNOWLEDGE:
        _acknowledge(conn, entry, body)
    elif kind == ARRANGEMENT:
        conn.execute(
            proj_picture_arrangements.insert().values(
                id=entry.id,
                seq=entry.seq,
                conflict=body["conflict"],
                revision=body["revision"],
                party=entry.content.party,
                parties=json.dumps(sorted(body["parties"])),
                bound_seq=None,
            )
        )
    elif kind == SIGN:
        _sign(conn, entry, body)


PICTURE = PROJECTORS.register(
    Projector(
        name="picture",
        kinds=PICTURE_KINDS,
        tables=(
            proj_picture_operations,
            proj_picture_units,
            proj_picture_measures,
            proj_picture_consents,
            proj_picture_notices,
            proj_picture_conflicts,
            proj_picture_subjects,
            proj_picture_acks,
            proj_picture_arrangements,
            proj_picture_signatures,
        ),
        apply=apply,
        rows=rows,
    )
)
