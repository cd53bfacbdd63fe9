"""The shapes on the wire, as pydantic models, so that /openapi.json documents them.

Requests are validated by these models (anything else is a 400 naming the
field). Responses are built by the serialisers below and sent as they are;
the response models exist to document them, so that a party writing its own
client can rely on the OpenAPI document and never needs to read this code.
Bytes (roots, proof hashes, keys, signatures) are standard base64 on the wire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liaison.domain.entry import Stamp, StoredEntry
from liaison.domain.kinds import KindSpec
from liaison.domain.member import Authority
from liaison.domain.time import format_time, parse_time
from liaison.ledger.signing import b64e
from liaison.services.proofs import ConsistencyProof, InclusionProof
from liaison.services.record import AppendRequest
from liaison.store.queries import CheckpointRow

__all__ = [
    "AppendBody",
    "AuthorityOut",
    "BatchItem",
    "BatchResult",
    "CheckpointOut",
    "Checkpoints",
    "ConsistencyOut",
    "Count",
    "Entry",
    "EntryPage",
    "Health",
    "InclusionOut",
    "KindOut",
    "Kinds",
    "MemberKeyOut",
    "Members",
    "NodeOut",
    "Parties",
    "PartyOut",
    "Problem",
    "Signatures",
    "StampOut",
    "Stamps",
    "Versions",
    "authority_json",
    "checkpoint_json",
    "consistency_json",
    "entry_json",
    "inclusion_json",
    "kind_json",
    "stamp_json",
]


class AppendBody(BaseModel):
    """One entry to append, in one of two forms.

    Either ``kind`` and ``body`` (with optional ``release`` and
    ``supersedes``): the node builds the content and signs it; or ``content``
    and ``signature``: the member built the content on their own side, signed
    its RFC 8785 bytes with their own key, and the node checks and countersigns.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(None, description="The entry kind (see /v1/kinds).")
    body: dict[str, Any] | None = Field(None, description="The body, fitting the kind's schema.")
    release: list[str] | None = Field(
        None, description="Parties to release to (own party always); ['*'] for every party."
    )
    supersedes: str | None = Field(None, description="The id of the entry this one corrects.")
    content: dict[str, Any] | None = Field(
        None, description="Content the member built and signed (v, kind, body, author, ...)."
    )
    signature: str | None = Field(
        None, description="The member's Ed25519 signature of the content's RFC 8785 bytes."
    )

    @model_validator(mode="after")
    def _one_form(self) -> AppendBody:
        fields_given = any(
            v is not None for v in (self.kind, self.body, self.release, self.supersedes)
        )
        if self.content is not None or self.signature is not None:
            if fields_given:
                raise ValueError(
                    "give either kind and body (with release, supersedes) or content and "
                    "signature, not both"
                )
            if self.content is None or self.signature is None:
                raise ValueError("signed content needs both content and signature")
            return self
        if self.kind is None or self.body is None:
            raise ValueError("an entry needs kind and body (or content and signature)")
        return self

    def to_request(self, author: str) -> AppendRequest:
        if self.content is not None:
            return AppendRequest(
                author=author, signed_content=self.content, signature=self.signature
            )
        return AppendRequest(
            author=author,
            kind=self.kind or "",
            body=self.body or {},
            release=self.release,
            supersedes=self.supersedes,
        )


# --- response documents ----------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 problem details: the one error shape."""

    type: str = Field(examples=["urn:liaison:problem:not-found"])
    title: str
    status: int
    detail: str


class Signatures(BaseModel):
    node: str
    author: str | None
    author_key: str | None


class Entry(BaseModel):
    """An entry as a reader sees it: stamp, content and signatures."""

    seq: int
    id: str
    appended_at: datetime
    v: int
    kind: str
    body: dict[str, Any]
    author: str
    party: str | None
    time: datetime
    release: list[str]
    supersedes: str | None
    salt: str
    signatures: Signatures


class EntryPage(BaseModel):
    entries: list[Entry]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this is the last page."
    )


class Count(BaseModel):
    count: int


class Versions(BaseModel):
    versions: list[Entry]


class BatchItem(BaseModel):
    entry: Entry | None = None
    problem: Problem | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]


class MemberKeyOut(BaseModel):
    key_id: str
    public_key: str
    since_seq: int
    since: datetime


class AuthorityOut(BaseModel):
    member: str
    party: str
    name: str
    role: str
    mandate: dict[str, Any]
    revoked: bool
    revoked_reason: str | None
    keys: list[MemberKeyOut]
    as_of_seq: int


class Members(BaseModel):
    members: list[AuthorityOut]


class PartyOut(BaseModel):
    id: str
    name: str
    default_release: list[str]
    seq: int


class Parties(BaseModel):
    parties: list[PartyOut]


class KindOut(BaseModel):
    name: str
    description: str
    min_role: str | None = Field(description="The least role that may append it; null: node only.")
    body_schema: dict[str, Any]


class Kinds(BaseModel):
    kinds: list[KindOut]


class NodeOut(BaseModel):
    origin: str
    public_key: str
    verifier_key: str = Field(description="The signed-note verifier key that opens checkpoints.")
    version: str


class CheckpointOut(BaseModel):
    size: int
    root: str
    note: str
    created_at: datetime


class Checkpoints(BaseModel):
    checkpoints: list[CheckpointOut]


class StampOut(BaseModel):
    v: int
    seq: int
    entry: str
    at: datetime


class Stamps(BaseModel):
    stamps: list[StampOut]


class InclusionOut(BaseModel):
    seq: int
    tree_size: int
    stamp: StampOut
    proof: list[str]
    root: str


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]
    first_root: str
    second_root: str


class Health(BaseModel):
    status: str


# --- serialisers --------------------------------------------------------------------------


def entry_json(entry: StoredEntry) -> dict[str, Any]:
    return entry.to_json()


def authority_json(authority: Authority) -> dict[str, Any]:
    return {
        "member": authority.member,
        "party": authority.party,
        "name": authority.name,
        "role": str(authority.role),
        "mandate": authority.mandate.to_json(),
        "revoked": authority.revoked,
        "revoked_reason": authority.revoked_reason,
        "keys": [
            {
                "key_id": key.key_id,
                "public_key": b64e(key.public_key),
                "since_seq": key.since_seq,
                "since": format_time(key.since),
            }
            for key in authority.keys
        ],
        "as_of_seq": authority.as_of_seq,
    }


def kind_json(spec: KindSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "min_role": None if spec.min_role is None else str(spec.min_role),
        "body_schema": spec.body.model_json_schema(),
    }


def checkpoint_json(row: CheckpointRow) -> dict[str, Any]:
    return {
        "size": row.size,
        "root": b64e(row.root),
        "note": row.note,
        # One spelling of every time on the wire, whatever the store kept.
        "created_at": format_time(parse_time(row.created_at)),
    }


def stamp_json(stamp: Stamp) -> dict[str, Any]:
    return stamp.to_json()


def inclusion_json(proof: InclusionProof) -> dict[str, Any]:
    return {
        "seq": proof.stamp.seq,
        "tree_size": proof.tree_size,
        "stamp": stamp_json(proof.stamp),
        "proof": [b64e(h) for h in proof.proof],
        "root": b64e(proof.root),
    }


def consistency_json(proof: ConsistencyProof) -> dict[str, Any]:
    return {
        "first": proof.first,
        "second": proof.second,
        "proof": [b64e(h) for h in proof.proof],
        "first_root": b64e(proof.first_root),
        "second_root": b64e(proof.second_root),
    }
