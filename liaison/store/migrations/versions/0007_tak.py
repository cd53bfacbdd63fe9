"""TAK: client certificates of members, and projections of CoT reports and drafts.

``tak_certificates`` maps the SHA-256 fingerprint of a client certificate to the member whose
TAK device presents it. Like ``api_tokens`` it holds credentials, not record: neither signed
nor rebuilt, and no ``proj_`` prefix, so ``liaison rebuild`` leaves it alone.

Revision ID: 0007_tak
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tak"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tak_certificates",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_tak_certificates_member", "tak_certificates", ["member"])
    op.create_table(
        "proj_tak_reports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("item", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
    )
    op.create_index("ix_proj_tak_reports_seq", "proj_tak_reports", ["seq"])
    op.create_index("ix_proj_tak_reports_unit", "proj_tak_reports", ["unit"])
    op.create_table(
        "proj_tak_drafts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("uid", sa.String(1024), nullable=False),
        sa.Column("uid_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("supersedes", sa.String(64), nullable=True),
    )
    op.create_index("ix_proj_tak_drafts_root", "proj_tak_drafts", ["root"])
    op.create_index("ix_proj_tak_drafts_uid_key", "proj_tak_drafts", ["uid_key"])
    op.create_index("ix_proj_tak_drafts_supersedes", "proj_tak_drafts", ["supersedes"])


def downgrade() -> None:
    for table in ("proj_tak_drafts", "proj_tak_reports", "tak_certificates"):
        op.drop_table(table)
