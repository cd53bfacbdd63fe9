"""Helpers shared by the record's tests: writing notes, signing on a member's
side, and reaching into the database *around* the store, as an attacker would.

``RawDb`` deliberately does not use :mod:`liaison.store`: tamper tests must
change bytes with the database's own driver (sqlite3 or psycopg), so that what
they prove does not depend on the code under test.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from liaison.domain.entry import Content, StoredEntry
from liaison.domain.time import utcnow
from liaison.ledger.signing import KeyFile, b64e, sign
from liaison.node import Node
from liaison.services.record import AppendRequest, new_salt
from liaison.store.queries import EntryFilter

__all__ = [
    "ALL",
    "RawDb",
    "everything",
    "note",
    "signed_request",
    "visible_ids",
]

ALL = EntryFilter(limit=1000)


def note(
    node: Node,
    author: str,
    text: str,
    release: Sequence[str] | None = None,
    *,
    topic: str | None = None,
    supersedes: str | None = None,
) -> StoredEntry:
    body: dict[str, Any] = {"text": text}
    if topic is not None:
        body["topic"] = topic
    return node.record.append(
        AppendRequest(author=author, kind="note", body=body, release=release, supersedes=supersedes)
    )


def signed_request(
    author: str,
    party: str,
    key: KeyFile,
    body: dict[str, Any],
    release: Sequence[str],
    *,
    kind: str = "note",
    time: datetime | None = None,
    supersedes: str | None = None,
) -> tuple[AppendRequest, Content]:
    """Content built and signed on the member's side, as a client with a key file does."""
    content = Content(
        kind=kind,
        body=body,
        author=author,
        party=party,
        time=time or utcnow(),
        release=tuple(release),
        supersedes=supersedes,
        salt=new_salt(),
    )
    signature = b64e(sign(key.signing_key, content.canonical()))
    request = AppendRequest(author=author, signed_content=content.to_json(), signature=signature)
    return request, content


def visible_ids(node: Node, reader: str | None, flt: EntryFilter = ALL) -> list[str]:
    return [e.id for e in node.record.list(reader, flt)]


def everything(node: Node) -> list[StoredEntry]:
    """The whole record, as the node sees it."""
    out: list[StoredEntry] = []
    after = 0
    while True:
        page = node.record.list(None, EntryFilter(after=after, limit=1000))
        if not page:
            return out
        out.extend(page)
        after = page[-1].seq


class RawDb:
    """Direct SQL on the database behind a store URL, bypassing Liaison entirely.

    Statements use ``?`` placeholders; they are rewritten for psycopg.
    """

    def __init__(self, url: str) -> None:
        self.url = url.removeprefix("sqlite:///")
        self.postgres = url.startswith("postgresql")

    @classmethod
    def of(cls, node: Node) -> RawDb:
        """The database behind a node's store (its URL, opened with the plain driver)."""
        return cls(node.store.url)

    def _pg_connect(self) -> psycopg.Connection[Any]:
        parts = urlsplit(self.url)
        options = parse_qs(parts.query).get("options", [""])[0]
        conninfo = f"postgresql://{parts.netloc}{parts.path}"
        return psycopg.connect(conninfo, options=options, autocommit=False)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own committed transaction; returns the row count."""
        if self.postgres:
            with self._pg_connect() as conn:
                cur = conn.execute(sql.replace("?", "%s"), tuple(params))
                count = cur.rowcount
                conn.commit()
                return count
        conn3 = sqlite3.connect(self.url)
        try:
            cur3 = conn3.execute(sql, tuple(params))
            conn3.commit()
            return cur3.rowcount
        finally:
            conn3.close()

    def script(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Several statements in one transaction (e.g. a swap that needs a temporary value)."""
        if self.postgres:
            with self._pg_connect() as conn:
                for sql, params in statements:
                    conn.execute(sql.replace("?", "%s"), tuple(params))
                conn.commit()
            return
        conn3 = sqlite3.connect(self.url)
        try:
            for sql, params in statements:
                conn3.execute(sql, tuple(params))
            conn3.commit()
        finally:
            conn3.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.postgres:
            with self._pg_connect() as conn:
                rows = conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()
                return [tuple(r) for r in rows]
        conn3 = sqlite3.connect(self.url)
        try:
            return [tuple(r) for r in conn3.execute(sql, tuple(params)).fetchall()]
        finally:
            conn3.close()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        assert len(rows) == 1, rows
        return rows[0][0]

    def blob(self, sql: str, params: Sequence[Any] = ()) -> bytes:
        return bytes(self.one(sql, params))
