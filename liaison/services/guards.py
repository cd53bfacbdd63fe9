"""Guards: checks an entry kind needs against the record, inside the write transaction.

The kind registry checks a body on its own (its schema) and the authority of
its author. Some rules need the record as it stands: a message number must be
unique in its channel, a signature must be over a version that exists, a
release set must be exactly the parties of a channel. Such a rule is a guard,
registered for its kind, and run by the record service *inside* the write
transaction — after the entries before it in the same batch are applied — so
two concurrent appenders can never both pass a check that only one may pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from liaison.domain.member import Authority

__all__ = ["GUARDS", "Guard", "GuardContext", "GuardRegistry"]


@dataclass(frozen=True)
class GuardContext:
    conn: Connection
    kind: str
    body: dict[str, Any]
    author: str
    party: str | None
    release: tuple[str, ...]
    supersedes: str | None
    authority: Authority | None
    now: datetime


Guard = Callable[[GuardContext], None]


class GuardRegistry:
    def __init__(self) -> None:
        self._guards: dict[str, list[Guard]] = {}
        self._reading: set[str] = set()

    def register(self, kind: str, guard: Guard, *, reads_record: bool = True) -> Guard:
        """Run ``guard`` on every entry of ``kind``. ``reads_record=False`` promises that it
        looks only at the context's fields, never at ``ctx.conn``: the record may then check
        an entry of that kind before the projections of the entries before it in the same
        batch are written (it writes them in bulk)."""
        self._guards.setdefault(kind, []).append(guard)
        if reads_record:
            self._reading.add(kind)
        return guard

    def reads_record(self, kind: str) -> bool:
        """Whether some guard of ``kind`` may read the record (its projections)."""
        return kind in self._reading

    def for_kind(self, kind: str) -> list[Guard]:
        return self._guards.get(kind, [])

    def run(self, ctx: GuardContext) -> None:
        for guard in self.for_kind(ctx.kind):
            guard(ctx)


GUARDS = GuardRegistry()
