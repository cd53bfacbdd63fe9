"""The entry kinds of meetings, accounts and agreed records, their guards, and the rule
that decides whether an agreed record binds.

Registered in the record's kind registry when this module is imported (the
meetings service imports it):

* ``meeting.record`` — who met, when and where, on whose behalf: the parties
  present and the participants (name, party, role in the meeting), a title,
  ``held_at``, a place, an optional mandate topic. Released as the recording
  party chooses (always to itself); the recording party must be one of those
  present. A correction supersedes it. A meeting is named by the id of its
  first record.
* ``meeting.account`` — one party's own account of a meeting, in exactly the
  shape of :meth:`liaison.accounts.model.Account.to_dict`, whose ``party`` is
  the filing party's id or its name on the record. Released as its party
  chooses: the other side may never see it. Only a party present files one;
  a corrected account supersedes the previous one. A party keeps one live
  account per author of a meeting, so every account has its own label in a
  divergence report.
* ``meeting.agreed_record`` — one proposed text of the record of a meeting,
  drafted by one party present, naming exactly the parties present (the
  parties it would bind) and released to exactly them; amendments supersede.
* ``meeting.agreed_record.sign`` — a member's Ed25519 signature, made on the
  member's side with their key file, over the stored ``raw`` bytes (the RFC
  8785 content bytes) of one exact agreed-record version. The guard verifies
  it with the member's current key and refuses a bad one.

Whether an agreed record binds is never stored: :func:`evaluate` computes it
from the signatures and the roster whenever it is asked (DESIGN.md,
invariant 3). It binds when, for every party it names, at least one signature
*counts*: made on this very version, by a member of that party who has not
been revoked, with a mandate that had not expired when the node appended the
signature, holding at least :data:`SIGNING_ROLE` then, whose mandate covered
the meeting's topic (if it has one), with a key that was theirs and that
verifies over the version's bytes. Why officer: an agreed record of a meeting
settles *what was said*, not what a party will do; it is attested by the
representatives who keep their party's records of meetings (an ambassador such
as Clark Kerr, an officer here), while committing forces or signing agreements
needs a commander or a plenipotentiary. Expiry and role are judged at signing
time, because a mandate that runs out later does not undo what was validly
done; revocation is judged now, because a party revokes a member to disown
them (a compromised key, authority exceeded) and the record does not say which
acts it disowns, so a revoked member's signature stops counting.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator, model_validator
from sqlalchemy import Connection, select

from liaison.accounts.model import Account, AccountError, JsonValue
from liaison.domain.entry import StoredEntry, is_entry_id
from liaison.domain.kinds import KINDS, Body, KindSpec
from liaison.domain.mandate import check_topic
from liaison.domain.party import ALL_PARTIES, check_identifier
from liaison.domain.roles import Role
from liaison.domain.time import format_time, parse_time
from liaison.errors import Conflict, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.ledger.canonical import sha256
from liaison.ledger.signing import KeyFile, b64d, b64e, key_id, sign, verify
from liaison.projections.meetings import (
    latest_by_chain,
    proj_agreed_records,
    proj_agreed_signatures,
    proj_meeting_accounts,
    proj_meetings,
    visible_rows,
)
from liaison.services.guards import GUARDS, GuardContext
from liaison.store import queries as q

__all__ = [
    "AGREED_RECORD",
    "AGREED_RECORD_SIGN",
    "MEETING_ACCOUNT",
    "MEETING_RECORD",
    "SIGNING_ROLE",
    "AccountBody",
    "AgreedRecordBody",
    "AgreedRecordStatus",
    "MeetingBody",
    "MissingParty",
    "Participant",
    "SignBody",
    "SignatureCheck",
    "chain_of",
    "evaluate",
    "is_amended",
    "meeting_of",
    "resolve_meeting",
    "sign_version",
    "signatures_of",
]

#: the least role whose signature counts on an agreed record of a meeting (see above)
SIGNING_ROLE = Role.OFFICER

_KEY_ID = re.compile(r"[0-9a-f]{16}")


def _entry_id(value: str) -> str:
    if not is_entry_id(value):
        raise ValueError("must be an entry id (64 lowercase hex digits)")
    return value


def _topic(value: str | None) -> str | None:
    return None if value is None else check_topic(value)


# --- bodies -----------------------------------------------------------------------------


class Participant(Body):
    """A person at the meeting: who, for which party, in what capacity.

    ``member`` links the participant to a member on the roster when there is
    one (many who attend, interpreters and ministers of other governments, are
    not members of the record).
    """

    name: str = Field(min_length=1, max_length=200)
    party: str
    role: str = Field(min_length=1, max_length=200)
    member: str | None = None

    _p = field_validator("party")(lambda v: check_identifier(v, "party id"))

    @field_validator("member")
    @classmethod
    def _member(cls, value: str | None) -> str | None:
        return None if value is None else check_identifier(value, "member id")


class MeetingBody(Body):
    title: str = Field(min_length=1, max_length=500)
    held_at: str
    place: str = Field(min_length=1, max_length=500)
    parties: list[str]
    participants: list[Participant] = Field(min_length=1, max_length=500)
    topic: str | None = None

    _t = field_validator("topic")(_topic)

    @field_validator("held_at")
    @classmethod
    def _held_at(cls, value: str) -> str:
        return format_time(parse_time(value))

    @field_validator("parties")
    @classmethod
    def _parties(cls, value: list[str]) -> list[str]:
        parties = sorted({check_identifier(p, "party id") for p in value})
        if len(parties) < 2:
            raise ValueError("a meeting is between at least two parties")
        return parties

    @model_validator(mode="after")
    def _everyone_accounted_for(self) -> MeetingBody:
        """The parties present are exactly the parties the participants act for."""
        acting = {p.party for p in self.participants}
        if acting != set(self.parties):
            raise ValueError(
                f"the parties present ({', '.join(self.parties)}) must be exactly the parties "
                f"of the participants ({', '.join(sorted(acting))})"
            )
        seen: set[tuple[str, str]] = set()
        for participant in self.participants:
            key = (participant.party, participant.name.casefold())
            if key in seen:
                raise ValueError(f"participant {participant.name} of {participant.party} twice")
            seen.add(key)
        return self


class AccountBody(Body):
    meeting: str
    account: dict[str, Any]

    _m = field_validator("meeting")(_entry_id)

    @field_validator("account")
    @classmethod
    def _account(cls, value: dict[str, Any]) -> dict[str, JsonValue]:
        try:
            return Account.from_dict(value).to_dict()
        except AccountError as exc:
            raise ValueError(str(exc)) from None

    def to_account(self) -> Account:
        return Account.from_dict(self.account)


class AgreedRecordBody(Body):
    meeting: str
    #: the parties the text would bind: exactly the parties present
    parties: list[str]
    topic: str | None = None
    text: str = Field(min_length=1, max_length=200_000)

    _m = field_validator("meeting")(_entry_id)
    _t = field_validator("topic")(_topic)

    @field_validator("parties")
    @classmethod
    def _parties(cls, value: list[str]) -> list[str]:
        return sorted({check_identifier(p, "party id") for p in value})


class SignBody(Body):
    version: str
    key_id: str
    signature: str

    _v = field_validator("version")(_entry_id)

    @field_validator("key_id")
    @classmethod
    def _key_id(cls, value: str) -> str:
        if not _KEY_ID.fullmatch(value):
            raise ValueError("key_id must be 16 lowercase hex digits (the id of a member key)")
        return value

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("signature must be base64") from None
        if len(raw) != 64:
            raise ValueError(f"an Ed25519 signature is 64 bytes, not {len(raw)}")
        return value


MEETING_RECORD = KINDS.register(
    KindSpec(
        "meeting.record",
        MeetingBody,
        Role.OFFICER,
        "Who met, when and where, on whose behalf; released as the recording party chooses.",
        topic=lambda body: body.get("topic"),
    )
)
MEETING_ACCOUNT = KINDS.register(
    KindSpec(
        "meeting.account",
        AccountBody,
        Role.OFFICER,
        "One party's own account of a meeting it attended; released as that party chooses.",
    )
)
AGREED_RECORD = KINDS.register(
    KindSpec(
        "meeting.agreed_record",
        AgreedRecordBody,
        Role.OFFICER,
        "A proposed text of the record of a meeting, released to every party present.",
        topic=lambda body: body.get("topic"),
    )
)
AGREED_RECORD_SIGN = KINDS.register(
    KindSpec(
        "meeting.agreed_record.sign",
        SignBody,
        Role.OFFICER,
        "A member's signature over the exact bytes of one agreed-record version.",
    )
)


def sign_version(key: KeyFile, version_id: str, raw: bytes) -> dict[str, str]:
    """Sign one agreed-record version on the member's side; returns the sign entry's body.

    ``raw`` is the version's canonical content bytes (the stored entry's
    ``raw``, or ``Content.from_json(entry).canonical()`` from the API's JSON).
    They are checked against the version id (their SHA-256) first, so that a
    member never signs bytes other than the version they name. The private key
    never leaves the member: the CLI and the client call this locally.
    """
    if sha256(raw).hex() != version_id:
        raise InvalidInput(f"these bytes are not version {version_id}: their hash differs")
    return {
        "version": version_id,
        "key_id": key_id(key.public_key),
        "signature": b64e(sign(key.signing_key, raw)),
    }


# --- reading the record inside and outside the write transaction ------------------------


def resolve_meeting(conn: Connection, meeting_id: str, reader: str | None) -> StoredEntry | None:
    """The latest version of a meeting record the reader may see, or None.

    ``meeting_id`` is the meeting's own id (its first record's) or the id of
    any version the reader may see. None means "no such meeting *for this
    reader*", whichever it is.
    """
    if not is_entry_id(meeting_id):
        return None
    named = visible_rows(conn, proj_meetings, reader, proj_meetings.c.id == meeting_id)
    root = str(named[0].meeting) if named else meeting_id
    rows = visible_rows(conn, proj_meetings, reader, proj_meetings.c.meeting == root)
    if not rows:
        return None
    return q.get_entry(conn, str(rows[-1].id), reader)


def meeting_of(entry: StoredEntry, conn: Connection) -> str:
    """The id a meeting is known by: that of its first record."""
    row = conn.execute(select(proj_meetings.c.meeting).where(proj_meetings.c.id == entry.id))
    return str(row.scalar_one())


def signatures_of(conn: Connection, chain: str, reader: str | None) -> list[StoredEntry]:
    """Every signature on any version of one agreed record, as the reader may see them."""
    rows = visible_rows(
        conn, proj_agreed_signatures, reader, proj_agreed_signatures.c.chain == chain
    )
    found = (q.get_entry(conn, str(row.id), reader) for row in rows)
    return [entry for entry in found if entry is not None]


def chain_of(conn: Connection, version_id: str) -> str:
    row = conn.execute(
        select(proj_agreed_records.c.chain).where(proj_agreed_records.c.id == version_id)
    )
    return str(row.scalar_one())


def is_amended(conn: Connection, version_id: str, reader: str | None) -> bool:
    """Whether the reader may see an amendment of this version.

    Asked as the reader, so that a party dropped from a corrected meeting
    does not learn of an amendment it was not given.
    """
    return bool(
        visible_rows(
            conn, proj_agreed_records, reader, proj_agreed_records.c.supersedes == version_id
        )
    )


# --- binding status ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """One signature on some version of an agreed record, and whether it counts here."""

    entry: str
    member: str
    party: str
    version: str
    signed_at: datetime
    counts: bool
    reason: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "entry": self.entry,
            "member": self.member,
            "party": self.party,
            "version": self.version,
            "signed_at": format_time(self.signed_at),
            "counts": self.counts,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MissingParty:
    """A party named in the agreed record with no signature that counts, and why."""

    party: str
    reason: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {"party": self.party, "reason": self.reason}


@dataclass(frozen=True)
class AgreedRecordStatus:
    """Whether one version of an agreed record binds, computed from the record.

    ``latest`` says whether this is the newest version the reader may see;
    ``signed_by`` lists the parties with a signature that counts on this
    version, ``missing`` the others with the reason.
    """

    version: str
    chain: str
    meeting: str
    drafted_by: str
    parties: tuple[str, ...]
    text: str
    latest: bool
    binding: bool
    signed_by: tuple[str, ...]
    missing: tuple[MissingParty, ...]
    signatures: tuple[SignatureCheck, ...]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "version": self.version,
            "agreed_record": self.chain,
            "meeting": self.meeting,
            "drafted_by": self.drafted_by,
            "parties": list(self.parties),
            "text": self.text,
            "latest": self.latest,
            "binding": self.binding,
            "signed_by": list(self.signed_by),
            "missing": [m.to_dict() for m in self.missing],
            "signatures": [s.to_dict() for s in self.signatures],
        }

    def to_text(self) -> str:
        lines = [
            f"Agreed record {self.chain}, version {self.version}"
            + ("" if self.latest else " (not the latest version)"),
            f"Meeting: {self.meeting}",
            f"Drafted by: {self.drafted_by}; parties: {', '.join(self.parties)}",
        ]
        if self.binding:
            lines.append(
                "Status: BINDING: a representative of every party present signed this version."
            )
        else:
            lines.append("Status: NOT BINDING. Missing:")
            lines += [f"  {m.party}: {m.reason}" for m in self.missing]
        lines.append("Signatures:" if self.signatures else "Signatures: none")
        for s in self.signatures:
            verdict = "counts" if s.counts else "does not count"
            lines.append(
                f"  {s.member} ({s.party}) at {format_time(s.signed_at)}: {verdict}: {s.reason}"
            )
        return "\n".join(lines) + "\n"


def _check_signature(
    conn: Connection, version: StoredEntry, signature: StoredEntry
) -> tuple[bool, str]:
    """Whether one signature on this very version counts, and why (see the module docstring)."""
    member = signature.content.author
    body = signature.content.body
    then = q.authority(conn, member, at_seq=signature.seq)
    now = q.authority(conn, member)
    if then is None or now is None:
        return False, f"{member} was not a member when signing"
    if then.party not in version.content.body["parties"]:
        return False, f"{member} acts for {then.party}, which the agreed record does not name"
    if now.revoked:
        why = f" ({now.revoked_reason})" if now.revoked_reason else ""
        return False, f"{member} has been revoked{why}; a revoked member's signature does not count"
    if then.mandate.expired_at(signature.stamp.at):
        return False, f"the mandate of {member} had expired when they signed"
    if then.role < SIGNING_ROLE:
        return False, (
            f"{member} was {then.role} when signing; a signature counts from {SIGNING_ROLE} up"
        )
    topic = version.content.body.get("topic")
    if topic is not None and not then.mandate.covers_topic(topic):
        return False, f"the mandate of {member} did not cover the topic {topic!r} when signing"
    key = then.key(str(body["key_id"]))
    if key is None:
        return False, f"key {body['key_id']} was not a key of {member} when signing"
    if not verify(key.public_key, version.raw, b64d(str(body["signature"]), what="signature")):
        return False, "the signature does not verify over this version's bytes"
    return True, f"{member} ({then.party}, {then.role}, mandate live) signed this version"


def evaluate(
    conn: Connection,
    version: StoredEntry,
    signatures: Sequence[StoredEntry],
    *,
    chain: str,
    meeting: str,
    latest: bool,
) -> AgreedRecordStatus:
    """The binding status of one version, from every signature on its agreed record."""
    parties = tuple(version.content.body["parties"])
    checks: list[SignatureCheck] = []
    for signature in sorted(signatures, key=lambda s: s.seq):
        signed = str(signature.content.body["version"])
        if signed == version.id:
            counts, reason = _check_signature(conn, version, signature)
        else:
            counts, reason = False, f"signed another version ({signed}), not this one"
        checks.append(
            SignatureCheck(
                entry=signature.id,
                member=signature.content.author,
                party=str(signature.content.party),
                version=signed,
                signed_at=signature.stamp.at,
                counts=counts,
                reason=reason,
            )
        )
    signed_by = tuple(sorted({c.party for c in checks if c.counts} & set(parties)))
    missing = []
    for party in parties:
        if party in signed_by:
            continue
        theirs = [c for c in checks if c.party == party]
        if not theirs:
            reason = f"no representative of {party} has signed"
        else:
            reason = "no signature that counts: " + "; ".join(
                f"{c.member}: {c.reason}" for c in theirs
            )
        missing.append(MissingParty(party, reason))
    return AgreedRecordStatus(
        version=version.id,
        chain=chain,
        meeting=meeting,
        drafted_by=str(version.content.party),
        parties=parties,
        text=str(version.content.body["text"]),
        latest=latest,
        binding=not missing,
        signed_by=signed_by,
        missing=tuple(missing),
        signatures=tuple(checks),
    )


# --- guards -----------------------------------------------------------------------------


def _expect_release(ctx: GuardContext, parties: Sequence[str]) -> None:
    if ALL_PARTIES in ctx.release or sorted(ctx.release) != sorted(set(parties)):
        raise InvalidInput(
            f"a {ctx.kind} entry is released to exactly the parties present: {sorted(parties)}"
        )


def _meeting_for(ctx: GuardContext, meeting_id: str) -> StoredEntry:
    """The current meeting record as the author's party sees it; named by its own id."""
    meeting = resolve_meeting(ctx.conn, meeting_id, ctx.party)
    if meeting is None:
        raise NotFound(f"no meeting {meeting_id}")
    root = meeting_of(meeting, ctx.conn)
    if root != meeting_id:
        raise InvalidInput(f"name the meeting by its own id {root}, not by a later version's")
    if ctx.party not in meeting.content.body["parties"]:
        raise NotPermitted(f"{ctx.party} was not present at meeting {meeting_id}")
    return meeting


