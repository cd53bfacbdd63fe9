"""The scenario file format, ``liaison-scenario/1``: the models every field is validated by.

A scenario is data: the parties, the members with their roles and mandates, and a timeline of
events, each of which the loader (:mod:`liaison.scenario.loader`) turns into one call of a real
service — never an entry written by hand. The models here check the shape of every field
(``extra="forbid"``: a misspelt field is an error, not a silently dropped one);
:mod:`liaison.scenario.validate` reads files and checks the rules across fields.
``docs/scenario-format.md`` describes every field; these models are its source of truth.

Times are UTC instants (``1943-02-20T12:00:00Z``) or dates (``1943-02-20``, meaning 12:00 UTC),
and they are the node's **append times**: the loader sets the node's clock to each event's
time before the event is applied (:mod:`liaison.scenario.clock`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import field_validator as _field_validator

from liaison.domain.mandate import Mandate
from liaison.domain.party import check_identifier
from liaison.domain.time import parse_time
from liaison.messages.ids import check_channel_id

__all__ = [
    "EVENT_TYPES",
    "FORMAT",
    "Document",
    "Event",
    "MemberSpec",
    "PartySpec",
    "Scenario",
    "Source",
    "account_data",
]

#: the value of a scenario file's ``format`` field this module reads
FORMAT = "liaison-scenario/1"

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _moment(value: object) -> datetime:
    """A UTC instant: ``1943-02-20T12:00:00Z``, or a bare date, which means 12:00 UTC that day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a time needs a zone; write it in UTC with a trailing Z")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("a time is a string: '1943-02-20' or '1943-02-20T12:00:00Z'")
    date = _DATE.fullmatch(value)
    if date:
        year, month, day = (int(g) for g in date.groups())
        try:
            return datetime(year, month, day, 12, tzinfo=UTC)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date: {exc}") from None
    return parse_time(value)


#: a time in a scenario: an ISO 8601 instant with a zone, or a date (12:00 UTC that day)
Moment = Annotated[datetime, BeforeValidator(_moment)]


def _party_id(value: str) -> str:
    return check_identifier(value, "party id")


def _member_id(value: str) -> str:
    return check_identifier(value, "member id")


def _name(value: str) -> str:
    """A scenario id: the name an event gives its entry so that later events can refer to it."""
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", value):
        raise ValueError(
            f"{value!r} is not a scenario id: 1-64 lowercase letters, digits, '.', '_' or '-'"
        )
    return value


PartyId = Annotated[str, BeforeValidator(_party_id)]
MemberId = Annotated[str, BeforeValidator(_member_id)]
Name = Annotated[str, BeforeValidator(_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(_Strict):
    """A background document the scenario cites, by a short key."""

    title: str = Field(min_length=1)
    #: the document's file name, where readers can find it (``../shared/background/`` here)
    file: str | None = None


class Source(_Strict):
    """The passage an item comes from: which document, and a short quote of it."""

    document: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=2000)


class PartySpec(_Strict):
    id: PartyId
    name: str = Field(min_length=1, max_length=200)
    #: parties this party's entries are released to when an event names none
    default_release: list[str] = Field(default_factory=list)
    #: when the party joins the record (default: the scenario's start)
    at: Moment | None = None
    source: Source | None = None
    note: str | None = None


class MandateSpec(_Strict):
    """A member's mandate: topics, optional GeoJSON Polygon areas (degrees), optional expiry."""

    topics: list[str] = Field(default_factory=list)
    areas: list[dict[str, Any]] = Field(default_factory=list)
    expires: Moment | None = None

    def to_body(self) -> dict[str, Any]:
        return {
            "topics": list(self.topics),
            "areas": [dict(a) for a in self.areas],
            "expires": None if self.expires is None else self.expires.isoformat(),
        }


class MemberSpec(_Strict):
    id: MemberId
    party: PartyId
    name: str = Field(min_length=1, max_length=200)
    role: Literal["observer", "officer", "commander", "plenipotentiary"]
    mandate: MandateSpec
    #: when the member is appointed (default: the scenario's start)
    at: Moment | None = None
    source: Source | None = None
    note: str | None = None

    @_field_validator("mandate")
    @classmethod
    def _mandate(cls, value: MandateSpec) -> MandateSpec:
        try:
            Mandate.from_json(value.to_body())
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"invalid mandate: {exc}") from None
        return value


# --- events -----------------------------------------------------------------------------


class _Event(_Strict):
    """What every event has: when it happens, its scenario id, its source, and a note."""

    at: Moment
    #: names the entry this event appends, so that later events can refer to it
    id: Name | None = None
    source: Source | None = None
    #: for readers of the scenario (what is illustrative, what the document does not say);
    #: never put on the record
    note: str | None = None


class _ByMember(_Event):
    by: MemberId


