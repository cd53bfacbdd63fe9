"""Meetings, each party's own account of them, agreed records, and divergence reports.

Each side kept its own record of the same conversation, and the records
disagree (Clark Kerr's and Molotov's of 20 February 1943; Eden's and Maisky's
of 10 March). This service puts all of it on the record without ever blurring
unilateral and agreed: a meeting is recorded by a party present; each party
files its own account, released as it chooses; an agreed record is a text
drafted by one party present and released to all of them, which binds only
when a representative of every party present has signed the same version
(:func:`liaison.accounts.kinds.evaluate`, computed on every read, never
stored); and a divergence report compares the accounts *the reader may see*,
nothing else, so that it cannot hint at an account kept from the reader.

Every rule that needs the record is a guard in :mod:`liaison.accounts.kinds`,
run inside the write transaction; this module builds requests and reads.
``reader`` is always the reading member's party (``None`` is the node itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from liaison.accounts.divergence import DivergenceReport, compare_accounts
from liaison.accounts.kinds import (  # importing it registers the kinds, guards, projector
    AgreedRecordStatus,
    chain_of,
    evaluate,
    meeting_of,
    resolve_meeting,
    signatures_of,
)
from liaison.accounts.model import Account, AccountError, JsonValue
from liaison.domain.entry import StoredEntry, is_entry_id
from liaison.domain.time import format_time, parse_time
from liaison.errors import Conflict, NotFound
from liaison.projections.meetings import (
    latest_by_chain,
    proj_agreed_records,
    proj_meeting_accounts,
    proj_meetings,
    visible_rows,
)
from liaison.services.record import AppendRequest, RecordService
from liaison.store import queries as q

__all__ = [
    "DIVERGENCE_FORMAT",
    "FiledAccount",
    "Meeting",
    "MeetingDivergence",
    "MeetingService",
]

#: identifies the shape of :meth:`MeetingDivergence.to_dict` (the report inside has its own)
DIVERGENCE_FORMAT = "liaison.meeting-divergence/1"


@dataclass(frozen=True)
class Meeting:
    """The latest version of a meeting record that the reader may see."""

    id: str
    version: str
    recorded_by: str
    title: str
    held_at: datetime
    place: str
    parties: tuple[str, ...]
    participants: tuple[Mapping[str, Any], ...]
    topic: str | None
    release: tuple[str, ...]

    @classmethod
    def of(cls, meeting_id: str, entry: StoredEntry) -> Meeting:
        body = entry.content.body
        return cls(
            id=meeting_id,
            version=entry.id,
            recorded_by=str(entry.content.party),
            title=body["title"],
            held_at=parse_time(body["held_at"]),
            place=body["place"],
            parties=tuple(body["parties"]),
            participants=tuple(body["participants"]),
            topic=body["topic"],
            release=entry.content.release,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "recorded_by": self.recorded_by,
            "title": self.title,
            "held_at": format_time(self.held_at),
            "place": self.place,
            "parties": list(self.parties),
            "participants": [dict(p) for p in self.participants],
            "topic": self.topic,
            "release": list(self.release),
        }


@dataclass(frozen=True)
class FiledAccount:
    """One party's account of a meeting, as the latest version the reader may see."""

    entry: str
    chain: str
    meeting: str
    party: str
    author: str
    release: tuple[str, ...]
    account: Account

    @property
    def label(self) -> str:
        """The label the divergence report gives the account: "party (author)"."""
        return f"{self.account.party} ({self.account.author})"

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "entry": self.entry,
            "account_id": self.chain,
            "meeting": self.meeting,
            "party": self.party,
            "author": self.author,
            "release": list(self.release),
            "label": self.label,
            "account": self.account.to_dict(),
        }


