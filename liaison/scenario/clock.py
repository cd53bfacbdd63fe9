"""The node's clock during a scenario: set to each event's time, then back to the wall clock.

A scenario's times are the node's **append times**. The record stamps every entry with the
time its node's clock gives when the entry is appended (and never lets append times go back),
and every check that trusts time trusts that stamp: an agreement binds from its signature's
append time, a consultation reached a party at its append time, a notification came in time or
not by its append time. So a historical scenario is not replayed "now" with old dates written
into the text: it is replayed with a node whose clock says 1942 while the 1942 entries are
appended. :class:`ScenarioClock` is that clock. The loader sets it to each event's time before
calling the service; once the scenario is loaded it goes back to the wall clock, so that members
using the node afterwards append at the real time (later than anything in the scenario).

Creating a node writes its first entry (genesis) at once, and that entry's time must be the
scenario's start, or every later (older) event would be stamped with the genesis time instead.
:func:`create_node` makes the node with that clock, genesis included.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from liaison.domain.time import utcnow
from liaison.node import Node

__all__ = ["ScenarioClock", "create_node"]


class ScenarioClock:
    """A clock that reads a set time, or the wall clock when none is set.

    Pass it as the record's clock (``RecordService(..., clock=...)``, or ``node.record.clock``);
    calling it returns the current reading.
    """

    def __init__(self, at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._at: datetime | None = None
        if at is not None:
            self.set(at)

    def __call__(self) -> datetime:
        with self._lock:
            return self._at if self._at is not None else utcnow()

    def set(self, at: datetime) -> None:
        """Read ``at`` from now on (a timezone-aware instant)."""
        if at.tzinfo is None:
            raise ValueError("the clock is set to timezone-aware instants only")
        with self._lock:
            self._at = at.astimezone(UTC)

    def release(self) -> None:
        """Go back to the wall clock."""
        with self._lock:
            self._at = None

    @property
    def historical(self) -> bool:
        """Whether the clock is set (rather than reading the wall clock)."""
        with self._lock:
            return self._at is not None


def create_node(db: str, node_key_path: str | Path, origin: str, clock: ScenarioClock) -> Node:
    """A new node over a new store whose genesis and every later append read ``clock``."""
    node, _ = Node.create(db, node_key_path, origin, clock=clock)
    return node