# roster


class MemberChange(_Event):
    do: Literal["member.change"]
    member: MemberId
    role: Literal["observer", "officer", "commander", "plenipotentiary"]
    mandate: MandateSpec


class MemberRevoke(_Event):
    do: Literal["member.revoke"]
    member: MemberId
    reason: str = Field(min_length=1, max_length=2000)


# notes and any other kind


class NoteEvent(_ByMember):
    do: Literal["note"]
    text: str = Field(min_length=1)
    topic: str | None = None
    release: list[str] | None = None
    supersedes: Name | None = None


class EntryEvent(_ByMember):
    """Any kind the node accepts, appended through the record service as it stands."""

    do: Literal["entry"]
    kind: str = Field(min_length=1)
    body: dict[str, Any]
    release: list[str] | None = None
    supersedes: Name | None = None


# messages


class ChannelOpen(_ByMember):
    do: Literal["channel.open"]
    channel: str
    name: str = Field(min_length=1, max_length=200)
    parties: list[PartyId] = Field(min_length=1)

    _c = _field_validator("channel")(check_channel_id)


class MessageDraft(_ByMember):
    do: Literal["message.draft"]
    channel: str
    subject: str = Field(min_length=1)
    text: str = Field(min_length=1)
    #: the addressees
    to: list[PartyId] = Field(min_length=1)
    #: the sending parties (default: the author's); several make a joint message
    senders: list[PartyId] | None = None
    precedence: Literal["flash", "immediate", "priority", "routine"] = "routine"
    references: list[Name] = Field(default_factory=list)
    in_reply_to: Name | None = None


class MessageAmend(_ByMember):
    do: Literal["message.amend"]
    draft: Name
    subject: str | None = None
    text: str | None = None
    to: list[PartyId] | None = None
    precedence: Literal["flash", "immediate", "priority", "routine"] | None = None


class MessageApprove(_ByMember):
    do: Literal["message.approve"]
    draft: Name


class MessageSend(_ByMember):
    do: Literal["message.send"]
    draft: Name
    #: the message's number among its channel's messages between the same senders and
    #: addressees (default: the next of those)
    number: int | None = Field(default=None, ge=1)
    #: the date-time group, e.g. ``121630A JUL 44`` or ``1216301`` (default: the event's time)
    dtg: str | None = None


class MessageAcknowledge(_ByMember):
    do: Literal["message.acknowledge"]
    message: Name


# agreements


class AgreementPropose(_ByMember):
    do: Literal["agreement.propose"]
    terms: dict[str, Any]


class AgreementRevise(_ByMember):
    do: Literal["agreement.revise"]
    version: Name
    terms: dict[str, Any]


class AgreementConsult(_ByMember):
    do: Literal["agreement.consult"]
    agreement: Name
    to: list[PartyId] = Field(min_length=1)
    #: the version put to them (default: the latest the author's party may read)
    version: Name | None = None
    message: str | None = None


class AgreementAnswer(_ByMember):
    do: Literal["agreement.answer"]
    agreement: Name
    version: Name | None = None
    stance: Literal["accept", "reject", "reserve", "propose_amendment"]
    reasons: str = Field(min_length=1)
    amendment: Name | None = None


class AgreementAmend(_ByMember):
    do: Literal["agreement.amend"]
    agreement: Name
    base: Name | None = None
    terms: dict[str, Any]


class AgreementSign(_ByMember):
    """The member signs on their own side with their key, then the signature is recorded."""

    do: Literal["agreement.sign"]
    agreement: Name
    version: Name | None = None


class ComplianceCheck(_Event):
    """What a live node's timer does: check every binding agreement's obligations now."""

    do: Literal["compliance.check"]


# meetings


class ParticipantSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    party: PartyId
    role: str = Field(min_length=1, max_length=200)
    member: MemberId | None = None


class MeetingRecord(_ByMember):
    do: Literal["meeting.record"]
    title: str = Field(min_length=1)
    #: when the meeting was held (default: the event's time)
    held_at: Moment | None = None
    place: str = Field(min_length=1)
    participants: list[ParticipantSpec] = Field(min_length=1)
    topic: str | None = None
    release: list[str] | None = None


class MeetingAccount(_ByMember):
    """One party's own account: inline (``account``) or in a JSON file (``account_file``,
    relative to the scenario file), in the shape of :class:`liaison.accounts.model.Account`."""

    do: Literal["meeting.account"]
    meeting: Name
    account: dict[str, Any] | None = None
    account_file: str | None = None
    release: list[str] | None = None


class AgreedRecordPropose(_ByMember):
    do: Literal["meeting.agreed_record"]
    meeting: Name
    text: str = Field(min_length=1)
    supersedes: Name | None = None


class AgreedRecordSign(_ByMember):
    do: Literal["meeting.sign"]
    record: Name


