"""Reads and writes over one connection, the same SQL for both backends.

Every read that returns entries takes the reader's party and filters by the
release rows *in SQL*, so lists, counts and searches can only ever see what is
released to the reader. ``reader=None`` is the node itself (administration and
whole-record verification), never a member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, Text, and_, func, or_, select, true, tuple_

from liaison.domain.entry import Content, Stamp, StoredEntry
from liaison.domain.mandate import Mandate
from liaison.domain.member import Authority, MemberKey
from liaison.domain.party import ALL_PARTIES, Party
from liaison.domain.roles import Role
from liaison.domain.time import format_time, parse_time
from liaison.ledger.signing import b64d
from liaison.store.schema import (
    api_tokens,
    checkpoints,
    entries,
    log_head,
    node,
    proj_member_history,
    proj_member_keys,
    proj_members,
    proj_parties,
    releases,
    tree_nodes,
)

__all__ = ["CheckpointRow", "EntryFilter", "NodeInfo", "bulk_insert"]


@dataclass(frozen=True)
class NodeInfo:
    origin: str
    public_key: str


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root: bytes
    note: str
    created_at: str


@dataclass(frozen=True)
class EntryFilter:
    kind: str | None = None
    party: str | None = None
    author: str | None = None
    text: str | None = None
    supersedes: str | None = None
    after: int = 0
    limit: int = 100


def node_info(conn: Connection) -> NodeInfo | None:
    row = conn.execute(select(node.c.origin, node.c.public_key)).first()
    return NodeInfo(row.origin, row.public_key) if row else None


def head(conn: Connection, *, for_update: bool = False) -> tuple[int, str]:
    query = select(log_head.c.size, log_head.c.frontier).where(log_head.c.id == 1)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    return int(row.size), str(row.frontier)


def set_head(conn: Connection, size: int, frontier: str) -> None:
    conn.execute(log_head.update().where(log_head.c.id == 1).values(size=size, frontier=frontier))


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows inside the connection's transaction, at the driver.

    This is the hot path of every append (an entry, its release rows and its
    Merkle nodes), so it skips SQLAlchemy's per-row parameter processing: on
    SQLite one ``executemany``, on PostgreSQL one ``COPY`` (one round trip for
    the whole batch instead of one statement per row). Both run in the very
    transaction the caller holds, and a failure aborts it like any insert.
    """
    if not rows:
        return
    driver: Any = conn.connection.driver_connection
    prep = conn.dialect.identifier_preparer
    names = ", ".join(prep.quote(c) for c in columns)
    target = prep.format_table(table)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cur, cur.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {target} ({names}) VALUES ({marks})"  # noqa: S608 - our names
        driver.executemany(sql, rows)


_ENTRY_COLUMNS = (
    "seq",
    "id",
    "kind",
    "party",
    "author",
    "time",
    "appended_at",
    "supersedes",
    "content",
    "node_sig",
    "author_sig",
    "author_key",
)


def insert_entries(conn: Connection, batch: Sequence[StoredEntry]) -> None:
    bulk_insert(
        conn,
        entries,
        _ENTRY_COLUMNS,
        [
            (
                e.seq,
                e.id,
                e.content.kind,
                e.content.party,
                e.content.author,
                format_time(e.content.time),
                format_time(e.stamp.at),
                e.content.supersedes,
                e.raw,
                e.node_sig,
                e.author_sig,
                e.author_key,
            )
            for e in batch
        ],
    )
    bulk_insert(
        conn,
        releases,
        ("seq", "party"),
        [(e.seq, p) for e in batch for p in e.content.release],
    )


def insert_nodes(conn: Connection, nodes: Iterable[tuple[int, int, bytes]]) -> None:
    bulk_insert(conn, tree_nodes, ("level", "idx", "hash"), list(nodes))


