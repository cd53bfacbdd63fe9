"""canonical_bytes takes a C fast path for plain values; its bytes must be RFC 8785's.

The reference is the ``rfc8785`` package itself: for every value, plain or
not, ``canonical_bytes`` returns exactly ``rfc8785.dumps`` or raises
``CanonicalError`` where the reference (or the float/integer rules) refuse.
"""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.domain.entry import Content
from liaison.ledger.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    FrozenDict,
    FrozenList,
    canonical_bytes,
    freeze,
)

# Every code point, control characters, non-ASCII, astral planes and lone surrogates included.
text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
keys = st.one_of(
    text,
    st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=6),
    st.sampled_from(["\ue000", "\U0001f600", "a\U00010000", "\uffff", "é", "Z", "a"]),
)
ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
scalars = st.one_of(st.none(), st.booleans(), ints, text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(keys, inner, max_size=5),
    ),
    max_leaves=25,
)


def reference(value: Any) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError):
        return None


@settings(max_examples=2000, deadline=None)
@given(values)
def test_same_bytes_as_rfc8785(value: Any) -> None:
    expected = reference(value)
    if expected is None:
        with pytest.raises(CanonicalError):
            canonical_bytes(value)
    else:
        assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order differs from code-point order
        {"b": '\x00\x01\x1f\x7f\b\t\n\f\r"\\/\u2028\u2029'},
        {"z": [1, True, False, None, -0, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]},
        OrderedDict([("b", 1), ("a", 2)]),  # a dict subclass: reference path
        {"t": (1, 2)},  # a tuple: reference path
        {"é": "x", "e": "y"},
    ],
)
def test_edge_cases(value: Any) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [{"a": 1.0}, {"a": MAX_SAFE_INTEGER + 1}, {"a": "\ud800"}, {1: "a"}, {"a": object()}],
)
def test_refusals(value: Any) -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes(value)


@settings(max_examples=1000, deadline=None)
@given(values)
def test_frozen_values_have_the_same_bytes(value: Any) -> None:
    expected = reference(value)
    frozen = freeze(value)
    assert frozen == value
    for _ in range(2):  # the second time from what the frozen object remembers
        if expected is None:
            with pytest.raises(CanonicalError):
                canonical_bytes(frozen)
        else:
            assert canonical_bytes(frozen) == expected


def test_frozen_values_cannot_change_and_copy_as_plain_ones() -> None:
    frozen = freeze({"a": [1, {"b": 2}]})
    assert isinstance(frozen, FrozenDict)
    assert isinstance(frozen["a"], FrozenList)
    with pytest.raises(TypeError):
        frozen["c"] = 3
    with pytest.raises(TypeError):
        frozen.update(c=3)
    with pytest.raises(TypeError):
        frozen["a"].append(3)
    with pytest.raises(TypeError):
        frozen["a"][1]["b"] = 3
    assert frozen == {"a": [1, {"b": 2}]}
    copied = copy.deepcopy(frozen)
    copied["a"][1]["b"] = 3
    assert type(copied) is dict
    assert type(copied["a"]) is list
    assert pickle.loads(pickle.dumps(frozen)) == {"a": [1, {"b": 2}]}


@settings(max_examples=1500, deadline=None)
@given(
    st.dictionaries(keys, values, max_size=4),
    st.one_of(text, st.sampled_from(["picture.unit", "note"])),
    st.one_of(st.none(), text),
    st.lists(text, max_size=3).map(tuple),
    st.one_of(st.none(), text),
    st.sampled_from([1, 0, -1, 2**53]),
    st.datetimes(timezones=st.just(UTC)),
)
def test_a_contents_bytes_are_its_json_canonicalised(
    body: dict[str, Any],
    kind: str,
    party: str | None,
    release: tuple[str, ...],
    supersedes: str | None,
    v: int,
    time: datetime,
) -> None:
    content = Content(
        kind=kind,
        body=freeze(body),
        author="eden",
        party=party,
        time=time,
        release=release,
        supersedes=supersedes,
        salt="c2FsdHNhbHRzYWx0c2FsdA",
        v=v,
    )
    expected = reference(content.to_json())
    if expected is None:
        with pytest.raises(CanonicalError):
            content.canonical()
    else:
        assert content.canonical() == expected