# the operational picture


class PictureOperation(_ByMember):
    do: Literal["picture.operation"]
    #: the party's own reference for the operation
    ref: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    #: each ``{footprint, altitude?, start, end}``; footprints are GeoJSON (illustrative in 1944)
    volumes: list[dict[str, Any]] = Field(min_length=1)
    name: str = ""
    state: str = "planned"
    description: str | None = None
    release: list[str] | None = None


class PictureAmend(_ByMember):
    do: Literal["picture.amend"]
    operation: Name
    kind: str | None = None
    volumes: list[dict[str, Any]] | None = None
    name: str | None = None
    state: str | None = None
    description: str | None = None
    release: list[str] | None = None


class PictureUnit(_ByMember):
    do: Literal["picture.unit"]
    unit: str = Field(min_length=1)
    name: str = ""
    #: a GeoJSON Point
    position: dict[str, Any]
    #: when the position was observed (default: the event's time)
    time: Moment | None = None
    stale_time: Moment
    symbol_code: str = Field(min_length=1)
    heading_deg: float | None = None
    speed_mps: float | None = None
    release: list[str] | None = None


class PictureMeasure(_ByMember):
    do: Literal["picture.measure"]
    ref: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    geometry: dict[str, Any]
    valid_from: Moment
    valid_until: Moment
    binds: list[PartyId] = Field(min_length=1)
    permitted_sides: dict[str, str] | None = None
    name: str = ""
    description: str | None = None
    release: list[str] | None = None


class PictureAcknowledge(_ByMember):
    """Acknowledge the conflict the author's party was notified of about ``operation``."""

    do: Literal["picture.acknowledge"]
    #: a picture event (operation or unit) of the author's party that the conflict involves
    conflict_of: Name
    message: str | None = None


class PictureArrangement(_ByMember):
    do: Literal["picture.arrangement"]
    conflict_of: Name
    text: str = Field(min_length=1)


class PictureSign(_ByMember):
    do: Literal["picture.sign"]
    arrangement: Name


Event = Annotated[
    MemberChange
    | MemberRevoke
    | NoteEvent
    | EntryEvent
    | ChannelOpen
    | MessageDraft
    | MessageAmend
    | MessageApprove
    | MessageSend
    | MessageAcknowledge
    | AgreementPropose
    | AgreementRevise
    | AgreementConsult
    | AgreementAnswer
    | AgreementAmend
    | AgreementSign
    | ComplianceCheck
    | MeetingRecord
    | MeetingAccount
    | AgreedRecordPropose
    | AgreedRecordSign
    | PictureOperation
    | PictureAmend
    | PictureUnit
    | PictureMeasure
    | PictureAcknowledge
    | PictureArrangement
    | PictureSign,
    Field(discriminator="do"),
]

#: every event type, by its ``do``
EVENT_TYPES: dict[str, type[_Event]] = {
    get_args(cls.model_fields["do"].annotation)[0]: cls
    for cls in (
        MemberChange,
        MemberRevoke,
        NoteEvent,
        EntryEvent,
        ChannelOpen,
        MessageDraft,
        MessageAmend,
        MessageApprove,
        MessageSend,
        MessageAcknowledge,
        AgreementPropose,
        AgreementRevise,
        AgreementConsult,
        AgreementAnswer,
        AgreementAmend,
        AgreementSign,
        ComplianceCheck,
        MeetingRecord,
        MeetingAccount,
        AgreedRecordPropose,
        AgreedRecordSign,
        PictureOperation,
        PictureAmend,
        PictureUnit,
        PictureMeasure,
        PictureAcknowledge,
        PictureArrangement,
        PictureSign,
    )
}


class Scenario(_Strict):
    format: Literal["liaison-scenario/1"]
    title: str = Field(min_length=1)
    description: str = ""
    #: what in the scenario is illustrative rather than documented
    illustrative: str | None = None
    #: the node's origin name (written in every checkpoint)
    origin: str = Field(default="liaison.scenario/record", min_length=1)
    #: the time of the record's first entry; every event is at or after it
    start: Moment
    documents: dict[str, Document] = Field(default_factory=dict)
    parties: list[PartySpec] = Field(min_length=1)
    members: list[MemberSpec] = Field(default_factory=list)
    timeline: list[Event] = Field(default_factory=list)

    def party_time(self, party: PartySpec) -> datetime:
        return party.at or self.start

    def member_time(self, member: MemberSpec) -> datetime:
        return member.at or self.start


def account_data(event: MeetingAccount, base: Path | None) -> dict[str, Any]:
    """The account an event files: inline, or read from its file (relative to ``base``)."""
    if event.account is not None:
        return dict(event.account)
    assert event.account_file is not None
    path = Path(event.account_file)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("an account file holds one JSON object")
    return data
