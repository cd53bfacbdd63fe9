"""Meetings, each party's own account of them, divergence reports, and agreed records.

A thin edge over :class:`~liaison.services.meetings.MeetingService`: each
route parses the request, calls the service as the authenticated member (every
write) or as the member's party (every read), and returns what the service
returns. An account is released as its party chooses; a meeting, an account
or an agreed record not released to the caller's party is the same 404 as one
that does not exist, and a divergence report compares only the accounts the
caller may read, so it never hints at one kept from it.

An agreed record binds only when a representative of every party present has
signed the same version with their own key, on their own side
(``liaison.accounts.kinds.sign_version``, as ``liaison.Client.sign_agreed_record``
and ``liaison agreed-record sign`` do); the server verifies and records the
signature and computes the status on every read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, PlainTextResponse, Response

from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.domain.entry import StoredEntry
from liaison.errors import InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["meetings"])

_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "The new entry's URL."}}}
}


def _created(entry: StoredEntry) -> JSONResponse:
    return JSONResponse(
        entry.to_json(), status_code=201, headers={"Location": f"/v1/entries/{entry.id}"}
    )


# --- request bodies --------------------------------------------------------------------


class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, description="e.g. Sir Archibald Clark Kerr.")
    party: str = Field(max_length=64, description="The party the participant acted for.")
    role: str = Field(max_length=200, description="Their capacity, e.g. ambassador.")
    member: str | None = Field(None, max_length=64, description="Their member id, if any.")


class MeetingIn(BaseModel):
    """Who met, when and where, on whose behalf; the recording party must be present."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=500)
    held_at: str = Field(max_length=64, description="When it was held: ISO 8601, UTC.")
    place: str = Field(max_length=500)
    participants: list[ParticipantIn] = Field(max_length=500)
    parties: list[str] | None = Field(
        None, max_length=100, description="The parties present (default: the participants')."
    )
    topic: str | None = Field(None, max_length=200, description="A mandate topic, if any.")
    release: list[str] | None = Field(
        None,
        max_length=100,
        description="Parties to release it to (default: the party's default release).",
    )
    supersedes: str | None = Field(None, max_length=64, description="The record it corrects.")


class AccountIn(BaseModel):
    """The caller's party's own account; released as that party chooses."""

    model_config = ConfigDict(extra="forbid")

    account: dict[str, Any] = Field(
        description="party, author, and statements (speaker, topic, raised_by, text) and/or "
        "paragraphs (see docs/meetings.md)."
    )
    release: list[str] | None = Field(
        None,
        max_length=100,
        description="Parties to release it to (default: the party's "
        "default release; [] keeps it to the party).",
    )
    supersedes: str | None = Field(None, max_length=64, description="The account it corrects.")


class AgreedRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=200_000, description="The proposed text of the record.")
    supersedes: str | None = Field(
        None, max_length=64, description="The version it amends (not yet binding)."
    )


class AgreedSignatureIn(BaseModel):
    """What ``liaison.accounts.kinds.sign_version`` returns, made on the member's side."""

    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(
        None, max_length=64, description="The version signed (default: the path's)."
    )
    key_id: str = Field(max_length=16, description="The member's current key id.")
    signature: str = Field(
        max_length=128, description="Base64 Ed25519 signature of the version's content bytes."
    )


# --- response documents ----------------------------------------------------------------


class MeetingOut(BaseModel):
    id: str = Field(description="The meeting's id: the id of its first record.")
    version: str = Field(description="The id of the latest record the caller may read.")
    recorded_by: str
    title: str
    held_at: str
    place: str
    parties: list[str]
    participants: list[dict[str, Any]]
    topic: str | None
    release: list[str]


class Meetings(BaseModel):
    meetings: list[MeetingOut]


class AccountOut(BaseModel):
    entry: str
    account_id: str = Field(description="The id of the account's first version.")
    meeting: str
    party: str
    author: str
    release: list[str]
    label: str = Field(description='How the divergence report names it: "party (author)".')
    account: dict[str, Any]


class Accounts(BaseModel):
    accounts: list[AccountOut]


class DivergenceOut(BaseModel):
    format: str
    meeting: str
    meeting_version: str
    title: str
    held_at: str
    accounts: list[dict[str, Any]] = Field(description="Exactly the accounts compared.")
    comparable: bool
    note: str
    report: dict[str, Any] | None = Field(
        None, description="The findings, each explained (absent with fewer than two accounts)."
    )


class AgreedRecordOut(BaseModel):
    version: str
    agreed_record: str = Field(description="The id of the agreed record's first version.")
    meeting: str
    drafted_by: str
    parties: list[str]
    text: str
    latest: bool
    binding: bool
    signed_by: list[str]
    missing: list[dict[str, Any]] = Field(description="Each party missing, and why.")
    signatures: list[dict[str, Any]] = Field(description="Every signature, and whether it counts.")


