"""Projections of the operational picture: operations, units, measures, consents, notices,
conflicts and their subjects, acknowledgements, arrangements and arrangement signatures.

Revision ID: 0004_picture
Revises: 0001_record
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_picture"
down_revision = "0001_record"
branch_labels = None
depends_on = None


def _id(name: str, *, primary: bool = False, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), primary_key=primary, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "proj_picture_operations",
        _id("id", primary=True),
        _id("root"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("start_at", sa.String(32), nullable=False),
        sa.Column("end_at", sa.String(32), nullable=False),
        _id("supersedes", nullable=True),
    )
    for column in ("root", "ref", "supersedes"):
        op.create_index(f"ix_proj_picture_operations_{column}", "proj_picture_operations", [column])
    op.create_table(
        "proj_picture_units",
        _id("id", primary=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("stale_time", sa.String(32), nullable=False),
    )
    op.create_index("ix_proj_picture_units_unit", "proj_picture_units", ["unit"])
    op.create_table(
        "proj_picture_measures",
        _id("id", primary=True),
        _id("root"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.String(32), nullable=False),
        sa.Column("valid_until", sa.String(32), nullable=False),
        _id("supersedes", nullable=True),
    )
    for column in ("root", "ref", "supersedes"):
        op.create_index(f"ix_proj_picture_measures_{column}", "proj_picture_measures", [column])
    op.create_table(
        "proj_picture_consents",
        _id("id", primary=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        _id("measure"),
        _id("operation"),
    )
    op.create_index("ix_proj_picture_consents_operation", "proj_picture_consents", ["operation"])
    op.create_table(
        "proj_picture_notices",
        _id("id", primary=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("conflict", sa.String(35), nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("start_at", sa.String(32), nullable=False),
        sa.Column("end_at", sa.String(32), nullable=False),
        _id("supersedes", nullable=True),
        sa.Column("view", sa.String(64), nullable=False),
    )
    op.create_index("ix_proj_picture_notices_conflict", "proj_picture_notices", ["conflict"])
    op.create_index("ix_proj_picture_notices_supersedes", "proj_picture_notices", ["supersedes"])
    op.create_table(
        "proj_picture_conflicts",
        sa.Column("conflict", sa.String(35), primary_key=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("start_at", sa.String(32), nullable=False),
        sa.Column("end_at", sa.String(32), nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_picture_subjects",
        sa.Column("conflict", sa.String(35), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_picture_acks",
        sa.Column("conflict", sa.String(35), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_picture_arrangements",
        _id("id", primary=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("conflict", sa.String(35), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("party", sa.String(32), nullable=False),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("bound_seq", sa.BigInteger, nullable=True),
    )
    op.create_index(
        "ix_proj_picture_arrangements_conflict", "proj_picture_arrangements", ["conflict"]
    )
    op.create_table(
        "proj_picture_signatures",
        _id("arrangement", primary=True),
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("member", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "proj_picture_signatures",
        "proj_picture_arrangements",
        "proj_picture_acks",
        "proj_picture_subjects",
        "proj_picture_conflicts",
        "proj_picture_notices",
        "proj_picture_consents",
        "proj_picture_measures",
        "proj_picture_units",
        "proj_picture_operations",
    ):
        op.drop_table(table)
