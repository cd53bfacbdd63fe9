"""Channels and formal messages: draft, amend, approve, send, acknowledge, read as a thread.

A thin edge over :class:`~liaison.services.messages.MessageService`: each route
parses the request, calls the service as the authenticated member (the author
of every write) or as the member's party (the reader of every read), and
returns what the service returns. Every rule — drafts private to the senders,
a joint message sent only when every sender approved the same version,
numbers unique among a channel's messages between the same parties, strict
date-time groups — is the service's and the guards'; their errors become
problems on the way out.

A draft, a message or a channel not released to the caller's party is the same
404 as one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.domain.entry import StoredEntry
from liaison.errors import NotFound
from liaison.services.messages import Acknowledgements, Channel

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["messages"])

Precedence = Literal["flash", "immediate", "priority", "routine"]
_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "The new entry's URL."}}}
}


def _created(entry: StoredEntry, location: str | None = None) -> JSONResponse:
    return JSONResponse(
        entry.to_json(),
        status_code=201,
        headers={"Location": location or f"/v1/entries/{entry.id}"},
    )


# --- request bodies --------------------------------------------------------------------


class ChannelIn(BaseModel):
    """A channel between the caller's party and others (the caller's is always on it)."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=64, description="The channel's id, e.g. `uk.bmm-moscow`.")
    name: str = Field(max_length=200, description="e.g. British Military Mission, Moscow.")
    parties: list[str] = Field(max_length=100, description="The other parties on the channel.")


