"""Sent messages are numbered per audience: ``proj_messages.audience``, unique
(channel, audience, number) instead of (channel, number).

The audience of a message is its senders and addressees, kept as the SHA-256 (hex) of their
sorted ids joined by commas (``"su,uk,us"``), as
:func:`liaison.messages.numbering.audience_key` writes it; the rule is repeated here so that
this revision keeps meaning what it meant. Existing rows are filled in from their own
``senders`` and ``addressees`` columns, so a database at the previous head shows the same
messages without a rebuild, and what it holds afterwards is what ``liaison rebuild`` would
build. Numbers unique in a channel are unique in each of its audiences too, so no existing row
can break the new constraint.

Downgrading restores the channel-wide constraint; it fails, and changes nothing, when two
audiences of one channel have used the same number — which the old schema cannot hold.

Revision ID: 0008_message_audience
Revises: 0003_messages
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0008_message_audience"
down_revision = "0003_messages"
branch_labels = None
depends_on = None

_messages = sa.table(
    "proj_messages",
    sa.column("id", sa.String(64)),
    sa.column("senders", sa.Text),
    sa.column("addressees", sa.Text),
    sa.column("audience", sa.String(64)),
)


def _audience(senders: str, addressees: str) -> str:
    text = ",".join(sorted({*json.loads(senders), *json.loads(addressees)}))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("proj_messages") as batch:
        batch.add_column(sa.Column("audience", sa.String(64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_messages.c.id, _messages.c.senders, _messages.c.addressees)
    ).all()
    if rows:
        conn.execute(
            _messages.update()
            .where(_messages.c.id == sa.bindparam("row_id"))
            .values(audience=sa.bindparam("row_audience")),
            [{"row_id": r.id, "row_audience": _audience(r.senders, r.addressees)} for r in rows],
        )
    with op.batch_alter_table("proj_messages") as batch:
        batch.alter_column("audience", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_proj_messages_channel_number", type_="unique")
        batch.create_unique_constraint(
            "uq_proj_messages_channel_audience_number", ["channel", "audience", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("proj_messages") as batch:
        batch.drop_constraint("uq_proj_messages_channel_audience_number", type_="unique")
        batch.create_unique_constraint("uq_proj_messages_channel_number", ["channel", "number"])
        batch.drop_column("audience")