def get_nodes(conn: Connection, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    found: dict[tuple[int, int], bytes] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = conn.execute(
            select(tree_nodes.c.level, tree_nodes.c.idx, tree_nodes.c.hash).where(
                tuple_(tree_nodes.c.level, tree_nodes.c.idx).in_(chunk)
            )
        )
        for row in rows:
            found[(int(row.level), int(row.idx))] = bytes(row.hash)
    return found


def _row_to_entry(row: Any) -> StoredEntry:
    raw = bytes(row.content)
    return StoredEntry(
        stamp=Stamp(seq=int(row.seq), entry=row.id, at=parse_time(row.appended_at)),
        content=Content.from_bytes(raw),
        raw=raw,
        node_sig=bytes(row.node_sig),
        author_sig=bytes(row.author_sig) if row.author_sig is not None else None,
        author_key=row.author_key,
    )


def released_to(seq_column: Any, reader: str | None) -> Any:
    """A SQL condition: the entry at ``seq_column`` is released to ``reader``.

    Projections keep the seq of the entry each row comes from; every read of a
    projection on behalf of a party adds this condition, so a projection can
    never show a party more than the entries behind it.
    """
    if reader is None:
        return true()
    return (
        select(releases.c.seq)
        .where(releases.c.seq == seq_column, releases.c.party.in_([reader, ALL_PARTIES]))
        .exists()
    )


def _released(query: Select[Any], reader: str | None) -> Select[Any]:
    if reader is None:
        return query
    visible = select(releases.c.seq).where(
        releases.c.seq == entries.c.seq, releases.c.party.in_([reader, ALL_PARTIES])
    )
    return query.where(visible.exists())


def _filtered(query: Select[Any], flt: EntryFilter, dialect: str) -> Select[Any]:
    if flt.kind is not None:
        if flt.kind.endswith(".*"):
            query = query.where(entries.c.kind.startswith(flt.kind[:-1], autoescape=True))
        else:
            query = query.where(entries.c.kind == flt.kind)
    if flt.party is not None:
        query = query.where(entries.c.party == flt.party)
    if flt.author is not None:
        query = query.where(entries.c.author == flt.author)
    if flt.supersedes is not None:
        query = query.where(entries.c.supersedes == flt.supersedes)
    if flt.text:
        query = query.where(_content_text(dialect).contains(flt.text.lower(), autoescape=True))
    return query


def _content_text(dialect: str) -> Any:
    """The entry content as lower-case text; content is canonical UTF-8 JSON."""
    if dialect == "postgresql":
        return func.lower(func.convert_from(entries.c.content, "UTF8"))
    return func.lower(func.cast(entries.c.content, Text()))


def get_entry(conn: Connection, entry_id: str, reader: str | None) -> StoredEntry | None:
    row = conn.execute(_released(select(entries).where(entries.c.id == entry_id), reader)).first()
    return _row_to_entry(row) if row else None


def get_entry_by_seq(conn: Connection, seq: int, reader: str | None) -> StoredEntry | None:
    row = conn.execute(_released(select(entries).where(entries.c.seq == seq), reader)).first()
    return _row_to_entry(row) if row else None


def list_entries(conn: Connection, reader: str | None, flt: EntryFilter) -> list[StoredEntry]:
    query = _filtered(_released(select(entries), reader), flt, conn.dialect.name)
    query = query.where(entries.c.seq > flt.after).order_by(entries.c.seq).limit(flt.limit)
    return [_row_to_entry(row) for row in conn.execute(query)]


def count_entries(conn: Connection, reader: str | None, flt: EntryFilter) -> int:
    query = _filtered(
        _released(select(func.count()).select_from(entries), reader), flt, conn.dialect.name
    )
    return int(conn.execute(query.where(entries.c.seq > flt.after)).scalar_one())


def iter_entries(
    conn: Connection, reader: str | None, start: int = 1, batch: int = 5000
) -> Iterator[StoredEntry]:
    after = start - 1
    while True:
        flt = EntryFilter(after=after, limit=batch)
        rows = list_entries(conn, reader, flt)
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def iter_raw_rows(conn: Connection, start: int = 1, batch: int = 20000) -> Iterator[Any]:
    """Raw entry rows with their release parties, for whole-record verification."""
    after = start - 1
    while True:
        rows = conn.execute(
            select(entries).where(entries.c.seq > after).order_by(entries.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        lo, hi = rows[0].seq, rows[-1].seq
        rel: dict[int, list[str]] = {}
        for r in conn.execute(
            select(releases.c.seq, releases.c.party).where(
                and_(releases.c.seq >= lo, releases.c.seq <= hi)
            )
        ):
            rel.setdefault(int(r.seq), []).append(r.party)
        for row in rows:
            yield row, sorted(rel.get(int(row.seq), []))
        after = hi


#: the columns of :func:`raw_entry_chunks` rows, in order (then the release parties)
RAW_ENTRY_COLUMNS = (
    "seq",
    "id",
    "appended_at",
    "content",
    "node_sig",
    "author_sig",
    "author_key",
    "kind",
    "party",
    "author",
    "time",
    "supersedes",
)


def _driver_cursor(conn: Connection) -> tuple[Any, str]:
    """The driver cursor of the connection's transaction, and its parameter mark."""
    cur: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    return cur, "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _with_releases(cur: Any, mark: str, rows: list[Any]) -> list[tuple[Any, ...]]:
    lo, hi = rows[0][0], rows[-1][0]
    rel: dict[int, list[str]] = {}
    cur.execute(
        f"SELECT seq, party FROM releases WHERE seq >= {mark} AND seq <= {mark}",  # noqa: S608
        (lo, hi),
    )
    for seq, party in cur.fetchall():
        rel.setdefault(int(seq), []).append(party)
    return [(*row, tuple(sorted(rel.get(int(row[0]), ())))) for row in rows]


_RAW_COLS = ", ".join(f'"{c}"' for c in RAW_ENTRY_COLUMNS)


def raw_entry_chunks(conn: Connection, batch: int = 20000) -> Iterator[list[tuple[Any, ...]]]:
    """Every entry row, in ``seq`` order, as plain tuples in chunks.

    For whole-record verification, which reads every row: the rows come
    straight from the driver cursor, in the caller's read transaction, as
    tuples of :data:`RAW_ENTRY_COLUMNS` followed by the sorted tuple of the
    row's release parties. Values are exactly as stored (no type processing),
    so a verifier sees what an attacker may have written.
    """
    cur, mark = _driver_cursor(conn)
    sql = f"SELECT {_RAW_COLS} FROM entries WHERE seq > {mark} ORDER BY seq LIMIT {mark}"  # noqa: S608
    after = 0
    try:
        while True:
            cur.execute(sql, (after, batch))
            rows = cur.fetchall()
            if not rows:
                return
            yield _with_releases(cur, mark, rows)
            after = rows[-1][0]
    finally:
        cur.close()


def raw_entry_range(conn: Connection, first: int, last: int) -> list[tuple[Any, ...]]:
    """The rows of :func:`raw_entry_chunks` with ``first <= seq <= last``, in order."""
    cur, mark = _driver_cursor(conn)
    sql = (
        f"SELECT {_RAW_COLS} FROM entries WHERE seq >= {mark} AND seq <= {mark} "  # noqa: S608
        "ORDER BY seq"
    )
    try:
        cur.execute(sql, (first, last))
        rows = cur.fetchall()
        return _with_releases(cur, mark, rows) if rows else []
    finally:
        cur.close()


def stamp_chunks(conn: Connection, batch: int = 20000) -> Iterator[list[tuple[Any, ...]]]:
    """``(seq, id, appended_at)`` of every entry, in ``seq`` order, in chunks, as stored."""
    cur, mark = _driver_cursor(conn)
    sql = (
        "SELECT seq, id, appended_at FROM entries "  # noqa: S608
        f"WHERE seq > {mark} ORDER BY seq LIMIT {mark}"
    )
    after = 0
    try:
        while True:
            cur.execute(sql, (after, batch))
            rows = cur.fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]
    finally:
        cur.close()


def tree_node_range(conn: Connection, level: int, first: int, last: int) -> list[tuple[int, Any]]:
    """``(index, hash)`` of the stored tree nodes of one level in an index range, as stored."""
    cur: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    try:
        cur.execute(
            f"SELECT idx, hash FROM tree_nodes WHERE level = {mark} "  # noqa: S608
            f"AND idx >= {mark} AND idx <= {mark}",
            (level, first, last),
        )
        return [(int(idx), value) for idx, value in cur.fetchall()]
    finally:
        cur.close()


def stamps(conn: Connection, first: int, last: int) -> list[Stamp]:
    rows = conn.execute(
        select(entries.c.seq, entries.c.id, entries.c.appended_at)
        .where(and_(entries.c.seq >= first, entries.c.seq <= last))
        .order_by(entries.c.seq)
    )
    return [Stamp(int(r.seq), r.id, parse_time(r.appended_at)) for r in rows]


def appended_at(conn: Connection, seq: int) -> datetime | None:
    """The append time of entry ``seq`` (what the writer needs of the last entry; reading the
    whole entry and parsing its content for that cost a write transaction a query's worth)."""
    value = conn.execute(select(entries.c.appended_at).where(entries.c.seq == seq)).scalar()
    return parse_time(value) if value is not None else None


def entry_seq(conn: Connection, entry_id: str) -> int | None:
    seq = conn.execute(select(entries.c.seq).where(entries.c.id == entry_id)).scalar()
    return int(seq) if seq is not None else None


# --- checkpoints -------------------------------------------------------------------------


def latest_checkpoint(conn: Connection) -> CheckpointRow | None:
    row = conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)).first()
    return CheckpointRow(int(row.size), bytes(row.root), row.note, row.created_at) if row else None


