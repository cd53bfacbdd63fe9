"""CoT out: each party's devices are sent what is released to it, entry by entry, as CoT.

These tests read the feed functions directly (what a party's tail reads and renders), so that
what a device would receive is checked without sockets; ``test_listener`` and ``test_pytak``
check the same over real connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from liaison.cot import (
    CotEvent,
    CotFramer,
    delete_event,
    parse_event,
    serialize_event,
    serialize_events,
)
from liaison.domain.time import utcnow
from liaison.tak import kinds, outbound, tak_for
from liaison.tak.outbound import Page, Subscriber, read_page, read_snapshot
from liaison.tak.render import Rendering, type_from_symbol, unit_uid
from tests.conftest import World
from tests.picture.support import END, operation, square, unit
from tests.tak.support import drawing, position, run_async


def _events(world: World, party: str, after: int = 0) -> list[CotEvent]:
    events: list[CotEvent] = []
    cursor = after
    while True:
        cursor_after, page = read_page(world.node, party, cursor, utcnow())
        events += [e for _, r in page for e in r.events]
        if cursor_after == cursor:
            return events
        cursor = cursor_after


def test_a_party_reads_only_the_positions_released_to_it(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    tak.ingest.ingest("burrows", [position("UK-SHOWN", releasable_to="us"), position("UK-HIDDEN")])
    us = {e.uid for e in _events(sqlite_world, "us")}
    assert "UK-SHOWN" in us
    assert "UK-HIDDEN" not in us
    su = {e.uid for e in _events(sqlite_world, "su")}
    assert su == set()
    snapshot = {
        e.uid for _, r in read_snapshot(sqlite_world.node, "us", utcnow()) for e in r.events
    }
    assert snapshot == {"UK-SHOWN"}


def test_a_unit_reported_through_the_api_is_sent_with_its_stale_time(sqlite_world: World) -> None:
    report = unit(sqlite_world.node, "deane", ref="1-armd", name="1st Armored", release=["uk"])
    (event,) = [e for e in _events(sqlite_world, "uk") if e.type.startswith("a-")]
    assert event.uid == unit_uid("us", "1-armd")
    assert event.callsign == "1st Armored"
    assert event.type == type_from_symbol(report.content.body["symbol_code"])
    assert event.stale.isoformat().replace("+00:00", "Z") == "2044-07-12T20:00:00Z"


def test_a_strike_near_a_unit_reaches_the_units_party_as_a_conflict_marker_only(
    sqlite_world: World,
) -> None:
    node = sqlite_world.node
    operation(node, name="TOTALIZE", release=[])
    unit(node, name="1st Armored", release=["uk"])
    us = _events(sqlite_world, "us")
    markers = [e for e in us if e.uid.startswith("liaison.conflict.")]
    assert len(markers) == 1
    marker = markers[0]
    assert marker.type == "u-d-f"
    assert marker.how == "m-f"
    assert marker.stale.isoformat().replace("+00:00", "Z") == END
    assert "not released to you" in (marker.remarks or "")
    text = serialize_events(us).decode()
    assert "TOTALIZE" not in text
    assert "op-strike" not in text
    assert not any(e.uid.startswith("liaison.op.") for e in us)
    uk = _events(sqlite_world, "uk")
    assert any(e.uid.startswith("liaison.op.") for e in uk)
    assert any(e.uid.startswith("liaison.conflict.") for e in uk)


def test_an_amendment_not_released_to_a_party_is_not_sent_to_it(sqlite_world: World) -> None:
    node = sqlite_world.node
    first = operation(node, name="SHOWN", release=["us"])
    node.picture.amend_operation("burrows", first.id, name="AMENDED-SECRETLY", release=[])
    text = serialize_events(_events(sqlite_world, "us")).decode()
    assert "SHOWN" in text
    assert "AMENDED-SECRETLY" not in text


def test_a_cancelled_operation_and_a_withdrawn_device_unit_are_deleted(sqlite_world: World) -> None:
    node = sqlite_world.node
    op = operation(node, release=["us"], footprint=square(20.0, 20.0))
    tak = tak_for(node)
    tak.ingest.ingest("burrows", [position("ANDROID-9", releasable_to="us")])
    before = node.record.size()
    node.picture.cancel_operation("burrows", op.id)
    tak.ingest.ingest("burrows", [delete_event(uid="d", target_uid="ANDROID-9", time=utcnow())])
    _, page = read_page(node, "us", before, utcnow())
    gone = {uid for _, r in page for uid in r.gone}
    assert "ANDROID-9" in gone
    assert any(uid.startswith("liaison.op.") for uid in gone)
    assert not [e for _, r in page for e in r.events]


def test_drafts_go_to_the_own_party_only(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    tak.ingest.ingest("burrows", [drawing("uk-box", releasable_to="us")])
    assert [e.uid for e in _events(sqlite_world, "uk")] == ["uk-box"]
    assert _events(sqlite_world, "us") == []


def test_a_device_is_not_sent_its_own_position_and_gets_deletes_for_what_went() -> None:
    async def scenario() -> None:
        subscriber = Subscriber("uk", start=0, max_pending=10, own_uids={"MINE"})
        now = utcnow()
        mine = position("MINE")
        other = position("OTHER")
        subscriber.offer(Page([(1, Rendering("unit:uk/MINE", (mine,)))]), now)
        subscriber.offer(Page([(2, Rendering("unit:uk/OTHER", (other,)))]), now)
        subscriber.offer(Page([(3, Rendering("unit:uk/OTHER", ()))]), now)
        chunks = [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]
        sent = [parse_event(f) for c in chunks if c for f in _frames(c)]
        assert [e.uid for e in sent] == ["OTHER", sent[1].uid]
        assert sent[1].type == "t-x-d-d"
        assert sent[1].links[0].uid == "OTHER"

    run_async(scenario())


def test_a_slow_device_is_cut_off_not_buffered_without_limit() -> None:
    async def scenario() -> None:
        subscriber = Subscriber("uk", start=0, max_pending=3, own_uids=set())
        for n in range(5):
            rendering = Rendering(f"unit:uk/{n}", (position(f"U{n}"),))
            subscriber.offer(Page([(n + 1, rendering)]), utcnow())
        assert subscriber.overflowed
        assert subscriber.queue.qsize() == 4  # three batches, then the end

    run_async(scenario())


def test_types_from_symbols() -> None:
    assert type_from_symbol("SFGPUCI---*****") == "a-f-G-U-C-I"
    assert type_from_symbol("SHAP------*****") == "a-h-A"
    assert type_from_symbol("SUGP------*****") == "a-u-G"
    assert type_from_symbol("10031000001211000000") == "a-f-G"
    assert type_from_symbol("10061000001211000000") == "a-h-G"


def _frames(chunk: bytes) -> list[bytes]:
    return CotFramer().feed(chunk)


def test_a_device_gone_while_its_partys_tail_starts_leaves_nothing_behind(
    sqlite_world: World,
) -> None:
    from liaison.tak.outbound import OutboundHub

    async def scenario() -> None:
        hub = OutboundHub(sqlite_world.node)
        try:
            joining = asyncio.ensure_future(hub.subscribe("uk", set()))
            for _ in range(3):
                await asyncio.sleep(0)
            tail = hub._tails["uk"]
            assert not tail.ready.is_set()  # still reading the party's snapshot
            joining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await joining
            assert tail.task is not None
            # With nobody subscribed, the tail stops after its snapshot.
            await asyncio.wait_for(tail.task, timeout=10)
            assert tail.subscribers == set()
        finally:
            await hub.close()

    run_async(scenario())


def test_a_devices_event_goes_out_as_the_bytes_serialising_it_would_give(
    sqlite_world: World,
) -> None:

    tak = tak_for(sqlite_world.node)
    extra = (
        '<__group name="Cyan" role="Team Member"/>',
        '<__plugin a="1"><x>y &amp; z</x></__plugin>',
    )
    tak.ingest.ingest(
        "burrows",
        [position("UK-1", releasable_to="us", extra=extra), position("UK-2", callsign="é ü")],
    )
    for written_here in (True, False):
        if not written_here:
            kinds._WRITTEN.clear()  # read back from the store's text and parsed
        _, page = read_page(sqlite_world.node, "uk", 0, utcnow())
        units = [r for _, r in page if r.key.startswith("unit:")]
        assert {e.uid for r in units for e in r.events} == {"UK-1", "UK-2"}
        for rendering in units:
            assert rendering.wire == b"".join(serialize_event(e) for e in rendering.events)
    prepared = Page([(1, Rendering("unit:uk/x", (position("X"),), wire=b"<event/>"))])
    assert prepared.whole() == b"<event/>"


def test_a_page_cut_between_a_report_and_its_units_finds_their_events_in_the_tails_memory(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page ends after ``_PAGE`` entries, which may fall inside a batch: the units after the
    cut are rendered from the previous page's report items, with no query, and come out the
    same as when the whole batch is one page."""
    tak = tak_for(sqlite_world.node)
    tak.ingest.ingest("burrows", [position(f"UK-{n}", releasable_to="us") for n in range(40)])
    whole = read_page(sqlite_world.node, "us", 0, utcnow())[1]
    asked: list[str] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[2])
        return kinds.report_for(*args, **kwargs)

    monkeypatch.setattr(outbound, "report_for", counted)
    monkeypatch.setattr(outbound, "_PAGE", 7)
    memory: outbound.Reports = {}
    cursor, pages = 0, []
    while True:
        after, page = read_page(sqlite_world.node, "us", cursor, utcnow(), memory)
        pages += page
        if after == cursor:
            break
        cursor = after
    assert asked == []
    assert [(seq, r.key, r.wire) for seq, r in pages] == [(seq, r.key, r.wire) for seq, r in whole]
    assert len([r for _, r in pages if r.key.startswith("unit:")]) == 40
    # Without the memory, the same cut asks the store for each unit's event, and finds it.
    cursor, again = 0, []
    while True:
        after, page = read_page(sqlite_world.node, "us", cursor, utcnow())
        again += page
        if after == cursor:
            break
        cursor = after
    assert asked
    assert [(s, r.wire) for s, r in again] == [(s, r.wire) for s, r in whole]