class DraftIn(BaseModel):
    """A new draft, private to its sending parties until it is sent."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=64)
    subject: str = Field(max_length=500)
    text: str = Field(max_length=100_000)
    addressees: list[str] = Field(max_length=100)
    senders: list[str] | None = Field(
        None,
        max_length=100,
        description="Every sending party, for a joint message (default: the caller's party).",
    )
    precedence: Precedence = "routine"
    references: list[str] = Field(
        default_factory=list, max_length=100, description="Ids of entries this one refers to."
    )
    in_reply_to: str | None = Field(None, description="The id of the message this answers.")


class AmendmentIn(BaseModel):
    """The fields to change; those not given are kept."""

    model_config = ConfigDict(extra="forbid")

    subject: str | None = Field(None, max_length=500)
    text: str | None = Field(None, max_length=100_000)
    addressees: list[str] | None = Field(None, max_length=100)
    precedence: Precedence | None = None
    references: list[str] | None = Field(None, max_length=100)
    in_reply_to: str | None = None


class SendIn(BaseModel):
    """How to number and time the message; by default the next number between its parties, now."""

    model_config = ConfigDict(extra="forbid")

    number: int | None = Field(
        None,
        ge=1,
        le=10**9,
        description="Its number among the channel's messages between the same senders and "
        "addressees. Default: one more than the highest of those.",
    )
    dtg: str | None = Field(
        None,
        max_length=40,
        description="The date-time group of origin: `121630Z JUL 44`, `121630Z JUL 1944`, or "
        "the short forms `121630Z` and `1216301` (this month). Default: now.",
    )
    zone: str = Field(
        "Z", max_length=1, description="The zone letter to show `now` in when no dtg is given."
    )


# --- response documents ----------------------------------------------------------------


class ChannelOut(BaseModel):
    channel: str
    name: str
    parties: list[str]
    entry: str = Field(description="The id of the entry that opened the channel.")


class Channels(BaseModel):
    channels: list[ChannelOut]


class MessageOut(BaseModel):
    """A message as sent: numbered and timed, released to its senders and addressees."""

    id: str
    seq: int
    channel: str
    number: int = Field(
        description="Its number among the channel's messages between the same senders and "
        "addressees (its audience): each audience is numbered 1, 2, … on its own."
    )
    dtg: str = Field(description="The date-time group of origin, e.g. `121630Z JUL 44`.")
    time_of_origin: str = Field(description="The same instant in UTC (ISO 8601).")
    precedence: Precedence
    subject: str
    text: str
    senders: list[str]
    addressees: list[str]
    references: list[str]
    in_reply_to: str | None
    draft: str = Field(description="The id of the draft version that was sent.")


class Messages(BaseModel):
    messages: list[MessageOut]


class Drafts(BaseModel):
    drafts: list[schemas.Entry]


class Receipt(BaseModel):
    party: str
    at: str = Field(description="When the node recorded the acknowledgement (UTC).")


class AcknowledgementsOut(BaseModel):
    message: str
    acknowledged: list[Receipt]
    pending: list[str] = Field(
        description="Addressees that have not acknowledged (an addressee sees only itself)."
    )


def _channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "channel": channel.channel,
        "name": channel.name,
        "parties": list(channel.parties),
        "entry": channel.entry,
    }


def _acks_json(acks: Acknowledgements) -> dict[str, Any]:
    return {
        "message": acks.message,
        "acknowledged": [{"party": p, "at": at} for p, at in sorted(acks.acknowledged.items())],
        "pending": list(acks.pending),
    }


# --- channels --------------------------------------------------------------------------


@router.post(
    "/channels",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Open a channel between the caller's party and others",
)
def open_channel(caller: CallerDep, node: NodeDep, channel: ChannelIn) -> JSONResponse:
    entry = node.messages.open_channel(
        caller.member, channel.channel, channel.name, channel.parties
    )
    return _created(entry)


@router.get("/channels", response_model=Channels, summary="The channels the caller's party is on")
def list_channels(caller: CallerDep, node: NodeDep) -> JSONResponse:
    found = node.messages.channels(caller.party)
    return JSONResponse({"channels": [_channel_json(c) for c in found]})


@router.get(
    "/channels/{channel}/thread",
    response_model=Messages,
    summary="A channel as a conversation: the sent messages the caller may read, in order",
)
def thread(caller: CallerDep, node: NodeDep, channel: str) -> JSONResponse:
    found = node.messages.thread(caller.party, channel)
    return JSONResponse({"messages": [m.to_json() for m in found]})


# --- drafts ----------------------------------------------------------------------------
# Declared before /messages/{message_id}, which would otherwise take "drafts" for an id.


@router.post(
    "/messages/drafts",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Draft a message (released to its sending parties only)",
)
def draft(caller: CallerDep, node: NodeDep, message: DraftIn) -> JSONResponse:
    entry = node.messages.draft(
        caller.member,
        message.channel,
        message.subject,
        message.text,
        message.addressees,
        senders=message.senders,
        precedence=message.precedence,
        references=message.references,
        in_reply_to=message.in_reply_to,
    )
    return _created(entry)


@router.get(
    "/messages/drafts",
    response_model=Drafts,
    summary="The latest version of every draft the caller's party holds, sent or not",
)
def drafts(
    caller: CallerDep,
    node: NodeDep,
    channel: Annotated[
        str | None, Query(max_length=64, description="Only drafts on this channel.")
    ] = None,
) -> JSONResponse:
    found = node.messages.drafts(caller.party, channel)
    return JSONResponse({"drafts": [e.to_json() for e in found]})


@router.post(
    "/messages/drafts/{draft_id}/amendments",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="A new version of a draft; every earlier version stays readable to the senders",
)
def amend(caller: CallerDep, node: NodeDep, draft_id: str, changes: AmendmentIn) -> JSONResponse:
    entry = node.messages.amend(caller.member, draft_id, **changes.model_dump(exclude_none=True))
    return _created(entry)


@router.post(
    "/messages/drafts/{draft_id}/approvals",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Approve this exact draft version for the caller's party",
)
def approve(caller: CallerDep, node: NodeDep, draft_id: str) -> JSONResponse:
    # MessageService.approve reads the draft's senders before the guard checks its kind, so
    # an id of another kind of entry would fail there; refuse it here as amend and send do.
    if node.record.get(caller.party, draft_id).content.kind != "message.draft":
        raise NotFound("no such draft")
    return _created(node.messages.approve(caller.member, draft_id))


@router.post(
    "/messages/drafts/{draft_id}/send",
    status_code=201,
    response_model=schemas.Entry,
    responses={201: {"headers": {"Location": {"description": "The sent message's URL."}}}},
    summary="Send an approved draft version to its addressees, numbered and timed",
    description="A joint message is sent only when every sending party approved this version. "
    "A malformed or ambiguous date-time group is a 400 that says what is wrong. A number is "
    "unique among the channel's messages between the same senders and addressees, all of which "
    "the sender can read: one already used there is a 409.",
)
def send(
    caller: CallerDep, node: NodeDep, draft_id: str, how: SendIn | None = None
) -> JSONResponse:
    how = how or SendIn()
    entry = node.messages.send(
        caller.member, draft_id, number=how.number, dtg=how.dtg, zone=how.zone
    )
    return _created(entry, f"/v1/messages/{entry.id}")


# --- sent messages ---------------------------------------------------------------------


@router.get("/messages/{message_id}", response_model=MessageOut, summary="Read a sent message")
def message(caller: CallerDep, node: NodeDep, message_id: str) -> JSONResponse:
    return JSONResponse(node.messages.message(caller.party, message_id).to_json())


@router.get(
    "/messages/{message_id}/replies",
    response_model=Messages,
    summary="The sent messages that answer this one, as far as the caller may read them",
)
def replies(caller: CallerDep, node: NodeDep, message_id: str) -> JSONResponse:
    found = node.messages.replies(caller.party, message_id)
    return JSONResponse({"messages": [m.to_json() for m in found]})


@router.post(
    "/messages/{message_id}/acknowledgements",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Acknowledge receipt of a message (addressees only; released to the senders)",
)
def acknowledge(caller: CallerDep, node: NodeDep, message_id: str) -> JSONResponse:
    return _created(node.messages.acknowledge(caller.member, message_id))


@router.get(
    "/messages/{message_id}/acknowledgements",
    response_model=AcknowledgementsOut,
    summary="Who has acknowledged a message and who not yet, as far as the caller may know",
)
def acknowledgements(caller: CallerDep, node: NodeDep, message_id: str) -> JSONResponse:
    return JSONResponse(_acks_json(node.messages.acknowledgements(caller.party, message_id)))
