"""The framer cuts a CoT stream into events wherever reads fall; bad input costs only itself."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.cot import CotError, CotFramer, parse_event

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def event(uid: str = "u1", *, declaration: bool = True, padding: str = "") -> bytes:
    """A minimal valid event; ``padding`` goes into its remarks to make it bigger."""
    body = (
        f'<event version="2.0" uid="{uid}" type="a-f-G" how="m-g" '
        'time="2024-01-01T00:00:00Z" start="2024-01-01T00:00:00Z" stale="2024-01-01T00:05:00Z">'
        '<point lat="1" lon="2" hae="0" ce="1" le="1"/>'
        f"<detail><remarks>{padding}</remarks></detail></event>"
    ).encode()
    return (DECLARATION if declaration else b"") + body


def feed_all(framer: CotFramer, chunks: Sequence[bytes]) -> list[bytes]:
    frames: list[bytes] = []
    for chunk in chunks:
        frames += framer.feed(chunk)
    return frames


def codes(errors: Sequence[CotError]) -> list[str]:
    return [error.code for error in errors]


def test_concatenated_events_come_out_one_by_one() -> None:
    stream = event("a") + event("b") + event("c", declaration=False)
    framer = CotFramer()
    assert framer.feed(stream) == [event("a"), event("b"), event("c", declaration=False)]
    assert framer.take_errors() == []
    assert framer.pending_bytes == 0


def test_an_event_split_at_every_byte_is_reassembled() -> None:
    stream = event("a") + b"\n" + event("b", declaration=False) + b"\r\n"
    for cut in range(1, len(stream)):
        framer = CotFramer()
        frames = feed_all(framer, [stream[:cut], stream[cut:]])
        assert frames == [event("a"), event("b", declaration=False)], cut
        assert framer.close() == [], cut


def test_an_event_fed_byte_by_byte_is_reassembled() -> None:
    stream = event("a") + event("b")
    framer = CotFramer()
    frames = feed_all(framer, [stream[i : i + 1] for i in range(len(stream))])
    assert frames == [event("a"), event("b")]


def test_whitespace_and_byte_order_marks_between_events_are_not_errors() -> None:
    stream = b"\n\r\n  \t" + event("a") + b"\n\n" + b"\xef\xbb\xbf" + event("b") + b"\n"
    framer = CotFramer()
    assert framer.feed(stream) == [event("a"), event("b")]
    assert framer.close() == []


def test_an_end_tag_with_whitespace_ends_the_event() -> None:
    raw = event("a").replace(b"</event>", b"</event \n>")
    assert CotFramer().feed(raw + event("b")) == [raw, event("b")]


def test_junk_between_events_is_reported_once_and_skipped() -> None:
    stream = event("a") + b"receive[source=10.0.0.1:4242]\n" + event("b") + b"}\n"
    framer = CotFramer()
    assert framer.feed(stream) == [event("a"), event("b")]
    errors = framer.close()
    assert codes(errors) == ["junk_between_events", "junk_between_events"]
    assert errors[0].offset == len(event("a"))
    assert "receive[source=" in errors[0].message


def test_junk_dribbled_in_many_reads_is_one_error() -> None:
    junk = b"not cot at all, " * 20
    framer = CotFramer()
    feed_all(framer, [junk[i : i + 3] for i in range(0, len(junk), 3)])
    assert framer.feed(event("a")) == [event("a")]
    assert codes(framer.take_errors()) == ["junk_between_events"]


def test_a_truncated_event_does_not_swallow_the_next() -> None:
    cut = event("a")[:-40]
    framer = CotFramer()
    assert framer.feed(cut + b"\n" + event("b") + cut + event("c", declaration=False)) == [
        event("b"),
        event("c", declaration=False),
    ]
    errors = framer.take_errors()
    assert codes(errors) == ["truncated_event", "truncated_event"]
    assert errors[0].offset == 0


def test_a_declaration_cut_short_does_not_swallow_the_next_event() -> None:
    framer = CotFramer()
    assert framer.feed(b'<?xml version="1.0"' + event("b")) == [event("b")]
    assert codes(framer.take_errors()) == ["junk_between_events"]


def test_a_declaration_followed_by_prose_is_junk() -> None:
    framer = CotFramer()
    assert framer.feed(b"see <?xml ... ?> in the notes\n" + event("b")) == [event("b")]
    assert codes(framer.take_errors()) == ["junk_between_events"]


def test_a_comment_after_the_declaration_costs_the_declaration_not_the_event() -> None:
    bare = event("b", declaration=False)
    framer = CotFramer()
    assert framer.feed(DECLARATION + b"<!-- hello -->\n" + bare) == [bare]
    assert codes(framer.take_errors()) == ["junk_between_events"]
    assert parse_event(bare).uid == "b"


def test_an_oversize_event_is_skipped_without_being_buffered() -> None:
    limit = 1000
    big = event("big", padding="x" * 5000)
    framer = CotFramer(max_event_bytes=limit)
    frames: list[bytes] = []
    for i in range(0, len(big), 100):
        frames += framer.feed(big[i : i + 100])
        assert framer.pending_bytes <= limit + 100
    frames += framer.feed(event("small"))
    assert frames == [event("small")]
    assert codes(framer.take_errors()) == ["event_too_large"]


def test_an_oversize_event_in_one_read_is_skipped() -> None:
    framer = CotFramer(max_event_bytes=1000)
    stream = event("big", padding="x" * 5000) + event("small")
    assert framer.feed(stream) == [event("small")]
    assert codes(framer.take_errors()) == ["event_too_large"]


def test_an_oversize_event_that_never_ends_gives_way_to_the_next() -> None:
    framer = CotFramer(max_event_bytes=1000)
    endless = event("big", padding="x" * 5000)[:-30]
    frames = feed_all(framer, [endless[i : i + 512] for i in range(0, len(endless), 512)])
    frames += framer.feed(event("small"))
    assert frames == [event("small")]
    assert codes(framer.take_errors()) == ["event_too_large"]


def test_a_tiny_event_limit_still_makes_progress() -> None:
    framer = CotFramer(max_event_bytes=1)
    assert framer.feed(event("a") * 3) == []
    assert codes(framer.take_errors()) == ["event_too_large"] * 3


def test_the_connection_limit_refuses_the_chunk_and_closes() -> None:
    framer = CotFramer(max_connection_bytes=len(event("a")) + 10)
    assert framer.feed(event("a")) == [event("a")]
    with pytest.raises(CotError) as over:
        framer.feed(event("b"))
    assert over.value.code == "connection_limit"
    assert framer.closed
    with pytest.raises(CotError) as again:
        framer.feed(b"\n")
    assert again.value.code == "connection_limit"


def test_too_many_errors_returns_the_events_before_the_last_straw_then_closes() -> None:
    framer = CotFramer(max_errors=2)
    stream = b"junk1" + event("a") + b"junk2" + event("b") + b"junk3" + event("c")
    assert framer.feed(stream) == [event("a"), event("b")]
    assert codes(framer.take_errors()) == ["junk_between_events"] * 3 + ["too_many_errors"]
    with pytest.raises(CotError) as closed:
        framer.feed(event("d"))
    assert closed.value.code == "too_many_errors"


def test_close_reports_an_unfinished_event_and_refuses_more() -> None:
    framer = CotFramer()
    assert framer.feed(event("a") + event("b")[:50]) == [event("a")]
    errors = framer.close()
    assert codes(errors) == ["truncated_event"]
    assert errors[0].offset == len(event("a"))
    with pytest.raises(CotError) as closed:
        framer.feed(event("c"))
    assert closed.value.code == "framer_closed"
    assert framer.close() == []


def test_close_reports_trailing_junk() -> None:
    framer = CotFramer()
    framer.feed(event("a") + b"<ev")
    assert codes(framer.close()) == ["junk_between_events"]


def test_an_element_whose_name_starts_with_event_is_not_a_start() -> None:
    framer = CotFramer()
    raw = event("a").replace(b"<remarks>", b"<eventual/><remarks>")
    assert framer.feed(raw) == [raw]


def test_frames_are_bytes_that_parse() -> None:
    frames = CotFramer().feed(event("a") + event("b", declaration=False))
    assert [parse_event(frame).uid for frame in frames] == ["a", "b"]


# -- property: however the reads fall, the same events come out --------------------

uids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.:", min_size=1, max_size=12)
junk = st.text(alphabet=st.characters(blacklist_characters="<", codec="utf-8"), max_size=40).map(
    str.encode
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], bytes]:
    """A stream of good events, junk and truncated events; returns (good events, stream)."""
    good: list[bytes] = []
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        choice = draw(st.sampled_from(["event", "event", "junk", "cut", "space"]))
        raw = event(draw(uids), declaration=draw(st.booleans()))
        if choice == "event":
            good.append(raw)
            parts.append(raw)
        elif choice == "junk":
            parts.append(draw(junk))
        elif choice == "cut":
            parts.append(raw[: draw(st.integers(1, len(raw) - len(b"</event>")))])
            # A cut event is only known to be cut when the next one starts.
            raw_next = event(draw(uids))
            good.append(raw_next)
            parts.append(raw_next)
        else:
            parts.append(draw(st.sampled_from([b"\n", b"\r\n", b"  ", b"\xef\xbb\xbf"])))
    return good, b"".join(parts)


@settings(max_examples=300, deadline=None)
@given(streams(), st.lists(st.integers(0, 2000), max_size=10))
def test_reads_cut_anywhere_give_the_same_events(
    case: tuple[list[bytes], bytes], cuts: list[int]
) -> None:
    good, stream = case
    positions = sorted({min(c, len(stream)) for c in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *positions], [*positions, len(stream)], strict=True)]
    framer = CotFramer()
    assert feed_all(framer, chunks) == good
    framer.close()
    one_shot = CotFramer()
    assert one_shot.feed(stream) == good
