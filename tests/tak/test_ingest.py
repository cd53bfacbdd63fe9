"""CoT events onto the record: positions, drafts, deletes, pings, release, and every sample.

The sample table below is the TAK decision for each real sample in ``shared/interop/cot``
(the CoT layer's own table, in ``tests/cot/test_cot_samples.py``, says which parse): every
valid event is ingested — recorded, or answered, or deliberately not recorded — and every
refusal names its code.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.cot import CotError, parse_event, parse_stream
from liaison.domain.time import parse_time
from liaison.errors import NotFound
from liaison.store.queries import EntryFilter
from liaison.tak import REPORT, Tak, tak_for, unit_id_of
from liaison.tak.mapping import _number
from tests.conftest import World
from tests.tak.support import drawing, now, ping, position

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"

# (file, action, draft shape or None, why)
SAMPLE_ACTIONS = [
    ("Drawing_Shapes-Free_Form.cot", "drafted", "polygon", "a closed u-d-f is a draft area"),
    ("Drawing_Shapes-Rectangle.cot", "drafted", "rectangle", "u-d-r: a draft area"),
    ("Geo_Fence.cot", "drafted", "circle", "u-d-c-c: a draft circle; the geofence kept"),
    ("Marker-2525.cot", "drafted", "marker", "a hand-placed a-u-G: a draft marker"),
    ("Route.cot", "drafted", "route", "b-m-r: a draft route"),
    ("ProtoAndCotMessageConversionTests_SA.xml", "reported", None, "ATAK position report"),
    ("ProtoAndCotMessageConversionTests_CHAT_TO_MISSION.xml", "ignored", None, "chat"),
    ("Range_and_Bearing-Line.cot", "ignored", None, "a measuring line, not a drawing"),
]  # fmt: skip

# atakcotcaptures.txt: 17 events: 13 positions of 9 devices (one device reports three times,
# two report twice), 3 file transfers and 1 chat (see the CoT layer's table). Sent as one
# batch, the 4 earlier reports of a device are coalesced: kept in the report entry only.
CAPTURE_ACTIONS = Counter({"reported": 9, "coalesced": 4, "ignored": 4})


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "action", "shape", "why"), SAMPLE_ACTIONS, ids=[r[0] for r in SAMPLE_ACTIONS]
)
def test_every_valid_sample_is_ingested(
    tak: Tak, name: str, action: str, shape: str | None, why: str
) -> None:
    (outcome,) = tak.ingest.ingest("burrows", [parse_event(_sample(name))])
    assert outcome.action == action, (why, outcome)
    if shape is not None:
        (draft,) = tak.drafts.drafts("uk")
        assert draft["shape"] == shape
        assert draft["uid"] == outcome.uid


def test_the_captures_are_ingested_and_their_warts_recorded(tak: Tak) -> None:
    events = parse_stream(_sample("atakcotcaptures.txt")).events
    outcomes = tak.ingest.ingest("burrows", list(events))
    assert Counter(o.action for o in outcomes) == CAPTURE_ACTIONS
    assert {o.code for o in outcomes if o.action == "ignored"} == {"not_recorded"}
    reports = tak.node.record.list("uk", EntryFilter(kind=REPORT, limit=100))
    warned = {
        w.split(":")[0]
        for r in reports
        for item in r.content.body["reports"]
        for w in item["warnings"]
    }
    assert {"declared_encoding_ignored", "time_fraction_digits", "start_before_time"} <= warned


def test_the_data_package_manifest_is_refused_by_the_parser() -> None:
    with pytest.raises(CotError) as refused:
        parse_event(_sample("pytak-data-package-manifest.xml"))
    assert refused.value.code == "not_an_event"


def test_a_position_becomes_a_unit_report_of_the_members_party(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    extra = ('<__group name="Cyan" role="Team Member"/>', '<track course="90.5" speed="3.2"/>')
    event = position("ANDROID-42", callsign="EAGLE", extra=extra)
    (outcome,) = tak.ingest.ingest("burrows", [event])
    assert outcome.action == "reported"
    (unit,) = sqlite_world.node.picture.units("uk")
    assert unit["unit"] == "ANDROID-42"
    assert unit["party"] == "uk"
    assert unit["name"] == "EAGLE"
    assert unit["symbol_code"] == "SFGPUC----*****"
    assert unit["position"]["coordinates"] == [10.0, 50.0]
    assert unit["heading_deg"] == 90.5
    assert unit["speed_mps"] == 3.2
    assert unit["release"] == ["uk"]  # no releasableTo: the party's default, none
    (report,) = sqlite_world.node.record.list("uk", EntryFilter(kind=REPORT))
    (item,) = report.content.body["reports"]
    assert (item["unit"], item["time"]) == ("ANDROID-42", unit["time"])
    kept = parse_event(item["event"].encode())
    assert kept == event  # every detail child, hae/ce/le, how: all of it
    assert '<__group name="Cyan" role="Team Member"></__group>' in kept.detail
    assert report.content.release == ("uk",)


def test_reports_of_one_unit_in_one_batch_are_all_kept_and_the_latest_is_the_picture(
    sqlite_world: World,
) -> None:
    tak = tak_for(sqlite_world.node)
    start = now()
    track = [
        position("TRACK", lat=50.0 + n * 0.001, at=start + timedelta(seconds=n)) for n in (2, 0, 1)
    ]
    outcomes = tak.ingest.ingest("burrows", track)
    assert [o.action for o in outcomes] == ["reported", "coalesced", "coalesced"]
    (unit,) = sqlite_world.node.picture.units("uk")
    assert unit["position"]["coordinates"] == [10.0, 50.002]  # the latest by time
    (report,) = sqlite_world.node.record.list("uk", EntryFilter(kind=REPORT))
    kept = [parse_event(item["event"].encode()) for item in report.content.body["reports"]]
    assert kept == track  # every event is on the record, in the order received
    assert {o.entries[0] for o in outcomes[1:]} == {report.id}


def test_an_odd_uid_gets_a_stable_unit_id() -> None:
    assert unit_id_of("ANDROID-48:5A:3F:49:93:24") == "ANDROID-48:5A:3F:49:93:24"
    odd = unit_id_of("Bob's phone")
    assert odd.startswith("cot-")
    assert odd == unit_id_of("Bob's phone")
    assert len(odd) == 28
    # "$" alone would let a final newline through as a unit id of its own
    assert unit_id_of("A-1\n").startswith("cot-")


def test_releasable_to_names_the_parties_released_to(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    tak.ingest.ingest("burrows", [position("A-1", releasable_to="US, su")])
    (unit,) = sqlite_world.node.picture.units("us")
    assert unit["release"] == ["su", "uk", "us"]
    assert sqlite_world.node.picture.units("su")


@pytest.mark.parametrize(
    ("releasable_to", "caveat", "code"),
    [
        ("us fr", None, "unknown_party"),
        ("*", None, "release_forbidden"),
        ("us", "NOFORN", "contradictory_release"),
    ],
)
def test_a_release_that_cannot_be_honoured_is_refused(
    sqlite_world: World, releasable_to: str, caveat: str | None, code: str
) -> None:
    tak = tak_for(sqlite_world.node)
    (outcome,) = tak.ingest.ingest(
        "burrows", [position(releasable_to=releasable_to, caveat=caveat)]
    )
    assert (outcome.action, outcome.code) == ("refused", code)
    assert sqlite_world.node.picture.units("uk") == []


def test_noforn_and_an_empty_releasable_to_mean_own_party_only(sqlite_world: World) -> None:
    node = sqlite_world.node
    node.roster.add_party("fr", "France", default_release=["uk"])
    node.roster.appoint("koenig", "fr", "Koenig", "officer", {"topics": ["coordination"]})
    tak = tak_for(node)
    tak.ingest.ingest("koenig", [position("F-1")])
    tak.ingest.ingest("koenig", [position("F-2", caveat="NOFORN")])
    tak.ingest.ingest("koenig", [position("F-3", releasable_to="")])
    assert [u["unit"] for u in node.picture.units("uk")] == ["F-1"]  # the party's default
    assert len(node.picture.units("fr")) == 3


def test_a_bad_event_does_not_cost_the_good_ones_beside_it(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    events = [
        position("good-1"),
        position("bad", releasable_to="narnia"),
        position("good-2", stale_s=-5),  # stale before time: a delete of itself
        position("good-3"),
    ]
    outcomes = tak.ingest.ingest("burrows", events)
    assert [o.action for o in outcomes] == ["reported", "refused", "refused", "reported"]
    assert outcomes[2].code == "nothing_to_delete"
    assert {u["unit"] for u in sqlite_world.node.picture.units("uk")} == {"good-1", "good-3"}


def test_a_member_without_the_role_or_revoked_is_refused_event_by_event(
    sqlite_world: World,
) -> None:
    tak = tak_for(sqlite_world.node)
    (outcome,) = tak.ingest.ingest("watcher", [position()])  # an observer
    assert outcome.code == "refused"
    assert "not-permitted" in (outcome.message or "")
    sqlite_world.node.roster.revoke("burrows", "recalled")
    outcomes = tak.ingest.ingest("burrows", [position(), ping()])
    assert outcomes[0].action == "refused"
    assert outcomes[1].action == "answered"  # a ping still gets its pong
    assert sqlite_world.node.picture.units("uk") == []


def test_a_ping_is_answered_and_nothing_recorded(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    size = sqlite_world.node.record.size()
    (outcome,) = tak.ingest.ingest("burrows", [ping()])
    assert outcome.action == "answered"
    assert outcome.reply is not None
    assert parse_event(outcome.reply).type == "t-x-c-t-r"
    assert sqlite_world.node.record.size() == size


def test_a_drawing_is_a_draft_for_the_own_party_only(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    (outcome,) = tak.ingest.ingest("burrows", [drawing("box", releasable_to="us")])
    assert outcome.action == "drafted"
    (draft,) = tak.drafts.drafts("uk")
    assert draft["release"] == ["us"]  # kept for the confirmation
    entry = sqlite_world.node.record.get("uk", draft["entry"])
    assert entry.content.release == ("uk",)
    assert tak.drafts.drafts("us") == []
    with pytest.raises(NotFound):
        tak.drafts.draft("us", draft["id"])


def test_a_redrawn_shape_updates_its_draft_and_a_resent_one_changes_nothing(
    sqlite_world: World,
) -> None:
    tak = tak_for(sqlite_world.node)
    first = tak.ingest.ingest("burrows", [drawing("box")])[0]
    again = tak.ingest.ingest("burrows", [drawing("box")])[0]
    assert again.action == "unchanged"
    assert again.entries == first.entries
    bigger = tak.ingest.ingest("burrows", [drawing("box", size=0.02)])[0]
    assert bigger.action == "updated"
    (draft,) = tak.drafts.drafts("uk")
    assert draft["entry"] == bigger.entries[0]
    assert draft["id"] == first.entries[0]  # the draft's identity is its first version


def test_a_delete_closes_a_draft_or_makes_a_unit_stale(sqlite_world: World) -> None:
    node = sqlite_world.node
    tak = tak_for(node)
    tak.ingest.ingest("burrows", [drawing("box"), position("ANDROID-7", releasable_to="us")])
    from liaison.cot import delete_event

    outcomes = tak.ingest.ingest(
        "burrows",
        [
            delete_event(uid="d1", target_uid="box", time=now()),
            delete_event(uid="d2", target_uid="ANDROID-7", time=now()),
            delete_event(uid="d3", target_uid="nothing-here", time=now()),
        ],
    )
    assert [o.action for o in outcomes] == ["deleted", "deleted", "refused"]
    assert outcomes[2].code == "nothing_to_delete"
    assert tak.drafts.drafts("uk") == []
    (closed,) = tak.drafts.drafts("uk", closed=True)
    assert closed["state"] == "deleted"
    assert node.picture.units("us", window=None)[0]["supersedes"] is not None
    moment = datetime.now(UTC)
    current = [u for u in node.picture.units("us") if parse_time(u["stale_time"]) > moment]
    assert current == []


def test_another_party_cannot_delete_or_touch_a_partys_things(sqlite_world: World) -> None:
    tak = tak_for(sqlite_world.node)
    tak.ingest.ingest("burrows", [drawing("box"), position("ANDROID-7", releasable_to="us")])
    from liaison.cot import delete_event

    outcomes = tak.ingest.ingest(
        "deane",
        [
            delete_event(uid="d1", target_uid="box", time=now()),
            delete_event(uid="d2", target_uid="ANDROID-7", time=now()),
        ],
    )
    assert [o.code for o in outcomes] == ["nothing_to_delete", "nothing_to_delete"]
    # The same uid from a us device is a us unit: it never moves the uk one.
    tak.ingest.ingest("deane", [position("ANDROID-7", lat=51.0)])
    uk = [u for u in sqlite_world.node.picture.units("uk") if u["party"] == "uk"]
    assert uk[0]["position"]["coordinates"] == [10.0, 50.0]


def _reference_number(text: str | None, low: int, high: int) -> float | None:
    """A course or speed as the mapping read it before its fast path: through Decimal."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    return float(value)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,12})?", fullmatch=True),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        st.text(max_size=8),
        st.sampled_from(["360", "360.000000001", "359.999999999", "99999.000000001", " 5", "1_0"]),
    ),
    st.sampled_from([(0, 360), (0, 99_999)]),
)
def test_a_course_or_speed_reads_as_through_decimal(text: str, bounds: tuple[int, int]) -> None:
    assert _number(text, *bounds) == _reference_number(text, *bounds)