def checkpoint_at(conn: Connection, size: int) -> CheckpointRow | None:
    row = conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()
    return CheckpointRow(int(row.size), bytes(row.root), row.note, row.created_at) if row else None


def all_checkpoints(conn: Connection) -> list[CheckpointRow]:
    return [
        CheckpointRow(int(r.size), bytes(r.root), r.note, r.created_at)
        for r in conn.execute(select(checkpoints).order_by(checkpoints.c.size))
    ]


def insert_checkpoint(
    conn: Connection, size: int, root: bytes, note: str, created_at: datetime
) -> None:
    conn.execute(
        checkpoints.insert().values(
            size=size, root=root, note=note, created_at=format_time(created_at)
        )
    )


# --- roster ------------------------------------------------------------------------------


def parties(conn: Connection) -> list[Party]:
    return [
        Party(r.party, r.name, int(r.seq))
        for r in conn.execute(select(proj_parties).order_by(proj_parties.c.party))
    ]


def party_default_release(conn: Connection, party: str) -> list[str] | None:
    value = conn.execute(
        select(proj_parties.c.default_release).where(proj_parties.c.party == party)
    ).scalar()
    return None if value is None else list(json.loads(value))


def member_ids(conn: Connection, party: str | None = None) -> list[str]:
    query = select(proj_members.c.member).order_by(proj_members.c.member)
    if party is not None:
        query = query.where(proj_members.c.party == party)
    return [r.member for r in conn.execute(query)]


