"""A body the kind's own spec validated is appended without validating it again; nothing else is.

``KindSpec.validate`` returns a frozen :class:`~liaison.domain.kinds.ValidBody` that remembers its
spec. The writer trusts it only when it is of the very spec of the entry's kind: a plain dict (as
from JSON), a body validated as another kind, or one changed after validation is checked as
before.
"""

from __future__ import annotations

from typing import Any

import pytest

from liaison.domain.entry import StoredEntry
from liaison.domain.kinds import KINDS, KindSpec, ValidBody
from liaison.errors import InvalidBody
from liaison.projections.picture import UNIT
from liaison.services.record import AppendRequest
from tests.conftest import World

UNIT_BODY: dict[str, Any] = {
    "unit": "u-1",
    "name": "unit 1",
    "position": {"type": "Point", "coordinates": [10.5, 50.25]},
    "time": "2044-07-12T10:00:00Z",
    "stale_time": "2044-07-12T12:00:00Z",
    "symbol_code": "SFGPUCI--------",
}


@pytest.fixture
def normal_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds whose model the writer (or anyone) runs from now on."""
    calls: list[str] = []
    original = KindSpec.normal

    def counting(self: KindSpec, body: Any) -> dict[str, Any]:
        calls.append(self.name)
        return original(self, body)

    monkeypatch.setattr(KindSpec, "normal", counting)
    return calls


def test_a_validated_body_is_appended_as_it_is(world: World, normal_calls: list[str]) -> None:
    note = KINDS.get("note").validate({"text": "validated once", "topic": None})
    normal_calls.clear()
    entry = world.node.record.append(AppendRequest("eden", "note", note))
    assert normal_calls == []
    assert entry.content.body == {"text": "validated once", "topic": None}
    stored = world.node.record.get("uk", entry.id)
    assert stored.raw == entry.raw


def test_the_same_body_as_a_plain_dict_is_validated(world: World, normal_calls: list[str]) -> None:
    entry = world.node.record.append(AppendRequest("eden", "note", {"text": "plain"}))
    assert normal_calls == ["note"]
    assert entry.content.body == {"text": "plain", "topic": None}


def test_a_body_validated_as_another_kind_is_validated_again(world: World) -> None:
    note = KINDS.get("note").validate({"text": "not a unit"})
    with pytest.raises(InvalidBody):
        world.node.record.append(AppendRequest("eden", UNIT, note, release=["us"]))


def test_a_fast_validated_unit_gives_the_models_bytes(world: World) -> None:
    spec = KINDS.get(UNIT)
    fast = spec.validate(UNIT_BODY)
    assert type(fast) is ValidBody
    results = world.node.record.append_many(
        [
            AppendRequest("eden", UNIT, fast, release=["us"]),
            AppendRequest("eden", UNIT, spec.normal(UNIT_BODY), release=["us"]),
        ]
    )
    a, b = results
    assert isinstance(a, StoredEntry)
    assert isinstance(b, StoredEntry)
    assert a.content.body == b.content.body
    assert a.content.to_json() | {"salt": "", "time": ""} == (
        b.content.to_json() | {"salt": "", "time": ""}
    )


def test_a_validated_body_cannot_be_changed_afterwards() -> None:
    unit = KINDS.get(UNIT).validate(UNIT_BODY)
    with pytest.raises(TypeError):
        unit["unit"] = "u-2"  # type: ignore[index]
    with pytest.raises(TypeError):
        unit["position"]["coordinates_e7"][0] = 0
    changed = dict(unit)
    changed["unit"] = "bad unit id"
    assert not KINDS.get(UNIT).validated(changed)
