"""One party's account of a meeting: structured statements, free text, or both.

A structured account lists who said what on which topic, and who raised the
topic according to that account; that is what lets two records be compared
statement by statement ("according to Maisky's record, Eden raised this
issue: in the FO record, it was Maisky"). Many records are only prose, so an
account may instead, or also, carry paragraphs of free text.

The values are immutable and validated on construction, because reports and
signatures are computed from them and must not change under anyone's feet.
``from_dict``/``to_dict`` map to plain JSON values (no floats, no nulls) for
fixtures and the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

__all__ = ["Account", "AccountError", "JsonValue", "Statement"]

#: A JSON value as Liaison signs it: no floats (RFC 8785 prints them ambiguously
#: across implementations) and no nulls (an absent value is an absent key).
JsonValue: TypeAlias = int | str | bool | list["JsonValue"] | dict[str, "JsonValue"]


class AccountError(ValueError):
    """An account or statement that is malformed; the message names the field."""


def _required(value: object, where: str) -> str:
    """A non-blank string; anything else is refused with the field's path."""
    if not isinstance(value, str):
        raise AccountError(f"{where} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise AccountError(f"{where} must not be blank")
    return value


def _optional(value: object, where: str) -> str | None:
    """None (the account does not say), or a non-blank string."""
    return None if value is None else _required(value, where)


def _check_keys(data: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    """Unknown keys are refused: a misspelt field must not silently vanish from a record."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise AccountError(
            f"{where} has unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


@dataclass(frozen=True)
class Statement:
    """Something said at the meeting, according to one account.

    ``raised_by`` is who brought the topic up *according to this account*
    (None when the account does not say); accounts disagree on it, and that
    disagreement is a finding in its own right.
    """

    speaker: str
    topic: str
    raised_by: str | None
    text: str

    def __post_init__(self) -> None:
        """Refuse blank names and texts, which would match everything or nothing."""
        _required(self.speaker, "speaker")
        _required(self.topic, "topic")
        _optional(self.raised_by, "raised_by")
        _required(self.text, "text")

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *, where: str = "statement") -> Statement:
        """Build from JSON; ``raised_by`` may be absent or null."""
        _check_keys(data, _STATEMENT_KEYS, where)
        for key in ("speaker", "topic", "text"):
            if key not in data:
                raise AccountError(f"{where} is missing {key}")
        return cls(
            speaker=_required(data["speaker"], f"{where}.speaker"),
            topic=_required(data["topic"], f"{where}.topic"),
            raised_by=_optional(data.get("raised_by"), f"{where}.raised_by"),
            text=_required(data["text"], f"{where}.text"),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON form; ``raised_by`` is omitted when the account does not say."""
        out: dict[str, JsonValue] = {"speaker": self.speaker, "topic": self.topic}
        if self.raised_by is not None:
            out["raised_by"] = self.raised_by
        out["text"] = self.text
        return out


_STATEMENT_KEYS = frozenset({"speaker", "topic", "raised_by", "text"})
_ACCOUNT_KEYS = frozenset({"party", "author", "statements", "paragraphs", "source"})


@dataclass(frozen=True)
class Account:
    """One party's own record of a meeting, by one author.

    ``source`` says where the record comes from (an archive reference, or the
    passage it was reconstructed from), so that a reader can check it.
    """

    party: str
    author: str
    statements: tuple[Statement, ...] = ()
    paragraphs: tuple[str, ...] = ()
    source: str | None = None

    def __post_init__(self) -> None:
        """Keep the account well-formed: tuples (hashable, immutable) and something in it."""
        _required(self.party, "party")
        _required(self.author, "author")
        _optional(self.source, "source")
        if not isinstance(self.statements, tuple) or not all(
            isinstance(s, Statement) for s in self.statements
        ):
            raise AccountError("statements must be a tuple of Statement")
        if not isinstance(self.paragraphs, tuple):
            raise AccountError("paragraphs must be a tuple of strings")
        for number, paragraph in enumerate(self.paragraphs, start=1):
            _required(paragraph, f"paragraph {number}")
        if not self.statements and not self.paragraphs:
            raise AccountError(
                f"the account of {self.party} by {self.author} is empty: "
                "give statements, paragraphs or both"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Account:
        """Build from JSON, refusing unknown fields and wrong types with the field's path."""
        _check_keys(data, _ACCOUNT_KEYS, "account")
        for key in ("party", "author"):
            if key not in data:
                raise AccountError(f"account is missing {key}")
        raw_statements = data.get("statements", [])
        if not isinstance(raw_statements, list):
            raise AccountError("account.statements must be a list")
        statements: list[Statement] = []
        for index, item in enumerate(raw_statements):
            where = f"account.statements[{index}]"
            if not isinstance(item, Mapping):
                raise AccountError(f"{where} must be an object")
            statements.append(Statement.from_dict(item, where=where))
        raw_paragraphs = data.get("paragraphs", [])
        if not isinstance(raw_paragraphs, list):
            raise AccountError("account.paragraphs must be a list")
        paragraphs = tuple(
            _required(p, f"account.paragraphs[{i}]") for i, p in enumerate(raw_paragraphs)
        )
        return cls(
            party=_required(data["party"], "account.party"),
            author=_required(data["author"], "account.author"),
            statements=tuple(statements),
            paragraphs=paragraphs,
            source=_optional(data.get("source"), "account.source"),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON form, the inverse of :meth:`from_dict`; ``source`` omitted when unknown."""
        out: dict[str, JsonValue] = {
            "party": self.party,
            "author": self.author,
            "statements": [s.to_dict() for s in self.statements],
            "paragraphs": list(self.paragraphs),
        }
        if self.source is not None:
            out["source"] = self.source
        return out