def authority(
    conn: Connection, member: str, *, at_seq: int | None = None, at: datetime | None = None
) -> Authority | None:
    """The member's authority as of an entry (``at_seq``) or a moment (``at``), or now."""
    query = select(proj_member_history).where(proj_member_history.c.member == member)
    if at_seq is not None:
        query = query.where(proj_member_history.c.seq <= at_seq)
    if at is not None:
        query = query.where(proj_member_history.c.at <= format_time(at))
    row = conn.execute(query.order_by(proj_member_history.c.seq.desc()).limit(1)).first()
    if row is None:
        return None
    keys_query = select(proj_member_keys).where(proj_member_keys.c.member == member)
    if at_seq is not None:
        keys_query = keys_query.where(proj_member_keys.c.seq <= at_seq)
    if at is not None:
        keys_query = keys_query.where(proj_member_keys.c.at <= format_time(at))
    keys = tuple(
        MemberKey(k.key_id, b64d(k.public_key), int(k.seq), parse_time(k.at))
        for k in conn.execute(keys_query.order_by(proj_member_keys.c.seq))
    )
    return Authority(
        member=member,
        party=row.party,
        name=row.name,
        role=Role(int(row.role)),
        mandate=Mandate.from_json(json.loads(row.mandate)),
        revoked=bool(row.revoked),
        revoked_reason=row.revoked_reason,
        keys=keys,
        as_of_seq=int(row.seq),
    )


def all_member_keys(conn: Connection) -> dict[tuple[str, str], bytes]:
    return {
        (r.member, r.key_id): b64d(r.public_key) for r in conn.execute(select(proj_member_keys))
    }


# --- tokens ------------------------------------------------------------------------------


def add_token(conn: Connection, token_hash: str, member: str, at: datetime) -> None:
    conn.execute(
        api_tokens.insert().values(token_hash=token_hash, member=member, created_at=format_time(at))
    )


def revoke_tokens(conn: Connection, member: str, at: datetime) -> None:
    conn.execute(
        api_tokens.update()
        .where(and_(api_tokens.c.member == member, api_tokens.c.revoked_at.is_(None)))
        .values(revoked_at=format_time(at))
    )


def member_for_token(conn: Connection, token_hash: str) -> str | None:
    row = conn.execute(
        select(api_tokens.c.member).where(
            and_(api_tokens.c.token_hash == token_hash, or_(api_tokens.c.revoked_at.is_(None)))
        )
    ).first()
    return row.member if row else None
