"""An index on ``proj_picture_subjects.key``: the conflict detector finds the conflicts that
involve changed operations, units and measures by their keys alone, and the primary key
(conflict, key) cannot serve that lookup, so without this index each one scans a table that
grows with every conflict on record.

Revision ID: 0009_picture_subjects_key
Revises: 0004_picture
"""

from __future__ import annotations

from alembic import op

revision = "0009_picture_subjects_key"
down_revision = "0004_picture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_proj_picture_subjects_key", "proj_picture_subjects", ["key"])


def downgrade() -> None:
    op.drop_index("ix_proj_picture_subjects_key", table_name="proj_picture_subjects")
