"""Hostile, broken input: only CotError comes out, fast, in bounded memory; good events survive.

Hypothesis drives the parser and the framer with arbitrary bytes, mutated real
samples, entity bombs, external references, deep nesting and huge attributes.
Each example has a deadline (no hang), the whole test a pytest timeout, and the
big cases are measured with ``tracemalloc`` (bounded memory).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.cot import (
    DEFAULT_MAX_EVENT_BYTES,
    CotError,
    CotEvent,
    CotFramer,
    event_kind,
    parse_event,
    parse_stream,
    serialize_event,
    symbol_code_from_type,
)
from tests.cot.support import assert_rebuilt_is_the_same

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"
SAMPLE_NAMES = [
    "Drawing_Shapes-Free_Form.cot",
    "Drawing_Shapes-Rectangle.cot",
    "Geo_Fence.cot",
    "Marker-2525.cot",
    "Range_and_Bearing-Line.cot",
    "Route.cot",
    "ProtoAndCotMessageConversionTests_SA.xml",
    "ProtoAndCotMessageConversionTests_CHAT_TO_MISSION.xml",
]
SAMPLE_BYTES = [(SAMPLES / name).read_bytes() for name in SAMPLE_NAMES]  # fails loudly if absent

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEAD = (
    b'<event version="2.0" uid="u" type="a-f-G" how="m-g" time="2024-01-01T00:00:00Z" '
    b'start="2024-01-01T00:00:00Z" stale="2024-01-01T00:05:00Z">'
    b'<point lat="1" lon="2" hae="0" ce="1" le="1"/>'
)


def with_detail(detail: bytes) -> bytes:
    return HEAD + b"<detail>" + detail + b"</detail></event>"


def parse_or_refuse(data: bytes) -> CotEvent | None:
    """Parse; a CotError is an acceptable answer, anything else fails the test."""
    refusal: CotError | None = None
    try:
        event = parse_event(data)
    except CotError as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.code
        assert refusal.message
        return None
    # Whatever is accepted can be used and written out, and reads back the same.
    event_kind(event)
    symbol_code_from_type(event.type)
    assert parse_event(serialize_event(event)) == event
    # The detail trees parse_event handed over are what checking the strings gives.
    assert_rebuilt_is_the_same(event)
    return event


def bounded(action: Callable[[], object], *, seconds: float, megabytes: float) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        action()
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f}s"
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.1f} MB"


# -- arbitrary and mutated input -----------------------------------------------------------


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_parse_or_are_refused(data: bytes) -> None:
    parse_or_refuse(data)


@FUZZ
@given(st.text(alphabet="<>/?!=\"' \n&;#xmlevntdaipoc-:0123456789[]%", max_size=400))
def test_xmlish_text_parses_or_is_refused(text: str) -> None:
    parse_or_refuse(text.encode())


TOKENS = [
    b"<",
    b">",
    b"/>",
    b"</event>",
    b"<event ",
    b"<?xml version='1.0'?>",
    b"<!DOCTYPE event [<!ENTITY a 'b'>]>",
    b"&a;",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"<![CDATA[</event>]]>",
    b"<!-- -->",
    b'"',
    b"'",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"NaN",
    b"1e309",
    b"-",
    b"9999999",
    b"Z",
    b"+14:00",
    b"T",
    b":",
    b"xmlns:a='urn:a'",
    b"<link point='1,2'/>",
    b"<shape><ellipse major='1' minor='1'/></shape>",
]

mutations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace", "flip"]),
        st.floats(min_value=0, max_value=1),
        st.integers(1, 16),
        st.sampled_from(TOKENS),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, steps: list[tuple[str, float, int, bytes]]) -> bytes:
    buffer = bytearray(data)
    for action, where, length, token in steps:
        at = int(where * len(buffer))
        if action == "insert":
            buffer[at:at] = token
        elif action == "delete":
            del buffer[at : at + length]
        elif action == "replace":
            buffer[at : at + len(token)] = token
        elif buffer:
            index = min(at, len(buffer) - 1)
            buffer[index] ^= 1 << (length % 8)
    return bytes(buffer)


@FUZZ
@given(st.sampled_from(SAMPLE_BYTES), mutations)
def test_mutated_samples_parse_or_are_refused(
    sample: bytes, steps: list[tuple[str, float, int, bytes]]
) -> None:
    parse_or_refuse(mutate(sample, steps))


@FUZZ
@given(
    st.sampled_from(SAMPLE_BYTES),
    mutations,
    st.sampled_from(SAMPLE_BYTES),
    st.lists(st.integers(0, 8000), max_size=6),
)
def test_a_bad_event_never_costs_the_good_one_after_it(
    good_before: bytes,
    steps: list[tuple[str, float, int, bytes]],
    good_after: bytes,
    cuts: list[int],
) -> None:
    bad = mutate(good_before, steps)
    stream = good_before + bad + b"\n" + good_after
    positions = sorted({min(cut, len(stream)) for cut in cuts})
    bounds = zip([0, *positions], [*positions, len(stream)], strict=True)
    framer = CotFramer()
    frames: list[bytes] = []
    for start, end in bounds:
        frames += framer.feed(stream[start:end])
    framer.close()
    events = [event for event in map(parse_or_refuse, frames) if event is not None]
    assert events[0] == parse_event(good_before)
    assert events[-1] == parse_event(good_after)


@FUZZ
@given(st.lists(st.binary(max_size=600), max_size=20), st.integers(1, 2000))
def test_the_framer_takes_any_bytes_in_any_reads(chunks: list[bytes], limit: int) -> None:
    framer = CotFramer(max_event_bytes=limit, max_connection_bytes=None, max_errors=None)
    for chunk in chunks:
        for frame in framer.feed(chunk):
            assert len(frame) <= limit
            assert frame.endswith(b">")
        # A partial event up to the limit, or a short tail in which an end tag may be arriving.
        assert framer.pending_bytes <= max(limit, len(b"</event") + 64)
    assert all(error.code != "framer_closed" for error in framer.close())


# -- hostile XML ---------------------------------------------------------------------------


def billion_laughs(levels: int) -> bytes:
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        f"<?xml version='1.0'?><!DOCTYPE event [{''.join(entities)}]>".encode()
        + HEAD.replace(b'uid="u"', f'uid="&l{levels - 1};"'.encode())
        + b"</event>"
    )


HOSTILE = {
    "billion laughs": billion_laughs(10),
    "quadratic blowup": (
        b'<!DOCTYPE event [<!ENTITY a "'
        + b"x" * 50_000
        + b'">]>'
        + with_detail(b"<r>" + b"&a;" * 10_000 + b"</r>")
    ),
    "external entity (file)": (
        b'<!DOCTYPE event [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + with_detail(b"<r>&x;</r>")
    ),
    "external entity (network)": (
        b'<!DOCTYPE event [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>' + with_detail(b"<r>&x;</r>")
    ),
    "external DTD": b'<!DOCTYPE event SYSTEM "http://127.0.0.1:9/cot.dtd">' + with_detail(b""),
    "parameter entities": (
        b'<!DOCTYPE event [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>' + with_detail(b"")
    ),
    "deep nesting": with_detail(b"<a>" * 100_000 + b"</a>" * 100_000),
    "deep unclosed nesting": with_detail(b"<a>" * 300_000),
    "wide element": with_detail(b"<a " + b" ".join(b'x%d="1"' % i for i in range(5000)) + b"/>"),
    "huge attribute": with_detail(b'<a v="' + b"x" * (DEFAULT_MAX_EVENT_BYTES + 10) + b'"/>'),
    "huge uid": HEAD.replace(b'uid="u"', b'uid="' + b"u" * 500_000 + b'"') + b"</event>",
    "many elements": with_detail(b"<a/>" * 50_000),
}
HOSTILE_CODES = {
    "billion laughs": "dtd_forbidden",
    "quadratic blowup": "dtd_forbidden",
    "external entity (file)": "dtd_forbidden",
    "external entity (network)": "dtd_forbidden",
    "external DTD": "dtd_forbidden",
    "parameter entities": "dtd_forbidden",
    "deep nesting": "too_deep",
    "deep unclosed nesting": "too_deep",
    "wide element": "too_many_attributes",
    "huge attribute": "event_too_large",
    "huge uid": "bad_attribute",
    "many elements": "too_many_elements",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_xml_is_refused_fast_in_bounded_memory(name: str) -> None:
    def attempt() -> None:
        with pytest.raises(CotError) as refused:
            parse_event(HOSTILE[name])
        assert refused.value.code == HOSTILE_CODES[name]

    bounded(attempt, seconds=5, megabytes=64)


@pytest.mark.timeout(60)
def test_the_largest_acceptable_event_parses_in_bounded_memory() -> None:
    remarks = b"<remarks>" + b"x" * (DEFAULT_MAX_EVENT_BYTES - 400) + b"</remarks>"
    data = with_detail(remarks)
    assert len(data) <= DEFAULT_MAX_EVENT_BYTES
    bounded(lambda: parse_event(data), seconds=5, megabytes=64)


@pytest.mark.timeout(120)
def test_a_hostile_stream_is_framed_in_bounded_memory() -> None:
    good = SAMPLE_BYTES[-2]
    stream = b"".join(
        [
            good,
            b"junk " * 100_000,
            b"<?xml version='1.0'?><event " + b"x" * 3 * DEFAULT_MAX_EVENT_BYTES,
            good,
            HOSTILE["billion laughs"],
            HOSTILE["deep unclosed nesting"],
            good,
        ]
    )

    def frame_all() -> None:
        framer = CotFramer()
        frames: list[bytes] = []
        for start in range(0, len(stream), 65_536):
            frames += framer.feed(stream[start : start + 65_536])
            assert framer.pending_bytes <= DEFAULT_MAX_EVENT_BYTES + 65_536
        result = [parse_or_refuse(frame) for frame in frames]
        assert [event for event in result if event is not None] == [parse_event(good)] * 3

    bounded(frame_all, seconds=60, megabytes=64)


def test_refused_documents_fetch_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import urllib.request

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    for name in ("external entity (network)", "external DTD", "parameter entities"):
        with pytest.raises(CotError):
            parse_event(HOSTILE[name])


def test_a_capture_with_every_kind_of_damage_keeps_its_good_events() -> None:
    good = SAMPLE_BYTES[-2]
    stream = b"\n".join(
        [
            good,
            HOSTILE["billion laughs"],
            good[:-20],  # cut short
            good,
            b"<?xml version='1.0'?> and then prose",
            good.replace(b'uid="', b"uid='", 1),  # mismatched quotes: malformed
            good,
        ]
    )
    result = parse_stream(stream)
    assert result.events == (parse_event(good),) * 3
    # The bomb's declaration and DOCTYPE are junk to the framer (CoT never has a
    # DOCTYPE), so the DTD never reaches the parser; its <event> alone is malformed
    # because the entity it uses is undefined.
    assert {error.code for error in result.errors} == {
        "truncated_event",
        "junk_between_events",
        "malformed_xml",
    }
