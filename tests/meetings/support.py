"""Helpers for the meetings tests: the 1943 meetings as the record would hold them.

The accounts are the fixtures in ``tests/fixtures/accounts`` (reconstructed
from the background article); the meetings around them are recorded the way
a party would: who met, when, where, for whom.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from liaison.accounts.kinds import sign_version
from liaison.accounts.model import Account
from liaison.domain.entry import StoredEntry
from liaison.services.meetings import MeetingService
from tests.conftest import World

__all__ = [
    "FIXTURES",
    "fixture",
    "meeting_10_march",
    "meeting_20_february",
    "sign",
]

FIXTURES = Path(__file__).parent.parent / "fixtures" / "accounts"


def fixture(name: str) -> Account:
    return Account.from_dict(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


def meeting_20_february(
    meetings: MeetingService, release: Sequence[str] = ("su",), **extra: Any
) -> StoredEntry:
    """Clark Kerr's call on Molotov, recorded by the British side."""
    return meetings.record_meeting(
        "kerr",
        title="Clark Kerr and Molotov on post-war consultation and Germany",
        held_at="1943-02-20T12:00:00Z",
        place="People's Commissariat for Foreign Affairs, Moscow",
        participants=[
            {
                "name": "Sir Archibald Clark Kerr",
                "party": "uk",
                "role": "ambassador",
                "member": "kerr",
            },
            {
                "name": "V. M. Molotov",
                "party": "su",
                "role": "People's Commissar for Foreign Affairs",
                "member": "molotov",
            },
        ],
        topic="diplomacy",
        release=list(release),
        **extra,
    )


def meeting_10_march(meetings: MeetingService, release: Sequence[str] = ("su",)) -> StoredEntry:
    """Eden's conversation with Maisky before the Washington visit, recorded by the British."""
    return meetings.record_meeting(
        "eden",
        title="Eden and Maisky before the Washington visit",
        held_at="1943-03-10T12:00:00Z",
        place="Foreign Office, London",
        participants=[
            {"name": "Anthony Eden", "party": "uk", "role": "Foreign Secretary", "member": "eden"},
            {"name": "I. M. Maisky", "party": "su", "role": "ambassador"},
        ],
        topic="diplomacy",
        release=list(release),
    )


def sign(world: World, member: str, version: StoredEntry) -> dict[str, str]:
    """The member's signature over a version, made with their own key file."""
    return sign_version(world.members[member].key, version.id, version.raw)
