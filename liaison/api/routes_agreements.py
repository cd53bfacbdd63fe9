"""Agreements: draft, revise, amend, consult, answer, sign, and check against the record.

A thin edge over :class:`~liaison.services.agreements.AgreementService`
(``docs/agreements.md``): each route parses the request, calls the service as
the authenticated member (every write) or as the member's party (every read),
and returns what the service returns. Binding status, consultation logs,
obligations, compliance and breaches are computed by the service from what the
caller's party may read; an agreement, a version or a breach not released to
it is the same 404 as one that does not exist.

Signing happens on the member's side (``liaison.agreements.sign_version`` with
the member's own key file, as ``liaison.Client.sign_agreement`` and ``liaison
agreement sign`` do): the server receives a signature, never a private key,
and verifies it over the version's canonical bytes before recording it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import JSONResponse

from liaison.agreements.kinds import Stance
from liaison.api import schemas
from liaison.api.auth import CallerDep, NodeDep
from liaison.domain.entry import StoredEntry
from liaison.domain.time import parse_time
from liaison.errors import InvalidInput, NotFound

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["agreements"])

_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "The new entry's URL."}}}
}
AtQ = Annotated[
    str | None,
    Query(max_length=64, description="Answer as of this ISO 8601 instant in UTC (default: now)."),
]
AgreementQ = Annotated[
    str | None, Query(max_length=64, description="Only this agreement (its root id).")
]


def _moment(name: str, text: str | None) -> datetime | None:
    """A time parameter, refused without echoing it (it may be anything a caller typed)."""
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise InvalidInput(
            f"{name}: not an ISO 8601 instant with a zone, such as 1943-02-20T12:00:00Z"
        ) from None


def _created(entry: StoredEntry) -> JSONResponse:
    return JSONResponse(
        entry.to_json(), status_code=201, headers={"Location": f"/v1/entries/{entry.id}"}
    )


# --- request bodies --------------------------------------------------------------------

_TERMS = (
    "The terms: title, text, parties (two or more), topic, provisions with obligations, "
    "ends (see docs/agreements.md)."
)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: dict[str, Any] = Field(description=_TERMS)


class RevisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supersedes: str = Field(max_length=64, description="The draft version this one revises.")
    terms: dict[str, Any] = Field(description=_TERMS)


class AmendmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: str = Field(max_length=64, description="The version this amendment changes.")
    terms: dict[str, Any] = Field(description=_TERMS)


class ConsultationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[str] = Field(max_length=100, description="The parties to put the version to.")
    version: str | None = Field(None, max_length=64, description="Default: the latest version.")
    note: str | None = Field(None, max_length=65536)


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=64, description="The version answered.")
    stance: Stance
    reasons: str = Field(max_length=65536)
    amendment: str | None = Field(
        None, max_length=64, description="The amendment proposed (stance propose_amendment)."
    )


class SignatureIn(BaseModel):
    """A signature made on the member's side, in one of two forms.

    Either the signature body that ``liaison.agreements.sign_version`` returns
    (``agreement`` may be left out: it is the agreement in the path), or a whole
    ``agreement.signature`` entry the member built and signed: ``signed_content``
    and the member's ``signature`` of its RFC 8785 bytes.
    """

    model_config = ConfigDict(extra="forbid")

    agreement: str | None = Field(None, max_length=64)
    version: str | None = Field(None, max_length=64, description="The version signed.")
    signer: str | None = Field(None, max_length=64, description="The member who signed.")
    key_id: str | None = Field(None, max_length=16, description="The signer's key id.")
    signature: str = Field(
        max_length=128,
        description="Base64 Ed25519 signature: of the version's canonical bytes, or (with "
        "signed_content) of the entry content's RFC 8785 bytes.",
    )
    signed_content: dict[str, Any] | None = Field(
        None, description="A whole agreement.signature entry content, signed by the member."
    )

    @model_validator(mode="after")
    def _one_form(self) -> SignatureIn:
        fields = (self.agreement, self.version, self.signer, self.key_id)
        if self.signed_content is not None:
            if any(v is not None for v in fields):
                raise ValueError(
                    "give either a signature body (version, signer, key_id, signature) or "
                    "signed_content and signature, not both"
                )
            return self
        missing = [
            n for n, v in zip(("version", "signer", "key_id"), fields[1:], strict=True) if v is None
        ]
        if missing:
            raise ValueError(f"a signature body needs {', '.join(missing)}")
        return self


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reasons: str = Field(max_length=65536, description="Why the party disputes the breach.")


# --- response documents ----------------------------------------------------------------


class RefOut(BaseModel):
    entry: str
    seq: int
    at: str


class AgreementOut(BaseModel):
    agreement: str = Field(description="The agreement's id: the id of its first draft.")
    title: str
    topic: str
    parties: list[str]
    latest_version: str
    state: str = Field(description="not binding, binding, superseded or terminated.")


class Agreements(BaseModel):
    agreements: list[AgreementOut]


class VersionOut(BaseModel):
    version: str
    entry: str
    seq: int
    at: str
    kind: str
    party: str | None
    author: str
    base: str | None
    terms: dict[str, Any]


class VersionsOut(BaseModel):
    versions: list[VersionOut]


class Positions(BaseModel):
    positions: list[schemas.Entry]


class StatusOut(BaseModel):
    """Whether a version binds, and if not which signatures are missing and why."""

    agreement: str
    version: str
    title: str
    topic: str
    parties: list[str]
    state: str
    binding: bool
    bound: RefOut | None = Field(description="The signature that made it binding.")
    ended: dict[str, Any] | None
    signed: dict[str, list[RefOut]] = Field(description="Per party, the signatures that count.")
    missing: list[str]
    signatures: list[dict[str, Any]] = Field(
        description="Every signature, with `counts` and the reasons it does not."
    )
    versions: list[str]


class ConsultationsOut(BaseModel):
    agreement: str
    latest_version: str | None
    reached: list[dict[str, Any]]
    not_yet: list[str]
    consultations: list[dict[str, Any]]


class ObligationOut(BaseModel):
    agreement: str
    version: str
    title: str
    provision: str
    obligation: dict[str, Any]
    binding_since: RefOut


class Obligations(BaseModel):
    obligations: list[ObligationOut]


class ComplianceOut(BaseModel):
    start: str | None
    end: str | None
    now: str
    trusted_time: str
    agreements: list[str]
    findings: list[dict[str, Any]]
    recorded: list[RefOut]
    unreadable: list[dict[str, Any]]


class Breaches(BaseModel):
    breaches: list[dict[str, Any]] = Field(
        description="Each breach: its entry, the rule, party, evidence and what was missing, "
        "and the disputes of it."
    )


# --- writing ---------------------------------------------------------------------------


@router.post(
    "/agreements",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Draft an agreement (released to the drafting party only)",
    description="The new entry's id is the agreement's id.",
)
def draft(caller: CallerDep, node: NodeDep, proposal: DraftIn) -> JSONResponse:
    return _created(node.agreements.draft(caller.member, proposal.terms))


@router.post(
    "/agreements/{agreement}/revisions",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="A new version of the caller's party's own draft; the old one stays readable",
)
def revise(caller: CallerDep, node: NodeDep, agreement: str, revision: RevisionIn) -> JSONResponse:
    # The path names the agreement: a version of another one is not a version of it.
    versions = node.agreements.versions(caller.party, agreement)
    if revision.supersedes not in {v.id for v in versions}:
        raise NotFound("no such version of this agreement")
    return _created(node.agreements.revise(caller.member, revision.supersedes, revision.terms))


@router.post(
    "/agreements/{agreement}/amendments",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Propose an amended version (a party of the agreement; released to its parties)",
)
def amend(caller: CallerDep, node: NodeDep, agreement: str, amendment: AmendmentIn) -> JSONResponse:
    entry = node.agreements.amend(caller.member, agreement, amendment.base, amendment.terms)
    return _created(entry)


@router.post(
    "/agreements/{agreement}/consultations",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Put a version to named parties (released to exactly them)",
)
def consult(
    caller: CallerDep, node: NodeDep, agreement: str, consultation: ConsultationIn
) -> JSONResponse:
    entry = node.agreements.consult(
        caller.member,
        agreement,
        consultation.to,
        version=consultation.version,
        note=consultation.note,
    )
    return _created(entry)


@router.post(
    "/agreements/{agreement}/positions",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Answer a version: accept, reject, reserve, or propose an amendment",
)
def answer(caller: CallerDep, node: NodeDep, agreement: str, position: PositionIn) -> JSONResponse:
    entry = node.agreements.answer(
        caller.member,
        agreement,
        position.version,
        position.stance,
        position.reasons,
        amendment=position.amendment,
    )
    return _created(entry)


@router.post(
    "/agreements/{agreement}/signatures",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Record a signature made on the member's side over one exact version",
    description="The server verifies the signature with the signer's registered key and "
    "records it; a signature that verifies but does not count is recorded too, and the "
    "status says why it does not count.",
)
def sign(caller: CallerDep, node: NodeDep, agreement: str, signed: SignatureIn) -> JSONResponse:
    if signed.signed_content is not None:
        body = signed.signed_content.get("body")
        if not isinstance(body, dict) or body.get("agreement") != agreement:
            raise InvalidInput("signed_content.body.agreement must be the agreement in the path")
        entry = node.agreements.sign_entry(caller.member, signed.signed_content, signed.signature)
        return _created(entry)
    if signed.agreement not in (None, agreement):
        raise InvalidInput("agreement: the signature is of another agreement than the path's")
    body = {
        "agreement": agreement,
        "version": signed.version,
        "signer": signed.signer,
        "key_id": signed.key_id,
        "signature": signed.signature,
    }
    return _created(node.agreements.sign(caller.member, body))


@router.post(
    "/breaches/{breach}/disputes",
    status_code=201,
    response_model=schemas.Entry,
    responses=_CREATED,
    summary="Dispute a recorded breach (released to the same parties as the breach)",
)
def dispute(caller: CallerDep, node: NodeDep, breach: str, dispute: DisputeIn) -> JSONResponse:
    return _created(node.agreements.dispute(caller.member, breach, dispute.reasons))


# --- reading ---------------------------------------------------------------------------


@router.get(
    "/agreements",
    response_model=Agreements,
    summary="Every agreement the caller's party may see a version of, with its state",
)
def list_agreements(caller: CallerDep, node: NodeDep) -> JSONResponse:
    found = node.agreements.agreements(caller.party)
    return JSONResponse({"agreements": [a.to_json() for a in found]})


@router.get(
    "/agreements/{agreement}/versions",
    response_model=VersionsOut,
    summary="Every version the caller may read, oldest first, each signable as it stands",
)
def versions(caller: CallerDep, node: NodeDep, agreement: str) -> JSONResponse:
    found = node.agreements.versions(caller.party, agreement)
    return JSONResponse({"versions": [v.to_json() for v in found]})


@router.get(
    "/agreements/{agreement}/positions",
    response_model=Positions,
    summary="The parties' answers the caller may read, in record order",
)
def positions(caller: CallerDep, node: NodeDep, agreement: str) -> JSONResponse:
    found = node.agreements.positions(caller.party, agreement)
    return JSONResponse({"positions": [e.to_json() for e in found]})


@router.get(
    "/agreements/{agreement}/status",
    response_model=StatusOut,
    summary="Whether the agreement binds, and if not, what is missing and why",
    description="Computed from the record on every call, as far as the caller may read it.",
)
def status(
    caller: CallerDep,
    node: NodeDep,
    agreement: str,
    version: Annotated[
        str | None,
        Query(
            max_length=64, description="This version (default: the one that bound, or the latest)."
        ),
    ] = None,
    at: AtQ = None,
) -> JSONResponse:
    found = node.agreements.status(caller.party, agreement, version=version, at=_moment("at", at))
    return JSONResponse(found.to_json())


@router.get(
    "/agreements/{agreement}/consultations",
    response_model=ConsultationsOut,
    summary="Who has been consulted on the agreement, when, and who not yet",
)
def consultations(caller: CallerDep, node: NodeDep, agreement: str, at: AtQ = None) -> JSONResponse:
    found = node.agreements.consultations(caller.party, agreement, at=_moment("at", at))
    return JSONResponse(found.to_json())


@router.get(
    "/obligations",
    response_model=Obligations,
    summary="The obligations of every agreement that binds now, as the caller sees it",
)
def obligations(caller: CallerDep, node: NodeDep, agreement: AgreementQ = None) -> JSONResponse:
    found = node.agreements.obligations(caller.party, agreement)
    return JSONResponse({"obligations": [o.to_json() for o in found]})


@router.get(
    "/compliance",
    response_model=ComplianceOut,
    summary="A compliance report for a period, over the agreements the caller's party is bound by",
    description="Runs the checker over the record (trusting the node's append times); a new "
    "finding is recorded as a breach entry released to the agreement's parties, once.",
)
def compliance(
    caller: CallerDep,
    node: NodeDep,
    start: Annotated[
        str | None, Query(max_length=64, description="ISO 8601 UTC (default: the beginning).")
    ] = None,
    end: Annotated[
        str | None, Query(max_length=64, description="ISO 8601 UTC (default: now).")
    ] = None,
) -> JSONResponse:
    report = node.agreements.check(
        _moment("start", start), _moment("end", end), reader=caller.party
    )
    return JSONResponse(report.to_json())


@router.get(
    "/breaches",
    response_model=Breaches,
    summary="The breaches the caller's party may read, each with its disputes",
)
def breaches(caller: CallerDep, node: NodeDep, agreement: AgreementQ = None) -> JSONResponse:
    found = node.agreements.breaches(caller.party, agreement)
    return JSONResponse({"breaches": [b.to_json() for b in found]})
