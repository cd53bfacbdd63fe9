"""Reading a scenario file and checking it whole, before anything is loaded.

Two passes, and every problem of both is reported at once, each with the path of its field
(``timeline[12] (agreement.sign).by: unknown member 'edn'``):

1. the shape of every field, by the pydantic models of :mod:`liaison.scenario.schema`;
2. the rules across fields that only the whole file shows, by :class:`_Checker`: times in order
   and not before the start; parties, members, channels and scenario ids defined once and before
   they are used; a reference naming an event of a fitting kind (a message is sent from a draft,
   an agreement signed on one of its versions); a member acting only between appointment and
   revocation; agreement terms and meeting accounts valid as their kinds will check them again.

What only the record can decide (a role too low, a mandate not covering a topic, a guard's rule)
is left to the services; the loader names the event they refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from liaison.accounts.model import Account, AccountError
from liaison.agreements.model import Terms
from liaison.domain.party import ALL_PARTIES
from liaison.scenario.errors import Problem, ScenarioError
from liaison.scenario.schema import (
    EVENT_TYPES,
    AgreementAmend,
    AgreementPropose,
    AgreementRevise,
    ChannelOpen,
    Event,
    MeetingAccount,
    MemberChange,
    MemberRevoke,
    MemberSpec,
    MessageDraft,
    Scenario,
    Source,
    account_data,
)

__all__ = ["parse_scenario", "read_scenario"]


def _loc(loc: Sequence[int | str]) -> str:
    """A pydantic location as a path: ``timeline[3] (agreement.sign).by``."""
    out = ""
    items = list(loc)
    i = 0
    while i < len(items):
        part = items[i]
        if isinstance(part, int):
            out += f"[{part}]"
            # a discriminated union puts the tag after the index: show it as the event's type
            if i + 1 < len(items) and isinstance(items[i + 1], str) and items[i + 1] in EVENT_TYPES:
                out += f" ({items[i + 1]})"
                i += 1
        else:
            out += ("." if out else "") + part
        i += 1
    return out or "(the file)"


def _from_validation(exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "union_tag_invalid":
            message = f"unknown event type; choose one of {', '.join(sorted(EVENT_TYPES))}"
        problems.append(Problem(_loc(error["loc"]), message))
    return problems


def parse_scenario(data: object, *, base: Path | None = None, name: str = "scenario") -> Scenario:
    """Validate a scenario's JSON value whole; ScenarioError lists every problem with its path.

    ``base`` is the folder that relative paths in the scenario (``account_file``) are read from.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(name, _from_validation(exc)) from None
    problems = list(_Checker(scenario, base).check())
    if problems:
        raise ScenarioError(name, problems)
    return scenario


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (JSON)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(file), [Problem("(the file)", exc.strerror or str(exc))]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ScenarioError(str(file), [Problem(where, f"not valid JSON: {exc.msg}")]) from None
    return parse_scenario(data, base=file.parent, name=str(file))


#: for each referencing field, the event types it may name
_REFERENCES: dict[tuple[str, str], frozenset[str]] = {
    ("note", "supersedes"): frozenset({"note"}),
    ("entry", "supersedes"): frozenset({"entry"}),
    ("message.draft", "in_reply_to"): frozenset({"message.send"}),
    ("message.amend", "draft"): frozenset({"message.draft", "message.amend"}),
    ("message.approve", "draft"): frozenset({"message.draft", "message.amend"}),
    ("message.send", "draft"): frozenset({"message.draft", "message.amend"}),
    ("message.acknowledge", "message"): frozenset({"message.send"}),
    ("agreement.revise", "version"): frozenset({"agreement.propose", "agreement.revise"}),
    ("agreement.consult", "agreement"): frozenset({"agreement.propose"}),
    ("agreement.answer", "agreement"): frozenset({"agreement.propose"}),
    ("agreement.amend", "agreement"): frozenset({"agreement.propose"}),
    ("agreement.sign", "agreement"): frozenset({"agreement.propose"}),
    ("agreement.answer", "amendment"): frozenset({"agreement.amend"}),
    ("meeting.account", "meeting"): frozenset({"meeting.record"}),
    ("meeting.agreed_record", "meeting"): frozenset({"meeting.record"}),
    ("meeting.agreed_record", "supersedes"): frozenset({"meeting.agreed_record"}),
    ("meeting.sign", "record"): frozenset({"meeting.agreed_record"}),
    ("picture.amend", "operation"): frozenset({"picture.operation"}),
    ("picture.acknowledge", "conflict_of"): frozenset({"picture.operation", "picture.unit"}),
    ("picture.arrangement", "conflict_of"): frozenset({"picture.operation", "picture.unit"}),
    ("picture.sign", "arrangement"): frozenset({"picture.arrangement"}),
}
_VERSIONS = frozenset({"agreement.propose", "agreement.revise", "agreement.amend"})
for _field in ("version", "base"):
    for _do in ("agreement.consult", "agreement.answer", "agreement.sign", "agreement.amend"):
        _REFERENCES[(_do, _field)] = _VERSIONS
