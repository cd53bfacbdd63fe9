"""The record: node, log head, entries, releases, tree nodes, checkpoints, tokens,
and the projections of parties and members.

Revision ID: 0001_record
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_record"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.Text, nullable=False),
    )
    op.create_table(
        "entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("party", sa.String(32), nullable=True),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("appended_at", sa.String(32), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("node_sig", sa.LargeBinary, nullable=False),
        sa.Column("author_sig", sa.LargeBinary, nullable=True),
        sa.Column("author_key", sa.String(16), nullable=True),
    )
    op.create_index("ix_entries_kind_seq", "entries", ["kind", "seq"])
    op.create_index("ix_entries_supersedes", "entries", ["supersedes"])
    op.create_table(
        "releases",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("party", sa.String(32), primary_key=True),
    )
    op.create_index("ix_releases_party_seq", "releases", ["party", "seq"])
    op.create_table(
        "tree_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_api_tokens_member", "api_tokens", ["member"])
    op.create_table(
        "proj_parties",
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("default_release", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_members",
        sa.Column("member", sa.String(32), primary_key=True),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("mandate", sa.Text, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("revoked_reason", sa.Text, nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_members_party", "proj_members", ["party"])
    op.create_table(
        "proj_member_history",
        sa.Column("member", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("mandate", sa.Text, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("revoked_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "proj_member_keys",
        sa.Column("member", sa.String(32), primary_key=True),
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "proj_member_keys",
        "proj_member_history",
        "proj_members",
        "proj_parties",
        "api_tokens",
        "checkpoints",
        "tree_nodes",
        "releases",
        "entries",
        "log_head",
        "node",
    ):
        op.drop_table(table)