@dataclass(frozen=True)
class MeetingDivergence:
    """A divergence report over the accounts one reader may see, or why there is none.

    ``accounts`` are exactly the entries compared, in the report's order.
    With fewer than two, ``report`` is None and the text says no comparison
    is possible from what the reader holds; it never says whether other
    accounts exist.
    """

    meeting: Meeting
    accounts: tuple[FiledAccount, ...]
    report: DivergenceReport | None

    @property
    def comparable(self) -> bool:
        return self.report is not None

    @property
    def note(self) -> str:
        if self.report is not None:
            return f"{len(self.accounts)} accounts available to you were compared"
        if self.accounts:
            return (
                f"only one account of this meeting is available to you "
                f"({self.accounts[0].label}); no comparison is possible"
            )
        return "no account of this meeting is available to you; no comparison is possible"

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
            "format": DIVERGENCE_FORMAT,
            "meeting": self.meeting.id,
            "meeting_version": self.meeting.version,
            "title": self.meeting.title,
            "held_at": format_time(self.meeting.held_at),
            "accounts": [
                {"entry": a.entry, "party": a.party, "label": a.label} for a in self.accounts
            ],
            "comparable": self.comparable,
            "note": self.note,
        }
        if self.report is not None:
            out["report"] = self.report.to_dict()
        return out

    def to_text(self) -> str:
        lines = [
            f"Meeting: {self.meeting.title}, {format_time(self.meeting.held_at)}, "
            f"{self.meeting.place} ({self.meeting.id})",
            "Accounts available to you:" if self.accounts else "Accounts available to you: none",
        ]
        lines += [f"  {a.label}: entry {a.entry}" for a in self.accounts]
        lines.append(f"Note: {self.note}.")
        text = "\n".join(lines) + "\n"
        if self.report is not None:
            text += "\n" + self.report.to_text()
        return text


def _account_order(account: FiledAccount) -> tuple[str, str, str, str, str]:
    """The divergence report's own order (party, then author), then the entry id."""
    a = account.account
    return (a.party.casefold(), a.party, a.author.casefold(), a.author, account.entry)


