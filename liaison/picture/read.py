"""Reading the picture as one party: each query filtered by release, in one read transaction.

Why functions over a connection: the service opens the transaction (one consistent snapshot for
a whole answer) and these do the reading; each starts from projection rows joined to the release
rows and ends with entries read as the reader, so an answer never holds more than the entries
released to the reader behind it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.geometry import TimeWindow
from liaison.picture.detect import overlaps
from liaison.picture.model import region_geojson
from liaison.projections.picture import (
    proj_picture_acks,
    proj_picture_arrangements,
    proj_picture_conflicts,
    proj_picture_measures,
    proj_picture_notices,
    proj_picture_operations,
    proj_picture_signatures,
    proj_picture_units,
)
from liaison.store import queries as q

__all__ = [
    "STATUS_RANK",
    "conflict_view",
    "latest_notices",
    "measures",
    "operations",
    "units",
    "visible_latest",
]

#: the order conflicts are listed in: open first
STATUS_RANK = {"open": 0, "acknowledged": 1, "arranged": 1, "cleared": 2}


def visible_latest(conn: Connection, table: Any, reader: str, columns: Sequence[str]) -> list[Any]:
    """Per root, the latest version released to the reader."""
    query = select(*(table.c[c] for c in ("id", "root", "seq", *columns))).where(
        q.released_to(table.c.seq, reader)
    )
    best: dict[str, Any] = {}
    for row in conn.execute(query.order_by(table.c.seq)):
        best[row.root] = row
    return sorted(best.values(), key=lambda r: r.seq)


def operations(
    conn: Connection, reader: str, window: TimeWindow | None, ended: bool
) -> list[tuple[StoredEntry, str]]:
    rows = visible_latest(conn, proj_picture_operations, reader, ("state", "start_at", "end_at"))
    out = []
    for row in rows:
        if not ended and row.state not in ("planned", "active"):
            continue
        if overlaps(row.start_at, row.end_at, window):
            entry = q.get_entry_by_seq(conn, int(row.seq), reader)
            if entry is not None:
                out.append((entry, str(row.root)))
    return out


def units(conn: Connection, reader: str, window: TimeWindow | None) -> list[StoredEntry]:
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


def measures(
    conn: Connection, reader: str, window: TimeWindow | None, ended: bool
) -> list[tuple[StoredEntry, str]]:
    rows = visible_latest(
        conn, proj_picture_measures, reader, ("state", "valid_from", "valid_until")
    )
    out = []
    for row in rows:
        if not ended and row.state != "in_force":
            continue
        if overlaps(row.valid_from, row.valid_until, window):
            entry = q.get_entry_by_seq(conn, int(row.seq), reader)
            if entry is not None:
                out.append((entry, str(row.root)))
    return out


def conflict_view(conn: Connection, reader: str, notice: StoredEntry) -> dict[str, Any]:
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


def latest_notices(conn: Connection, reader: str) -> list[StoredEntry]:
    """The reader's latest notice of every conflict it was notified of."""
    notices = proj_picture_notices
    newer = select(notices.c.supersedes).where(notices.c.supersedes.is_not(None))
    rows = conn.execute(
        select(notices.c.seq).where(
            notices.c.party == reader,
            q.released_to(notices.c.seq, reader),
            notices.c.id.not_in(newer),
        )
    ).all()
    found = [q.get_entry_by_seq(conn, int(r.seq), reader) for r in rows]
    return [e for e in found if e is not None]
