"""Members: who acts for a party, and the authority they hold at a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison.domain.mandate import Mandate
from liaison.domain.roles import Role

__all__ = ["Authority", "MemberKey"]


@dataclass(frozen=True)
class MemberKey:
    key_id: str
    public_key: bytes
    #: the sequence number of the entry that registered the key
    since_seq: int
    since: datetime


@dataclass(frozen=True)
class Authority:
    """A member's standing as the record shows it at one moment.

    Built from the member's appointment, changes, revocation and key entries
    up to that moment; ``as_of_seq`` is the last entry that shaped it.
    """

    member: str
    party: str
    name: str
    role: Role
    mandate: Mandate
    revoked: bool
    revoked_reason: str | None
    keys: tuple[MemberKey, ...]
    as_of_seq: int

    @property
    def current_key(self) -> MemberKey:
        return self.keys[-1]

    def key(self, key_id: str) -> MemberKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)
