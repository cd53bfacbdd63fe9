"""An agreement's text, its versions, and the exact bytes a plenipotentiary signs.

An agreement is named by the id of its first draft (its *root*). Each version
is one entry: a draft (``agreement.proposal``, the drafting party's own
versions, chained by ``supersedes``) or an amendment (``agreement.amendment``,
a new version put forward by any party of it). A version's *terms* are the
whole text: title, text, the parties it would bind, its topic, its provisions
with their obligations, and which earlier agreements it ends.

What a member signs is :func:`version_bytes`: the RFC 8785 bytes of the
agreement root, the version's entry id and the terms. The version id is a
salted hash of that version's entry, so a signature cannot be moved to another
version with the same words; the terms are inside, so whoever holds the
signature can see exactly what was signed without asking the node. Signing
happens on the member's side (:func:`sign_version`), with the key file only the
member holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from liaison.agreements.obligations import Obligation, obligation_parties
from liaison.domain.entry import is_entry_id
from liaison.domain.kinds import Body
from liaison.domain.mandate import ANY_TOPIC, check_topic
from liaison.domain.party import check_identifier
from liaison.ledger.canonical import canonical_bytes
from liaison.ledger.signing import KeyFile, b64e, key_id, sign

__all__ = [
    "SIGNATURE_FORMAT",
    "Ending",
    "Provision",
    "Terms",
    "entry_id",
    "sign_version",
    "version_bytes",
    "version_document",
]

#: bound inside the signed bytes so that they can never be mistaken for an entry
SIGNATURE_FORMAT = "liaison-agreement-version/1"


def entry_id(value: str) -> str:
    if not isinstance(value, str) or not is_entry_id(value):
        raise ValueError("must be an entry id (64 lowercase hex digits)")
    return value


class Provision(Body):
    id: str
    text: str = Field(min_length=1, max_length=65536)
    obligations: list[Obligation] = Field(default_factory=list)

    _id = field_validator("id")(lambda v: check_identifier(v, "provision id"))


class Ending(Body):
    """An earlier agreement this one supersedes or terminates once it binds."""

    agreement: str
    how: Literal["supersede", "terminate"]

    _a = field_validator("agreement")(entry_id)


class Terms(Body):
    title: str = Field(min_length=1, max_length=500)
    text: str = Field(default="", max_length=262144)
    parties: list[str]
    topic: str
    provisions: list[Provision] = Field(default_factory=list)
    ends: list[Ending] = Field(default_factory=list)

    @field_validator("parties")
    @classmethod
    def _parties(cls, value: list[str]) -> list[str]:
        parties = sorted({check_identifier(p, "party id") for p in value})
        if len(parties) < 2:
            raise ValueError("an agreement binds at least two parties")
        return parties

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if check_topic(value) == ANY_TOPIC:
            raise ValueError("an agreement is on one topic, not on every topic ('*')")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        seen_provisions: set[str] = set()
        seen_obligations: set[str] = set()
        for i, provision in enumerate(self.provisions):
            if provision.id in seen_provisions:
                raise ValueError(f"provisions.{i}.id: {provision.id!r} is used twice")
            seen_provisions.add(provision.id)
            for j, obligation in enumerate(provision.obligations):
                where = f"provisions.{i}.obligations.{j}"
                if obligation.id in seen_obligations:
                    raise ValueError(f"{where}.id: obligation {obligation.id!r} is used twice")
                seen_obligations.add(obligation.id)
                strangers = sorted(obligation_parties(obligation) - set(self.parties))
                if strangers:
                    raise ValueError(
                        f"{where}: names {', '.join(strangers)}, not parties of this agreement"
                    )
        ended = [e.agreement for e in self.ends]
        if len(set(ended)) != len(ended):
            raise ValueError("ends: an agreement is named twice")
        return self

    def obligations(self) -> list[tuple[str, Any]]:
        """Every obligation with the id of the provision that carries it."""
        return [(p.id, o) for p in self.provisions for o in p.obligations]


def parse_terms(data: Mapping[str, Any]) -> Terms:
    """Terms from their JSON form (already validated on the record)."""
    return Terms.model_validate(dict(data))


def version_document(agreement: str, version: str, terms: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "format": SIGNATURE_FORMAT,
        "agreement": agreement,
        "version": version,
        "terms": dict(terms),
    }


def version_bytes(agreement: str, version: str, terms: Mapping[str, Any]) -> bytes:
    """The canonical bytes of one exact version: what every signature covers."""
    return canonical_bytes(version_document(agreement, version, terms))


def sign_version(
    key: KeyFile, agreement: str, version: str, terms: Mapping[str, Any]
) -> dict[str, str]:
    """Sign a version on the member's side; returns the ``agreement.signature`` body.

    The private key never leaves the member: the CLI and the Python client call
    this locally and send only the signature.
    """
    signature = sign(key.signing_key, version_bytes(agreement, version, terms))
    return {
        "agreement": agreement,
        "version": version,
        "signer": key.owner,
        "key_id": key_id(key.public_key),
        "signature": b64e(signature),
    }


__all__ += ["parse_terms"]
