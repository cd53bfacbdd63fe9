"""A device's share of a page is the same whether the page is taken whole or one by one.

``Subscriber.offer`` takes a plain page (every rendering has events, nothing to delete) with a
few set operations and the page's shared bytes; these tests hold it to the per-rendering rule
it replaces, written out here on its own: skip entries before the device joined and the
device's own positions, send each thing's events, and delete the uids a thing no longer has.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.cot import CotEvent, serialize_event
from liaison.domain.time import utcnow
from liaison.tak.outbound import Page, Subscriber
from liaison.tak.render import Rendering, delete_events
from tests.tak.support import position

_UIDS = ("A", "B", "C", "D")
_EVENTS = {uid: position(uid) for uid in _UIDS}
_KEYS = ("unit:uk/a", "unit:uk/b", "unit:us/c", "op:x", "draft:y")


def _reference(
    sent: dict[str, set[str]],
    own: set[str],
    start: int,
    page: list[tuple[int, Rendering]],
    now: datetime,
) -> bytes:
    """The per-rendering rule, as a model."""
    out: list[CotEvent] = []
    for seq, rendering in page:
        if seq <= start:
            continue
        if rendering.key.startswith("unit:") and any(e.uid in own for e in rendering.events):
            continue
        uids = {e.uid for e in rendering.events}
        before = sent.pop(rendering.key, set())
        if uids:
            sent[rendering.key] = uids
        gone = (before | set(rendering.gone)) - uids
        out += [*rendering.events, *delete_events(sorted(gone), now)]
    return b"".join(serialize_event(e) for e in out)


renderings = st.builds(
    lambda key, uids, gone: Rendering(key, tuple(_EVENTS[u] for u in uids), tuple(gone)),
    st.sampled_from(_KEYS),
    st.lists(st.sampled_from(_UIDS), max_size=2, unique=True),
    st.lists(st.sampled_from(_UIDS), max_size=1),
)
# Mostly plain pages (events, nothing to delete), so that the fast path is exercised.
plain = st.builds(
    lambda key, uid: Rendering(key, (_EVENTS[uid],)),
    st.sampled_from(_KEYS),
    st.sampled_from(_UIDS),
)
pages = st.lists(st.lists(st.one_of(plain, plain, plain, renderings), max_size=6), max_size=6)


@settings(max_examples=400, deadline=None)
@given(pages, st.sets(st.sampled_from(_UIDS), max_size=2), st.integers(0, 4))
def test_a_page_taken_whole_sends_what_one_by_one_would(
    contents: list[list[Rendering]], own: set[str], start: int
) -> None:
    now = utcnow()
    subscriber = Subscriber("uk", start=start, max_pending=100, own_uids=set(own))
    model: dict[str, set[str]] = {}
    seq = 0
    for content in contents:
        page = []
        for rendering in content:
            seq += 1
            page.append((seq, rendering))
        expected = _reference(model, own, start, page, now)
        before = subscriber.queue.qsize()
        subscriber.offer(Page(page), now)
        got = subscriber.queue.get_nowait() if subscriber.queue.qsize() > before else b""
        assert got == expected
        assert {k: set(v) for k, v in subscriber.sent.items()} == model


def test_a_plain_page_is_serialised_once_for_every_device() -> None:
    now = utcnow()
    page = Page([(n + 1, Rendering(f"unit:uk/{u}", (_EVENTS[u],))) for n, u in enumerate("AB")])
    assert page.plain
    devices = [Subscriber("uk", start=0, max_pending=10) for _ in range(3)]
    mine = Subscriber("uk", start=0, max_pending=10, own_uids={"A"})
    for device in [*devices, mine]:
        device.offer(page, now)
    chunks = [d.queue.get_nowait() for d in devices]
    assert all(chunk is chunks[0] for chunk in chunks)  # one bytes object, shared
    assert chunks[0] == serialize_event(_EVENTS["A"]) + serialize_event(_EVENTS["B"])
    assert mine.queue.get_nowait() == serialize_event(_EVENTS["B"])
    assert "unit:uk/A" not in mine.sent  # its own position was not sent to it


def test_a_thing_sent_under_other_uids_is_deleted_from_a_plain_page() -> None:
    now = utcnow()
    device = Subscriber("uk", start=0, max_pending=10)
    device.offer(Page([(1, Rendering("unit:uk/a", (_EVENTS["A"],)))]), now)
    device.offer(Page([(2, Rendering("unit:uk/a", (_EVENTS["B"],)))]), now)
    device.queue.get_nowait()
    second = device.queue.get_nowait()
    assert second == serialize_event(_EVENTS["B"]) + b"".join(
        serialize_event(e) for e in delete_events(["A"], now)
    )
