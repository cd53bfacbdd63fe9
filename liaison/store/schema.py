"""The tables, in SQLAlchemy Core, shared by SQLite and PostgreSQL.

Two groups. The **record** tables (``node``, ``log_head``, ``entries``,
``releases``, ``tree_nodes``, ``checkpoints``) hold the truth and are only
ever appended to (``log_head`` is the one row rewritten: the tree size and the
right edge of the Merkle tree, kept so that any process can append next).
The **projection** tables (prefixed ``proj_``) are derived from the entries
and can be dropped and rebuilt at any time (``liaison rebuild``).
``api_tokens`` holds only SHA-256 hashes of member tokens: credentials, not
record, so it is neither signed nor rebuilt.

Times are stored as the canonical ISO 8601 text of :mod:`liaison.domain.time`
(fixed width, so text order is time order on both backends).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["PROJECTION_PREFIX", "metadata"]

PROJECTION_PREFIX = "proj_"

metadata = MetaData()

node = Table(
    "node",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("origin", String(200), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("frontier", Text, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("party", String(32), nullable=True),
    Column("author", String(32), nullable=False),
    Column("time", String(32), nullable=False),
    Column("appended_at", String(32), nullable=False),
    Column("supersedes", String(64), nullable=True),
    Column("content", LargeBinary, nullable=False),
    Column("node_sig", LargeBinary, nullable=False),
    Column("author_sig", LargeBinary, nullable=True),
    Column("author_key", String(16), nullable=True),
    Index("ix_entries_kind_seq", "kind", "seq"),
    Index("ix_entries_supersedes", "supersedes"),
)

releases = Table(
    "releases",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("party", String(32), primary_key=True),
    Index("ix_releases_party_seq", "party", "seq"),
)

tree_nodes = Table(
    "tree_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("member", String(32), nullable=False, index=True),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

# --- projections ------------------------------------------------------------------------

proj_parties = Table(
    "proj_parties",
    metadata,
    Column("party", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("default_release", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

proj_members = Table(
    "proj_members",
    metadata,
    Column("member", String(32), primary_key=True),
    Column("party", String(32), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", Integer, nullable=False),
    Column("mandate", Text, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("revoked_reason", Text, nullable=True),
    Column("seq", BigInteger, nullable=False),
)

#: every state a member has been in, so authority at any past moment is one query
proj_member_history = Table(
    "proj_member_history",
    metadata,
    Column("member", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("party", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", Integer, nullable=False),
    Column("mandate", Text, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("revoked_reason", Text, nullable=True),
)

proj_member_keys = Table(
    "proj_member_keys",
    metadata,
    Column("member", String(32), primary_key=True),
    Column("key_id", String(16), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", String(32), nullable=False),
)
