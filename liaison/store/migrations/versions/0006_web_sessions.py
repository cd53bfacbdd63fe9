"""Web sessions: hashes of the session cookies the web page signs in with.

Like ``api_tokens``, these are credentials, not record: neither signed nor
rebuilt, and no ``proj_`` prefix, so ``liaison rebuild`` leaves them alone.

Revision ID: 0006_web_sessions
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_web_sessions"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_index("ix_web_sessions_token_hash", "web_sessions", ["token_hash"])


def downgrade() -> None:
    op.drop_table("web_sessions")
