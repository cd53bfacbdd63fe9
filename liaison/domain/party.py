"""Parties and the identifiers the record uses for them."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ALL_PARTIES", "Party", "check_identifier"]

#: The release marker meaning "every party, present and future".
ALL_PARTIES = "*"

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def check_identifier(value: str, what: str) -> str:
    """Identifiers are short lowercase slugs so that they are safe in URLs and files."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} must be 1-32 characters: a lowercase letter, then "
            "lowercase letters, digits or '-'"
        )
    return value


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    seq: int
