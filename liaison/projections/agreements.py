"""Projections of agreements: an index from each agreement to its entries.

The index holds no content and no status, only which entry (by ``seq``)
belongs to which agreement and in what role, so that the service can fetch an
agreement's entries in one query *through the release filter* like every
other read. Binding status is therefore never stored: it is computed from the
entries each time (``liaison.agreements.status``), and a rebuilt index is the
live one row for row.

* ``proj_agreement_entries`` — one row per proposal, consultation, position,
  amendment, signature, breach and dispute: the agreement root it belongs to,
  its kind, and the version (or breach) it is about.
* ``proj_agreement_ends`` — which agreement roots a version would end when it
  binds, so an agreement's status can find what superseded or terminated it.
* ``proj_agreement_breaches`` — the first breach entry recorded for each
  finding key, so the checker records one breach once. A second entry with the
  same key (two processes finding it at the same moment) stays on the record,
  as everything does, but is not indexed again.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Column, Connection, Index, String, Table, select

from liaison.domain.entry import StoredEntry
from liaison.projections import PROJECTORS, Projector
from liaison.store.schema import metadata

__all__ = [
    "AGREEMENTS",
    "breach_key_hash",
    "proj_agreement_breaches",
    "proj_agreement_ends",
    "proj_agreement_entries",
]

proj_agreement_entries = Table(
    "proj_agreement_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("agreement", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("version", String(64), nullable=True),
    Column("party", String(32), nullable=True),
    Index("ix_proj_agreement_entries_agreement", "agreement", "seq"),
    Index("ix_proj_agreement_entries_version", "version"),
)

proj_agreement_ends = Table(
    "proj_agreement_ends",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ends", String(64), primary_key=True),
    Column("agreement", String(64), nullable=False),
    Column("how", String(16), nullable=False),
    Index("ix_proj_agreement_ends_ends", "ends"),
)

proj_agreement_breaches = Table(
    "proj_agreement_breaches",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("agreement", String(64), nullable=False),
)


def breach_key_hash(key: str) -> str:
    """Finding keys can be long; the index keeps their SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _root_of(conn: Connection, version: str) -> str | None:
    return conn.execute(
        select(proj_agreement_entries.c.agreement).where(
            proj_agreement_entries.c.version == version,
            proj_agreement_entries.c.kind.in_(["agreement.proposal", "agreement.amendment"]),
        )
    ).scalar()


def apply(conn: Connection, entry: StoredEntry) -> None:
    kind, body = entry.content.kind, entry.content.body
    version: str | None
    if kind == "agreement.proposal":
        parent = entry.content.supersedes
        agreement = (_root_of(conn, parent) if parent else None) or entry.id
        version = entry.id
        terms = body
    elif kind == "agreement.amendment":
        agreement, version, terms = str(body["agreement"]), entry.id, body["terms"]
    elif kind == "agreement.dispute":
        agreement, version, terms = str(body["agreement"]), str(body["breach"]), None
    else:
        agreement, version, terms = str(body["agreement"]), body.get("version"), None
    conn.execute(
        proj_agreement_entries.insert().values(
            seq=entry.seq,
            agreement=agreement,
            kind=kind,
            version=version,
            party=entry.content.party,
        )
    )
    if terms is not None:
        for ending in terms.get("ends", []):
            conn.execute(
                proj_agreement_ends.insert().values(
                    seq=entry.seq, ends=ending["agreement"], agreement=agreement, how=ending["how"]
                )
            )
    if kind == "agreement.breach":
        key = breach_key_hash(str(body["key"]))
        seen = conn.execute(
            select(proj_agreement_breaches.c.seq).where(proj_agreement_breaches.c.key_hash == key)
        ).first()
        if seen is None:
            conn.execute(
                proj_agreement_breaches.insert().values(
                    key_hash=key, seq=entry.seq, agreement=agreement
                )
            )


AGREEMENTS = PROJECTORS.register(
    Projector(
        name="agreements",
        kinds=frozenset(
            {
                "agreement.proposal",
                "agreement.consultation",
                "agreement.position",
                "agreement.amendment",
                "agreement.signature",
                "agreement.breach",
                "agreement.dispute",
            }
        ),
        tables=(proj_agreement_entries, proj_agreement_ends, proj_agreement_breaches),
        apply=apply,
    )
)
