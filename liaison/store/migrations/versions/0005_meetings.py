"""Projections of meetings, accounts, agreed records and agreed-record signatures.

Revision ID: 0005_meetings
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_meetings"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proj_meetings",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("meeting", sa.String(64), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_meetings_meeting", "proj_meetings", ["meeting"])
    op.create_index("ix_proj_meetings_supersedes", "proj_meetings", ["supersedes"])
    op.create_table(
        "proj_meeting_accounts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("meeting", sa.String(64), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_meeting_accounts_chain", "proj_meeting_accounts", ["chain"])
    op.create_index("ix_proj_meeting_accounts_meeting", "proj_meeting_accounts", ["meeting"])
    op.create_index("ix_proj_meeting_accounts_supersedes", "proj_meeting_accounts", ["supersedes"])
    op.create_table(
        "proj_agreed_records",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("meeting", sa.String(64), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_agreed_records_chain", "proj_agreed_records", ["chain"])
    op.create_index("ix_proj_agreed_records_meeting", "proj_agreed_records", ["meeting"])
    op.create_index("ix_proj_agreed_records_supersedes", "proj_agreed_records", ["supersedes"])
    op.create_table(
        "proj_agreed_signatures",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_agreed_signatures_version", "proj_agreed_signatures", ["version"])
    op.create_index("ix_proj_agreed_signatures_chain", "proj_agreed_signatures", ["chain"])


def downgrade() -> None:
    for table in (
        "proj_agreed_signatures",
        "proj_agreed_records",
        "proj_meeting_accounts",
        "proj_meetings",
    ):
        op.drop_table(table)