def _same_meeting_as_superseded(ctx: GuardContext) -> None:
    """A correction or amendment stays with its meeting."""
    if ctx.supersedes is None:
        return
    old = q.get_entry(ctx.conn, ctx.supersedes, ctx.party)
    if old is not None and old.content.body["meeting"] != ctx.body["meeting"]:
        raise InvalidInput("a correction stays with its meeting: keep the meeting id")


def _guard_meeting(ctx: GuardContext) -> None:
    body = ctx.body
    if ctx.party not in body["parties"]:
        raise NotPermitted("a party records only meetings at which it was present")
    known = {p.id for p in q.parties(ctx.conn)}
    unknown = sorted(set(body["parties"]) - known)
    if unknown:
        raise InvalidInput(f"unknown parties: {', '.join(unknown)}")
    for participant in body["participants"]:
        member = participant["member"]
        if member is None:
            continue
        authority = q.authority(ctx.conn, member)
        if authority is None or authority.party != participant["party"]:
            raise InvalidInput(f"{member} is not a member of {participant['party']}")


def _guard_account(ctx: GuardContext) -> None:
    body = ctx.body
    _meeting_for(ctx, body["meeting"])
    names = {str(ctx.party)} | {p.name for p in q.parties(ctx.conn) if p.id == ctx.party}
    if body["account"]["party"] not in names:
        raise InvalidInput(
            f"an account is its own party's: its party must be {' or '.join(sorted(names))}"
        )
    _same_meeting_as_superseded(ctx)
    # One live account per author and party, so that accounts stay distinguishable.
    own = latest_by_chain(
        visible_rows(
            ctx.conn,
            proj_meeting_accounts,
            None,
            proj_meeting_accounts.c.meeting == body["meeting"],
            proj_meeting_accounts.c.party == ctx.party,
        )
    )
    author = str(body["account"]["author"]).casefold()
    for row in own:
        if row.author == author and row.id != ctx.supersedes:
            raise Conflict(
                f"{ctx.party} already has an account of this meeting by "
                f"{body['account']['author']} ({row.id}); supersede it to correct it"
            )


