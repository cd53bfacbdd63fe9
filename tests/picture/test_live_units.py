"""The live picture's fast path for unit reports gives exactly what the checked path gives.

A unit body the writer has just validated (a ``ValidBody`` of the unit kind) is turned into the
detector's report without checking it again (``unit_item``); any other body goes through every
check. Both must give equal reports, with the same types, for every body the kind accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import liaison.picture.kinds  # noqa: F401  (registers the picture kinds)
from liaison.deconfliction import (
    DeconflictionError,
    DeconflictionIndex,
    SubjectType,
    UnitPosition,
)
from liaison.domain.kinds import KINDS, ValidBody
from liaison.errors import LiaisonError
from liaison.geometry import encode_instant
from liaison.picture.live import LivePicture, Subjects, _info
from liaison.picture.model import SubjectInfo, unit_item
from liaison.projections.picture import UNIT
from tests.conftest import World

_SYMBOLS = ("SFGPUCI---*****", "SHAP------*****", "SUGP------*****", "10031000001211000000")
_EPOCH = datetime(2044, 7, 12, 16, 30, tzinfo=UTC)


@st.composite
def unit_bodies(draw: st.DrawFn) -> dict[str, Any]:
    time = _EPOCH + timedelta(microseconds=draw(st.integers(-(10**13), 10**13)))
    stale = time + timedelta(microseconds=draw(st.integers(1, 10**11)))
    body: dict[str, Any] = {
        "unit": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True)),
        "name": draw(st.text(max_size=5)),
        "position": {
            "type": "Point",
            "coordinates_e7": [
                draw(st.integers(-1_800_000_000, 1_800_000_000)),
                draw(st.integers(-900_000_000, 900_000_000)),
            ],
        },
        "time": encode_instant(time),
        "stale_time": encode_instant(stale),
        "symbol_code": draw(st.sampled_from(_SYMBOLS)),
    }
    if draw(st.booleans()):
        body["heading_mdeg"] = draw(st.integers(0, 359_999))
    if draw(st.booleans()):
        body["speed_mmps"] = draw(st.integers(0, 99_999_999))
    return body


def _fields(item: UnitPosition) -> tuple[Any, ...]:
    return tuple((type(v), v) for v in vars(item).values() if not callable(v))


@settings(max_examples=300, deadline=None)
@given(unit_bodies())
def test_a_validated_unit_body_gives_the_same_report_as_the_checked_path(
    body: dict[str, Any],
) -> None:
    try:
        valid = KINDS.get(UNIT).validate(body)
    except LiaisonError:
        assume(False)
        raise
    assert isinstance(valid, ValidBody)
    fast = unit_item(valid, "uk")
    checked = unit_item(dict(valid), "uk")
    assert fast == checked
    assert _fields(fast) == _fields(checked)
    assert fast.time.tzinfo is checked.time.tzinfo
    assert fast.position.xyz.tolist() == checked.position.xyz.tolist()


def test_a_body_not_validated_here_is_still_checked() -> None:
    body = {
        "unit": "1-armd",
        "position": {"type": "Point", "coordinates_e7": [100_000_000, 500_000_000]},
        "time": "2044-07-12T16:30:00Z",
        "stale_time": "2044-07-12T16:00:00Z",  # before its time: refused by the checks
        "symbol_code": "SFGPUCI---*****",
    }
    with pytest.raises(DeconflictionError):
        unit_item(body, "uk")


def test_a_unit_checked_against_an_index_without_operations_has_no_conflicts() -> None:
    body = {
        "unit": "1-armd",
        "position": {"type": "Point", "coordinates_e7": [100_000_000, 500_000_000]},
        "time": "2044-07-12T16:30:00Z",
        "stale_time": "2044-07-12T17:00:00Z",
        "symbol_code": "SFGPUCI---*****",
    }
    index = DeconflictionIndex()
    item = unit_item(KINDS.get(UNIT).validate(body), "uk")
    index.insert(item)
    assert index.check(item) == []


def test_the_subjects_made_when_asked_for_are_those_made_at_once() -> None:
    content = SimpleNamespace(
        party="uk", release=("us",), body={"unit": "1-armd", "name": "First Armoured"}
    )
    entry: Any = SimpleNamespace(id="e1", seq=7, content=content)
    subjects = Subjects()
    operation = SubjectInfo(
        SubjectType.OPERATION, "op", "uk", "op-1", "", "air_strike", "e0", 3, ()
    )
    subjects.put("op", operation)
    subjects.put_unit("uk/1-armd", entry)
    assert dict(subjects) == {
        "op": operation,
        "uk/1-armd": _info(entry, SubjectType.UNIT, "uk/1-armd", "unit"),
    }
    assert subjects["uk/1-armd"].released_to("us")
    assert "uk/1-armd" in subjects
    assert len(subjects) == 2
    subjects.put("uk/1-armd", operation)  # a key made known replaces the lazy one
    assert len(subjects) == 2
    assert subjects["uk/1-armd"] is operation


def test_a_catch_up_with_some_entries_not_in_hand_reads_them_and_gets_the_same(
    sqlite_world: World,
) -> None:
    from tests.picture.support import operation, unit

    node = sqlite_world.node
    start = node.record.size()
    unit(node, "deane", ref="1-armd")
    operation(node, "burrows", ref="uk-1")
    unit(node, "deane", ref="2-armd", lon=10.02)
    unit(node, "deane", ref="1-armd", time="2044-07-12T16:00:00Z")
    record = node.record
    size = record.size()
    assert all(record.recent(seq) is not None for seq in range(start + 1, size + 1))

    def views(in_hand: Any) -> tuple[dict[str, Any], list[str]]:
        live = LivePicture()
        with node.store.read() as conn:
            live.catch_up(conn)  # up to the log before the scenario, from the store
            live.applied = start
            live.index = DeconflictionIndex()
            live.items.clear()
            live.catch_up(conn, in_hand)
        assert live.applied == size
        return dict(live.items), sorted(c.id for c in live.index.sweep())

    from_store = views(None)
    all_in_hand = views(record.recent)
    one_missing = views(lambda seq: None if seq == start + 2 else record.recent(seq))
    assert {"us/1-armd", "us/2-armd"} <= set(from_store[0])
    assert all_in_hand == from_store
    assert one_missing == from_store