_REFERENCES[("message.draft", "references")] = frozenset(EVENT_TYPES)
#: fields that name parties (besides ``release``, which may also say ``*``)
_PARTY_FIELDS = ("to", "senders", "parties", "binds")


class _Checker:
    """The cross-field rules of a scenario that pydantic cannot see field by field."""

    def __init__(self, scenario: Scenario, base: Path | None) -> None:
        self.s = scenario
        self.base = base
        self.parties: dict[str, datetime] = {}
        self.members: dict[str, MemberSpec] = {}
        self.appointed: dict[str, datetime] = {}
        self.revoked: dict[str, datetime] = {}
        self.names: dict[str, tuple[str, int]] = {}  # scenario id -> (event type, index)
        self.channels: set[str] = set()
        self.roots: dict[str, str] = {}  # agreement version id -> its agreement's root id

    def check(self) -> Iterator[Problem]:
        yield from self._documents_and_sources()
        yield from self._parties()
        yield from self._members()
        yield from self._timeline()

    def _source(self, source: Source | None, where: str) -> Iterator[Problem]:
        if source is not None and source.document not in self.s.documents:
            known = ", ".join(sorted(self.s.documents)) or "none are listed"
            yield Problem(
                f"{where}.source.document",
                f"unknown document {source.document!r} (documents: {known})",
            )

    def _documents_and_sources(self) -> Iterator[Problem]:
        for i, party in enumerate(self.s.parties):
            yield from self._source(party.source, f"parties[{i}]")
        for i, member in enumerate(self.s.members):
            yield from self._source(member.source, f"members[{i}]")
        for i, event in enumerate(self.s.timeline):
            yield from self._source(event.source, f"timeline[{i}] ({event.do})")

    def _parties(self) -> Iterator[Problem]:
        for i, party in enumerate(self.s.parties):
            where = f"parties[{i}]"
            at = self.s.party_time(party)
            if party.id in self.parties:
                yield Problem(f"{where}.id", f"party {party.id!r} is defined twice")
            if at < self.s.start:
                yield Problem(f"{where}.at", "is before the scenario's start")
            for j, other in enumerate(party.default_release):
                if other != ALL_PARTIES and other not in self.parties:
                    yield Problem(
                        f"{where}.default_release[{j}]",
                        f"unknown party {other!r} (parties are defined in order)",
                    )
            self.parties[party.id] = at

    def _members(self) -> Iterator[Problem]:
        for i, member in enumerate(self.s.members):
            where = f"members[{i}]"
            at = self.s.member_time(member)
            if member.id in self.members or member.id == "node":
                yield Problem(f"{where}.id", f"member {member.id!r} is defined twice or reserved")
            if member.party not in self.parties:
                yield Problem(f"{where}.party", f"unknown party {member.party!r}")
            elif at < self.parties[member.party]:
                yield Problem(f"{where}.at", f"is before party {member.party!r} joins the record")
            self.members[member.id] = member
            self.appointed[member.id] = at

    def _party_list(
        self, values: Sequence[str] | None, where: str, at: datetime
    ) -> Iterator[Problem]:
        for j, party in enumerate(values or ()):
            if party == ALL_PARTIES and where.endswith("release"):
                continue
            if party not in self.parties:
                yield Problem(f"{where}[{j}]", f"unknown party {party!r}")
            elif self.parties[party] > at:
                yield Problem(f"{where}[{j}]", f"party {party!r} has not joined the record yet")

    def _acting(self, member: str, field: str, where: str, at: datetime) -> Iterator[Problem]:
        if member not in self.members:
            yield Problem(f"{where}.{field}", f"unknown member {member!r}")
        elif self.appointed[member] > at:
            yield Problem(f"{where}.{field}", f"{member} is not appointed until later")
        elif member in self.revoked and self.revoked[member] <= at:
            yield Problem(f"{where}.{field}", f"{member} has been revoked by then")

    def _timeline(self) -> Iterator[Problem]:
        previous = self.s.start
        for i, event in enumerate(self.s.timeline):
            where = f"timeline[{i}] ({event.do})"
            if event.at < previous:
                yield Problem(
                    f"{where}.at",
                    "is earlier than the event before it: the timeline is in time order, "
                    "because the loader appends in that order",
                )
            previous = max(previous, event.at)
            by = getattr(event, "by", None)
            if isinstance(by, str):
                yield from self._acting(by, "by", where, event.at)
            if isinstance(event, MemberChange | MemberRevoke):
                yield from self._acting(event.member, "member", where, event.at)
            yield from self._references(event, where)
            for field in ("release", *_PARTY_FIELDS):
                value = getattr(event, field, None)
                if isinstance(value, list):
                    yield from self._party_list(value, f"{where}.{field}", event.at)
            yield from self._specific(event, where)
            if isinstance(event, MemberRevoke):
                self.revoked.setdefault(event.member, event.at)
            if event.id is not None:
                if event.id in self.names:
                    yield Problem(f"{where}.id", f"{event.id!r} is already the id of an event")
                else:
                    self.names[event.id] = (event.do, i)

    def _references(self, event: Event, where: str) -> Iterator[Problem]:
        for (do, field), allowed in _REFERENCES.items():
            if do != event.do:
                continue
            value = getattr(event, field, None)
            for j, name in enumerate(value if isinstance(value, list) else [value]):
                if name is None:
                    continue
                path = f"{where}.{field}" + (f"[{j}]" if isinstance(value, list) else "")
                found = self.names.get(name)
                if found is None:
                    yield Problem(path, f"no earlier event has the id {name!r}")
                elif found[0] not in allowed:
                    yield Problem(
                        path,
                        f"{name!r} is a {found[0]} (timeline[{found[1]}]); "
                        f"expected {' or '.join(sorted(allowed))}",
                    )
        yield from self._same_agreement(event, where)

    def _same_agreement(self, event: Event, where: str) -> Iterator[Problem]:
        """A version named with an agreement must be one of that agreement's versions."""
        if isinstance(event, AgreementPropose) and event.id is not None:
            self.roots[event.id] = event.id
        if isinstance(event, AgreementRevise) and event.id is not None:
            self.roots[event.id] = self.roots.get(event.version, event.version)
        if isinstance(event, AgreementAmend) and event.id is not None:
            self.roots[event.id] = event.agreement
        agreement = getattr(event, "agreement", None)
        for field in ("version", "base", "amendment"):
            name = getattr(event, field, None)
            if not isinstance(agreement, str) or not isinstance(name, str):
                continue
            root = self.roots.get(name)
            if root is not None and root != agreement:
                yield Problem(
                    f"{where}.{field}", f"{name!r} is a version of {root!r}, not of {agreement!r}"
                )

    def _specific(self, event: Event, where: str) -> Iterator[Problem]:
        if isinstance(event, ChannelOpen):
            if event.channel in self.channels:
                yield Problem(f"{where}.channel", f"channel {event.channel!r} is opened twice")
            self.channels.add(event.channel)
        elif isinstance(event, MessageDraft) and event.channel not in self.channels:
            yield Problem(f"{where}.channel", f"no earlier event opens channel {event.channel!r}")
        elif isinstance(event, AgreementPropose | AgreementRevise | AgreementAmend):
            yield from self._terms(event.terms, f"{where}.terms")
        elif isinstance(event, MeetingAccount):
            yield from self._account(event, where)

    def _terms(self, terms: Mapping[str, Any], where: str) -> Iterator[Problem]:
        data = dict(terms)
        ends = data.get("ends", [])
        if isinstance(ends, list):
            resolved = []
            for j, ending in enumerate(ends):
                name = ending.get("agreement") if isinstance(ending, Mapping) else None
                if not isinstance(name, str) or self.names.get(name, ("", 0))[0] != (
                    "agreement.propose"
                ):
                    yield Problem(
                        f"{where}.ends[{j}].agreement",
                        "must be the id of an earlier agreement.propose event",
                    )
                # an entry id stands in for the root's, which only the record will know
                if isinstance(ending, Mapping):
                    ending = {**ending, "agreement": "0" * 64}
                resolved.append(ending)
            data["ends"] = resolved
        try:
            Terms.model_validate(data)
        except ValidationError as exc:
            for problem in _from_validation(exc):
                path = where if problem.path == "(the file)" else f"{where}.{problem.path}"
                yield Problem(path, problem.message)
        parties = data.get("parties")
        for j, party in enumerate(parties if isinstance(parties, list) else []):
            if party not in self.parties:
                yield Problem(f"{where}.parties[{j}]", f"unknown party {party!r}")

    def _account(self, event: MeetingAccount, where: str) -> Iterator[Problem]:
        if (event.account is None) == (event.account_file is None):
            yield Problem(where, "give exactly one of account and account_file")
            return
        field = "account" if event.account is not None else "account_file"
        try:
            Account.from_dict(account_data(event, self.base))
        except OSError as exc:
            yield Problem(f"{where}.{field}", f"cannot read it: {exc.strerror or exc}")
        except (json.JSONDecodeError, ValueError, AccountError) as exc:
            yield Problem(f"{where}.{field}", str(exc))
