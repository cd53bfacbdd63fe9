"""The one error a scenario raises: every problem found, each with the path of its field.

A scenario is checked whole before anything is loaded, so the error lists every problem at
once rather than the first; an event the record refuses while loading is reported the same way,
with the event's path and the service's own reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liaison.errors import InvalidInput

__all__ = ["Problem", "ScenarioError"]

#: at most this many problems are spelt out in the message (all are kept on the error)
SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One problem: where in the file (``timeline[12] (agreement.sign).by``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ScenarioError(InvalidInput):
    """A scenario that cannot be loaded; ``problems`` holds every problem found.

    It is an :class:`~liaison.errors.InvalidInput`, so the CLI reports it as bad input.
    ``loaded`` says what is on the record despite it: "nothing" for a file refused whole, or
    the events appended before a step the record refused.
    """

    def __init__(self, name: str, problems: Sequence[Problem], *, loaded: str = "nothing") -> None:
        self.name = name
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{name}: {count} problem{'s' if count != 1 else ''}; {loaded} was loaded"]
        lines += [f"  {p}" for p in self.problems[:SHOWN]]
        if count > SHOWN:
            lines.append(f"  ... and {count - SHOWN} more")
        super().__init__("\n".join(lines), scenario=name)
