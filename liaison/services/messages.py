"""Formal messages between parties: channels, drafts, joint approval, sending, receipts.

A message begins as a draft, private to its sending parties; amendments are
new versions; when every sending party has approved the same version it is
sent — a new entry carrying that version's text, its number and its
date-time group, released to senders and addressees. Drafts never sent stay on
the sender's side of the record for ever. Every rule that depends on the
record (numbers unique in a channel's audience, approvals of the same version)
is a guard in :mod:`liaison.messages.kinds`, checked inside the write
transaction.

A message is numbered among the messages of its channel with the same senders
and addressees — its audience, which is also its release set — so the numbers a
party reads run 1, 2, … without the gaps that messages between others would
leave (:mod:`liaison.messages.numbering`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import func, select

from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.messages import kinds as _kinds  # noqa: F401 - registers the message kinds
from liaison.messages.dtg import DtgError, format_dtg, parse_dtg
from liaison.messages.numbering import audience_key
from liaison.projections.messages import (
    proj_channels,
    proj_message_acks,
    proj_message_drafts,
    proj_messages,
)
from liaison.services.record import AppendRequest, RecordService
from liaison.store import queries as q

__all__ = ["Acknowledgements", "Channel", "MessageService", "SentMessage"]


@dataclass(frozen=True)
class Channel:
    channel: str
    name: str
    parties: tuple[str, ...]
    entry: str


@dataclass(frozen=True)
class SentMessage:
    id: str
    seq: int
    channel: str
    number: int
    dtg: str
    time_of_origin: str
    precedence: str
    subject: str
    text: str
    senders: tuple[str, ...]
    addressees: tuple[str, ...]
    references: tuple[str, ...]
    in_reply_to: str | None
    draft: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "channel": self.channel,
            "number": self.number,
            "dtg": self.dtg,
            "time_of_origin": self.time_of_origin,
            "precedence": self.precedence,
            "subject": self.subject,
            "text": self.text,
            "senders": list(self.senders),
            "addressees": list(self.addressees),
            "references": list(self.references),
            "in_reply_to": self.in_reply_to,
            "draft": self.draft,
        }


@dataclass(frozen=True)
class Acknowledgements:
    message: str
    acknowledged: dict[str, str]  # party -> time (node append time)
    pending: tuple[str, ...]


def _sent(entry: StoredEntry) -> SentMessage:
    body = entry.content.body
    return SentMessage(
        id=entry.id,
        seq=entry.seq,
        channel=body["channel"],
        number=int(body["number"]),
        dtg=body["dtg"],
        time_of_origin=body["time_of_origin"],
        precedence=body["precedence"],
        subject=body["subject"],
        text=body["text"],
        senders=tuple(body["senders"]),
        addressees=tuple(body["addressees"]),
        references=tuple(body["references"]),
        in_reply_to=body["in_reply_to"],
        draft=body["draft"],
    )


class MessageService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    def _party(self, member: str) -> str:
        return self.record.authority(member).party

    # --- channels --------------------------------------------------------------------

    def open_channel(
        self, author: str, channel: str, name: str, parties: Sequence[str]
    ) -> StoredEntry:
        party = self._party(author)
        members = sorted({party, *parties})
        return self.record.append(
            AppendRequest(
                author=author,
                kind="channel.open",
                body={"channel": channel, "name": name, "parties": members},
                release=members,
            )
        )

    def channels(self, reader: str) -> list[Channel]:
        with self.record.store.read() as conn:
            rows = conn.execute(
                select(proj_channels)
                .where(q.released_to(proj_channels.c.seq, reader))
                .order_by(proj_channels.c.channel)
            ).all()
            out = []
            for row in rows:
                entry = q.get_entry_by_seq(conn, int(row.seq), reader)
                assert entry is not None
                out.append(Channel(row.channel, row.name, tuple(json.loads(row.parties)), entry.id))
        return out

    # --- drafts ----------------------------------------------------------------------

    def draft(
        self,
        author: str,
        channel: str,
        subject: str,
        text: str,
        addressees: Sequence[str],
        *,
        senders: Sequence[str] | None = None,
        precedence: str = "routine",
        references: Sequence[str] = (),
        in_reply_to: str | None = None,
    ) -> StoredEntry:
        party = self._party(author)
        sending = sorted(set(senders) if senders else {party})
        body = {
            "channel": channel,
            "precedence": precedence,
            "subject": subject,
            "text": text,
            "senders": sending,
            "addressees": sorted(set(addressees)),
            "references": list(references),
            "in_reply_to": in_reply_to,
        }
        return self.record.append(
            AppendRequest(author=author, kind="message.draft", body=body, release=sending)
        )

    def amend(self, author: str, draft_id: str, **changes: Any) -> StoredEntry:
        """A new version of a draft; fields not given are kept."""
        party = self._party(author)
        old = self.record.get(party, draft_id)
        if old.content.kind != "message.draft":
            raise NotFound("no such draft")
        allowed = {"subject", "text", "addressees", "precedence", "references", "in_reply_to"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InvalidInput(f"a draft amendment cannot change {', '.join(unknown)}")
        body = {**old.content.body, **{k: v for k, v in changes.items() if v is not None}}
        return self.record.append(
            AppendRequest(
                author=author,
                kind="message.draft",
                body=body,
                release=list(old.content.body["senders"]),
                supersedes=old.id,
            )
        )

    def drafts(self, reader: str, channel: str | None = None) -> list[StoredEntry]:
        """The latest version of every draft the reader's party holds, sent or not."""
        with self.record.store.read() as conn:
            newer = select(proj_message_drafts.c.supersedes).where(
                proj_message_drafts.c.supersedes.is_not(None)
            )
            query = select(proj_message_drafts.c.seq).where(
                q.released_to(proj_message_drafts.c.seq, reader),
                proj_message_drafts.c.id.not_in(newer),
            )
            if channel is not None:
                query = query.where(proj_message_drafts.c.channel == channel)
            seqs = [int(r.seq) for r in conn.execute(query.order_by(proj_message_drafts.c.seq))]
            found = [q.get_entry_by_seq(conn, s, reader) for s in seqs]
        return [e for e in found if e is not None]

    def approve(self, author: str, draft_id: str) -> StoredEntry:
        party = self._party(author)
        draft = self.record.get(party, draft_id)
        if draft.content.kind != "message.draft":
            raise NotFound("no such draft")
        return self.record.append(
            AppendRequest(
                author=author,
                kind="message.approve",
                body={"draft": draft_id},
                release=list(draft.content.body["senders"]),
            )
        )

    # --- sending ---------------------------------------------------------------------

    def send(
        self,
        author: str,
        draft_id: str,
        *,
        number: int | None = None,
        dtg: str | None = None,
        zone: str = "Z",
    ) -> StoredEntry:
        """Send one approved draft version; the number defaults to the next of its audience.

        The audience is the draft's senders and addressees; the default is one more than the
        highest number among the channel's messages to that audience, all of which the sender's
        party can read, so the number chosen depends on nothing the sender may not see.
        """
        party = self._party(author)
        draft = self.record.get(party, draft_id)
        if draft.content.kind != "message.draft":
            raise NotFound("no such draft")
        now = self.record.clock()
        try:
            if dtg is not None:
                group = parse_dtg(dtg, reference=now)
                origin, shown = group.utc, group.format()
            else:
                origin = now.astimezone(UTC).replace(second=0, microsecond=0)
                shown = format_dtg(origin, zone)
        except DtgError as exc:
            raise InvalidInput(str(exc)) from None
        body = dict(draft.content.body)
        for attempt in range(3):
            chosen = (
                number
                if number is not None
                else self._next_number(body["channel"], body["senders"], body["addressees"])
            )
            try:
                return self.record.append(
                    AppendRequest(
                        author=author,
                        kind="message.send",
                        body={
                            **body,
                            "draft": draft.id,
                            "number": chosen,
                            "time_of_origin": format_time(origin),
                            "dtg": shown,
                        },
                        release=sorted({*body["senders"], *body["addressees"]}),
                    )
                )
            except Conflict as exc:
                # Another sender took the number between our read and our append.
                if number is not None or "number" not in str(exc) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _next_number(self, channel: str, senders: Sequence[str], addressees: Sequence[str]) -> int:
        """One more than the highest number used in the channel between these parties."""
        with self.record.store.read() as conn:
            top = conn.execute(
                select(func.max(proj_messages.c.number)).where(
                    proj_messages.c.channel == channel,
                    proj_messages.c.audience == audience_key(senders, addressees),
                )
            ).scalar()
        return int(top or 0) + 1

    def acknowledge(self, author: str, message_id: str) -> StoredEntry:
        party = self._party(author)
        message = self.record.get(party, message_id)
        if message.content.kind != "message.send":
            raise NotFound("no such message")
        return self.record.append(
            AppendRequest(
                author=author,
                kind="message.ack",
                body={"message": message_id},
                release=sorted({*message.content.body["senders"], party}),
            )
        )

    def acknowledgements(self, reader: str, message_id: str) -> Acknowledgements:
        """Who has acknowledged a message and who not yet, as far as the reader may know."""
        message = self.record.get(reader, message_id)
        if message.content.kind != "message.send":
            raise NotFound("no such message")
        with self.record.store.read() as conn:
            rows = conn.execute(
                select(proj_message_acks.c.party, proj_message_acks.c.at).where(
                    proj_message_acks.c.message == message_id,
                    q.released_to(proj_message_acks.c.seq, reader),
                )
            ).all()
        acked = {r.party: r.at for r in rows}
        body = message.content.body
        if reader in body["senders"]:
            pending = tuple(p for p in body["addressees"] if p not in acked)
        else:  # an addressee learns only about its own receipt
            pending = () if reader in acked else (reader,)
        return Acknowledgements(message_id, acked, pending)

    # --- reading ---------------------------------------------------------------------

    def message(self, reader: str, message_id: str) -> SentMessage:
        entry = self.record.get(reader, message_id)
        if entry.content.kind != "message.send":
            raise NotFound("no such message")
        return _sent(entry)

    def thread(self, reader: str, channel: str) -> list[SentMessage]:
        """The channel as a conversation: every sent message the reader may read, in order."""
        with self.record.store.read() as conn:
            seqs = [
                int(r.seq)
                for r in conn.execute(
                    select(proj_messages.c.seq)
                    .where(
                        proj_messages.c.channel == channel,
                        q.released_to(proj_messages.c.seq, reader),
                    )
                    .order_by(proj_messages.c.time_of_origin, proj_messages.c.number)
                )
            ]
            entries = [q.get_entry_by_seq(conn, s, reader) for s in seqs]
        return [_sent(e) for e in entries if e is not None]

    def replies(self, reader: str, message_id: str) -> list[SentMessage]:
        self.message(reader, message_id)
        with self.record.store.read() as conn:
            seqs = [
                int(r.seq)
                for r in conn.execute(
                    select(proj_messages.c.seq)
                    .where(
                        proj_messages.c.in_reply_to == message_id,
                        q.released_to(proj_messages.c.seq, reader),
                    )
                    .order_by(proj_messages.c.seq)
                )
            ]
            entries = [q.get_entry_by_seq(conn, s, reader) for s in seqs]
        return [_sent(e) for e in entries if e is not None]
