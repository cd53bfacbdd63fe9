"""The entry kinds of formal messages, and the guards that keep them honest.

* ``channel.open`` — a path messages travel between named parties
  ("British Military Mission, Moscow"); released to exactly those parties.
* ``message.draft`` — a version of a message, private to its sending parties
  (a draft never sent stays on the sender's side of the record for ever);
  amendments supersede the previous version.
* ``message.approve`` — a sending party approves one exact draft version
  (a joint message goes out only when every sender approved the same version).
* ``message.send`` — the message as sent: the approved version's text, its
  number and its date-time group, released to the senders and the addressees.
  The number is unique among the channel's messages with the same senders and
  addressees (its audience; see :mod:`liaison.messages.numbering`).
* ``message.ack`` — an addressee acknowledges receipt; released to the senders.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import select

from liaison.domain.kinds import KINDS, Body, KindSpec
from liaison.domain.party import check_identifier
from liaison.domain.roles import Role
from liaison.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liaison.messages.ids import channel_party, check_channel_id
from liaison.messages.numbering import audience, audience_key
from liaison.projections.messages import (
    proj_channels,
    proj_message_acks,
    proj_message_approvals,
    proj_message_drafts,
    proj_messages,
)
from liaison.services.guards import GUARDS, GuardContext
from liaison.store import queries as q

__all__ = ["PRECEDENCES"]

PRECEDENCES = ("flash", "immediate", "priority", "routine")
Precedence = Literal["flash", "immediate", "priority", "routine"]


def _parties(value: list[str]) -> list[str]:
    cleaned = sorted({check_identifier(p, "party id") for p in value})
    if not cleaned:
        raise ValueError("name at least one party")
    return cleaned


def _entry_id(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("must be an entry id (64 hex digits)")
    return value


class ChannelBody(Body):
    channel: str
    name: str = Field(min_length=1, max_length=200)
    parties: list[str]

    _c = field_validator("channel")(check_channel_id)
    _p = field_validator("parties")(_parties)


class DraftBody(Body):
    channel: str
    precedence: Precedence = "routine"
    subject: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1, max_length=100_000)
    senders: list[str]
    addressees: list[str]
    references: list[str] = Field(default_factory=list, max_length=100)
    in_reply_to: str | None = None

    _c = field_validator("channel")(check_channel_id)
    _s = field_validator("senders", "addressees")(_parties)

    @field_validator("references")
    @classmethod
    def _refs(cls, value: list[str]) -> list[str]:
        return [_entry_id(v) for v in value]

    @field_validator("in_reply_to")
    @classmethod
    def _reply(cls, value: str | None) -> str | None:
        return None if value is None else _entry_id(value)


class ApproveBody(Body):
    draft: str

    _d = field_validator("draft")(_entry_id)


class SendBody(DraftBody):
    draft: str
    number: int = Field(ge=1, le=10**9)
    time_of_origin: str
    dtg: str = Field(min_length=7, max_length=20)

    _d = field_validator("draft")(_entry_id)


class AckBody(Body):
    message: str

    _m = field_validator("message")(_entry_id)


CHANNEL_OPEN = KINDS.register(
    KindSpec("channel.open", ChannelBody, Role.OFFICER, "Open a channel between named parties.")
)
MESSAGE_DRAFT = KINDS.register(
    KindSpec(
        "message.draft", DraftBody, Role.OFFICER, "A version of a message, private to its senders."
    )
)
MESSAGE_APPROVE = KINDS.register(
    KindSpec(
        "message.approve",
        ApproveBody,
        Role.OFFICER,
        "A sending party approves one exact draft version.",
    )
)
MESSAGE_SEND = KINDS.register(
    KindSpec(
        "message.send",
        SendBody,
        Role.OFFICER,
        "A message as sent: numbered, timed, released to its addressees.",
    )
)
MESSAGE_ACK = KINDS.register(
    KindSpec(
        "message.ack", AckBody, Role.OFFICER, "An addressee acknowledges receipt of a message."
    )
)


# --- guards -----------------------------------------------------------------------------


def _channel(ctx: GuardContext, channel: str) -> list[str]:
    row = ctx.conn.execute(
        select(proj_channels.c.parties, proj_channels.c.seq).where(
            proj_channels.c.channel == channel
        )
    ).first()
    if row is None or ctx.party is None or not _visible(ctx, int(row.seq)):
        raise NotFound(f"no channel {channel}")
    return list(json.loads(row.parties))


def _visible(ctx: GuardContext, seq: int) -> bool:
    return q.get_entry_by_seq(ctx.conn, seq, ctx.party) is not None


def _expect_release(ctx: GuardContext, parties: list[str]) -> None:
    if sorted(ctx.release) != sorted(set(parties)):
        raise InvalidInput(f"this entry must be released to exactly {sorted(set(parties))}")


def _guard_channel(ctx: GuardContext) -> None:
    if ctx.party not in ctx.body["parties"]:
        raise NotPermitted("a party can open a channel only between itself and others")
    if channel_party(ctx.body["channel"]) != ctx.party:
        # Checked before the id is looked up: an id can then only collide with a channel of
        # the opener's own party, so "already exists" never tells of a channel it may not see.
        raise InvalidInput(
            f"a channel's id begins with the opening party's id and a dot: "
            f"{ctx.party}.{ctx.body['channel'].split('.', 1)[1]}"
        )
    if ctx.conn.execute(
        select(proj_channels.c.channel).where(proj_channels.c.channel == ctx.body["channel"])
    ).first():
        raise Conflict(f"channel {ctx.body['channel']} already exists")
    _expect_release(ctx, ctx.body["parties"])


def _guard_draft(ctx: GuardContext) -> None:
    parties = _channel(ctx, ctx.body["channel"])
    body = ctx.body
    if ctx.party not in body["senders"]:
        raise NotPermitted("a draft is written by one of its sending parties")
    outside = sorted((set(body["senders"]) | set(body["addressees"])) - set(parties))
    if outside:
        raise InvalidInput(f"parties {outside} are not on channel {body['channel']}")
    if set(body["senders"]) & set(body["addressees"]):
        raise InvalidInput("a party cannot be both sender and addressee")
    _expect_release(ctx, body["senders"])


def _draft(ctx: GuardContext, draft_id: str) -> Any:
    entry = q.get_entry(ctx.conn, draft_id, ctx.party)
    if entry is None or entry.content.kind != "message.draft":
        raise NotFound(f"no draft {draft_id}")
    return entry


def _guard_approve(ctx: GuardContext) -> None:
    draft = _draft(ctx, ctx.body["draft"])
    if ctx.party not in draft.content.body["senders"]:
        raise NotPermitted("only a sending party approves a draft")
    _expect_release(ctx, draft.content.body["senders"])


def _guard_send(ctx: GuardContext) -> None:
    body = ctx.body
    draft = _draft(ctx, body["draft"])
    text_fields = (
        "channel",
        "precedence",
        "subject",
        "text",
        "senders",
        "addressees",
        "references",
        "in_reply_to",
    )
    if any(draft.content.body[f] != body[f] for f in text_fields):
        raise InvalidInput("a sent message carries its draft's text exactly")
    newer = ctx.conn.execute(
        select(proj_message_drafts.c.id).where(proj_message_drafts.c.supersedes == draft.id)
    ).first()
    if newer is not None:
        raise Conflict("this draft has been amended; send its latest version")
    if ctx.conn.execute(
        select(proj_messages.c.id).where(proj_messages.c.draft == draft.id)
    ).first():
        raise Conflict("this draft has already been sent")
    approvals = {
        r.party
        for r in ctx.conn.execute(
            select(proj_message_approvals.c.party).where(proj_message_approvals.c.draft == draft.id)
        )
    }
    approvals.add(str(ctx.party))
    missing = sorted(set(body["senders"]) - approvals)
    if missing:
        raise NotPermitted(
            f"a joint message is sent only when every sender approved this version; "
            f"waiting for {', '.join(missing)}"
        )
    # Numbers are counted per audience (numbering.py): the sender's party is in the audience,
    # so a clash found here is with a message the sender can read, never one it may not see.
    taken = ctx.conn.execute(
        select(proj_messages.c.id).where(
            proj_messages.c.channel == body["channel"],
            proj_messages.c.audience == audience_key(body["senders"], body["addressees"]),
            proj_messages.c.number == body["number"],
        )
    ).first()
    if taken:
        raise Conflict(
            f"number {body['number']} is already used in channel {body['channel']} "
            f"between {', '.join(audience(body['senders'], body['addressees']))}"
        )
    _expect_release(ctx, body["senders"] + body["addressees"])


def _guard_ack(ctx: GuardContext) -> None:
    message = q.get_entry(ctx.conn, ctx.body["message"], ctx.party)
    if message is None or message.content.kind != "message.send":
        raise NotFound(f"no message {ctx.body['message']}")
    if ctx.party not in message.content.body["addressees"]:
        raise NotPermitted("only an addressee acknowledges a message")
    if ctx.conn.execute(
        select(proj_message_acks.c.message).where(
            proj_message_acks.c.message == message.id, proj_message_acks.c.party == ctx.party
        )
    ).first():
        raise Conflict("your party has already acknowledged this message")
    _expect_release(ctx, [*message.content.body["senders"], str(ctx.party)])


GUARDS.register("channel.open", _guard_channel)
GUARDS.register("message.draft", _guard_draft)
GUARDS.register("message.approve", _guard_approve)
GUARDS.register("message.send", _guard_send)
GUARDS.register("message.ack", _guard_ack)
