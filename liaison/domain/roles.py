"""Roles, in increasing order of authority."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Role"]


class Role(IntEnum):
    """What a member may do for its party; each role includes those below it.

    observer reads; officer writes ordinary entries (notes, reports, messages);
    commander commits forces (operations, control measures, deconfliction
    arrangements); plenipotentiary binds the party (signs agreements).
    """

    OBSERVER = 0
    OFFICER = 1
    COMMANDER = 2
    PLENIPOTENTIARY = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {text!r}; choose one of {names}") from None

    def __str__(self) -> str:
        return self.name.lower()
