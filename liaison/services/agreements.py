"""Agreements over the record: draft, consult, answer, amend, sign, and check.

Every write goes through :class:`~liaison.services.record.RecordService` (so it
is authorised, signed and appended like any entry) after the checks only the
agreement's history can answer: the version exists and the author can read it,
the author's party is a party of it, a signature verifies over that exact
version with the signer's key. Every read fetches an agreement's entries
through the release filter, so a party sees an agreement's status, versions
and consultations only as far as they were released to it.

Compliance is a post-commit step, because a breach is itself an entry and an
entry cannot be appended from inside another's transaction:
:meth:`AgreementService.after_append` is called with each entry once it is
durable. This service calls it after its own appends; the HTTP append route
must call it after ``RecordService.append`` returns, for entries of any kind
(arrangements and operations come from other capabilities), and a timer
should call :meth:`AgreementService.check` so that deadlines that pass with
nothing appended (a notification that never came) are found too. Breaches are
written by the node inside one write transaction that first checks the
finding's key, so several processes checking at once record each breach once.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from liaison.agreements import kinds as _kinds  # registers the agreement kinds
from liaison.agreements.compliance import (
    BindingAgreement,
    ComplianceReport,
    Consulted,
    Facts,
    Finding,
    evaluate,
)
from liaison.agreements.consultation import ConsultationLog, consultation_log, reached_parties
from liaison.agreements.contracts import (
    OPERATION_KINDS,
    Arrangement,
    ContractError,
    is_arrangement,
    read_arrangement,
    read_operations,
)
from liaison.agreements.model import parse_terms, version_bytes
from liaison.agreements.status import (
    BindingStatus,
    Ended,
    Ref,
    Version,
    binding_status,
    collect_versions,
)
from liaison.domain.entry import Content, StoredEntry, is_entry_id
from liaison.domain.member import Authority
from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import format_time
from liaison.errors import Conflict, InvalidInput, InvalidSignature, NotFound, NotPermitted
from liaison.ledger.signing import b64d, verify
from liaison.projections.agreements import (
    breach_key_hash,
    proj_agreement_breaches,
    proj_agreement_ends,
    proj_agreement_entries,
)
from liaison.services.guards import GUARDS, GuardContext
from liaison.services.record import NODE_AUTHOR, AppendRequest, RecordService
from liaison.store import queries as q
from liaison.store.queries import EntryFilter
from liaison.store.schema import entries as entries_table
from liaison.store.schema import releases

__all__ = ["AgreementService", "AgreementSummary", "BreachView", "ObligationView"]

PROPOSAL = _kinds.PROPOSAL.name
CONSULTATION = _kinds.CONSULTATION.name
POSITION = _kinds.POSITION.name
AMENDMENT = _kinds.AMENDMENT.name
SIGNATURE = _kinds.SIGNATURE.name
BREACH = _kinds.BREACH.name
DISPUTE = _kinds.DISPUTE.name


@dataclass(frozen=True)
class AgreementSummary:
    agreement: str
    title: str
    topic: str
    parties: tuple[str, ...]
    latest_version: str
    state: str

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "title": self.title,
            "topic": self.topic,
            "parties": list(self.parties),
            "latest_version": self.latest_version,
            "state": self.state,
        }


@dataclass(frozen=True)
class ObligationView:
    agreement: str
    version: str
    title: str
    provision: str
    obligation: Mapping[str, Any]
    since: Ref

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "version": self.version,
            "title": self.title,
            "provision": self.provision,
            "obligation": dict(self.obligation),
            "binding_since": self.since.to_json(),
        }


@dataclass(frozen=True)
class BreachView:
    breach: StoredEntry
    disputes: tuple[StoredEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **Ref.of(self.breach).to_json(),
            **dict(self.breach.content.body),
            "disputes": [
                {
                    **Ref.of(d).to_json(),
                    "party": d.content.party,
                    "author": d.content.author,
                    "reasons": d.content.body["reasons"],
                }
                for d in self.disputes
            ],
        }


def _guard_breach(ctx: GuardContext) -> None:
    """A finding is recorded once, however many processes check at the same time."""
    key = breach_key_hash(str(ctx.body["key"]))
    seen = ctx.conn.execute(
        select(proj_agreement_breaches.c.seq).where(proj_agreement_breaches.c.key_hash == key)
    ).first()
    if seen is not None:
        raise Conflict("this breach is already on the record")


GUARDS.register(BREACH, _guard_breach)


def _guard_binding(ctx: GuardContext) -> None:
    """A version is announced as binding once (there are few such notices: read them all)."""
    rows = ctx.conn.execute(
        select(entries_table.c.content).where(entries_table.c.kind == _kinds.BINDING.name)
    )
    if any(
        Content.from_bytes(bytes(r.content)).body["version"] == ctx.body["version"] for r in rows
    ):
        raise Conflict("this version has already been announced as binding")


GUARDS.register(_kinds.BINDING.name, _guard_binding)


class AgreementService:
    def __init__(self, record: RecordService) -> None:
        self.record = record
        record.on_append(self.after_append)

    # --- reading the index --------------------------------------------------------

    def _upto(self, conn: Connection, at: datetime | None) -> int | None:
        """The last seq appended at or before ``at`` (append times never go backwards)."""
        if at is None:
            return None
        found = conn.execute(
            select(func.max(entries_table.c.seq)).where(
                entries_table.c.appended_at <= format_time(at)
            )
        ).scalar()
        return int(found) if found is not None else 0

    def _entries(
        self,
        conn: Connection,
        reader: str | None,
        agreement: str,
        upto: int | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[StoredEntry]:
        query = select(proj_agreement_entries.c.seq).where(
            proj_agreement_entries.c.agreement == agreement
        )
        if upto is not None:
            query = query.where(proj_agreement_entries.c.seq <= upto)
        if kinds is not None:
            query = query.where(proj_agreement_entries.c.kind.in_(list(kinds)))
        found = []
        for seq in conn.execute(query.order_by(proj_agreement_entries.c.seq)).scalars():
            entry = q.get_entry_by_seq(conn, int(seq), reader)
            if entry is not None:
                found.append(entry)
        return found

    @staticmethod
    def _authority_at(conn: Connection) -> Callable[[str, int], Authority | None]:
        return lambda member, seq: q.authority(conn, member, at_seq=seq)

    @staticmethod
    def _stamp_of(conn: Connection) -> Callable[[str], Ref | None]:
        def stamp(entry_id: str) -> Ref | None:
            seq = q.entry_seq(conn, entry_id) if is_entry_id(entry_id) else None
            if seq is None:
                return None
            found = q.stamps(conn, seq, seq)
            return Ref(found[0].entry, found[0].seq, found[0].at) if found else None

        return stamp

    def _versions(
        self, conn: Connection, pool: Sequence[StoredEntry], agreement: str
    ) -> list[Version]:
        return collect_versions(agreement, pool, self._stamp_of(conn))

    def _visible(
        self, conn: Connection, reader: str | None, agreement: str, upto: int | None = None
    ) -> tuple[list[StoredEntry], list[Version]]:
        """The agreement's entries the reader may see; NotFound if it may see no version.

        A missing agreement and one the reader may not see give the same answer. A
        party consulted without being a party to the agreement sees it too, as far
        as it was released to it: nothing it reads here was not released to it.
        """
        if not is_entry_id(agreement):
            raise NotFound("no such agreement")
        pool = self._entries(conn, reader, agreement, upto)
        versions = self._versions(conn, pool, agreement)
        if not versions:
            raise NotFound("no such agreement")
        return pool, versions

    def _party(self, author: str) -> str:
        return self.record.authority(author).party

    # --- status -------------------------------------------------------------------

    def _status(
        self,
        conn: Connection,
        reader: str | None,
        agreement: str,
        *,
        version: str | None = None,
        upto: int | None = None,
    ) -> BindingStatus:
        pool, _ = self._visible(conn, reader, agreement, upto)
        authority_at, stamp_of = self._authority_at(conn), self._stamp_of(conn)
        try:
            status = binding_status(
                agreement, pool, authority_at, version=version, stamp_of=stamp_of
            )
        except KeyError:
            raise NotFound("no such version of this agreement") from None
        if status.bound is None:
            return status
        endings = self._endings(conn, reader, agreement, set(status.parties), upto)
        later = [e for e in endings if e.since.seq > status.bound.seq]
        if not later:
            return status
        return replace(status, ended=min(later, key=lambda e: e.since.seq))

    def _endings(
        self,
        conn: Connection,
        reader: str | None,
        agreement: str,
        parties: set[str],
        upto: int | None,
    ) -> list[Ended]:
        """Later agreements that bind every party of this one and end it."""
        query = select(proj_agreement_ends.c.agreement, proj_agreement_ends.c.how).where(
            proj_agreement_ends.c.ends == agreement
        )
        if upto is not None:
            query = query.where(proj_agreement_ends.c.seq <= upto)
        found: list[Ended] = []
        for ender, how in sorted(set(conn.execute(query).tuples())):
            if ender == agreement:
                continue
            try:
                pool, _ = self._visible(conn, reader, ender, upto)
                other = binding_status(
                    ender, pool, self._authority_at(conn), stamp_of=self._stamp_of(conn)
                )
            except (NotFound, KeyError):
                continue
            if other.bound is None or not parties <= set(other.parties):
                continue
            bound_terms = next(
                v.terms for v in self._versions(conn, pool, ender) if v.id == other.version
            )
            if any(e["agreement"] == agreement for e in bound_terms.get("ends", [])):
                found.append(Ended(ender, how, other.bound))
        return found

    def status(
        self,
        reader: str | None,
        agreement: str,
        *,
        version: str | None = None,
        at: datetime | None = None,
    ) -> BindingStatus:
        """Whether the agreement binds (as of ``at``), and if not, what is missing and why."""
        with self.record.store.read() as conn:
            return self._status(conn, reader, agreement, version=version, upto=self._upto(conn, at))

    def versions(self, reader: str | None, agreement: str) -> list[Version]:
        """Every version the reader may read, oldest first (each is signable as it stands)."""
        with self.record.store.read() as conn:
            return self._visible(conn, reader, agreement)[1]

    def consultations(
        self, reader: str | None, agreement: str, *, at: datetime | None = None
    ) -> ConsultationLog:
        """Who has been consulted on the agreement, when, and who not yet (as of ``at``)."""
        with self.record.store.read() as conn:
            pool, versions = self._visible(conn, reader, agreement, self._upto(conn, at))
        latest = versions[-1]
        root = next((e for e in pool if e.id == agreement), None)
        first_consultation = next((e for e in pool if e.content.kind == CONSULTATION), None)
        drafter = (root or first_consultation or pool[0]).content.party
        return consultation_log(
            agreement, pool, parties=latest.parties, drafter=drafter, latest_version=latest.id
        )

    def positions(self, reader: str | None, agreement: str) -> builtins.list[StoredEntry]:
        """The parties' answers the reader may read, in record order."""
        with self.record.store.read() as conn:
            pool, _ = self._visible(conn, reader, agreement)
        return [e for e in pool if e.content.kind == POSITION]

    def agreements(self, reader: str | None) -> builtins.list[AgreementSummary]:
        """Every agreement the reader may see a version of, with its state."""
        query = select(distinct(proj_agreement_entries.c.agreement))
        if reader is not None:
            visible = select(releases.c.seq).where(
                releases.c.seq == proj_agreement_entries.c.seq,
                releases.c.party.in_([reader, ALL_PARTIES]),
            )
            query = query.where(visible.exists())
        summaries = []
        with self.record.store.read() as conn:
            for agreement in sorted(conn.execute(query).scalars()):
                try:
                    _, versions = self._visible(conn, reader, agreement)
                    status = self._status(conn, reader, agreement)
                except NotFound:
                    continue
                latest = versions[-1]
                summaries.append(
                    AgreementSummary(
                        agreement,
                        str(latest.terms["title"]),
                        str(latest.terms["topic"]),
                        latest.parties,
                        latest.id,
                        status.state,
                    )
                )
        return summaries

    def obligations(
        self, reader: str | None, agreement: str | None = None
    ) -> builtins.list[ObligationView]:
        """The obligations of every agreement that binds now, as the reader sees it."""
        roots = [agreement] if agreement else [s.agreement for s in self.agreements(reader)]
        views: list[ObligationView] = []
        with self.record.store.read() as conn:
            for root in roots:
                status = self._status(conn, reader, root)
                if not status.binding or status.bound is None:
                    continue
                _, versions = self._visible(conn, reader, root)
                terms = next(v.terms for v in versions if v.id == status.version)
                for provision in terms.get("provisions", []):
                    for obligation in provision.get("obligations", []):
                        views.append(
                            ObligationView(
                                root,
                                status.version,
                                status.title,
                                provision["id"],
                                obligation,
                                status.bound,
                            )
                        )
        return views

    def breaches(
        self, reader: str | None, agreement: str | None = None
    ) -> builtins.list[BreachView]:
        """Recorded breaches the reader may read, each with the disputes of it."""
        query = select(proj_agreement_entries.c.seq, proj_agreement_entries.c.kind).where(
            proj_agreement_entries.c.kind.in_([BREACH, DISPUTE])
        )
        if agreement is not None:
            query = query.where(proj_agreement_entries.c.agreement == agreement)
        found: dict[str, StoredEntry] = {}
        disputes: dict[str, list[StoredEntry]] = {}
        with self.record.store.read() as conn:
            for seq, kind in conn.execute(query.order_by(proj_agreement_entries.c.seq)).tuples():
                entry = q.get_entry_by_seq(conn, int(seq), reader)
                if entry is None:
                    continue
                if kind == BREACH:
                    found[entry.id] = entry
                else:
                    disputes.setdefault(str(entry.content.body["breach"]), []).append(entry)
        return [BreachView(b, tuple(disputes.get(b.id, []))) for b in found.values()]

    # --- writing ------------------------------------------------------------------

    def draft(self, author: str, terms: Mapping[str, Any]) -> StoredEntry:
        """A new draft: released to the drafting party only, until it is consulted on."""
        return self.record.append(AppendRequest(author, PROPOSAL, dict(terms), release=[]))

    def revise(self, author: str, version: str, terms: Mapping[str, Any]) -> StoredEntry:
        """A new version of the drafting party's own draft; the old one stays readable."""
        return self.record.append(
            AppendRequest(author, PROPOSAL, dict(terms), release=[], supersedes=version)
        )

    def consult(
        self,
        author: str,
        agreement: str,
        to: Sequence[str],
        *,
        version: str | None = None,
        note: str | None = None,
    ) -> StoredEntry:
        """Put a version (the latest by default) to named parties, and only to them."""
        party = self._party(author)
        with self.record.store.read() as conn:
            _, versions = self._visible(conn, party, agreement)
        chosen = self._pick(versions, version)
        named = sorted(set(to) - {party})
        if not named:
            raise InvalidInput("to: name at least one party to consult, other than your own")
        body = {
            "agreement": agreement,
            "version": chosen.id,
            "terms": dict(chosen.terms),
            "to": named,
            "note": note,
        }
        return self.record.append(AppendRequest(author, CONSULTATION, body, release=named))

    def amend(
        self, author: str, agreement: str, base: str, terms: Mapping[str, Any]
    ) -> StoredEntry:
        """A new version put forward by a party of the agreement, released to its parties."""
        party = self._party(author)
        with self.record.store.read() as conn:
            _, versions = self._visible(conn, party, agreement)
        chosen = self._pick(versions, base)
        if party not in chosen.parties:
            raise NotPermitted(f"only a party of the agreement may amend it; {party} is not one")
        body = {"agreement": agreement, "base": chosen.id, "terms": dict(terms)}
        release = sorted(set(chosen.parties) | set(terms.get("parties", [])))
        return self.record.append(AppendRequest(author, AMENDMENT, body, release=release))

    def answer(
        self,
        author: str,
        agreement: str,
        version: str,
        stance: str,
        reasons: str,
        *,
        amendment: str | None = None,
    ) -> StoredEntry:
        """A party's position on a version: accept, reject, reserve or propose_amendment."""
        party = self._party(author)
        with self.record.store.read() as conn:
            _, versions = self._visible(conn, party, agreement)
        chosen = self._pick(versions, version)
        if party not in chosen.parties:
            raise NotPermitted(f"only a party of the agreement may answer; {party} is not one")
        if amendment is not None and not any(
            v.id == amendment and v.kind == AMENDMENT for v in versions
        ):
            raise NotFound("no such amendment of this agreement")
        body = {
            "agreement": agreement,
            "version": chosen.id,
            "stance": stance,
            "reasons": reasons,
            "amendment": amendment,
        }
        return self.record.append(
            AppendRequest(author, POSITION, body, release=list(chosen.parties))
        )

    def sign(self, author: str, signature: Mapping[str, Any]) -> StoredEntry:
        """Record a signature made on the member's side (``liaison.agreements.sign_version``).

        The server never sees a private key: it checks that the signature verifies
        over the exact version with the signer's key as the record holds it now,
        then appends it released to the agreement's parties. A signature that
        verifies but does not count (wrong role, mandate, ...) is recorded all the
        same; the status says why it does not count.
        """
        body = _kinds.SIGNATURE.validate(signature)
        party = self._party(author)
        chosen = self._check_signature(author, party, body)
        return self.record.append(
            AppendRequest(author, SIGNATURE, body, release=list(chosen.parties))
        )

    def sign_entry(
        self, author: str, signed_content: Mapping[str, Any], entry_signature: str
    ) -> StoredEntry:
        """Record a signature entry the member built and signed whole on their side.

        Its release set must be the agreement's parties (with the member's own),
        so that every party can count it.
        """
        try:
            content = Content.from_json(signed_content)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"the signed content is malformed: {exc}") from None
        if content.kind != SIGNATURE:
            raise InvalidInput(f"expected an {SIGNATURE} entry, not {content.kind}")
        body = _kinds.SIGNATURE.validate(content.body)
        party = self._party(author)
        chosen = self._check_signature(author, party, body)
        expected = sorted({party, *chosen.parties})
        if list(content.release) != expected:
            raise InvalidInput(f"release: a signature is released to the parties: {expected}")
        return self.record.append(
            AppendRequest(author, signed_content=dict(signed_content), signature=entry_signature)
        )

    def _check_signature(self, author: str, party: str, body: Mapping[str, Any]) -> Version:
        agreement = str(body["agreement"])
        with self.record.store.read() as conn:
            _, versions = self._visible(conn, party, agreement)
        chosen = self._pick(versions, str(body["version"]))
        signer = self.record.authority(str(body["signer"]))
        if signer.party != party:
            raise NotPermitted(
                f"{author} acts for {party} and may not deliver a signature of {signer.party}"
            )
        key = signer.key(str(body["key_id"]))
        if key is None:
            raise InvalidSignature(f"{body['key_id']} is not a key of {signer.member}")
        raw = version_bytes(agreement, chosen.id, chosen.terms)
        if not verify(key.public_key, raw, b64d(str(body["signature"]), what="signature")):
            raise InvalidSignature(
                f"the signature does not verify over version {chosen.id} with key {key.key_id}"
            )
        return chosen

    def dispute(self, author: str, breach: str, reasons: str) -> StoredEntry:
        """Dispute a recorded breach; released to the same parties as the breach."""
        party = self._party(author)
        found = self.record.get(party, breach) if is_entry_id(breach) else None
        if found is None or found.content.kind != BREACH:
            raise NotFound("no such breach")
        body = {
            "agreement": found.content.body["agreement"],
            "breach": breach,
            "reasons": reasons,
        }
        release = [p for p in found.content.release if p != ALL_PARTIES]
        return self.record.append(AppendRequest(author, DISPUTE, body, release=release))

    @staticmethod
    def _pick(versions: Sequence[Version], version: str | None) -> Version:
        if version is None:
            return versions[-1]
        chosen = next((v for v in versions if v.id == version), None)
        if chosen is None:
            raise NotFound("no such version of this agreement")
        return chosen

    # --- compliance ---------------------------------------------------------------

    def after_append(self, entry: StoredEntry) -> builtins.list[StoredEntry]:
        """The post-commit step: check obligations when an entry could bear on them.

        Returns the breach entries it recorded. Call it for every durable append.
        """
        kind = entry.content.kind
        if kind == SIGNATURE:
            self._announce_binding(entry)
        relevant = (
            kind in (CONSULTATION, SIGNATURE)
            or kind in OPERATION_KINDS
            or (kind not in _kinds.AGREEMENT_KINDS and is_arrangement(entry))
        )
        if not relevant:
            return []
        report = self.check()
        with self.record.store.read() as conn:
            return [
                e
                for r in report.recorded
                if (e := q.get_entry_by_seq(conn, r.seq, None)) is not None
            ]

    def _announce_binding(self, signature: StoredEntry) -> None:
        """Tell the agreement's parties, live, when a signature completed a version."""
        body = signature.content.body
        status = self.status(None, str(body["agreement"]), version=str(body["version"]))
        if not status.binding or status.bound is None or status.bound.entry != signature.id:
            return
        with contextlib.suppress(Conflict):  # another process announced it first
            self.record.append(
                AppendRequest(
                    NODE_AUTHOR,
                    _kinds.BINDING.name,
                    {
                        "agreement": status.agreement,
                        "version": status.version,
                        "completed_by": signature.id,
                    },
                    release=sorted(status.parties),
                )
            )

    def check(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        reader: str | None = None,
        write: bool = True,
    ) -> ComplianceReport:
        """Evaluate every binding agreement's obligations over ``[start, end]``.

        With ``write`` the node records each new finding as a breach entry. With a
        ``reader``, the report holds only agreements that party is bound by, the
        same parties the breach entries are released to.
        """
        now = self.record.clock()
        with self.record.store.read() as conn:
            binding, arrangements = self._binding(conn)
            obliged = [a for a in binding if a.terms.obligations()]
            unreadable: list[tuple[Ref, str]] = []
            if obliged:
                facts, unreadable = self._facts(conn, arrangements)
                findings = evaluate(obliged, facts, now=now, start=start, end=end)
            else:
                findings = []
        recorded = [r for r in (self._record_breach(f) for f in findings) if r] if write else []
        if reader is not None:
            obliged = [a for a in obliged if reader in a.parties]
            roots = {a.root for a in obliged}
            findings = [f for f in findings if f.agreement in roots]
            recorded = [r for r in recorded if r[1] in roots]
            unreadable = []
        return ComplianceReport(
            start,
            end,
            now,
            tuple(a.root for a in obliged),
            tuple(findings),
            tuple(r[0] for r in recorded),
            tuple(unreadable),
        )

    def _binding(self, conn: Connection) -> tuple[list[BindingAgreement], list[Arrangement]]:
        """Every agreement that ever bound (the node's view), and each as an arrangement."""
        roots = conn.execute(
            select(distinct(proj_agreement_entries.c.agreement)).where(
                proj_agreement_entries.c.kind == SIGNATURE
            )
        ).scalars()
        binding: list[BindingAgreement] = []
        arrangements: list[Arrangement] = []
        for root in sorted(roots):
            try:
                status = self._status(conn, None, root)
                _, versions = self._visible(conn, None, root)
            except NotFound:
                continue
            if status.bound is None:
                continue
            terms = parse_terms(next(v.terms for v in versions if v.id == status.version))
            until = status.ended.since.at if status.ended else None
            binding.append(BindingAgreement(root, status.version, terms, status.bound, until))
            arrangements.append(
                Arrangement(status.bound, None, frozenset(terms.parties), terms.topic, root)
            )
        return binding, arrangements

    def _by_kind(self, conn: Connection, kind: str) -> builtins.list[StoredEntry]:
        found: list[StoredEntry] = []
        after = 0
        while True:
            page = q.list_entries(conn, None, EntryFilter(kind=kind, after=after, limit=1000))
            if not page:
                return found
            found.extend(page)
            after = page[-1].seq

    def _facts(
        self, conn: Connection, agreements: Sequence[Arrangement]
    ) -> tuple[Facts, builtins.list[tuple[Ref, str]]]:
        parties = [p.id for p in q.parties(conn)]
        unreadable: list[tuple[Ref, str]] = []
        arrangements = list(agreements)
        for spec in self.record.kinds:
            if spec.name in _kinds.AGREEMENT_KINDS or "arrangement" not in spec.body.model_fields:
                continue
            for entry in self._by_kind(conn, spec.name):
                if not is_arrangement(entry):
                    continue
                try:
                    arrangements.append(read_arrangement(entry))
                except ContractError as exc:
                    unreadable.append((Ref.of(entry), str(exc)))
        consultations = [
            Consulted(
                Ref.of(e),
                e.content.party,
                reached_parties(e, parties),
                str(e.content.body["agreement"]),
                str(e.content.body["terms"]["topic"]),
            )
            for e in self._by_kind(conn, CONSULTATION)
        ]
        operation_entries = [
            e
            for kind in sorted(OPERATION_KINDS)
            if kind in self.record.kinds
            for e in self._by_kind(conn, kind)
        ]
        operations, bad = read_operations(operation_entries, parties)
        unreadable.extend(bad)
        return Facts(arrangements, consultations, operations), unreadable

    def _record_breach(self, finding: Finding) -> tuple[Ref, str] | None:
        """Append the finding as a breach entry by the node, released to the agreement's parties.

        The guard on the breach kind refuses a finding whose key is already on the
        record inside the write transaction, so concurrent checks record it once.
        """
        body = _kinds.BREACH.validate(finding.body())
        with self.record.store.read() as conn:
            _, versions = self._visible(conn, None, finding.agreement)
        parties = next(v.parties for v in versions if v.id == finding.version)
        try:
            entry = self.record.append(
                AppendRequest(NODE_AUTHOR, BREACH, body, release=sorted(parties))
            )
        except Conflict:
            return None
        return Ref.of(entry), finding.agreement
