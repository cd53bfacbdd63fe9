"""Projections of agreements: the index of each agreement's entries, what ends
what, and the breaches already recorded.

Revision ID: 0002_agreements
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_agreements"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proj_agreement_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("agreement", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("party", sa.String(32), nullable=True),
    )
    op.create_index(
        "ix_proj_agreement_entries_agreement", "proj_agreement_entries", ["agreement", "seq"]
    )
    op.create_index("ix_proj_agreement_entries_version", "proj_agreement_entries", ["version"])
    op.create_table(
        "proj_agreement_ends",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ends", sa.String(64), primary_key=True),
        sa.Column("agreement", sa.String(64), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
    )
    op.create_index("ix_proj_agreement_ends_ends", "proj_agreement_ends", ["ends"])
    op.create_table(
        "proj_agreement_breaches",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("agreement", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("proj_agreement_breaches")
    op.drop_table("proj_agreement_ends")
    op.drop_table("proj_agreement_entries")