class AgreedRecords(BaseModel):
    agreed_records: list[AgreedRecordOut]


# --- meetings --------------------------------------------------------------------------


@router.post(
    "/meetings",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Record a meeting (or correct a record of one, with supersedes)",
    description="A new record's entry id is the meeting's id.",
)
def record_meeting(caller: CallerDep, node: NodeDep, meeting: MeetingIn) -> JSONResponse:
    entry = node.meetings.record_meeting(
        caller.member,
        title=meeting.title,
        held_at=meeting.held_at,
        place=meeting.place,
        participants=[p.model_dump() for p in meeting.participants],
        parties=meeting.parties,
        topic=meeting.topic,
        release=meeting.release,
        supersedes=meeting.supersedes,
    )
    return _created(entry)


@router.get(
    "/meetings",
    response_model=Meetings,
    summary="Every meeting the caller may read, latest record each, by time held",
)
def list_meetings(caller: CallerDep, node: NodeDep) -> JSONResponse:
    found = node.meetings.meetings(caller.party)
    return JSONResponse({"meetings": [m.to_dict() for m in found]})


@router.get(
    "/meetings/{meeting}",
    response_model=MeetingOut,
    summary="A meeting by its id (or any record's id), as the caller may read it",
)
def meeting(caller: CallerDep, node: NodeDep, meeting: str) -> JSONResponse:
    return JSONResponse(node.meetings.meeting(caller.party, meeting).to_dict())


# --- accounts and divergence -----------------------------------------------------------


@router.post(
    "/meetings/{meeting}/accounts",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="File the caller's party's own account of a meeting it attended",
)
def file_account(
    caller: CallerDep, node: NodeDep, meeting: str, account: AccountIn
) -> JSONResponse:
    entry = node.meetings.file_account(
        caller.member,
        meeting,
        account.account,
        release=account.release,
        supersedes=account.supersedes,
    )
    return _created(entry)


@router.get(
    "/meetings/{meeting}/accounts",
    response_model=Accounts,
    summary="The latest version of each account of a meeting the caller may read",
)
def accounts(caller: CallerDep, node: NodeDep, meeting: str) -> JSONResponse:
    found = node.meetings.accounts(caller.party, meeting)
    return JSONResponse({"accounts": [a.to_dict() for a in found]})


@router.get(
    "/meetings/{meeting}/divergence",
    response_model=DivergenceOut,
    responses={200: {"content": {"text/plain": {}}}},
    summary="Where the accounts the caller may read differ, finding by finding",
    description="`format=text` gives the same report as plain text. The report is built only "
    "from the accounts released to the caller's party: it is the same whether or not others "
    "exist.",
)
def divergence(
    caller: CallerDep,
    node: NodeDep,
    meeting: str,
    format: Annotated[Literal["json", "text"], Query(description="json or text.")] = "json",
) -> Response:
    report = node.meetings.divergence(caller.party, meeting)
    if format == "text":
        return PlainTextResponse(report.to_text())
    return JSONResponse(report.to_dict())


# --- agreed records --------------------------------------------------------------------


@router.post(
    "/meetings/{meeting}/agreed-records",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Propose (or amend) an agreed record, released to every party present",
)
def propose_agreed_record(
    caller: CallerDep, node: NodeDep, meeting: str, record: AgreedRecordIn
) -> JSONResponse:
    entry = node.meetings.propose_agreed_record(
        caller.member, meeting, record.text, supersedes=record.supersedes
    )
    return _created(entry)


@router.get(
    "/meetings/{meeting}/agreed-records",
    response_model=AgreedRecords,
    summary="The latest version of each agreed record of a meeting, with its status",
)
def agreed_records(caller: CallerDep, node: NodeDep, meeting: str) -> JSONResponse:
    found = node.meetings.agreed_records(caller.party, meeting)
    return JSONResponse({"agreed_records": [s.to_dict() for s in found]})


@router.get(
    "/agreed-records/{version}",
    response_model=AgreedRecordOut,
    summary="Whether one exact agreed-record version binds, and if not who is missing and why",
)
def agreed_record(caller: CallerDep, node: NodeDep, version: str) -> JSONResponse:
    return JSONResponse(node.meetings.agreed_record_status(caller.party, version).to_dict())


@router.post(
    "/agreed-records/{version}/signatures",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Record a member's signature, made on their side, over one agreed-record version",
)
def sign_agreed_record(
    caller: CallerDep, node: NodeDep, version: str, signed: AgreedSignatureIn
) -> JSONResponse:
    if signed.version not in (None, version):
        raise InvalidInput("version: the signature is of another version than the path's")
    body = {"version": version, "key_id": signed.key_id, "signature": signed.signature}
    return _created(node.meetings.sign_agreed_record(caller.member, body))
