"""Meetings, accounts, divergence reports and agreed records through :class:`liaison.Client`.

:class:`liaison.Client` inherits these methods. Every method is one request
through the client's own request helpers (two for signing); results are the
wire documents, errors the :mod:`liaison.errors` classes named by the problem
the server returned. See ``docs/meetings.md``.

Why signing happens here: an agreed record binds only when a representative
of every party present signed the same version with their own key, and the
node must never hold that key. :meth:`MeetingsMixin.sign_agreed_record`
fetches the version's entry, rebuilds its canonical content bytes
(``Content.from_json(...).canonical()``), and signs them with the member's
key file (``Client(key=...)``) through
:func:`liaison.accounts.kinds.sign_version`, which first checks that the
bytes hash to the version's id, so a node cannot get a member to sign
anything but the version named.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast
from urllib.parse import quote

import httpx

from liaison.domain.time import format_time
from liaison.errors import IntegrityError, InvalidInput, LiaisonError

if TYPE_CHECKING:
    from liaison.accounts.model import Account
    from liaison.client import Entry
    from liaison.ledger.signing import KeyFile

__all__ = [
    "AgreedRecordInfo",
    "FiledAccountInfo",
    "MeetingInfo",
    "MeetingsMixin",
    "Participant",
]

#: the fields of an entry's signed content, as the API shows them among the others
_CONTENT_FIELDS = ("v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt")


def _seg(value: str) -> str:
    """One path segment: an id typed by a user cannot reach another route."""
    return quote(value, safe="")


class Participant(TypedDict, total=False):
    """A person at a meeting: ``name``, ``party``, ``role`` (required) and ``member``."""

    name: str
    party: str
    role: str
    member: str | None


class MeetingInfo(TypedDict):
    #: the meeting's id: the id of its first record
    id: str
    #: the latest record the member may read
    version: str
    recorded_by: str
    title: str
    held_at: str
    place: str
    parties: list[str]
    participants: list[dict[str, Any]]
    topic: str | None
    release: list[str]


class FiledAccountInfo(TypedDict):
    entry: str
    account_id: str
    meeting: str
    party: str
    author: str
    release: list[str]
    #: how the divergence report names it: "party (author)"
    label: str
    account: dict[str, Any]


class AgreedRecordInfo(TypedDict):
    """One agreed-record version and whether it binds (computed on every read)."""

    version: str
    agreed_record: str
    meeting: str
    drafted_by: str
    parties: list[str]
    text: str
    latest: bool
    binding: bool
    signed_by: list[str]
    missing: list[dict[str, Any]]
    signatures: list[dict[str, Any]]


class MeetingsMixin:
    """Meetings, each party's own account, divergence reports and agreed records."""

    if TYPE_CHECKING:
        key: KeyFile | None
        _http: httpx.Client
        url: str

        def _request(
            self,
            method: str,
            path: str,
            *,
            params: Mapping[str, Any] | None = None,
            body: Any = None,
        ) -> Any: ...

        @staticmethod
        def _raise_for(response: httpx.Response) -> None: ...

        def get(self, entry_id: str) -> Entry: ...

    # --- meetings ------------------------------------------------------------------------

    def record_meeting(
        self,
        *,
        title: str,
        held_at: datetime | str,
        place: str,
        participants: Sequence[Mapping[str, Any]],
        parties: Sequence[str] | None = None,
        topic: str | None = None,
        release: Sequence[str] | None = None,
        supersedes: str | None = None,
    ) -> Entry:
        """Record who met, when and where (a new record's id is the meeting's id)."""
        body: dict[str, Any] = {
            "title": title,
            "held_at": format_time(held_at) if isinstance(held_at, datetime) else held_at,
            "place": place,
            "participants": [dict(p) for p in participants],
        }
        optional = {
            "parties": None if parties is None else list(parties),
            "topic": topic,
            "release": None if release is None else list(release),
            "supersedes": supersedes,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return cast("Entry", self._request("POST", "/v1/meetings", body=body))

    def meetings(self) -> builtins.list[MeetingInfo]:
        """Every meeting the member may read, latest record each, by time held."""
        return cast(builtins.list[MeetingInfo], self._request("GET", "/v1/meetings")["meetings"])

    def meeting(self, meeting: str) -> MeetingInfo:
        """A meeting by its id (or any record's id)."""
        return cast(MeetingInfo, self._request("GET", f"/v1/meetings/{_seg(meeting)}"))

    # --- accounts and divergence ---------------------------------------------------------

    def file_account(
        self,
        meeting: str,
        account: Account | Mapping[str, Any],
        *,
        release: Sequence[str] | None = None,
        supersedes: str | None = None,
    ) -> Entry:
        """File the member's party's own account; ``release`` is that party's choice."""
        data = account if isinstance(account, Mapping) else account.to_dict()
        body: dict[str, Any] = {"account": dict(data)}
        if release is not None:
            body["release"] = list(release)
        if supersedes is not None:
            body["supersedes"] = supersedes
        path = f"/v1/meetings/{_seg(meeting)}/accounts"
        return cast("Entry", self._request("POST", path, body=body))

    def accounts(self, meeting: str) -> builtins.list[FiledAccountInfo]:
        """The latest version of each account of the meeting the member may read."""
        found = self._request("GET", f"/v1/meetings/{_seg(meeting)}/accounts")
        return cast(builtins.list[FiledAccountInfo], found["accounts"])

    def divergence(self, meeting: str) -> dict[str, Any]:
        """The divergence report over the accounts the member may read, as JSON."""
        path = f"/v1/meetings/{_seg(meeting)}/divergence"
        return cast(dict[str, Any], self._request("GET", path, params={"format": "json"}))

    def divergence_text(self, meeting: str) -> str:
        """The same report as text, finding by finding, each explained."""
        path = f"/v1/meetings/{_seg(meeting)}/divergence"
        try:
            response = self._http.get(
                path, params={"format": "text"}, headers={"Accept": "text/plain"}
            )
        except httpx.TransportError as exc:
            raise LiaisonError(f"cannot reach {self.url}: {exc}") from exc
        self._raise_for(response)
        return response.text

    # --- agreed records ------------------------------------------------------------------

    def propose_agreed_record(
        self, meeting: str, text: str, *, supersedes: str | None = None
    ) -> Entry:
        """Draft (or amend) an agreed record, released to every party present."""
        body: dict[str, Any] = {"text": text}
        if supersedes is not None:
            body["supersedes"] = supersedes
        path = f"/v1/meetings/{_seg(meeting)}/agreed-records"
        return cast("Entry", self._request("POST", path, body=body))

    def agreed_records(self, meeting: str) -> builtins.list[AgreedRecordInfo]:
        """The latest version of each agreed record of the meeting, with its status."""
        found = self._request("GET", f"/v1/meetings/{_seg(meeting)}/agreed-records")
        return cast(builtins.list[AgreedRecordInfo], found["agreed_records"])

    def agreed_record(self, version: str) -> AgreedRecordInfo:
        """Whether one exact version binds, and if not who is missing and why."""
        return cast(AgreedRecordInfo, self._request("GET", f"/v1/agreed-records/{_seg(version)}"))

    def sign_agreed_record(self, version: str) -> Entry:
        """Sign one exact agreed-record version with the member's own key, here."""
        from liaison.accounts.kinds import sign_version
        from liaison.domain.entry import Content

        if self.key is None:
            raise InvalidInput("signing needs the member's key file (Client(..., key=...))")
        entry = cast(Mapping[str, Any], self.get(version))
        try:
            raw = Content.from_json({name: entry[name] for name in _CONTENT_FIELDS}).canonical()
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(
                f"entry {version} cannot be put back into canonical bytes"
            ) from exc
        body = sign_version(self.key, version, raw)
        path = f"/v1/agreed-records/{_seg(version)}/signatures"
        return cast("Entry", self._request("POST", path, body=body))
