"""The entry kinds of proposals, consultation, signatures, breaches and disputes.

Registered in the record's kind registry when this module is imported (the
package's ``__init__`` imports it, and so does the agreements service):

* ``agreement.proposal`` — a version of a draft, by its drafting party: the
  whole terms. Released to the drafting party only (the service asks for no
  wider release); later versions supersede earlier ones, and all stay.
* ``agreement.consultation`` — puts one version to named parties. It carries
  the terms (a draft is not released to them), and its release set is exactly
  the named parties and the consulting party; the node's append time is the
  moment the version reached each of them.
* ``agreement.position`` — a party's answer to a version: accept, reject,
  reserve, or propose an amendment, with reasons.
* ``agreement.amendment`` — a new version put forward by any party of the
  agreement, on a base version.
* ``agreement.signature`` — a member's Ed25519 signature over the canonical
  bytes of one version (:func:`liaison.agreements.model.version_bytes`).
* ``agreement.breach`` — written by the node's compliance checker: an
  obligation of a binding agreement not met, with the entries that show it.
* ``agreement.dispute`` — a party disputes a breach, with reasons.

Signatures carry no topic check at append time on purpose: a signature that
does not count (wrong role, mandate not covering the topic, ...) is still put
on the record, and the binding status says why it does not count.
"""

from __future__ import annotations

import base64
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from liaison.agreements.model import Terms, entry_id
from liaison.agreements.obligations import RULES
from liaison.domain.kinds import KINDS, Body, KindSpec
from liaison.domain.party import check_identifier
from liaison.domain.roles import Role
from liaison.domain.time import format_time, parse_time

__all__ = [
    "AGREEMENT_KINDS",
    "AmendmentBody",
    "BreachBody",
    "ConsultationBody",
    "DisputeBody",
    "Evidence",
    "PositionBody",
    "SignatureBody",
    "Stance",
]

Stance = Literal["accept", "reject", "reserve", "propose_amendment"]
_KEY_ID = re.compile(r"[0-9a-f]{16}")


def _parties(value: list[str]) -> list[str]:
    parties = sorted({check_identifier(p, "party id") for p in value})
    if not parties:
        raise ValueError("name at least one party")
    return parties


class ConsultationBody(Body):
    agreement: str
    version: str
    terms: Terms
    to: list[str]
    note: str | None = Field(default=None, max_length=65536)

    _ids = field_validator("agreement", "version")(entry_id)
    _to = field_validator("to")(_parties)


class AmendmentBody(Body):
    agreement: str
    base: str
    terms: Terms

    _ids = field_validator("agreement", "base")(entry_id)


class PositionBody(Body):
    agreement: str
    version: str
    stance: Stance
    reasons: str = Field(min_length=1, max_length=65536)
    amendment: str | None = None

    _ids = field_validator("agreement", "version")(entry_id)

    @field_validator("amendment")
    @classmethod
    def _amendment(cls, value: str | None) -> str | None:
        return None if value is None else entry_id(value)

    @model_validator(mode="after")
    def _amendment_with_stance(self) -> PositionBody:
        if (self.stance == "propose_amendment") != (self.amendment is not None):
            raise ValueError(
                "amendment: give the id of the amendment entry exactly when the stance is "
                "propose_amendment"
            )
        return self


class SignatureBody(Body):
    agreement: str
    version: str
    signer: str
    key_id: str
    signature: str

    _ids = field_validator("agreement", "version")(entry_id)
    _s = field_validator("signer")(lambda v: check_identifier(v, "member id"))

    @field_validator("key_id")
    @classmethod
    def _key_id(cls, value: str) -> str:
        if not _KEY_ID.fullmatch(value):
            raise ValueError("key_id must be 16 lowercase hex digits (the id of a member key)")
        return value

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("signature must be base64") from None
        if len(raw) != 64:
            raise ValueError(f"an Ed25519 signature is 64 bytes, not {len(raw)}")
        return value


class Evidence(Body):
    """An entry that shows a breach: cite it by id and seq to fetch its proofs."""

    entry: str
    seq: int = Field(ge=1)
    role: str = Field(min_length=1, max_length=200)

    _e = field_validator("entry")(entry_id)


class BreachBody(Body):
    agreement: str
    version: str
    provision: str
    obligation: str
    rule: str
    party: str
    at: str
    evidence: list[Evidence]
    missing: str = Field(min_length=1, max_length=4000)
    key: str = Field(min_length=1, max_length=512)

    _ids = field_validator("agreement", "version")(entry_id)
    _p = field_validator("party")(lambda v: check_identifier(v, "party id"))
    _at = field_validator("at")(lambda v: format_time(parse_time(v)))

    @field_validator("rule")
    @classmethod
    def _rule(cls, value: str) -> str:
        if value not in RULES:
            raise ValueError(f"rule must be one of {', '.join(RULES)}")
        return value


class DisputeBody(Body):
    agreement: str
    breach: str
    reasons: str = Field(min_length=1, max_length=65536)

    _ids = field_validator("agreement", "breach")(entry_id)


PROPOSAL = KINDS.register(
    KindSpec(
        "agreement.proposal",
        Terms,
        Role.OFFICER,
        "A version of a draft agreement, private to its drafting party until consulted on.",
        topic=lambda body: body.get("topic"),
    )
)
CONSULTATION = KINDS.register(
    KindSpec(
        "agreement.consultation",
        ConsultationBody,
        Role.OFFICER,
        "Puts one version of an agreement to named parties; released to exactly them.",
        topic=lambda body: body.get("terms", {}).get("topic"),
    )
)
POSITION = KINDS.register(
    KindSpec(
        "agreement.position",
        PositionBody,
        Role.OFFICER,
        "A party's answer to a version: accept, reject, reserve or propose an amendment.",
    )
)
AMENDMENT = KINDS.register(
    KindSpec(
        "agreement.amendment",
        AmendmentBody,
        Role.OFFICER,
        "A new version of an agreement put forward by one of its parties.",
        topic=lambda body: body.get("terms", {}).get("topic"),
    )
)
SIGNATURE = KINDS.register(
    KindSpec(
        "agreement.signature",
        SignatureBody,
        Role.OFFICER,
        "A member's signature over the canonical bytes of one version of an agreement.",
    )
)
BREACH = KINDS.register(
    KindSpec(
        "agreement.breach",
        BreachBody,
        None,
        "An obligation of a binding agreement not met, recorded by the node's compliance checker.",
    )
)
DISPUTE = KINDS.register(
    KindSpec(
        "agreement.dispute",
        DisputeBody,
        Role.OFFICER,
        "A party of an agreement disputes a recorded breach.",
    )
)


class BindingBody(Body):
    agreement: str
    version: str
    #: the signature entry that completed the version
    completed_by: str

    _ids = field_validator("agreement", "version", "completed_by")(entry_id)


BINDING = KINDS.register(
    KindSpec(
        "agreement.binding",
        BindingBody,
        None,
        "The node's notice that a version became binding: a live-stream event for its parties. "
        "Status is still computed from the signatures, never read from this notice.",
    )
)

AGREEMENT_KINDS = frozenset(
    spec.name for spec in (PROPOSAL, CONSULTATION, POSITION, AMENDMENT, SIGNATURE, BREACH, DISPUTE)
)
