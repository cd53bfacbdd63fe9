"""The obligations format: normal forms, and refusals that name the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from liaison.agreements.durations import format_duration, parse_duration
from liaison.domain.kinds import KINDS
from liaison.errors import InvalidBody
from tests.agreements.support import square, terms

PROPOSAL = KINDS.get("agreement.proposal")


def proposal(*obligations: dict[str, Any]) -> dict[str, Any]:
    return terms("Treaty", ["uk", "su"], "diplomacy", *obligations)


def refusal(*obligations: dict[str, Any]) -> str:
    with pytest.raises(InvalidBody) as caught:
        PROPOSAL.validate(proposal(*obligations))
    return caught.value.detail


@pytest.mark.parametrize(
    ("text", "normal"),
    [("P3D", "P3D"), ("PT72H", "P3D"), ("PT36H", "P1DT12H"), ("P1W", "P7D"), ("PT0S", "PT0S")],
)
def test_durations_are_kept_in_one_normal_form(text: str, normal: str) -> None:
    assert format_duration(parse_duration(text)) == normal


@pytest.mark.parametrize("text", ["P1M", "P1Y", "3 days", "P", "PT", "P1.5D", "-P1D", "P9999D"])
def test_durations_the_calendar_would_make_ambiguous_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|limit"):
        parse_duration(text)


NOTIFY = {"id": "n", "rule": "notify_before", "party": "su", "notify": ["uk"], "lead": "P1D"}


@pytest.mark.parametrize(
    ("obligation", "message"),
    [
        ({**NOTIFY, "kinds": ["convoy\n"]}, "operation kind 'convoy\\n' must be a lowercase word"),
        ({**NOTIFY, "kinds": ["convoy"], "lead": "P1D\n"}, "'P1D\\n' is not a duration"),
    ],
)
def test_an_operation_kind_or_duration_with_a_trailing_newline_is_refused(
    obligation: dict[str, Any], message: str
) -> None:
    assert message in refusal(obligation)


def test_a_valid_proposal_is_normalised_float_free() -> None:
    area = {"type": "Polygon", "coordinates": [[[20, 45], [21.5, 45], [21.5, 46], [20, 45]]]}
    body = PROPOSAL.validate(
        proposal(
            {
                "id": "c",
                "rule": "consult_before",
                "party": "uk",
                "topic": "diplomacy",
                "lead": "PT72H",
            },
            {
                "id": "k",
                "rule": "keep_out",
                "party": "su",
                "kinds": ["convoy", "air_strike", "convoy"],
                "area": area,
                "since": "1942-05-26T00:00:00+02:00",
            },
        )
    )
    consult, keep = body["provisions"][0]["obligations"]
    assert consult["lead"] == "P3D"
    assert keep["kinds"] == ["air_strike", "convoy"]
    assert keep["area"]["coordinates_e7"][0][1] == [215_000_000, 450_000_000]
    assert keep["since"] == "1942-05-25T22:00:00.000000Z"
    assert body["parties"] == ["su", "uk"]


@pytest.mark.parametrize(
    ("obligation", "message"),
    [
        (
            {
                "id": "c",
                "rule": "consult_before",
                "party": "uk",
                "topic": "diplomacy",
                "lead": "P1M",
            },
            "provisions.0.obligations.0.consult_before.lead: Value error, 'P1M' is not a duration",
        ),
        (
            {
                "id": "c",
                "rule": "consult_before",
                "party": "uk",
                "topic": "Diplomacy",
                "lead": "P1D",
            },
            "consult_before.topic",
        ),
        (
            {"id": "c", "rule": "consult_before", "party": "uk", "topic": "d"},
            "consult_before.lead: Field required",
        ),
        (
            {"id": "c", "rule": "consult_later", "party": "uk"},
            "does not match any of the expected tags",
        ),
        (
            {"id": "k", "rule": "keep_out", "party": "uk", "kinds": ["air_strike"]},
            "keep_out needs an area, or a line",
        ),
        (
            {
                "id": "k",
                "rule": "keep_out",
                "party": "uk",
                "kinds": ["air_strike"],
                "area": square(0, 0),
                "since": "1942-06-01T00:00:00Z",
                "until": "1942-05-01T00:00:00Z",
            },
            "since must be before until",
        ),
        (
            {
                "id": "k",
                "rule": "keep_out",
                "party": "uk",
                "kinds": ["air_strike"],
                "line": {"type": "LineString", "coordinates": [[20, 40], [20, 50]]},
            },
            "a line needs 'beyond'",
        ),
        (
            {
                "id": "k",
                "rule": "keep_out",
                "party": "uk",
                "kinds": ["air_strike"],
                "beyond": "north",
                "line": {"type": "LineString", "coordinates": [[20, 40], [20, 50]]},
            },
            "must run steadily in longitude",
        ),
        (
            {
                "id": "k",
                "rule": "keep_out",
                "party": "uk",
                "kinds": ["air_strike"],
                "area": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                },
            },
            "the area is not a valid polygon: Self-intersection",
        ),
        (
            {
                "id": "k",
                "rule": "keep_out",
                "party": "uk",
                "kinds": ["air_strike"],
                "area": {"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]},
            },
            "longitude 181.0 is not within [-180, 180]",
        ),
        (
            {
                "id": "n",
                "rule": "notify_before",
                "party": "su",
                "notify": ["uk"],
                "kinds": [],
                "lead": "P1D",
            },
            "notify_before.kinds: Value error, name at least one operation kind",
        ),
        (
            {
                "id": "s",
                "rule": "consult_simultaneously",
                "party": "uk",
                "topic": "d",
                "parties": ["su"],
                "within": "P1D",
            },
            "name at least two parties",
        ),
        (
            {
                "id": "n",
                "rule": "notify_before",
                "party": "su",
                "notify": ["us"],
                "kinds": ["convoy"],
                "lead": "P1D",
            },
            "provisions.0.obligations.0: names us, not parties of this agreement",
        ),
    ],
)
def test_a_bad_obligation_is_refused_naming_the_field(
    obligation: dict[str, Any], message: str
) -> None:
    assert message in refusal(obligation)


def test_obligation_ids_are_unique_in_an_agreement() -> None:
    rule = {"id": "c", "rule": "consult_before", "party": "uk", "topic": "d", "lead": "P1D"}
    assert "obligation 'c' is used twice" in refusal(rule, rule)


def test_terms_name_at_least_two_parties_and_one_topic() -> None:
    with pytest.raises(InvalidBody, match="parties: Value error, an agreement binds at least two"):
        PROPOSAL.validate(terms("Alone", ["uk"], "diplomacy"))
    with pytest.raises(InvalidBody, match="not on every topic"):
        PROPOSAL.validate(terms("All", ["uk", "su"], "*"))


def test_durations_round_trip() -> None:
    for seconds in (0, 59, 3600, 86_400 * 3 + 61):
        value = timedelta(seconds=seconds)
        assert parse_duration(format_duration(value)) == value
