"""Projections of channels and messages: what the thread and acknowledgement views read.

Rows carry the ``seq`` of the entry they come from, and every read joins that
seq against the release rows, so a projection never shows a party more than
the entries behind it.

A sent message's number is unique within its channel *and audience*: its senders and
addressees, kept in ``audience`` as :func:`liaison.messages.numbering.audience_key` (the SHA-256
of ``"su,uk,us"``). Numbers counted across the whole channel would show a party the messages
between the others (see :mod:`liaison.messages.numbering`).
"""

from __future__ import annotations

import json

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.messages.numbering import audience_key
from liaison.projections import PROJECTORS, Projector
from liaison.store.schema import metadata

__all__ = [
    "MESSAGES",
    "proj_channels",
    "proj_message_acks",
    "proj_message_approvals",
    "proj_message_drafts",
    "proj_messages",
]

proj_channels = Table(
    "proj_channels",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parties", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

proj_message_drafts = Table(
    "proj_message_drafts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("channel", String(32), nullable=False, index=True),
    Column("party", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("supersedes", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=False),
)

proj_message_approvals = Table(
    "proj_message_approvals",
    metadata,
    Column("draft", String(64), primary_key=True),
    Column("party", String(32), primary_key=True),
    Column("member", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
)

proj_messages = Table(
    "proj_messages",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("audience", String(64), nullable=False),
    Column("number", Integer, nullable=False),
    Column("draft", String(64), nullable=False, unique=True),
    Column("time_of_origin", String(32), nullable=False),
    Column("dtg", String(20), nullable=False),
    Column("precedence", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("senders", Text, nullable=False),
    Column("addressees", Text, nullable=False),
    Column("in_reply_to", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=False),
    UniqueConstraint(
        "channel", "audience", "number", name="uq_proj_messages_channel_audience_number"
    ),
)

proj_message_acks = Table(
    "proj_message_acks",
    metadata,
    Column("message", String(64), primary_key=True),
    Column("party", String(32), primary_key=True),
    Column("member", String(32), nullable=False),
    Column("at", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
)


def apply(conn: Connection, entry: StoredEntry) -> None:
    kind, body = entry.content.kind, entry.content.body
    if kind == "channel.open":
        conn.execute(
            proj_channels.insert().values(
                channel=body["channel"],
                name=body["name"],
                parties=json.dumps(body["parties"]),
                seq=entry.seq,
            )
        )
    elif kind == "message.draft":
        conn.execute(
            proj_message_drafts.insert().values(
                id=entry.id,
                channel=body["channel"],
                party=entry.content.party,
                subject=body["subject"],
                supersedes=entry.content.supersedes,
                seq=entry.seq,
            )
        )
    elif kind == "message.approve":
        conn.execute(
            proj_message_approvals.insert().values(
                draft=body["draft"],
                party=entry.content.party,
                member=entry.content.author,
                seq=entry.seq,
            )
        )
    elif kind == "message.send":
        conn.execute(
            proj_messages.insert().values(
                id=entry.id,
                channel=body["channel"],
                audience=audience_key(body["senders"], body["addressees"]),
                number=body["number"],
                draft=body["draft"],
                time_of_origin=body["time_of_origin"],
                dtg=body["dtg"],
                precedence=body["precedence"],
                subject=body["subject"],
                senders=json.dumps(body["senders"]),
                addressees=json.dumps(body["addressees"]),
                in_reply_to=body["in_reply_to"],
                seq=entry.seq,
            )
        )
    elif kind == "message.ack":
        conn.execute(
            proj_message_acks.insert().values(
                message=body["message"],
                party=entry.content.party,
                member=entry.content.author,
                at=format_time(entry.stamp.at),
                seq=entry.seq,
            )
        )


MESSAGES = PROJECTORS.register(
    Projector(
        name="messages",
        kinds=frozenset(
            {"channel.open", "message.draft", "message.approve", "message.send", "message.ack"}
        ),
        tables=(
            proj_channels,
            proj_message_drafts,
            proj_message_approvals,
            proj_messages,
            proj_message_acks,
        ),
        apply=apply,
    )
)
