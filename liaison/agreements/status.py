"""Binding status: computed from the record every time, never stored as a flag.

An agreement binds when, for every party its version names, a member who at
the moment of signing — the node's append time of the signature entry, never
a time the signer declares — held the plenipotentiary role for that party,
with a mandate covering the agreement's topic, neither revoked nor expired,
signed that same version with a key registered to them by then, and the
signature verifies over :func:`~liaison.agreements.model.version_bytes`.

:func:`binding_status` is a pure function of the entries it is given and of
members' authority as the record shows it at each signature; it ignores every
entry that is not about the agreement, so the same record in any interleaving
of unrelated entries gives the same verdict (a property test checks it).
Each signature that does not count carries every reason why, as a stable code
and a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liaison.agreements.model import version_bytes
from liaison.domain.entry import StoredEntry
from liaison.domain.member import Authority
from liaison.domain.roles import Role
from liaison.domain.time import format_time
from liaison.ledger.signing import b64d, verify

__all__ = [
    "REASONS",
    "BindingStatus",
    "Ended",
    "Ref",
    "SignatureCheck",
    "Version",
    "binding_status",
    "collect_versions",
]

#: why a signature does not count, by stable code
REASONS = {
    "other-version": "signed another version",
    "unknown-version": "signed a version that is not part of this agreement",
    "unknown-key": "the key is not one of the signer's keys at the time of signing",
    "does-not-verify": "the signature does not verify over the version's canonical bytes",
    "not-a-member": "the signer was not a member at the time of signing",
    "not-a-party": "the signer acts for a party the agreement does not name",
    "revoked": "the signer had been revoked",
    "mandate-expired": "the signer's mandate had expired",
    "wrong-role": "the signer was not a plenipotentiary",
    "topic-not-covered": "the signer's mandate did not cover the agreement's topic",
}

PROPOSAL = "agreement.proposal"
AMENDMENT = "agreement.amendment"
SIGNATURE = "agreement.signature"
CONSULTATION = "agreement.consultation"

#: a member's authority as the record shows it just after entry ``seq``
AuthorityAt = Callable[[str, int], Authority | None]


@dataclass(frozen=True)
class Ref:
    """An entry cited by id and seq (so its proofs can be fetched) and its append time."""

    entry: str
    seq: int
    at: datetime

    @classmethod
    def of(cls, entry: StoredEntry) -> Ref:
        return cls(entry.id, entry.seq, entry.stamp.at)

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "seq": self.seq, "at": format_time(self.at)}


@dataclass(frozen=True)
class Version:
    """One version of an agreement: the entry that holds it and its terms."""

    ref: Ref
    kind: str
    party: str | None
    author: str
    terms: Mapping[str, Any]
    #: the version this one revises (a draft's previous version or an amendment's base)
    base: str | None

    @property
    def id(self) -> str:
        return self.ref.entry

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(self.terms["parties"])

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.id,
            **self.ref.to_json(),
            "kind": self.kind,
            "party": self.party,
            "author": self.author,
            "base": self.base,
            "terms": dict(self.terms),
        }


@dataclass(frozen=True)
class SignatureCheck:
    ref: Ref
    signer: str
    party: str | None
    version: str
    reasons: tuple[str, ...]

    @property
    def counts(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        return {
            **self.ref.to_json(),
            "signer": self.signer,
            "party": self.party,
            "version": self.version,
            "counts": self.counts,
            "reasons": [{"code": r, "text": REASONS[r]} for r in self.reasons],
        }


@dataclass(frozen=True)
class Ended:
    """A later binding agreement, binding every party of this one, that ended it."""

    by: str
    how: str
    since: Ref


@dataclass(frozen=True)
class BindingStatus:
    agreement: str
    version: str
    title: str
    topic: str
    parties: tuple[str, ...]
    #: the signature entry that completed the version, if it ever bound
    bound: Ref | None
    ended: Ended | None
    counted: Mapping[str, tuple[Ref, ...]]
    missing: tuple[str, ...]
    signatures: tuple[SignatureCheck, ...]
    versions: tuple[str, ...] = field(default=())

    @property
    def binding(self) -> bool:
        return self.bound is not None and self.ended is None

    @property
    def state(self) -> str:
        if self.ended is not None:
            return "superseded" if self.ended.how == "supersede" else "terminated"
        return "binding" if self.bound is not None else "not binding"

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "version": self.version,
            "title": self.title,
            "topic": self.topic,
            "parties": list(self.parties),
            "state": self.state,
            "binding": self.binding,
            "bound": self.bound.to_json() if self.bound else None,
            "ended": (
                {"by": self.ended.by, "how": self.ended.how, **self.ended.since.to_json()}
                if self.ended
                else None
            ),
            "signed": {p: [r.to_json() for r in refs] for p, refs in self.counted.items()},
            "missing": list(self.missing),
            "signatures": [s.to_json() for s in self.signatures],
            "versions": list(self.versions),
        }


def collect_versions(
    root: str,
    entries: Iterable[StoredEntry],
    stamp_of: Callable[[str], Ref | None] = lambda _: None,
) -> list[Version]:
    """Every version of the agreement ``root`` among ``entries``, in record order.

    Drafts belong to the agreement through their ``supersedes`` chain back to
    the root; amendments name the agreement and a base that is one of its
    versions. A party that was consulted cannot read the drafting party's
    draft, only the consultation that carried its terms: such a version is
    taken from the consultation, placed by the draft's stamp (``stamp_of``:
    stamps are public, contents are not) or else by the consultation's.
    """
    members = {root}
    found: dict[str, Version] = {}
    pool = sorted(entries, key=lambda e: e.seq)
    for entry in pool:
        content = entry.content
        if content.kind == PROPOSAL and (entry.id == root or content.supersedes in members):
            members.add(entry.id)
            found[entry.id] = _version(entry, dict(content.body), content.supersedes)
        elif (
            content.kind == AMENDMENT
            and content.body.get("agreement") == root
            and content.body.get("base") in members
        ):
            members.add(entry.id)
            found[entry.id] = _version(entry, dict(content.body["terms"]), content.body["base"])
    for entry in pool:
        content = entry.content
        if content.kind == CONSULTATION and content.body.get("agreement") == root:
            vid = str(content.body["version"])
            if vid not in found:
                ref = stamp_of(vid) or Ref(vid, entry.seq, entry.stamp.at)
                found[vid] = Version(
                    ref,
                    CONSULTATION,
                    content.party,
                    content.author,
                    dict(content.body["terms"]),
                    None,
                )
    return sorted(found.values(), key=lambda v: v.ref.seq)


def _version(entry: StoredEntry, terms: dict[str, Any], base: str | None) -> Version:
    c = entry.content
    return Version(Ref.of(entry), c.kind, c.party, c.author, terms, base)


def check_signature(
    root: str,
    entry: StoredEntry,
    version: Version,
    versions: Mapping[str, Version],
    authority: Authority | None,
) -> SignatureCheck:
    """Whether one signature entry counts for ``version``, and every reason it does not."""
    body = entry.content.body
    signed = str(body["version"])
    reasons: list[str] = []
    if signed != version.id:
        reasons.append("other-version" if signed in versions else "unknown-version")
    signed_version = versions.get(signed)
    if authority is None:
        reasons.append("not-a-member")
    else:
        key = authority.key(str(body["key_id"]))
        if key is None:
            reasons.append("unknown-key")
        elif signed_version is not None:
            try:
                raw = version_bytes(root, signed, signed_version.terms)
                good = verify(key.public_key, raw, b64d(str(body["signature"])))
            except ValueError:
                good = False
            if not good:
                reasons.append("does-not-verify")
        if authority.party not in version.parties:
            reasons.append("not-a-party")
        if authority.revoked:
            reasons.append("revoked")
        if authority.mandate.expired_at(entry.stamp.at):
            reasons.append("mandate-expired")
        if authority.role < Role.PLENIPOTENTIARY:
            reasons.append("wrong-role")
        if not authority.mandate.covers_topic(str(version.terms["topic"])):
            reasons.append("topic-not-covered")
    return SignatureCheck(
        Ref.of(entry),
        str(body["signer"]),
        authority.party if authority else None,
        signed,
        tuple(reasons),
    )


def binding_status(
    root: str,
    entries: Iterable[StoredEntry],
    authority_at: AuthorityAt,
    *,
    version: str | None = None,
    ended: Sequence[Ended] = (),
    stamp_of: Callable[[str], Ref | None] = lambda _: None,
) -> BindingStatus:
    """The status of agreement ``root`` from the entries given (see the module doc).

    Without ``version``, the version that bound first is reported if any did;
    otherwise the latest version. ``ended`` lists later agreements that end this
    one (the caller checks that they bind and bind every party of this one).
    Raises ``KeyError`` when no version of ``root`` is among the entries.
    """
    pool = sorted(entries, key=lambda e: e.seq)
    versions = collect_versions(root, pool, stamp_of)
    if not versions:
        raise KeyError(root)
    by_id = {v.id: v for v in versions}
    signatures = [
        e for e in pool if e.content.kind == SIGNATURE and e.content.body.get("agreement") == root
    ]
    authorities = {e.seq: authority_at(str(e.content.body["signer"]), e.seq) for e in signatures}

    def evaluate(v: Version) -> tuple[list[SignatureCheck], dict[str, list[Ref]], Ref | None]:
        checks: list[SignatureCheck] = []
        counted: dict[str, list[Ref]] = {p: [] for p in v.parties}
        bound: Ref | None = None
        for e in signatures:
            check = check_signature(root, e, v, by_id, authorities[e.seq])
            checks.append(check)
            if check.counts and check.party is not None:
                counted[check.party].append(check.ref)
                if bound is None and all(counted[p] for p in v.parties):
                    bound = check.ref
        return checks, counted, bound

    results = {v.id: evaluate(v) for v in versions}
    if version is not None:
        if version not in by_id:
            raise KeyError(version)
        chosen = by_id[version]
    else:
        bound_versions = [v for v in versions if results[v.id][2] is not None]
        chosen = (
            min(bound_versions, key=lambda v: results[v.id][2].seq)  # type: ignore[union-attr]
            if bound_versions
            else versions[-1]
        )
    checks, counted, bound = results[chosen.id]
    ending = None
    if bound is not None:
        later = sorted((x for x in ended if x.since.seq > bound.seq), key=lambda x: x.since.seq)
        ending = later[0] if later else None
    return BindingStatus(
        agreement=root,
        version=chosen.id,
        title=str(chosen.terms["title"]),
        topic=str(chosen.terms["topic"]),
        parties=chosen.parties,
        bound=bound,
        ended=ending,
        counted={p: tuple(refs) for p, refs in counted.items()},
        missing=tuple(p for p in chosen.parties if not counted[p]),
        signatures=tuple(checks),
        versions=tuple(v.id for v in versions),
    )
