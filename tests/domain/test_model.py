"""The domain model's values: immutable, strict when parsed, canonical in bytes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.domain.entry import Content, Stamp, StoredEntry, check_salt, is_entry_id
from liaison.domain.kinds import KINDS
from liaison.domain.mandate import E7, Mandate, check_topic
from liaison.domain.member import Authority, MemberKey
from liaison.domain.party import Party, check_identifier
from liaison.domain.time import format_time, parse_time
from liaison.errors import InvalidBody, UnknownKind
from liaison.ledger.signing import KeyFile, b64e
from liaison.services.record import new_salt

T = datetime(1943, 2, 20, 12, 0, tzinfo=UTC)


def content(**changes: Any) -> Content:
    base = Content(
        kind="note",
        body={"text": "x", "topic": None},
        author="kerr",
        party="uk",
        time=T,
        release=("su", "uk"),
        supersedes=None,
        salt=new_salt(),
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "value",
    [
        content(),
        Stamp(1, "a" * 64, T),
        Mandate(),
        MemberKey("k", bytes(32), 1, T),
        Party("uk", "United Kingdom", 2),
    ],
    ids=lambda v: type(v).__name__,
)
def test_value_objects_are_immutable(value: object) -> None:
    field = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)


def test_authority_is_immutable() -> None:
    assert dataclasses.is_dataclass(Authority)
    assert Authority.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert StoredEntry.__dataclass_params__.frozen  # type: ignore[attr-defined]


# --- content --------------------------------------------------------------------------------


def test_content_round_trips_through_its_bytes() -> None:
    c = content()
    assert Content.from_bytes(c.canonical()) == c
    assert is_entry_id(c.id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("salt"), "missing"),
        (lambda d: d.update(extra=1), "unexpected"),
        (lambda d: d.update(v=2), "version"),
        (lambda d: d.update(body=["x"]), "object"),
        (lambda d: d.update(release="uk"), "release"),
        (lambda d: d.update(release=["uk", 3]), "release"),
        (lambda d: d.update(time="1943-02-20T12:00:00"), "zone"),
        (lambda d: d.update(time="yesterday"), "ISO 8601"),
    ],
)
def test_malformed_content_is_refused(change: Any, message: str) -> None:
    data = content().to_json()
    change(data)
    with pytest.raises(ValueError, match=message):
        Content.from_json(data)


@pytest.mark.parametrize("salt", ["", "abc", "A" * 23, "A" * 21 + "=", "!" * 22])
def test_salts_must_be_sixteen_random_bytes(salt: str) -> None:
    with pytest.raises(ValueError, match="salt"):
        check_salt(salt)


def test_new_salts_are_valid_and_distinct() -> None:
    salts = {new_salt() for _ in range(100)}
    assert len(salts) == 100
    assert all(check_salt(s) == s for s in salts)


def test_released_to_honours_every_party_marker() -> None:
    assert content(release=("*",)).released_to("us")
    assert content(release=("su", "uk")).released_to("su")
    assert not content(release=("su", "uk")).released_to("us")


@pytest.mark.parametrize("text", ["a" * 64, "0" * 64])
def test_entry_ids_are_64_lowercase_hex(text: str) -> None:
    assert is_entry_id(text)
    assert not is_entry_id(text.upper().replace("0", "G"))
    assert not is_entry_id(text[:-1])
    assert not is_entry_id(text + "\n")


# --- time -----------------------------------------------------------------------------------


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(1900, 1, 1)))
def test_times_have_one_canonical_text(moment: datetime) -> None:
    text = format_time(moment)
    assert parse_time(text) == moment
    assert format_time(parse_time(text)) == text
    assert text.endswith("Z")
    assert len(text) == 27


def test_times_in_other_zones_are_the_same_instant() -> None:
    moscow = timezone(timedelta(hours=3))
    assert format_time(T.astimezone(moscow)) == format_time(T)
    assert parse_time("1943-02-20T15:00:00+03:00") == T


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        format_time(datetime(1943, 2, 20))
    with pytest.raises(ValueError, match="zone"):
        parse_time("1943-02-20T12:00:00")


# --- identifiers, topics, mandates -----------------------------------------------------------


@pytest.mark.parametrize("good", ["uk", "us-army", "a1", "x" * 32])
def test_identifiers_accept_short_lowercase_slugs(good: str) -> None:
    assert check_identifier(good, "party id") == good


@pytest.mark.parametrize(
    "bad", ["", "UK", "1st", "-x", "x" * 33, "a b", "a/b", "*", "uk\n", "uk\r", "\nuk"]
)
def test_identifiers_refuse_anything_unsafe_in_urls_or_files(bad: str) -> None:
    with pytest.raises(ValueError, match="party id"):
        check_identifier(bad, "party id")


@pytest.mark.parametrize("bad", ["Coordination", "a..b", ".a", "a.", "a b", "**", "air\n"])
def test_topics_are_dotted_lowercase_words(bad: str) -> None:
    with pytest.raises(ValueError, match="topic"):
        check_topic(bad)


def test_a_mandate_round_trips_and_keeps_no_floats() -> None:
    ring = [[20.5, 50.25], [21.0, 50.25], [21.0, 51.0], [20.5, 51.0], [20.5, 50.25]]
    mandate = Mandate.from_json(
        {
            "topics": ["coordination"],
            "areas": [{"type": "Polygon", "coordinates": [ring]}],
            "expires": "1944-08-01T00:00:00Z",
        }
    )
    data = mandate.to_json()
    assert data["areas"][0]["coordinates_e7"][0][0] == [int(20.5 * E7), int(50.25 * E7)]
    assert Mandate.from_json(data) == mandate
    assert mandate.covers_point(20.75, 50.5)
    assert not mandate.covers_point(22.0, 50.5)
    assert Mandate().covers_point(0, 0)  # no area limit
    assert mandate.expired_at(parse_time("1944-08-01T00:00:00Z"))


@pytest.mark.parametrize(
    "area",
    [
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]},
    ],
    ids=["point", "too-few", "not-closed", "out-of-range"],
)
def test_malformed_mandate_areas_are_refused(area: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="area"):
        Mandate.from_json({"topics": [], "areas": [area]})


# --- kinds -----------------------------------------------------------------------------------


def test_unknown_kinds_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownKind, match="note"):
        KINDS.get("telegram")


def test_a_kind_cannot_be_registered_twice() -> None:
    spec = KINDS.get("note")
    assert KINDS.register(spec) is spec  # the same spec again is harmless
    with pytest.raises(ValueError, match="twice"):
        KINDS.register(dataclasses.replace(spec, description="another"))


def test_bodies_are_normalised_to_what_is_signed() -> None:
    spec = KINDS.get("party.add")
    body = spec.validate({"party": "pl", "name": "Poland", "default_release": ["uk", "*", "uk"]})
    assert body == {"party": "pl", "name": "Poland", "default_release": ["*", "uk"]}
    assert KINDS.get("note").validate({"text": "x"}) == {"text": "x", "topic": None}


@pytest.mark.parametrize(
    "body",
    [
        {"member": "x", "party": "uk", "name": "X", "role": "general", "mandate": {}},
        {"member": "x", "party": "uk", "name": "X", "role": "officer", "mandate": {"topics": [1]}},
        {"member": "X", "party": "uk", "name": "X", "role": "officer", "mandate": {}},
    ],
    ids=["bad-role", "bad-topic", "bad-member-id"],
)
def test_appointment_bodies_are_checked(body: dict[str, Any]) -> None:
    full = {**body, "public_key": b64e(KeyFile.new("x", "uk").public_key)}
    with pytest.raises(InvalidBody):
        KINDS.get("member.appoint").validate(full)


def test_every_registered_kind_has_a_description_and_a_closed_schema() -> None:
    for spec in KINDS:
        assert spec.description, spec.name
        assert spec.body.model_config.get("extra") == "forbid", spec.name
