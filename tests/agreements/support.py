"""Helpers for the agreements tests: a clock the test moves, a desk that drafts,
consults and signs as named members, and the 1942 parties and kinds the seeds need.

Signing is done here as the member would on their own side: with the member's
key file and :func:`liaison.agreements.sign_version`, never by the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from liaison.agreements import sign_version
from liaison.agreements.contracts import OPERATION_KINDS
from liaison.domain.entry import StoredEntry
from liaison.domain.kinds import KINDS, Body, KindSpec
from liaison.domain.roles import Role
from liaison.domain.time import utcnow
from liaison.services.agreements import AgreementService
from liaison.services.record import AppendRequest
from liaison.store import queries as q
from tests.conftest import World

__all__ = [
    "ARRANGEMENT_KIND",
    "OPERATION_KIND",
    "Clock",
    "Desk",
    "square",
    "terms",
]

OPERATION_KIND = "test.operation"
ARRANGEMENT_KIND = "test.arrangement"


class TestOperationBody(Body):
    """The smallest body that meets the operations contract (docs/agreements.md)."""

    kinds: list[str]
    start: str
    end: str | None = None
    footprint: dict[str, Any]
    state: str = "planned"


class TestArrangementBody(Body):
    """The smallest body that meets the arrangements contract (docs/agreements.md)."""

    arrangement: bool = True
    topic: str
    parties: list[str]
    agreement: str | None = None
    text: str = Field(default="", max_length=4000)


if OPERATION_KIND not in KINDS:
    KINDS.register(
        KindSpec(OPERATION_KIND, TestOperationBody, Role.COMMANDER, "An operation, for tests.")
    )
    OPERATION_KINDS.add(OPERATION_KIND)
if ARRANGEMENT_KIND not in KINDS:
    KINDS.register(
        KindSpec(
            ARRANGEMENT_KIND,
            TestArrangementBody,
            Role.OFFICER,
            "A message that is an arrangement, for tests.",
            topic=lambda body: body.get("topic"),
        )
    )


@dataclass
class Clock:
    """The node's clock, moved by the test: append times are what every check trusts."""

    now: datetime = field(default_factory=lambda: utcnow() + timedelta(seconds=1))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def square(lon: int, lat: int, size: int = 1) -> dict[str, Any]:
    """A square area, in whole degrees, in the signed form (1e-7 degrees)."""
    e7 = 10_000_000
    ring = [
        [lon * e7, lat * e7],
        [(lon + size) * e7, lat * e7],
        [(lon + size) * e7, (lat + size) * e7],
        [lon * e7, (lat + size) * e7],
        [lon * e7, lat * e7],
    ]
    return {"type": "Polygon", "coordinates_e7": [ring]}


def terms(
    title: str,
    parties: Sequence[str],
    topic: str,
    *obligations: dict[str, Any],
    ends: Sequence[dict[str, str]] = (),
    text: str = "",
) -> dict[str, Any]:
    provisions = (
        [
            {
                "id": "art-1",
                "text": "The parties undertake these duties.",
                "obligations": list(obligations),
            }
        ]
        if obligations
        else []
    )
    return {
        "title": title,
        "text": text or f"{title}: agreed text.",
        "parties": list(parties),
        "topic": topic,
        "provisions": provisions,
        "ends": list(ends),
    }


PARTY_OF = {
    "eden": "uk",
    "kerr": "uk",
    "burrows": "uk",
    "watcher": "uk",
    "deane": "us",
    "harriman": "us",
    "molotov": "su",
    "slavin": "su",
}


class Desk:
    """Members at work on agreements, through the service, over one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.clock = Clock()
        world.node.record.clock = self.clock
        self.svc = AgreementService(world.node.record)
        self.party_of = dict(PARTY_OF)

    def appoint(
        self, member: str, party: str, role: str, topics: Sequence[str], **mandate: Any
    ) -> None:
        roster = self.world.node.roster
        with self.world.node.record.store.read() as conn:
            known = {p.id for p in q.parties(conn)}
        if party not in known:
            roster.add_party(party, party.upper())
        self.world.members[member] = roster.appoint(
            member, party, member.title(), role, {"topics": list(topics), **mandate}
        )
        self.party_of[member] = party

    def agree(
        self,
        drafter: str,
        body: dict[str, Any],
        signers: Sequence[str],
        *,
        consult: Sequence[str] | None = None,
    ) -> StoredEntry:
        """Draft, consult every other party, and have each signer sign the latest version."""
        draft = self.svc.draft(drafter, body)
        others = (
            consult
            if consult is not None
            else [p for p in body["parties"] if p != self.party_of[drafter]]
        )
        if others:
            self.svc.consult(drafter, draft.id, others)
        for signer in signers:
            self.sign(signer, draft.id)
        return draft

    def signature(self, signer: str, agreement: str, version: str | None = None) -> dict[str, str]:
        versions = self.svc.versions(self.party_of[signer], agreement)
        chosen = next(v for v in versions if v.id == version) if version else versions[-1]
        return sign_version(self.world.members[signer].key, agreement, chosen.id, chosen.terms)

    def sign(self, signer: str, agreement: str, version: str | None = None) -> StoredEntry:
        return self.svc.sign(signer, self.signature(signer, agreement, version))

    def operation(
        self,
        author: str,
        kinds: Sequence[str],
        start: datetime,
        footprint: dict[str, Any],
        release: Sequence[str],
        *,
        end: datetime | None = None,
        supersedes: str | None = None,
    ) -> StoredEntry:
        from liaison.domain.time import format_time

        body = {
            "kinds": list(kinds),
            "start": format_time(start),
            "end": format_time(end) if end else None,
            "footprint": footprint,
        }
        entry = self.world.node.record.append(
            AppendRequest(
                author, OPERATION_KIND, body, release=list(release), supersedes=supersedes
            )
        )
        self.svc.after_append(entry)
        return entry

    def arrangement(
        self,
        author: str,
        topic: str,
        parties: Sequence[str],
        *,
        agreement: str | None = None,
    ) -> StoredEntry:
        body = {
            "arrangement": True,
            "topic": topic,
            "parties": list(parties),
            "agreement": agreement,
            "text": "An arrangement.",
        }
        entry = self.world.node.record.append(
            AppendRequest(author, ARRANGEMENT_KIND, body, release=list(parties))
        )
        self.svc.after_append(entry)
        return entry
