"""Obligations checked against the record, on SQLite and PostgreSQL, from the seeds.

Every check trusts the node's append times; the tests move the node's clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from liaison.errors import NotFound
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.record import AppendRequest
from tests.agreements.support import Desk, square, terms

SELF_DENYING = {
    "id": "self-denying",
    "rule": "consult_before",
    "party": "uk",
    "topic": "diplomacy",
    "lead": "P3D",
}


@pytest.fixture
def treaty(desk: Desk) -> str:
    """The Anglo-Soviet Treaty of 1942 with its self-denying ordinance, binding."""
    desk.appoint("nincic", "yu", "plenipotentiary", ["*"])
    body = terms("Anglo-Soviet Treaty", ["uk", "su"], "diplomacy", SELF_DENYING)
    return desk.agree("eden", body, ["eden", "molotov"]).id


def yugoslav_agreement(desk: Desk, consult: list[str], wait: timedelta) -> str:
    body = terms("Anglo-Yugoslav agreement", ["uk", "yu"], "diplomacy.balkans")
    draft = desk.svc.draft("eden", body)
    desk.svc.consult("eden", draft.id, consult)
    desk.clock.advance(seconds=wait.total_seconds())
    desk.sign("nincic", draft.id)
    desk.sign("eden", draft.id)
    return draft.id


def test_a_bilateral_arrangement_with_a_government_in_exile_without_consulting_is_a_breach(
    desk: Desk, treaty: str
) -> None:
    desk.clock.advance(days=1)
    arrangement = yugoslav_agreement(desk, ["yu"], timedelta(days=3))
    assert desk.svc.status("yu", arrangement).binding
    [breach] = desk.svc.breaches("su")
    body = breach.breach.content.body
    assert body["rule"] == "consult_before"
    assert body["agreement"] == treaty
    assert body["party"] == "uk"
    assert "without consulting su at least P3D before" in body["missing"]
    completing = desk.svc.status("uk", arrangement).bound
    assert completing is not None
    assert body["evidence"] == [
        {"entry": completing.entry, "seq": completing.seq, "role": "arrangement"}
    ]
    assert breach.breach.content.author == "node"
    assert breach.breach.content.release == ("su", "uk")
    # Released to the treaty's parties only: the Yugoslavs and the Americans see nothing.
    assert desk.svc.breaches("yu") == []
    assert desk.svc.breaches("us") == []
    # Checking again finds it again but records it once.
    report = desk.svc.check()
    assert [f.key for f in report.findings] == [body["key"]]
    assert report.recorded == ()
    assert len(desk.svc.breaches("uk")) == 1


def test_with_a_consultation_released_three_days_before_it_is_not(desk: Desk, treaty: str) -> None:
    desk.clock.advance(days=1)
    arrangement = yugoslav_agreement(desk, ["su", "yu"], timedelta(days=3))
    assert desk.svc.status("uk", arrangement).binding
    assert desk.svc.breaches("su") == []
    assert desk.svc.check().findings == ()


def test_a_consultation_too_late_is_named_in_the_breach(desk: Desk, treaty: str) -> None:
    desk.clock.advance(days=1)
    yugoslav_agreement(desk, ["su", "yu"], timedelta(days=2))
    [breach] = desk.svc.breaches("su")
    roles = [e["role"] for e in breach.breach.content.body["evidence"]]
    assert roles == ["arrangement", "consultation too late"]


def test_a_message_that_is_an_arrangement_counts_and_cites_what_was_consulted(
    desk: Desk, treaty: str
) -> None:
    desk.clock.advance(days=1)
    desk.arrangement("kerr", "diplomacy.balkans", ["uk", "yu"])
    assert len(desk.svc.breaches("su")) == 1
    proposal = desk.svc.draft("eden", terms("Exchange of notes", ["uk", "yu"], "diplomacy.balkans"))
    desk.svc.consult("eden", proposal.id, ["su"])
    desk.clock.advance(days=4)
    desk.arrangement("kerr", "diplomacy.balkans", ["uk", "yu"], agreement=proposal.id)
    assert len(desk.svc.breaches("su")) == 1
    # Outside the topic, or with no party outside the treaty, the duty does not apply.
    desk.arrangement("kerr", "diplomacy", ["uk", "su"])
    assert len(desk.svc.breaches("su")) == 1


def test_consultation_reaching_the_soviet_union_three_days_after_the_united_states_breaches(
    desk: Desk,
) -> None:
    rule = {
        "id": "simultaneous",
        "rule": "consult_simultaneously",
        "party": "uk",
        "topic": "diplomacy",
        "parties": ["us", "su"],
        "within": "P1D",
    }
    declaration = desk.agree(
        "eden",
        terms("Moscow declaration", ["uk", "us", "su"], "diplomacy", rule),
        ["eden", "harriman", "molotov"],
    )
    draft = desk.svc.draft("eden", terms("Polish frontier", ["uk", "pl"], "diplomacy.poland"))
    desk.svc.consult("eden", draft.id, ["us"])
    desk.clock.advance(days=3)
    late = desk.svc.consult("eden", draft.id, ["su"])
    [breach] = desk.svc.breaches("us")
    body = breach.breach.content.body
    assert body["agreement"] == declaration.id
    assert body["rule"] == "consult_simultaneously"
    assert "reached su 3 days after it reached us" in body["missing"]
    assert body["evidence"][-1] == {"entry": late.id, "seq": late.seq, "role": "consultation of su"}


def test_consultations_within_the_allowed_spread_are_simultaneous_and_silence_is_a_breach(
    desk: Desk,
) -> None:
    rule = {
        "id": "simultaneous",
        "rule": "consult_simultaneously",
        "party": "uk",
        "topic": "diplomacy",
        "parties": ["us", "su"],
        "within": "P1D",
    }
    desk.agree(
        "eden",
        terms("Moscow declaration", ["uk", "us", "su"], "diplomacy", rule),
        ["eden", "harriman", "molotov"],
    )
    first = desk.svc.draft("eden", terms("Italian armistice", ["uk", "us"], "diplomacy.italy"))
    desk.svc.consult("eden", first.id, ["us"])
    desk.clock.advance(hours=12)
    desk.svc.consult("eden", first.id, ["su"])
    assert desk.svc.breaches("su") == []
    second = desk.svc.draft("eden", terms("Balkan note", ["uk", "us"], "diplomacy.balkans"))
    desk.svc.consult("eden", second.id, ["us"])
    desk.clock.advance(hours=23)
    assert desk.svc.check().findings == ()
    desk.clock.advance(hours=2)
    report = desk.svc.check()
    [finding] = report.findings
    assert finding.missing == "su was not consulted within P1D of us"
    assert len(report.recorded) == 1
    assert len(desk.svc.breaches("su")) == 1


def military(desk: Desk, *obligations: dict[str, object]) -> str:
    body = terms("Air coordination", ["uk", "su"], "coordination", *obligations)
    return desk.agree("eden", body, ["eden", "molotov"]).id


def test_an_operation_entering_the_area_without_notice_in_time_is_a_breach(desk: Desk) -> None:
    area = square(20, 45)
    military(
        desk,
        {
            "id": "notify-strikes",
            "rule": "notify_before",
            "party": "su",
            "notify": ["uk"],
            "kinds": ["air_strike"],
            "lead": "PT24H",
            "area": area,
        },
    )
    # The duty covers operations whose deadline falls after the agreement binds.
    now = desk.clock.advance(days=2)
    # Released to the British, but only 12 hours before it starts: too late.
    late = desk.operation("slavin", ["air_strike"], now + timedelta(hours=12), area, ["uk"])
    [breach] = desk.svc.breaches("uk")
    body = breach.breach.content.body
    assert body["rule"] == "notify_before"
    assert body["evidence"][0]["entry"] == late.id
    assert "uk not notified at least P1D before the operation enters the area" in body["missing"]
    # Two days ahead, elsewhere, or of another kind: no breach.
    desk.operation("slavin", ["air_strike"], now + timedelta(days=2), area, ["uk"])
    desk.operation("slavin", ["air_strike"], now + timedelta(hours=1), square(0, 0), [])
    desk.operation("slavin", ["convoy"], now + timedelta(hours=1), area, [])
    assert len(desk.svc.breaches("uk")) == 1
    # Not released to the British at all: a breach once the deadline passes.
    silent = desk.operation("slavin", ["air_strike"], now + timedelta(days=2), area, [])
    assert len(desk.svc.breaches("uk")) == 1
    desk.clock.advance(days=1, hours=1)
    report = desk.svc.check()
    assert [f.evidence[0][0].entry for f in report.findings][-1] == silent.id
    assert len(desk.svc.breaches("su")) == 2


def test_operations_beyond_the_line_or_in_the_area_during_the_period_breach_keep_out(
    desk: Desk,
) -> None:
    e7 = 10_000_000
    bomb_line = {"type": "LineString", "coordinates_e7": [[20 * e7, 40 * e7], [20 * e7, 50 * e7]]}
    now = desk.clock()
    military(
        desk,
        {
            "id": "bomb-line",
            "rule": "keep_out",
            "party": "uk",
            "kinds": ["air_strike"],
            "line": bomb_line,
            "beyond": "east",
        },
        {
            "id": "no-fly",
            "rule": "keep_out",
            "party": "uk",
            "kinds": ["air_drop"],
            "area": square(30, 45),
            "until": (now + timedelta(days=10)).isoformat(),
        },
    )
    east = desk.operation("burrows", ["air_strike"], now + timedelta(days=1), square(22, 44), [])
    desk.operation("burrows", ["air_strike"], now + timedelta(days=1), square(15, 44), [])
    desk.operation("burrows", ["air_drop"], now + timedelta(days=11), square(30, 45), [])
    drop = desk.operation("burrows", ["air_drop"], now + timedelta(days=2), square(30, 45), [])
    keys = sorted(b.breach.content.body["obligation"] for b in desk.svc.breaches("su"))
    assert keys == ["bomb-line", "no-fly"]
    cited = {b.breach.content.body["evidence"][0]["entry"] for b in desk.svc.breaches("uk")}
    assert cited == {east.id, drop.id}


def test_breaches_can_be_disputed_on_the_record(desk: Desk, treaty: str) -> None:
    desk.clock.advance(days=1)
    yugoslav_agreement(desk, ["yu"], timedelta(hours=1))
    [breach] = desk.svc.breaches("uk")
    dispute = desk.svc.dispute("kerr", breach.breach.id, "Moscow was told through the embassy.")
    assert dispute.content.release == ("su", "uk")
    [seen] = desk.svc.breaches("su")
    assert [d.id for d in seen.disputes] == [dispute.id]
    assert seen.to_json()["disputes"][0]["reasons"] == "Moscow was told through the embassy."
    with pytest.raises(NotFound):
        desk.svc.dispute("nincic", breach.breach.id, "Not ours to answer.")
    live = dump_projections(desk.world.node.store)
    rebuild_projections(desk.world.node.store)
    assert dump_projections(desk.world.node.store) == live


def test_a_report_for_a_period_shows_a_party_only_its_own_agreements(
    desk: Desk, treaty: str
) -> None:
    desk.clock.advance(days=1)
    start = desk.clock()
    yugoslav_agreement(desk, ["yu"], timedelta(hours=1))
    end = desk.clock()
    assert len(desk.svc.check(start, end, reader="su").findings) == 1
    assert desk.svc.check(start, end, reader="us").findings == ()
    assert desk.svc.check(end + timedelta(seconds=1), None, write=False).findings == ()
    report = desk.svc.check(start, end, reader="uk", write=False).to_json()
    assert report["findings"][0]["rule"] == "consult_before"
    assert report["trusted_time"].startswith("the node's append time")
    assert [o.obligation["id"] for o in desk.svc.obligations("su")] == ["self-denying"]
    assert desk.svc.obligations("us") == []


def test_the_node_alone_writes_breaches(desk: Desk, treaty: str) -> None:
    from liaison.errors import NotPermitted

    desk.clock.advance(days=1)
    yugoslav_agreement(desk, ["yu"], timedelta(hours=1))
    [breach] = desk.svc.breaches("su")
    body = dict(breach.breach.content.body)
    with pytest.raises(NotPermitted):
        desk.world.node.record.append(
            AppendRequest("molotov", "agreement.breach", {**body, "key": "forged"}, release=["uk"])
        )
