"""Whole-record verification decides intact rows quickly; it must never be more lenient.

``verify._intact`` answers "this row passes every check" without building a Content.
It may say "look closely" for a sound row (``check_entry`` then decides), but it must
never pass a row ``check_entry`` finds fault with — whatever bytes an attacker writes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.ledger.signing import b64d
from liaison.services import verify as v
from liaison.services.record import AppendRequest
from liaison.store import queries as q
from tests.conftest import World, make_world
from tests.record.support import signed_request

Sample = tuple[list[tuple[object, ...]], bytes, v.KeyMap]


def _rows(world: World) -> Sample:
    node = world.node
    request, _ = signed_request(
        "molotov",
        "su",
        world.members["molotov"].key,
        {"text": "signed", "topic": None},
        ["su", "uk"],
    )
    node.record.append(request)
    node.record.append(
        AppendRequest(author="eden", kind="note", body={"text": "Москва, 1943 — ünïcödé"})
    )
    node.record.append(AppendRequest(author="eden", kind="note", body={"text": "plain"}))
    with node.store.read() as conn:
        info = q.node_info(conn)
        assert info is not None
        rows = q.raw_entry_range(conn, 1, q.head(conn)[0])
    contents = [(int(r[0]), v._safe_content(bytes(r[3]))) for r in rows]
    return rows, b64d(info.public_key), v.roster_keys(contents)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    tmp = tmp_path_factory.mktemp("fast-path")
    world = make_world(str(tmp / "liaison.db"), tmp)
    try:
        return _rows(world)
    finally:
        world.node.close()


def test_every_intact_row_is_decided_on_the_fast_path(sample: Sample) -> None:
    rows, node_key, keys = sample
    assert any(row[5] is not None for row in rows)  # a member-signed entry is among them
    for row in rows:
        assert v.check_entry(v._entry_row(row), node_key, keys) == []
        assert v._intact(row, node_key, keys), row[:2]


_FIELDS = range(3, 13)  # content, signatures, author key, columns, release rows


def _mutate(value: object, data: st.DataObject) -> object:
    if isinstance(value, bytes) and value:
        i = data.draw(st.integers(0, len(value) - 1))
        b = data.draw(st.integers(0, 255))
        return value[:i] + bytes([b]) + value[i + 1 :]
    if isinstance(value, str):
        return data.draw(st.sampled_from([value + "x", value.upper(), "", "null"]))
    if isinstance(value, tuple):
        return data.draw(st.sampled_from([(), ("*",), ("su",), (*value, "us")]))
    return data.draw(st.sampled_from(["uk", "eden", b"\x00" * 64, "note"]))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_fast_path_never_passes_a_row_check_entry_refuses(
    sample: Sample, data: st.DataObject
) -> None:
    rows, node_key, keys = sample
    row = list(data.draw(st.sampled_from(rows)))
    for _ in range(data.draw(st.integers(1, 2))):
        field = data.draw(st.sampled_from(list(_FIELDS)))
        row[field] = _mutate(row[field], data)
    tampered = tuple(row)
    if v._intact(tampered, node_key, keys):
        assert v.check_entry(v._entry_row(tampered), node_key, keys) == []
