"""Who has been consulted on an agreement, when, and who not yet.

The moment a version reached a party is the node's append time of the
consultation entry released to that party: the author's own clock is a weak
witness, the node's stamp is in the Merkle log every party can check. A
party counts as reached by a consultation when the consultation's release set
names it (or is released to every party), because release is what actually
lets the party read the version.

The log is computed from whatever entries the caller may read, so a consulted
party sees when it was reached but not whom else the drafter consulted unless
that consultation was released to it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from liaison.agreements.status import CONSULTATION, Ref
from liaison.domain.entry import StoredEntry
from liaison.domain.party import ALL_PARTIES

__all__ = ["ConsultationLog", "Reach", "consultation_log", "reached_parties"]


def reached_parties(entry: StoredEntry, known: Iterable[str]) -> frozenset[str]:
    """The parties a consultation reached (other than its own), by its release set."""
    release = set(entry.content.release)
    if ALL_PARTIES in release:
        release = set(known) | set(entry.content.body.get("to", []))
    return frozenset(release - {entry.content.party})


@dataclass(frozen=True)
class Reach:
    party: str
    #: the first consultation that reached the party, on any version
    first: Ref
    first_version: str
    #: the first consultation that reached the party on the latest version, if any
    latest: Ref | None
    by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "first": {**self.first.to_json(), "version": self.first_version},
            "on_latest_version": self.latest.to_json() if self.latest else None,
            "by": self.by,
        }


@dataclass(frozen=True)
class ConsultationLog:
    agreement: str
    latest_version: str | None
    reached: tuple[Reach, ...]
    not_yet: tuple[str, ...]
    consultations: tuple[tuple[Ref, str, tuple[str, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "latest_version": self.latest_version,
            "reached": [r.to_json() for r in self.reached],
            "not_yet": list(self.not_yet),
            "consultations": [
                {**ref.to_json(), "version": version, "to": list(to)}
                for ref, version, to in self.consultations
            ],
        }


def consultation_log(
    agreement: str,
    entries: Iterable[StoredEntry],
    *,
    parties: Sequence[str],
    drafter: str | None,
    latest_version: str | None,
) -> ConsultationLog:
    """Who was reached when, from the consultations among ``entries``.

    ``parties`` are the parties the latest version names; those of them other
    than the drafting party that no consultation has reached are ``not_yet``.
    Parties outside the agreement that were consulted (as a treaty may require)
    are listed among those reached.
    """
    consultations = sorted(
        (
            e
            for e in entries
            if e.content.kind == CONSULTATION and e.content.body.get("agreement") == agreement
        ),
        key=lambda e: e.seq,
    )
    first: dict[str, tuple[Ref, str, str | None]] = {}
    on_latest: dict[str, Ref] = {}
    listed: list[tuple[Ref, str, tuple[str, ...]]] = []
    for entry in consultations:
        ref = Ref.of(entry)
        version = str(entry.content.body["version"])
        reached = sorted(reached_parties(entry, parties))
        listed.append((ref, version, tuple(reached)))
        for party in reached:
            first.setdefault(party, (ref, version, entry.content.party))
            if version == latest_version:
                on_latest.setdefault(party, ref)
    reaches = tuple(
        Reach(party, ref, version, on_latest.get(party), by)
        for party, (ref, version, by) in sorted(first.items())
    )
    not_yet = tuple(p for p in sorted(parties) if p != drafter and p not in first)
    return ConsultationLog(agreement, latest_version, reaches, not_yet, tuple(listed))
