"""What the CoT tests share."""

from __future__ import annotations

import dataclasses

from liaison.cot import CotEvent


def assert_rebuilt_is_the_same(event: CotEvent) -> None:
    """Building ``event`` again from its strings (no handover from the parser: they are
    parsed and checked) gives the same event, views included."""
    rebuilt = dataclasses.replace(event)
    assert rebuilt == event
    assert (rebuilt.callsign, rebuilt.remarks, rebuilt.links, rebuilt.geometry) == (
        event.callsign,
        event.remarks,
        event.links,
        event.geometry,
    )
