"""The compliance rules: every binding agreement's obligations against the facts.

A pure function of the facts (arrangements, consultations, operations, each
placed by the node's append time of the entries behind them) and of the
agreements that bind; the service gathers the facts from the record and
writes each finding as an ``agreement.breach`` entry.

Which time each rule trusts (``docs/agreements.md`` says the same):

* ``consult_before`` — the node's append time of the consultation, and of the
  arrangement (for an agreement: of the signature that made it binding).
* ``consult_simultaneously`` — the node's append time of each consultation.
* ``notify_before`` — the node's append time of the first version of the
  operation released to the party to be notified, against the start the
  operation itself declares (a plan has no other time); the breach is placed
  at the deadline (declared start − lead).
* ``keep_out`` — the operation's declared window decides whether it falls in
  the period; the breach is placed at the node's append time of the version
  that shows it (or at the moment the agreement became binding, if later).

An obligation applies only while its agreement binds: from the signature that
made it binding until a later agreement ends it. Breaches that depend on time
passing (a notification or a consultation that never came) are found once
their deadline is before ``now``.

Each finding has a ``key``, stable across runs, so that one breach is recorded
once however often the checker runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry

from liaison.agreements.contracts import Arrangement, Operation
from liaison.agreements.durations import parse_duration
from liaison.agreements.model import Terms
from liaison.agreements.obligations import (
    ConsultBefore,
    ConsultSimultaneously,
    KeepOut,
    NotifyBefore,
)
from liaison.agreements.regions import area_shape, beyond_shape
from liaison.agreements.status import Ref
from liaison.domain.mandate import ANY_TOPIC
from liaison.domain.time import format_time, parse_time

__all__ = [
    "BindingAgreement",
    "ComplianceReport",
    "Consulted",
    "Facts",
    "Finding",
    "evaluate",
    "under",
]


def under(topic: str, scope: str) -> bool:
    """Whether ``topic`` is ``scope`` or below it (``*`` is every topic)."""
    return scope == ANY_TOPIC or topic == scope or topic.startswith(scope + ".")


@dataclass(frozen=True)
class BindingAgreement:
    root: str
    version: str
    terms: Terms
    since: Ref
    until: datetime | None

    @property
    def parties(self) -> frozenset[str]:
        return frozenset(self.terms.parties)

    def covers(self, moment: datetime) -> bool:
        return moment >= self.since.at and (self.until is None or moment < self.until)


@dataclass(frozen=True)
class Consulted:
    ref: Ref
    party: str | None
    reached: frozenset[str]
    agreement: str
    topic: str


@dataclass(frozen=True)
class Facts:
    arrangements: Sequence[Arrangement]
    consultations: Sequence[Consulted]
    operations: Sequence[Operation]


@dataclass(frozen=True)
class Finding:
    agreement: str
    version: str
    provision: str
    obligation: str
    rule: str
    party: str
    at: datetime
    evidence: tuple[tuple[Ref, str], ...]
    missing: str
    key: str

    def body(self) -> dict[str, Any]:
        """The ``agreement.breach`` body that records this finding."""
        return {
            "agreement": self.agreement,
            "version": self.version,
            "provision": self.provision,
            "obligation": self.obligation,
            "rule": self.rule,
            "party": self.party,
            "at": format_time(self.at),
            "evidence": [
                {"entry": ref.entry, "seq": ref.seq, "role": role} for ref, role in self.evidence
            ],
            "missing": self.missing,
            "key": self.key,
        }

    def to_json(self) -> dict[str, Any]:
        return self.body()


def _consult_before(
    a: BindingAgreement, provision: str, o: ConsultBefore, facts: Facts
) -> Iterable[Finding]:
    lead = parse_duration(o.lead)
    others = sorted(a.parties - {o.party})
    for arr in facts.arrangements:
        if o.party not in arr.parties or not (arr.parties - a.parties):
            continue
        if not under(arr.topic, o.topic) or not a.covers(arr.ref.at) or arr.ref.seq <= a.since.seq:
            continue
        deadline = arr.ref.at - lead
        late: list[Ref] = []
        missing = []
        for q in others:
            relevant = [
                c
                for c in facts.consultations
                if c.party == o.party
                and q in c.reached
                and arr.agreement is not None
                and c.agreement == arr.agreement
                and c.ref.seq < arr.ref.seq
            ]
            if any(c.ref.at <= deadline for c in relevant):
                continue
            missing.append(q)
            late.extend(c.ref for c in relevant)
        if not missing:
            continue
        evidence = [(arr.ref, "arrangement")] + [(r, "consultation too late") for r in late]
        yield Finding(
            a.root,
            a.version,
            provision,
            o.id,
            o.rule,
            o.party,
            arr.ref.at,
            tuple(dict.fromkeys(evidence)),
            f"{o.party} entered an arrangement on {o.topic} with a party outside the "
            f"agreement without consulting {', '.join(missing)} at least {o.lead} before "
            f"(by {format_time(deadline)})",
            f"{a.root}:{o.id}:{arr.ref.entry}",
        )


def _consult_simultaneously(
    a: BindingAgreement, provision: str, o: ConsultSimultaneously, facts: Facts, now: datetime
) -> Iterable[Finding]:
    within = parse_duration(o.within)
    named = sorted(set(o.parties) - {o.party})
    subjects: dict[str, list[Consulted]] = {}
    for c in facts.consultations:
        if c.party == o.party and under(c.topic, o.topic) and a.covers(c.ref.at):
            subjects.setdefault(c.agreement, []).append(c)
    for subject, consultations in subjects.items():
        reach: dict[str, Ref] = {}
        for c in sorted(consultations, key=lambda c: c.ref.seq):
            for q in named:
                if q in c.reached:
                    reach.setdefault(q, c.ref)
        if not reach:
            continue
        first_party, first = min(reach.items(), key=lambda item: item[1].seq)
        for q in named:
            ref = reach.get(q)
            if ref is not None and ref.at - first.at > within:
                yield Finding(
                    a.root,
                    a.version,
                    provision,
                    o.id,
                    o.rule,
                    o.party,
                    ref.at,
                    ((first, f"first consultation ({first_party})"), (ref, f"consultation of {q}")),
                    f"the consultation reached {q} {_span(ref.at - first.at)} after it reached "
                    f"{first_party}; the agreement allows {o.within}",
                    f"{a.root}:{o.id}:{subject}:{q}",
                )
            elif ref is None and first.at + within <= now:
                yield Finding(
                    a.root,
                    a.version,
                    provision,
                    o.id,
                    o.rule,
                    o.party,
                    first.at + within,
                    ((first, f"first consultation ({first_party})"),),
                    f"{q} was not consulted within {o.within} of {first_party}",
                    f"{a.root}:{o.id}:{subject}:{q}",
                )


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days and hours:
        return f"{days} days {hours} hours"
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "less than an hour"


def _region(o: NotifyBefore | KeepOut) -> BaseGeometry | None:
    if o.area is not None:
        return area_shape(o.area)
    if o.line is not None and o.beyond is not None:
        return beyond_shape(o.line, o.beyond)
    return None


def _where(o: NotifyBefore | KeepOut) -> str:
    if o.area is not None:
        return "enters the area"
    if o.line is not None:
        return f"goes {o.beyond} of the line"
    return "starts"


def _notify_before(
    a: BindingAgreement, provision: str, o: NotifyBefore, facts: Facts, now: datetime
) -> Iterable[Finding]:
    lead = parse_duration(o.lead)
    region = _region(o)
    for op in facts.operations:
        if op.party != o.party or op.cancelled or not (op.kinds & set(o.kinds)):
            continue
        if region is None:
            trigger: datetime | None = op.start
        else:
            starts = [v.start for v in op.volumes if region.intersects(v.shape)]
            trigger = min(starts) if starts else None
        if trigger is None or not a.covers(trigger):
            continue
        deadline = trigger - lead
        if deadline < a.since.at or deadline > now:
            continue
        missing = []
        late: list[Ref] = []
        for q in sorted(set(o.notify) - {o.party}):
            notice = op.notified.get(q)
            if notice is not None and notice.at <= deadline:
                continue
            missing.append(q)
            if notice is not None:
                late.append(notice)
        if not missing:
            continue
        evidence = [(op.root, "operation"), (op.latest, "operation (latest version)")]
        evidence += [(r, "notification too late") for r in late]
        yield Finding(
            a.root,
            a.version,
            provision,
            o.id,
            o.rule,
            o.party,
            deadline,
            tuple(dict.fromkeys(evidence)),
            f"{', '.join(missing)} not notified at least {o.lead} before the operation "
            f"{_where(o)} at {format_time(trigger)} (by {format_time(deadline)})",
            f"{a.root}:{o.id}:{op.root.entry}",
        )


def _keep_out(a: BindingAgreement, provision: str, o: KeepOut, facts: Facts) -> Iterable[Finding]:
    region = _region(o)
    assert region is not None
    since = parse_time(o.since) if o.since else None
    until = parse_time(o.until) if o.until else None
    lo = max(x for x in (since, a.since.at) if x is not None)
    hi_candidates = [x for x in (until, a.until) if x is not None]
    hi = min(hi_candidates) if hi_candidates else None
    for op in facts.operations:
        if op.party != o.party or op.cancelled or not (op.kinds & set(o.kinds)):
            continue
        inside = [
            v
            for v in op.volumes
            if (v.end is None or v.end > lo)
            and (hi is None or v.start < hi)
            and region.intersects(v.shape)
        ]
        if not inside:
            continue
        at = max(op.latest.at, a.since.at)
        yield Finding(
            a.root,
            a.version,
            provision,
            o.id,
            o.rule,
            o.party,
            at,
            ((op.root, "operation"), (op.latest, "operation (latest version)"))
            if op.root != op.latest
            else ((op.root, "operation"),),
            f"{o.party} may not conduct {', '.join(sorted(op.kinds & set(o.kinds)))} "
            f"{'in the area' if o.area is not None else f'{o.beyond} of the line'}"
            f"{' from ' + o.since if o.since else ''}{' until ' + o.until if o.until else ''}; "
            "the operation does so while the agreement binds",
            f"{a.root}:{o.id}:{op.root.entry}",
        )


def evaluate(
    agreements: Iterable[BindingAgreement],
    facts: Facts,
    *,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Finding]:
    """Every breach of every obligation whose moment lies in ``[start, end]`` and before ``now``."""
    findings: list[Finding] = []
    for a in agreements:
        for provision, o in a.terms.obligations():
            if isinstance(o, ConsultBefore):
                found: Iterable[Finding] = _consult_before(a, provision, o, facts)
            elif isinstance(o, ConsultSimultaneously):
                found = _consult_simultaneously(a, provision, o, facts, now)
            elif isinstance(o, NotifyBefore):
                found = _notify_before(a, provision, o, facts, now)
            else:
                found = _keep_out(a, provision, o, facts)
            findings.extend(
                f
                for f in found
                if f.at <= now and (start is None or f.at >= start) and (end is None or f.at <= end)
            )
    return sorted(findings, key=lambda f: (f.at, f.key))


@dataclass(frozen=True)
class ComplianceReport:
    """What one run of the checker found over a period, and what it could not read."""

    start: datetime | None
    end: datetime | None
    now: datetime
    agreements: tuple[str, ...]
    findings: tuple[Finding, ...]
    #: breach entries this run put on the record (findings already recorded are not repeated)
    recorded: tuple[Ref, ...]
    unreadable: tuple[tuple[Ref, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "start": format_time(self.start) if self.start else None,
            "end": format_time(self.end) if self.end else None,
            "now": format_time(self.now),
            "trusted_time": "the node's append time of each entry (see docs/agreements.md)",
            "agreements": list(self.agreements),
            "findings": [f.to_json() for f in self.findings],
            "recorded": [r.to_json() for r in self.recorded],
            "unreadable": [{**r.to_json(), "problem": why} for r, why in self.unreadable],
        }
