"""Agreements through :class:`liaison.Client`: draft, consult, answer, sign, and check.

:class:`liaison.Client` inherits these methods. Every method is one request
through the client's own request helper (two for signing); results are the
wire documents, errors the :mod:`liaison.errors` classes named by the problem
the server returned. See ``docs/agreements.md`` for what each document means.

Why signing happens here: an agreement binds only when each party's
plenipotentiary signed one exact version with their own key, and the node must
never hold that key. :meth:`AgreementsMixin.sign_agreement` fetches the
version, signs its canonical bytes with the member's key file
(``Client(key=...)``) through :func:`liaison.agreements.sign_version`, and
sends only the signature, which the node verifies before recording it.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast
from urllib.parse import quote

from liaison.domain.time import format_time
from liaison.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from liaison.client import Entry
    from liaison.ledger.signing import KeyFile

__all__ = [
    "AgreementInfo",
    "AgreementStatus",
    "AgreementVersion",
    "AgreementsMixin",
    "BreachInfo",
    "ComplianceReportInfo",
    "ConsultationLogInfo",
    "ObligationInfo",
    "RefInfo",
]


def _seg(value: str) -> str:
    """One path segment: an id typed by a user cannot reach another route."""
    return quote(value, safe="")


def _time(value: datetime | str | None) -> str | None:
    return format_time(value) if isinstance(value, datetime) else value


class RefInfo(TypedDict):
    """An entry cited by id and seq (fetch its proofs with these) and its append time."""

    entry: str
    seq: int
    at: str


class AgreementInfo(TypedDict):
    #: the agreement's id: the id of its first draft
    agreement: str
    title: str
    topic: str
    parties: list[str]
    latest_version: str
    #: ``not binding``, ``binding``, ``superseded`` or ``terminated``
    state: str


class AgreementVersion(TypedDict):
    version: str
    entry: str
    seq: int
    at: str
    kind: str
    party: str | None
    author: str
    base: str | None
    terms: dict[str, Any]


class AgreementStatus(TypedDict):
    """Whether a version binds, and if not which signatures are missing and why."""

    agreement: str
    version: str
    title: str
    topic: str
    parties: list[str]
    state: str
    binding: bool
    bound: RefInfo | None
    ended: dict[str, Any] | None
    signed: dict[str, list[RefInfo]]
    missing: list[str]
    signatures: list[dict[str, Any]]
    versions: list[str]


class ConsultationLogInfo(TypedDict):
    agreement: str
    latest_version: str | None
    reached: list[dict[str, Any]]
    not_yet: list[str]
    consultations: list[dict[str, Any]]


class ObligationInfo(TypedDict):
    agreement: str
    version: str
    title: str
    provision: str
    obligation: dict[str, Any]
    binding_since: RefInfo


class ComplianceReportInfo(TypedDict):
    start: str | None
    end: str | None
    now: str
    trusted_time: str
    agreements: list[str]
    findings: list[dict[str, Any]]
    recorded: list[RefInfo]
    unreadable: list[dict[str, Any]]


class BreachInfo(TypedDict):
    """A breach entry's stamp and body (rule, party, evidence, missing, ...) and its disputes."""

    entry: str
    seq: int
    at: str
    agreement: str
    version: str
    provision: str
    obligation: str
    rule: str
    party: str
    missing: str
    evidence: list[dict[str, Any]]
    key: str
    disputes: list[dict[str, Any]]


