"""Replaying a scenario through the real services, one event at a time, in time order.

Every event becomes one call of the service that owns it — ``node.roster``, ``node.record``,
``node.messages``, ``node.agreements``, ``node.meetings``, ``node.picture`` — exactly as a
member's request through the API would, so each is authorised against the member's role and
mandate, checked by the kind's schema and guards, signed and appended by the node. Nothing is
written by hand: a scenario that breaks a rule is refused by the rule. Signatures that members
make on their own side (agreements, agreed records, deconfliction arrangements) are made here
with the member's own key file, which the roster handed out when the member was appointed.

Before each event the node's clock is set to the event's time (:mod:`liaison.scenario.clock`):
a scenario's times are the node's append times.

:class:`Loader` turns a validated :class:`~liaison.scenario.schema.Scenario` into
:class:`Step` s and applies them; :func:`load` runs them all, and
:func:`liaison.scenario.replay.Replay` runs them paced, for watching the record unfold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from liaison.accounts.kinds import sign_version as sign_agreed_record
from liaison.agreements.model import sign_version as sign_agreement_version
from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.errors import LiaisonError
from liaison.node import Node
from liaison.picture import arrangement_signature
from liaison.scenario import schema as s
from liaison.scenario.clock import ScenarioClock, create_node
from liaison.scenario.errors import Problem, ScenarioError
from liaison.services.record import AppendRequest
from liaison.services.roster import Appointment

__all__ = ["LoadResult", "Loader", "Step", "describe", "load", "load_new", "runs"]


@dataclass(frozen=True)
class Step:
    """One thing the loader does at one time: add a party, appoint a member, or one event."""

    at: datetime
    #: where it is in the scenario file, e.g. ``timeline[12] (agreement.sign)``
    path: str
    item: s.PartySpec | s.MemberSpec | s.Event


@dataclass
class LoadResult:
    """What a load left: members' appointments (token and key file) and the entries by id."""

    #: member id -> the appointment (API token, key file) the roster handed out
    members: dict[str, Appointment] = field(default_factory=dict)
    #: scenario id -> the entry the event appended (for agreements: the first version)
    entries: dict[str, StoredEntry] = field(default_factory=dict)
    #: how many steps were applied
    steps: int = 0
    #: how many entries the record holds after the load (the node's own notices included)
    size: int = 0

    def entry(self, name: str) -> StoredEntry:
        """The entry an event of the scenario named ``name`` appended."""
        return self.entries[name]


