"""Channels and formal messages through :class:`liaison.Client`.

:class:`liaison.Client` inherits these methods; this module only keeps each
capability's calls together, so that ``client.py`` stays about the record.
Every method is one request through the client's own request helper: results
are the wire documents (TypedDicts, as the rest of the client), errors the
:mod:`liaison.errors` classes named by the problem the server returned.

Date-time groups are passed and shown as text in the military form
(``121630Z JUL 44``, or ``1216301`` in this month); the node parses them
strictly and answers a malformed or ambiguous one with
:class:`~liaison.errors.InvalidInput` saying what is wrong.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast
from urllib.parse import quote

if TYPE_CHECKING:
    from liaison.client import Entry

__all__ = ["AcknowledgementsInfo", "ChannelInfo", "MessageInfo", "MessagesMixin", "Receipt"]


def _seg(value: str) -> str:
    """One path segment: an id typed by a user cannot reach another route."""
    return quote(value, safe="")


class ChannelInfo(TypedDict):
    channel: str
    name: str
    parties: list[str]
    #: the id of the entry that opened it
    entry: str


class MessageInfo(TypedDict):
    """A message as sent (``SentMessage.to_json()`` on the node)."""

    id: str
    seq: int
    channel: str
    #: its number among the channel's messages between the same senders and addressees
    number: int
    #: the date-time group of origin, e.g. ``121630Z JUL 44``
    dtg: str
    #: the same instant in UTC, ISO 8601
    time_of_origin: str
    precedence: str
    subject: str
    text: str
    senders: list[str]
    addressees: list[str]
    references: list[str]
    in_reply_to: str | None
    #: the draft version that was sent
    draft: str


class Receipt(TypedDict):
    party: str
    #: the node's append time of the acknowledgement
    at: str


class AcknowledgementsInfo(TypedDict):
    message: str
    acknowledged: list[Receipt]
    #: addressees that have not acknowledged (an addressee learns only about itself)
    pending: list[str]


class MessagesMixin:
    """Channels, drafts, approvals, sending, receipts and threads."""

    if TYPE_CHECKING:

        def _request(
            self,
            method: str,
            path: str,
            *,
            params: Mapping[str, Any] | None = None,
            body: Any = None,
        ) -> Any: ...

    # --- channels ------------------------------------------------------------------------

    def open_channel(self, channel: str, name: str, parties: Sequence[str]) -> Entry:
        """Open a channel between the member's party and ``parties``."""
        body = {"channel": channel, "name": name, "parties": list(parties)}
        return cast("Entry", self._request("POST", "/v1/channels", body=body))

    def channels(self) -> builtins.list[ChannelInfo]:
        """The channels the member's party is on."""
        found = self._request("GET", "/v1/channels")["channels"]
        return cast(builtins.list[ChannelInfo], found)

    def thread(self, channel: str) -> builtins.list[MessageInfo]:
        """A channel as a conversation: the sent messages the member may read, in order."""
        found = self._request("GET", f"/v1/channels/{_seg(channel)}/thread")["messages"]
        return cast(builtins.list[MessageInfo], found)

    # --- drafts --------------------------------------------------------------------------

    def draft_message(
        self,
        channel: str,
        subject: str,
        text: str,
        addressees: Sequence[str],
        *,
        senders: Sequence[str] | None = None,
        precedence: str | None = None,
        references: Sequence[str] | None = None,
        in_reply_to: str | None = None,
    ) -> Entry:
        """A new draft, private to its sending parties (several for a joint message)."""
        body: dict[str, Any] = {
            "channel": channel,
            "subject": subject,
            "text": text,
            "addressees": list(addressees),
        }
        optional = {
            "senders": None if senders is None else list(senders),
            "precedence": precedence,
            "references": None if references is None else list(references),
            "in_reply_to": in_reply_to,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return cast("Entry", self._request("POST", "/v1/messages/drafts", body=body))

    def message_drafts(self, channel: str | None = None) -> builtins.list[Entry]:
        """The latest version of every draft the member's party holds, sent or not."""
        found = self._request("GET", "/v1/messages/drafts", params={"channel": channel})
        return cast("builtins.list[Entry]", found["drafts"])

    def amend_message(
        self,
        draft: str,
        *,
        subject: str | None = None,
        text: str | None = None,
        addressees: Sequence[str] | None = None,
        precedence: str | None = None,
        references: Sequence[str] | None = None,
        in_reply_to: str | None = None,
    ) -> Entry:
        """A new version of a draft; the fields not given are kept."""
        changes = {
            "subject": subject,
            "text": text,
            "addressees": None if addressees is None else list(addressees),
            "precedence": precedence,
            "references": None if references is None else list(references),
            "in_reply_to": in_reply_to,
        }
        body = {k: v for k, v in changes.items() if v is not None}
        path = f"/v1/messages/drafts/{_seg(draft)}/amendments"
        return cast("Entry", self._request("POST", path, body=body))

    def approve_message(self, draft: str) -> Entry:
        """Approve this exact draft version for the member's party."""
        return cast("Entry", self._request("POST", f"/v1/messages/drafts/{_seg(draft)}/approvals"))

    def send_message(
        self,
        draft: str,
        *,
        number: int | None = None,
        dtg: str | None = None,
        zone: str | None = None,
    ) -> Entry:
        """Send an approved draft version; by default the next number between its parties, now.

        Numbers count the channel's messages between the same senders and addressees.
        """
        how = {"number": number, "dtg": dtg, "zone": zone}
        body = {k: v for k, v in how.items() if v is not None}
        path = f"/v1/messages/drafts/{_seg(draft)}/send"
        return cast("Entry", self._request("POST", path, body=body))

    # --- sent messages -------------------------------------------------------------------

    def message(self, message_id: str) -> MessageInfo:
        return cast(MessageInfo, self._request("GET", f"/v1/messages/{_seg(message_id)}"))

    def replies(self, message_id: str) -> builtins.list[MessageInfo]:
        """The sent messages that answer this one, as far as the member may read them."""
        found = self._request("GET", f"/v1/messages/{_seg(message_id)}/replies")["messages"]
        return cast(builtins.list[MessageInfo], found)

    def acknowledge(self, message_id: str) -> Entry:
        """Acknowledge receipt of a message addressed to the member's party."""
        path = f"/v1/messages/{_seg(message_id)}/acknowledgements"
        return cast("Entry", self._request("POST", path))

    def acknowledgements(self, message_id: str) -> AcknowledgementsInfo:
        """Who has acknowledged a message and who not yet, as far as the member may know."""
        path = f"/v1/messages/{_seg(message_id)}/acknowledgements"
        return cast(AcknowledgementsInfo, self._request("GET", path))