class MeetingService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    # --- writing ---------------------------------------------------------------------

    def record_meeting(
        self,
        author: str,
        *,
        title: str,
        held_at: datetime | str,
        place: str,
        participants: Sequence[Mapping[str, Any]],
        parties: Sequence[str] | None = None,
        topic: str | None = None,
        release: Sequence[str] | None = None,
        supersedes: str | None = None,
    ) -> StoredEntry:
        """Record who met, when and where; the parties present default to the participants'."""
        moment = format_time(held_at) if isinstance(held_at, datetime) else held_at
        present = (
            list(parties)
            if parties is not None
            else sorted({str(p.get("party")) for p in participants})
        )
        body = {
            "title": title,
            "held_at": moment,
            "place": place,
            "parties": present,
            "participants": [dict(p) for p in participants],
            "topic": topic,
        }
        return self.record.append(
            AppendRequest(
                author=author,
                kind="meeting.record",
                body=body,
                release=release,
                supersedes=supersedes,
            )
        )

    def file_account(
        self,
        author: str,
        meeting_id: str,
        account: Account | Mapping[str, Any],
        *,
        release: Sequence[str] | None = None,
        supersedes: str | None = None,
    ) -> StoredEntry:
        """File the author's party's own account; ``release`` is that party's choice.

        ``meeting_id`` may be any version's id; the entry names the meeting by its own.
        """
        party = self.record.authority(author).party
        meeting = self.meeting(party, meeting_id)
        if isinstance(account, Account):
            data: Mapping[str, Any] = account.to_dict()
        else:
            data = account
        return self.record.append(
            AppendRequest(
                author=author,
                kind="meeting.account",
                body={"meeting": meeting.id, "account": dict(data)},
                release=release,
                supersedes=supersedes,
            )
        )

    def propose_agreed_record(
        self, author: str, meeting_id: str, text: str, *, supersedes: str | None = None
    ) -> StoredEntry:
        """Draft (or amend) an agreed record, naming and released to every party present."""
        party = self.record.authority(author).party
        meeting = self.meeting(party, meeting_id)
        return self.record.append(
            AppendRequest(
                author=author,
                kind="meeting.agreed_record",
                body={
                    "meeting": meeting.id,
                    "parties": list(meeting.parties),
                    "topic": meeting.topic,
                    "text": text,
                },
                release=list(meeting.parties),
                supersedes=supersedes,
            )
        )

    def sign_agreed_record(self, author: str, body: Mapping[str, str]) -> StoredEntry:
        """Put a member's signature on the record: ``body`` from
        :func:`liaison.accounts.kinds.sign_version`, made on the member's side."""
        party = self.record.authority(author).party
        version_id = str(body.get("version", ""))
        with self.record.store.read() as conn:
            version = q.get_entry(conn, version_id, party) if is_entry_id(version_id) else None
        if version is None or version.content.kind != "meeting.agreed_record":
            raise NotFound(f"no agreed record {version_id}")
        return self.record.append(
            AppendRequest(
                author=author,
                kind="meeting.agreed_record.sign",
                body=dict(body),
                release=list(version.content.body["parties"]),
            )
        )

    # --- reading ---------------------------------------------------------------------

    def meeting(self, reader: str | None, meeting_id: str) -> Meeting:
        """A meeting by its id (or any version's id) as the reader may see it."""
        with self.record.store.read() as conn:
            return self._meeting(conn, reader, meeting_id)

    def _meeting(self, conn: Connection, reader: str | None, meeting_id: str) -> Meeting:
        entry = resolve_meeting(conn, meeting_id, reader)
        if entry is None:
            raise NotFound("no such meeting")
        return Meeting.of(meeting_of(entry, conn), entry)

    def meetings(self, reader: str | None) -> list[Meeting]:
        """Every meeting the reader may see, latest version each, by time held then id."""
        with self.record.store.read() as conn:
            rows = latest_by_chain(visible_rows(conn, proj_meetings, reader), key="meeting")
            found = [(str(row.meeting), q.get_entry(conn, str(row.id), reader)) for row in rows]
        meetings = [Meeting.of(root, entry) for root, entry in found if entry is not None]
        return sorted(meetings, key=lambda m: (m.held_at, m.id))

    def accounts(self, reader: str | None, meeting_id: str) -> list[FiledAccount]:
        """The latest version of each account of a meeting that the reader may see."""
        with self.record.store.read() as conn:
            return self._accounts(conn, reader, self._meeting(conn, reader, meeting_id))

    def _accounts(
        self, conn: Connection, reader: str | None, meeting: Meeting
    ) -> list[FiledAccount]:
        rows = latest_by_chain(
            visible_rows(
                conn, proj_meeting_accounts, reader, proj_meeting_accounts.c.meeting == meeting.id
            )
        )
        filed = []
        for row in rows:
            entry = q.get_entry(conn, str(row.id), reader)
            if entry is None:
                continue
            filed.append(
                FiledAccount(
                    entry=entry.id,
                    chain=str(row.chain),
                    meeting=meeting.id,
                    party=str(entry.content.party),
                    author=entry.content.author,
                    release=entry.content.release,
                    account=Account.from_dict(entry.content.body["account"]),
                )
            )
        return sorted(filed, key=_account_order)

    def agreed_records(self, reader: str | None, meeting_id: str) -> list[AgreedRecordStatus]:
        """The latest version of each agreed record of a meeting, with its binding status."""
        with self.record.store.read() as conn:
            meeting = self._meeting(conn, reader, meeting_id)
            rows = latest_by_chain(
                visible_rows(
                    conn, proj_agreed_records, reader, proj_agreed_records.c.meeting == meeting.id
                )
            )
            return [self._status(conn, reader, str(row.id)) for row in rows]

    def agreed_record_status(self, reader: str | None, version_id: str) -> AgreedRecordStatus:
        """Whether one exact version binds, and if not which parties are missing and why."""
        with self.record.store.read() as conn:
            return self._status(conn, reader, version_id)

    def _status(self, conn: Connection, reader: str | None, version_id: str) -> AgreedRecordStatus:
        version = q.get_entry(conn, version_id, reader) if is_entry_id(version_id) else None
        if version is None or version.content.kind != "meeting.agreed_record":
            raise NotFound("no such agreed record")
        chain = chain_of(conn, version.id)
        versions = visible_rows(
            conn, proj_agreed_records, reader, proj_agreed_records.c.chain == chain
        )
        return evaluate(
            conn,
            version,
            signatures_of(conn, chain, reader),
            chain=chain,
            meeting=str(version.content.body["meeting"]),
            latest=str(versions[-1].id) == version.id,
        )

    def divergence(self, reader: str | None, meeting_id: str) -> MeetingDivergence:
        """Compare the accounts of a meeting that the reader may see (latest versions only).

        Built from nothing but what :meth:`accounts` returns for this reader, so
        it is the same report whether or not other accounts exist.
        """
        with self.record.store.read() as conn:
            meeting = self._meeting(conn, reader, meeting_id)
            filed = self._accounts(conn, reader, meeting)
        if len(filed) < 2:
            return MeetingDivergence(meeting, tuple(filed), None)
        label = f"{meeting.title}, {format_time(meeting.held_at)} (meeting {meeting.id})"
        try:
            report = compare_accounts([f.account for f in filed], meeting=label)
        except AccountError as exc:  # the guards keep labels distinct, so this is not expected
            raise Conflict(
                f"the accounts of meeting {meeting.id} cannot be compared: {exc}"
            ) from exc
        return MeetingDivergence(meeting, tuple(filed), report)