class Loader:
    """Applies a scenario's steps to a node whose record reads ``clock``."""

    def __init__(
        self,
        scenario: s.Scenario,
        node: Node,
        clock: ScenarioClock,
        *,
        base: Path | None = None,
        name: str = "scenario",
        on_member: Callable[[str, Appointment], None] | None = None,
    ) -> None:
        if node.record.clock is not clock:
            raise ValueError("the node's record must read the scenario's clock")
        self.scenario = scenario
        self.node = node
        self.clock = clock
        self.base = base
        self.name = name
        self.on_member = on_member
        self.result = LoadResult()
        self._handlers: dict[str, Callable[[Any], StoredEntry | None]] = {
            "member.change": self._member_change,
            "member.revoke": self._member_revoke,
            "note": self._note,
            "entry": self._entry,
            "channel.open": self._channel,
            "message.draft": self._message_draft,
            "message.amend": self._message_amend,
            "message.approve": self._message_approve,
            "message.send": self._message_send,
            "message.acknowledge": self._message_ack,
            "agreement.propose": self._agreement_propose,
            "agreement.revise": self._agreement_revise,
            "agreement.consult": self._agreement_consult,
            "agreement.answer": self._agreement_answer,
            "agreement.amend": self._agreement_amend,
            "agreement.sign": self._agreement_sign,
            "compliance.check": self._compliance_check,
            "meeting.record": self._meeting_record,
            "meeting.account": self._meeting_account,
            "meeting.agreed_record": self._agreed_record,
            "meeting.sign": self._agreed_record_sign,
            "picture.operation": self._picture_operation,
            "picture.amend": self._picture_amend,
            "picture.unit": self._picture_unit,
            "picture.measure": self._picture_measure,
            "picture.acknowledge": self._picture_acknowledge,
            "picture.arrangement": self._picture_arrangement,
            "picture.sign": self._picture_sign,
        }
        missing = sorted(set(s.EVENT_TYPES) - set(self._handlers))
        assert not missing, f"no handler for {missing}"

    # --- the steps ----------------------------------------------------------------------

    def steps(self) -> list[Step]:
        """Every step in the order it is applied: by time; at one time, parties, then members,
        then the timeline in file order."""
        sc = self.scenario
        keyed: list[tuple[datetime, int, int, Step]] = []
        for i, party in enumerate(sc.parties):
            at = sc.party_time(party)
            keyed.append((at, 0, i, Step(at, f"parties[{i}]", party)))
        for i, member in enumerate(sc.members):
            at = sc.member_time(member)
            keyed.append((at, 1, i, Step(at, f"members[{i}]", member)))
        for i, event in enumerate(sc.timeline):
            keyed.append((event.at, 2, i, Step(event.at, f"timeline[{i}] ({event.do})", event)))
        keyed.sort(key=lambda k: k[:3])
        return [k[3] for k in keyed]

    def apply(self, step: Step) -> StoredEntry | None:
        """Set the clock to the step's time and apply it; a refusal names the step."""
        self.clock.set(step.at)
        try:
            entry = self._apply(step.item)
        except (LiaisonError, ValueError, KeyError) as exc:
            if isinstance(exc, LiaisonError):
                detail = exc.detail
            else:  # a KeyError's str() would quote its message
                detail = str(exc.args[0]) if exc.args else type(exc).__name__
            loaded = f"{self.result.steps} step{'s' if self.result.steps != 1 else ''} before it"
            raise ScenarioError(
                self.name, [Problem(step.path, f"refused: {detail}")], loaded=loaded
            ) from exc
        self.result.steps += 1
        item = step.item
        if entry is not None and not isinstance(item, s.PartySpec | s.MemberSpec) and item.id:
            self.result.entries[item.id] = entry
        return entry

    def apply_batch(self, steps: Sequence[Step]) -> None:
        """Apply notes that share one time in one group commit (what a synthetic load is made
        of); each is still authorised, validated and appended on its own by the record."""
        if len(steps) == 1 or not all(batchable(st) for st in steps):
            for step in steps:
                self.apply(step)
            return
        self.clock.set(steps[0].at)
        notes = [st.item for st in steps if isinstance(st.item, s.NoteEvent)]
        results = self.node.record.append_many([self._note_request(n) for n in notes])
        for step, note, result in zip(steps, notes, results, strict=True):
            if isinstance(result, LiaisonError):
                raise ScenarioError(
                    self.name,
                    [Problem(step.path, f"refused: {result.detail}")],
                    loaded=f"{self.result.steps} steps before it",
                )
            self.result.steps += 1
            if note.id:
                self.result.entries[note.id] = result

    def finish(self) -> LoadResult:
        self.result.size = self.node.record.size()
        return self.result

    def _apply(self, item: s.PartySpec | s.MemberSpec | s.Event) -> StoredEntry | None:
        if isinstance(item, s.PartySpec):
            return self.node.roster.add_party(item.id, item.name, item.default_release)
        if isinstance(item, s.MemberSpec):
            appointment = self.node.roster.appoint(
                item.id, item.party, item.name, item.role, item.mandate.to_body()
            )
            self.result.members[item.id] = appointment
            if self.on_member is not None:
                self.on_member(item.id, appointment)
            return appointment.entry
        return self._handlers[item.do](item)

    # --- helpers ------------------------------------------------------------------------

    def _id(self, name: str) -> str:
        return self.result.entries[name].id

    def _ids(self, names: Sequence[str]) -> list[str]:
        return [self._id(n) for n in names]

    def _party(self, member: str) -> str:
        return self.node.record.authority(member).party

    def _key(self, member: str) -> Any:
        appointment = self.result.members.get(member)
        if appointment is None:
            raise KeyError(f"{member} was not appointed by this scenario, so it holds no key")
        return appointment.key

    # --- roster, notes, any kind ----------------------------------------------------------

    def _member_change(self, e: s.MemberChange) -> StoredEntry:
        return self.node.roster.change(e.member, e.role, e.mandate.to_body())

    def _member_revoke(self, e: s.MemberRevoke) -> StoredEntry:
        return self.node.roster.revoke(e.member, e.reason)

    def _note_request(self, e: s.NoteEvent) -> AppendRequest:
        body: dict[str, Any] = {"text": e.text}
        if e.topic is not None:
            body["topic"] = e.topic
        supersedes = self._id(e.supersedes) if e.supersedes else None
        return AppendRequest(e.by, "note", body, release=e.release, supersedes=supersedes)

    def _note(self, e: s.NoteEvent) -> StoredEntry:
        return self.node.record.append(self._note_request(e))

    def _entry(self, e: s.EntryEvent) -> StoredEntry:
        supersedes = self._id(e.supersedes) if e.supersedes else None
        return self.node.record.append(
            AppendRequest(e.by, e.kind, dict(e.body), release=e.release, supersedes=supersedes)
        )

    # --- messages -------------------------------------------------------------------------

    def _channel(self, e: s.ChannelOpen) -> StoredEntry:
        return self.node.messages.open_channel(e.by, e.channel, e.name, e.parties)

    def _message_draft(self, e: s.MessageDraft) -> StoredEntry:
        return self.node.messages.draft(
            e.by,
            e.channel,
            e.subject,
            e.text,
            e.to,
            senders=e.senders,
            precedence=e.precedence,
            references=self._ids(e.references),
            in_reply_to=self._id(e.in_reply_to) if e.in_reply_to else None,
        )

    def _message_amend(self, e: s.MessageAmend) -> StoredEntry:
        changes: dict[str, Any] = {
            "subject": e.subject,
            "text": e.text,
            "addressees": None if e.to is None else sorted(set(e.to)),
            "precedence": e.precedence,
        }
        return self.node.messages.amend(e.by, self._id(e.draft), **changes)

    def _message_approve(self, e: s.MessageApprove) -> StoredEntry:
        return self.node.messages.approve(e.by, self._id(e.draft))

    def _message_send(self, e: s.MessageSend) -> StoredEntry:
        return self.node.messages.send(e.by, self._id(e.draft), number=e.number, dtg=e.dtg)

    def _message_ack(self, e: s.MessageAcknowledge) -> StoredEntry:
        return self.node.messages.acknowledge(e.by, self._id(e.message))

    # --- agreements -----------------------------------------------------------------------

    def _terms(self, terms: Mapping[str, Any]) -> dict[str, Any]:
        """Terms with the scenario ids in ``ends`` turned into the agreements' root ids."""
        data = dict(terms)
        if "ends" in data:
            data["ends"] = [{**e, "agreement": self._id(e["agreement"])} for e in data["ends"]]
        return data

    def _agreement_propose(self, e: s.AgreementPropose) -> StoredEntry:
        return self.node.agreements.draft(e.by, self._terms(e.terms))

    def _agreement_revise(self, e: s.AgreementRevise) -> StoredEntry:
        return self.node.agreements.revise(e.by, self._id(e.version), self._terms(e.terms))

    def _agreement_consult(self, e: s.AgreementConsult) -> StoredEntry:
        return self.node.agreements.consult(
            e.by,
            self._id(e.agreement),
            e.to,
            version=self._id(e.version) if e.version else None,
            note=e.message,
        )

    def _version(self, member: str, agreement: str, version: str | None) -> Any:
        """The version (as the member's party reads it) named, or the latest."""
        versions = self.node.agreements.versions(self._party(member), agreement)
        if version is None:
            return versions[-1]
        for found in versions:
            if found.id == version:
                return found
        raise KeyError(f"version {version} is not one the party of {member} may read")

    def _agreement_answer(self, e: s.AgreementAnswer) -> StoredEntry:
        agreement = self._id(e.agreement)
        chosen = self._version(e.by, agreement, self._id(e.version) if e.version else None)
        return self.node.agreements.answer(
            e.by,
            agreement,
            chosen.id,
            e.stance,
            e.reasons,
            amendment=self._id(e.amendment) if e.amendment else None,
        )

    def _agreement_amend(self, e: s.AgreementAmend) -> StoredEntry:
        agreement = self._id(e.agreement)
        base = self._version(e.by, agreement, self._id(e.base) if e.base else None)
        return self.node.agreements.amend(e.by, agreement, base.id, self._terms(e.terms))

    def _agreement_sign(self, e: s.AgreementSign) -> StoredEntry:
        agreement = self._id(e.agreement)
        chosen = self._version(e.by, agreement, self._id(e.version) if e.version else None)
        signature = sign_agreement_version(self._key(e.by), agreement, chosen.id, chosen.terms)
        return self.node.agreements.sign(e.by, signature)

    def _compliance_check(self, e: s.ComplianceCheck) -> None:
        self.node.agreements.check()

    # --- meetings -------------------------------------------------------------------------

    def _meeting_record(self, e: s.MeetingRecord) -> StoredEntry:
        return self.node.meetings.record_meeting(
            e.by,
            title=e.title,
            held_at=e.held_at or e.at,
            place=e.place,
            participants=[p.model_dump() for p in e.participants],
            topic=e.topic,
            release=e.release,
        )

    def _meeting_account(self, e: s.MeetingAccount) -> StoredEntry:
        return self.node.meetings.file_account(
            e.by, self._id(e.meeting), s.account_data(e, self.base), release=e.release
        )

    def _agreed_record(self, e: s.AgreedRecordPropose) -> StoredEntry:
        return self.node.meetings.propose_agreed_record(
            e.by,
            self._id(e.meeting),
            e.text,
            supersedes=self._id(e.supersedes) if e.supersedes else None,
        )

    def _agreed_record_sign(self, e: s.AgreedRecordSign) -> StoredEntry:
        version = self.result.entries[e.record]
        body = sign_agreed_record(self._key(e.by), version.id, version.raw)
        return self.node.meetings.sign_agreed_record(e.by, body)

    # --- the operational picture -----------------------------------------------------------

    def _picture_operation(self, e: s.PictureOperation) -> StoredEntry:
        return self.node.picture.create_operation(
            e.by,
            ref=e.ref,
            kind=e.kind,
            volumes=[dict(v) for v in e.volumes],
            name=e.name,
            state=e.state,
            note=e.description,
            release=e.release,
        )

    def _picture_amend(self, e: s.PictureAmend) -> StoredEntry:
        return self.node.picture.amend_operation(
            e.by,
            self._id(e.operation),
            kind=e.kind,
            volumes=None if e.volumes is None else [dict(v) for v in e.volumes],
            name=e.name,
            state=e.state,
            note=e.description,
            release=e.release,
        )

    def _picture_unit(self, e: s.PictureUnit) -> StoredEntry:
        return self.node.picture.report_unit(
            e.by,
            unit=e.unit,
            name=e.name,
            position=dict(e.position),
            time=e.time or e.at,
            stale_time=e.stale_time,
            symbol_code=e.symbol_code,
            heading_deg=e.heading_deg,
            speed_mps=e.speed_mps,
            release=e.release,
        )

    def _picture_measure(self, e: s.PictureMeasure) -> StoredEntry:
        return self.node.picture.create_measure(
            e.by,
            ref=e.ref,
            kind=e.kind,
            geometry=dict(e.geometry),
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            binds=e.binds,
            permitted_sides=e.permitted_sides,
            name=e.name,
            note=e.description,
            release=e.release,
        )

    def _conflict_of(self, member: str, name: str) -> str:
        """The conflict the member's party was notified of that involves one of its own
        operations or units (named by the scenario id of the event that put it on the record)."""
        subject = self.result.entries[name]
        body = subject.content.body
        ref = body.get("ref") or body.get("unit")
        party = self._party(member)
        for view in self.node.picture.conflicts(party, limit=None):
            if view["status"] == "cleared":
                continue
            if any(own.get("ref") == ref for own in view["own"]):
                return str(view["conflict"])
        raise KeyError(f"{party} has not been notified of a conflict involving {name!r}")

    def _picture_acknowledge(self, e: s.PictureAcknowledge) -> StoredEntry:
        return self.node.picture.acknowledge(
            e.by, self._conflict_of(e.by, e.conflict_of), e.message
        )

    def _picture_arrangement(self, e: s.PictureArrangement) -> StoredEntry:
        return self.node.picture.propose_arrangement(
            e.by, self._conflict_of(e.by, e.conflict_of), e.text
        )

    def _picture_sign(self, e: s.PictureSign) -> StoredEntry:
        arrangement = self.result.entries[e.arrangement]
        signed = arrangement_signature(self._key(e.by), arrangement.raw)
        return self.node.picture.sign_arrangement(
            e.by, arrangement.id, signed["key_id"], signed["signature"]
        )