class AgreementsMixin:
    """Proposals, consultation, positions, client-side signatures, status and compliance."""

    if TYPE_CHECKING:
        key: KeyFile | None

        def _request(
            self,
            method: str,
            path: str,
            *,
            params: Mapping[str, Any] | None = None,
            body: Any = None,
        ) -> Any: ...

    # --- writing -------------------------------------------------------------------------

    def draft_agreement(self, terms: Mapping[str, Any]) -> Entry:
        """A new draft, released to the member's party only; its id is the agreement's id."""
        body = {"terms": dict(terms)}
        return cast("Entry", self._request("POST", "/v1/agreements", body=body))

    def revise_agreement(self, agreement: str, supersedes: str, terms: Mapping[str, Any]) -> Entry:
        """A new version of the party's own draft; the version it revises stays readable."""
        body = {"supersedes": supersedes, "terms": dict(terms)}
        path = f"/v1/agreements/{_seg(agreement)}/revisions"
        return cast("Entry", self._request("POST", path, body=body))

    def amend_agreement(self, agreement: str, base: str, terms: Mapping[str, Any]) -> Entry:
        """Put forward an amended version, released to the agreement's parties."""
        body = {"base": base, "terms": dict(terms)}
        path = f"/v1/agreements/{_seg(agreement)}/amendments"
        return cast("Entry", self._request("POST", path, body=body))

    def consult(
        self,
        agreement: str,
        to: Sequence[str],
        *,
        version: str | None = None,
        note: str | None = None,
    ) -> Entry:
        """Put a version (the latest by default) to named parties, released to exactly them."""
        body: dict[str, Any] = {"to": list(to)}
        if version is not None:
            body["version"] = version
        if note is not None:
            body["note"] = note
        path = f"/v1/agreements/{_seg(agreement)}/consultations"
        return cast("Entry", self._request("POST", path, body=body))

    def answer(
        self,
        agreement: str,
        version: str,
        stance: str,
        reasons: str,
        *,
        amendment: str | None = None,
    ) -> Entry:
        """The party's position on a version: accept, reject, reserve or propose_amendment."""
        body: dict[str, Any] = {"version": version, "stance": stance, "reasons": reasons}
        if amendment is not None:
            body["amendment"] = amendment
        path = f"/v1/agreements/{_seg(agreement)}/positions"
        return cast("Entry", self._request("POST", path, body=body))

    def sign_agreement(self, agreement: str, version: str | None = None) -> Entry:
        """Sign one exact version (the latest by default) with the member's own key, here.

        The version's terms are fetched, their canonical bytes signed with the
        key file given as ``Client(key=...)``, and only the signature is sent.
        """
        from liaison.agreements.model import sign_version

        if self.key is None:
            raise InvalidInput("signing needs the member's key file (Client(..., key=...))")
        versions = self.agreement_versions(agreement)
        if version is None:
            chosen = versions[-1]
        else:
            found = [v for v in versions if v["version"] == version]
            if not found:
                raise NotFound("no such version of this agreement")
            chosen = found[0]
        body = sign_version(self.key, agreement, chosen["version"], chosen["terms"])
        path = f"/v1/agreements/{_seg(agreement)}/signatures"
        return cast("Entry", self._request("POST", path, body=body))

    def dispute(self, breach: str, reasons: str) -> Entry:
        """Dispute a recorded breach; released to the same parties as the breach."""
        path = f"/v1/breaches/{_seg(breach)}/disputes"
        return cast("Entry", self._request("POST", path, body={"reasons": reasons}))

    # --- reading -------------------------------------------------------------------------

    def agreements(self) -> builtins.list[AgreementInfo]:
        """Every agreement the member's party may see a version of, with its state."""
        found = self._request("GET", "/v1/agreements")["agreements"]
        return cast(builtins.list[AgreementInfo], found)

    def agreement_versions(self, agreement: str) -> builtins.list[AgreementVersion]:
        """Every version the member may read, oldest first."""
        found = self._request("GET", f"/v1/agreements/{_seg(agreement)}/versions")
        return cast(builtins.list[AgreementVersion], found["versions"])

    def positions(self, agreement: str) -> builtins.list[Entry]:
        """The parties' answers the member may read, in record order."""
        found = self._request("GET", f"/v1/agreements/{_seg(agreement)}/positions")
        return cast("builtins.list[Entry]", found["positions"])

    def agreement_status(
        self,
        agreement: str,
        *,
        version: str | None = None,
        at: datetime | str | None = None,
    ) -> AgreementStatus:
        """Whether the agreement binds (as of ``at``), and if not, what is missing and why."""
        found = self._request(
            "GET",
            f"/v1/agreements/{_seg(agreement)}/status",
            params={"version": version, "at": _time(at)},
        )
        return cast(AgreementStatus, found)

    def consultations(
        self, agreement: str, *, at: datetime | str | None = None
    ) -> ConsultationLogInfo:
        """Who has been consulted on the agreement, when, and who not yet (as of ``at``)."""
        found = self._request(
            "GET", f"/v1/agreements/{_seg(agreement)}/consultations", params={"at": _time(at)}
        )
        return cast(ConsultationLogInfo, found)

    def obligations(self, agreement: str | None = None) -> builtins.list[ObligationInfo]:
        """The obligations of every agreement that binds now, as the member's party sees it."""
        found = self._request("GET", "/v1/obligations", params={"agreement": agreement})
        return cast(builtins.list[ObligationInfo], found["obligations"])

    def compliance(
        self, start: datetime | str | None = None, end: datetime | str | None = None
    ) -> ComplianceReportInfo:
        """The compliance report over a period, for the agreements the party is bound by."""
        found = self._request(
            "GET", "/v1/compliance", params={"start": _time(start), "end": _time(end)}
        )
        return cast(ComplianceReportInfo, found)

    def breaches(self, agreement: str | None = None) -> builtins.list[BreachInfo]:
        """The breaches the member's party may read, each with its disputes."""
        found = self._request("GET", "/v1/breaches", params={"agreement": agreement})
        return cast(builtins.list[BreachInfo], found["breaches"])