def _guard_agreed_record(ctx: GuardContext) -> None:
    body = ctx.body
    meeting = _meeting_for(ctx, body["meeting"])
    present = meeting.content.body["parties"]
    if body["parties"] != present:
        raise InvalidInput(
            f"an agreed record names exactly the parties present: {', '.join(present)}"
        )
    if body["topic"] != meeting.content.body["topic"]:
        raise InvalidInput(
            f"an agreed record keeps the meeting's topic ({meeting.content.body['topic']})"
        )
    _expect_release(ctx, present)
    _same_meeting_as_superseded(ctx)
    if ctx.supersedes is not None:
        old = q.get_entry(ctx.conn, ctx.supersedes, ctx.party)
        assert old is not None  # the record service found it before the guards ran
        chain = chain_of(ctx.conn, old.id)
        status = evaluate(
            ctx.conn,
            old,
            signatures_of(ctx.conn, chain, ctx.party),
            chain=chain,
            meeting=body["meeting"],
            latest=True,
        )
        if status.binding:
            raise Conflict("this version is binding; propose a new agreed record instead")


def _guard_sign(ctx: GuardContext) -> None:
    body = ctx.body
    version = q.get_entry(ctx.conn, body["version"], ctx.party)
    if version is None or version.content.kind != "meeting.agreed_record":
        raise NotFound(f"no agreed record {body['version']}")
    parties = version.content.body["parties"]
    if ctx.party not in parties:
        raise NotPermitted(f"{ctx.party} is not a party to this agreed record")
    _expect_release(ctx, parties)
    if is_amended(ctx.conn, version.id, ctx.party):
        raise Conflict("this version has been amended; sign its latest version")
    already = ctx.conn.execute(
        select(proj_agreed_signatures.c.id).where(
            proj_agreed_signatures.c.version == version.id,
            proj_agreed_signatures.c.member == ctx.author,
        )
    ).first()
    if already is not None:
        raise Conflict(f"{ctx.author} has already signed this version")
    assert ctx.authority is not None  # members only: the kind has a least role
    key = ctx.authority.current_key
    if body["key_id"] != key.key_id:
        raise InvalidSignature(
            f"sign with the current key of {ctx.author} ({key.key_id}), not {body['key_id']}"
        )
    if not verify(key.public_key, version.raw, b64d(body["signature"], what="signature")):
        raise InvalidSignature(
            f"the signature does not verify over the bytes of version {version.id} "
            f"with the current key of {ctx.author} ({key.key_id})"
        )


GUARDS.register("meeting.record", _guard_meeting)
GUARDS.register("meeting.account", _guard_account)
GUARDS.register("meeting.agreed_record", _guard_agreed_record)
GUARDS.register("meeting.agreed_record.sign", _guard_sign)
