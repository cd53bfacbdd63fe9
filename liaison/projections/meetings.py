"""Projections of meetings, accounts, agreed records and their signatures.

Each row names one entry and the *chain* it belongs to: the id of the first
version, which later versions supersede. A meeting is known by the id of its
first ``meeting.record`` entry; accounts and agreed records point at that id.
The rows hold no content and no status: content is read from the entries, and
whether an agreed record binds is computed from the signatures and the roster
every time (DESIGN.md, invariant 3), so that a revocation on the record is
reflected at once and a rebuilt projection cannot disagree with a live one.

Rows carry the ``seq`` of their entry, and every read here takes the reader's
party and keeps only rows whose entry is released to it, in SQL, exactly as
:mod:`liaison.store.queries` does for entries: a projection never shows a
party more than the entries behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Row,
    String,
    Table,
    Text,
    select,
)

from liaison.domain.entry import StoredEntry
from liaison.domain.party import ALL_PARTIES
from liaison.projections import PROJECTORS, Projector
from liaison.store.schema import metadata, releases

__all__ = [
    "MEETINGS",
    "latest_by_chain",
    "proj_agreed_records",
    "proj_agreed_signatures",
    "proj_meeting_accounts",
    "proj_meetings",
    "visible_rows",
]

#: every version of every meeting record; ``meeting`` is the first version's id
proj_meetings = Table(
    "proj_meetings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("meeting", String(64), nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("held_at", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=False),
)

#: every version of every account; ``chain`` is the account's first version,
#: ``author`` the account's own author (case-folded), which keeps one live
#: account per author and party, so that report labels stay distinct
proj_meeting_accounts = Table(
    "proj_meeting_accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("chain", String(64), nullable=False, index=True),
    Column("meeting", String(64), nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("author", Text, nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=False),
)

#: every version of every proposed agreed record
proj_agreed_records = Table(
    "proj_agreed_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("chain", String(64), nullable=False, index=True),
    Column("meeting", String(64), nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=False),
)

#: every signature entry, with the exact version it signs and that version's chain
proj_agreed_signatures = Table(
    "proj_agreed_signatures",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", String(64), nullable=False, index=True),
    Column("chain", String(64), nullable=False, index=True),
    Column("member", String(32), nullable=False),
    Column("party", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
)


def _chain(conn: Connection, table: Table, column: str, supersedes: str | None) -> str | None:
    """The chain (or meeting) of the version an entry supersedes, from rows already projected."""
    if supersedes is None:
        return None
    value = conn.execute(select(table.c[column]).where(table.c.id == supersedes)).scalar()
    return None if value is None else str(value)


def apply(conn: Connection, entry: StoredEntry) -> None:
    content = entry.content
    kind, body, party = content.kind, content.body, str(content.party)
    if kind == "meeting.record":
        meeting = _chain(conn, proj_meetings, "meeting", content.supersedes) or entry.id
        conn.execute(
            proj_meetings.insert().values(
                id=entry.id,
                meeting=meeting,
                party=party,
                held_at=body["held_at"],
                supersedes=content.supersedes,
                seq=entry.seq,
            )
        )
    elif kind == "meeting.account":
        chain = _chain(conn, proj_meeting_accounts, "chain", content.supersedes) or entry.id
        conn.execute(
            proj_meeting_accounts.insert().values(
                id=entry.id,
                chain=chain,
                meeting=body["meeting"],
                party=party,
                author=str(body["account"]["author"]).casefold(),
                supersedes=content.supersedes,
                seq=entry.seq,
            )
        )
    elif kind == "meeting.agreed_record":
        chain = _chain(conn, proj_agreed_records, "chain", content.supersedes) or entry.id
        conn.execute(
            proj_agreed_records.insert().values(
                id=entry.id,
                chain=chain,
                meeting=body["meeting"],
                party=party,
                supersedes=content.supersedes,
                seq=entry.seq,
            )
        )
    elif kind == "meeting.agreed_record.sign":
        version_chain = _chain(conn, proj_agreed_records, "chain", body["version"])
        conn.execute(
            proj_agreed_signatures.insert().values(
                id=entry.id,
                version=body["version"],
                chain=version_chain or body["version"],
                member=content.author,
                party=party,
                seq=entry.seq,
            )
        )


def visible_rows(
    conn: Connection, table: Table, reader: str | None, *where: ColumnElement[bool]
) -> Sequence[Row[Any]]:
    """Rows of ``table`` matching ``where`` whose entries are released to ``reader``, by seq.

    ``reader=None`` is the node itself (guards checking their own party's
    rows, rebuilds), never a member.
    """
    query = select(table).where(*where)
    if reader is not None:
        released = select(releases.c.seq).where(
            releases.c.seq == table.c.seq, releases.c.party.in_([reader, ALL_PARTIES])
        )
        query = query.where(released.exists())
    return conn.execute(query.order_by(table.c.seq)).all()


def latest_by_chain(rows: Sequence[Row[Any]], key: str = "chain") -> list[Row[Any]]:
    """The newest of the given rows in each chain, in the order of the chains' first rows.

    Applied to the rows one reader may see, this is "the latest version that
    reader may see": a correction not released to the reader leaves the reader
    with the version it was given, and nothing says that a newer one exists.
    """
    latest: dict[str, Row[Any]] = {}
    for row in rows:
        chain = str(getattr(row, key))
        if chain not in latest or int(row.seq) > int(latest[chain].seq):
            latest[chain] = row
    return list(latest.values())


MEETINGS = PROJECTORS.register(
    Projector(
        name="meetings",
        kinds=frozenset(
            {
                "meeting.record",
                "meeting.account",
                "meeting.agreed_record",
                "meeting.agreed_record.sign",
            }
        ),
        tables=(proj_meetings, proj_meeting_accounts, proj_agreed_records, proj_agreed_signatures),
        apply=apply,
    )
)