def load(
    scenario: s.Scenario,
    node: Node,
    clock: ScenarioClock,
    *,
    base: Path | None = None,
    name: str = "scenario",
    on_member: Callable[[str, Appointment], None] | None = None,
    release_clock: bool = True,
) -> LoadResult:
    """Apply every step of ``scenario`` to ``node``; then the clock goes back to the wall clock
    (unless ``release_clock`` is false)."""
    loader = Loader(scenario, node, clock, base=base, name=name, on_member=on_member)
    try:
        for run in runs(loader.steps()):
            loader.apply_batch(run)
    finally:
        if release_clock:
            clock.release()
    return loader.finish()


def load_new(
    scenario: s.Scenario,
    db: str,
    node_key_path: str | Path,
    *,
    base: Path | None = None,
    name: str = "scenario",
    on_member: Callable[[str, Appointment], None] | None = None,
) -> tuple[Node, LoadResult]:
    """Create a node over a new store and load ``scenario`` into it.

    The record starts at the scenario's ``start`` (its genesis is stamped then). If the record
    refuses a step, the node is closed and, for a SQLite file this call created, the file (and
    a node key it created) is removed, so that a failed load leaves nothing behind.
    """
    key_path = Path(node_key_path)
    made_key = not key_path.exists()
    file = None if "://" in db else Path(db)
    clock = ScenarioClock(scenario.start)
    node = create_node(db, key_path, scenario.origin, clock)
    try:
        result = load(scenario, node, clock, base=base, name=name, on_member=on_member)
    except ScenarioError as exc:
        node.close()
        if file is not None:
            for path in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
                path.unlink(missing_ok=True)
            if made_key:
                key_path.unlink(missing_ok=True)
            raise ScenarioError(exc.name, exc.problems) from exc
        raise
    return node, result


#: the most notes appended in one group commit
MAX_BATCH = 500


def batchable(step: Step) -> bool:
    """Whether a step can go in a group commit with others: a note that corrects nothing."""
    return isinstance(step.item, s.NoteEvent) and step.item.supersedes is None


def runs(steps: Sequence[Step]) -> Iterator[list[Step]]:
    """The steps in order, notes at one time grouped (at most MAX_BATCH), others alone."""
    run: list[Step] = []
    for step in steps:
        if run and (not batchable(step) or step.at != run[0].at or len(run) >= MAX_BATCH):
            yield run
            run = []
        run.append(step)
        if not batchable(step):
            yield run
            run = []
    if run:
        yield run


def describe(step: Step) -> str:
    """One line for a progress display: the step's time and what it is."""
    item = step.item
    what = (
        item.do
        if not isinstance(item, s.PartySpec | s.MemberSpec)
        else ("party" if isinstance(item, s.PartySpec) else "member")
    )
    return f"{format_time(step.at)}  {what}  {step.path}"
