"""Projections of channels, drafts, approvals, sent messages and acknowledgements.

Revision ID: 0003_messages
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_messages"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proj_channels",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_message_drafts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_proj_message_drafts_channel", "proj_message_drafts", ["channel"])
    op.create_index("ix_proj_message_drafts_supersedes", "proj_message_drafts", ["supersedes"])
    op.create_table(
        "proj_message_approvals",
        sa.Column("draft", sa.String(64), primary_key=True),
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("draft", sa.String(64), nullable=False, unique=True),
        sa.Column("time_of_origin", sa.String(32), nullable=False),
        sa.Column("dtg", sa.String(20), nullable=False),
        sa.Column("precedence", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("senders", sa.Text, nullable=False),
        sa.Column("addressees", sa.Text, nullable=False),
        sa.Column("in_reply_to", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("channel", "number", name="uq_proj_messages_channel_number"),
    )
    op.create_index("ix_proj_messages_in_reply_to", "proj_messages", ["in_reply_to"])
    op.create_table(
        "proj_message_acks",
        sa.Column("message", sa.String(64), primary_key=True),
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "proj_message_acks",
        "proj_messages",
        "proj_message_approvals",
        "proj_message_drafts",
        "proj_channels",
    ):
        op.drop_table(table)
