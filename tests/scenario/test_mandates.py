"""Authority in the scenario: coordination rests with those who may bind, not with theatre
commanders ("cannot be delegated to any theatre commander", C.C.S. 618), and a recall ends a
mandate without undoing what was done under it.

These tests append to the record; the ``history`` fixture is this module's own load.
"""

from __future__ import annotations

from typing import Any

import pytest

from liaison.agreements import sign_version
from liaison.errors import NotPermitted
from liaison.services.record import AppendRequest
from tests.scenario.conftest import History


def test_a_theatre_commanders_signature_on_coordination_does_not_count(
    history: History,
) -> None:
    agreement = history.id("operational-information")
    version = history.node.agreements.versions("us", agreement)[-1]
    key = history.result.members["eaker"].key
    signed = sign_version(key, agreement, version.id, version.terms)
    entry = history.node.agreements.sign("eaker", signed)
    status = history.node.agreements.status("us", agreement)
    [check] = [c for c in status.signatures if c.ref.entry == entry.id]
    assert check.reasons == ("wrong-role",)
    assert status.binding  # it binds through Marshall's signature, not Eaker's
    assert [r.entry for r in status.counted["us"]] != [entry.id]


def test_a_theatre_commander_commits_forces_only_in_his_theatre(history: History) -> None:
    picture = history.node.picture
    normandy: dict[str, Any] = {
        "footprint": {"type": "Point", "coordinates": [-0.5, 49.2], "radius_m": 2000},
        "start": "1944-11-08T09:00:00Z",
        "end": "1944-11-08T10:00:00Z",
    }
    with pytest.raises(NotPermitted, match="does not cover"):
        picture.create_operation("eaker", ref="outside", kind="air_strike", volumes=[normandy])
    belgrade = {**normandy, "footprint": {**normandy["footprint"], "coordinates": [20.4, 44.8]}}
    with pytest.raises(NotPermitted, match="does not cover"):
        picture.create_operation("eisenhower", ref="outside", kind="air_strike", volumes=[belgrade])
    assert picture.create_operation(
        "eisenhower", ref="inside", kind="air_strike", volumes=[normandy]
    )


def test_a_recalled_ambassador_can_no_longer_act(history: History) -> None:
    with pytest.raises(NotPermitted, match="expired"):
        history.node.record.append(AppendRequest("maisky", "note", {"text": "Still here."}))
