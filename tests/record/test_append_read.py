"""The record's contract, run over SQLite and PostgreSQL alike: what goes in comes
out unchanged, only to the parties it was released to, and bad input changes nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.errors import (
    InvalidBody,
    InvalidInput,
    LiaisonError,
    NotFound,
    TooLarge,
    UnknownKind,
)
from liaison.services.record import MAX_CONTENT_BYTES, AppendRequest
from liaison.store import queries as q
from liaison.store.queries import EntryFilter
from tests.conftest import World
from tests.record.support import ALL, everything, note, visible_ids

PARTIES = ("uk", "us", "su")
WRITERS = {
    "eden": "uk",
    "kerr": "uk",
    "burrows": "uk",
    "harriman": "us",
    "deane": "us",
    "molotov": "su",
    "slavin": "su",
}


def examples(world: World, sqlite: int, postgres: int) -> int:
    return postgres if world.node.store.dialect == "postgresql" else sqlite


releases = st.one_of(
    st.none(),
    st.just(["*"]),
    st.lists(st.sampled_from(PARTIES), unique=True, max_size=3),
)


def test_append_then_read_round_trip(world: World) -> None:
    node = world.node

    @settings(
        max_examples=examples(world, 60, 20),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        author=st.sampled_from(sorted(WRITERS)),
        text=st.text(min_size=1, max_size=300),
        release=releases,
    )
    def round_trip(author: str, text: str, release: list[str] | None) -> None:
        party = WRITERS[author]
        size = node.record.size()
        entry = note(node, author, text, release)
        assert entry.seq == size + 1
        expected_release = (
            ("*",) if release and "*" in release else tuple(sorted({party, *(release or [])}))
        )
        assert entry.content.release == expected_release
        readers = set(PARTIES) if expected_release == ("*",) else set(expected_release)
        for reader in PARTIES:
            if reader in readers:
                got = node.record.get(reader, entry.id)
                assert got == entry
                assert got.content.body == {"text": text, "topic": None}
                assert got.content.author == author
                assert got.content.party == party
                assert hashlib.sha256(got.raw).hexdigest() == got.id
                assert node.record.get_by_seq(reader, entry.seq) == entry
            else:
                with pytest.raises(NotFound):
                    node.record.get(reader, entry.id)
                with pytest.raises(NotFound):
                    node.record.get_by_seq(reader, entry.seq)

    round_trip()


def test_each_party_lists_counts_and_searches_only_what_is_released_to_it(world: World) -> None:
    node = world.node
    base = {p: node.record.count(p, ALL) for p in PARTIES}  # the roster, released to all
    uk_only = note(node, "eden", "bomb line moves to the Vistula", [])
    uk_us = note(node, "eden", "bomb line moves to the Oder", ["us"])
    to_all = note(node, "molotov", "bomb line moves to the Elbe", ["*"])
    su_uk = note(node, "molotov", "bomb line moves to the Danube", ["uk"])

    assert node.record.count("uk", ALL) - base["uk"] == 4
    assert node.record.count("us", ALL) - base["us"] == 2
    assert node.record.count("su", ALL) - base["su"] == 2
    assert set(visible_ids(node, "us")) >= {uk_us.id, to_all.id}
    assert not {uk_only.id, su_uk.id} & set(visible_ids(node, "us"))

    search = EntryFilter(text="BOMB LINE", limit=1000)  # case-insensitive
    assert visible_ids(node, "uk", search) == [uk_only.id, uk_us.id, to_all.id, su_uk.id]
    assert visible_ids(node, "us", search) == [uk_us.id, to_all.id]
    assert visible_ids(node, "su", search) == [to_all.id, su_uk.id]
    assert node.record.count("us", search) == 2
    assert node.record.count("su", EntryFilter(text="vistula")) == 0
    assert visible_ids(node, "su", EntryFilter(text="vistula")) == []
    assert node.record.count("uk", EntryFilter(text="vistula")) == 1

    by_party = EntryFilter(party="uk", limit=1000)
    assert visible_ids(node, "us", by_party) == [uk_us.id]
    assert visible_ids(node, "su", by_party) == []
    assert node.record.count("su", EntryFilter(kind="note")) == 2
    assert node.record.count("su", EntryFilter(author="eden")) == 0
    assert node.record.count(None, EntryFilter(kind="note")) == 4


def test_text_search_matches_like_wildcards_literally(world: World) -> None:
    node = world.node
    note(node, "eden", "100% certain", [])
    note(node, "eden", "1000 certain", [])
    note(node, "eden", "1_0 certain", [])
    assert node.record.count("uk", EntryFilter(kind="note", text="0% c")) == 1
    assert visible_ids(node, "uk", EntryFilter(kind="note", text="1_0 c")) == [
        everything(node)[-1].id
    ]


def test_paging_with_after_sees_each_released_entry_once(world: World) -> None:
    node = world.node
    mine = [note(node, "harriman", f"page {i}", [] if i % 2 else ["uk"]) for i in range(9)]
    seen: list[str] = []
    after = 0
    while True:
        page = node.record.list("uk", EntryFilter(kind="note", after=after, limit=2))
        if not page:
            break
        seen.extend(e.id for e in page)
        after = page[-1].seq
    assert seen == [e.id for e in mine if "uk" in e.content.release]


def test_unreleased_and_nonexistent_ids_give_the_same_not_found(world: World) -> None:
    node = world.node
    secret = note(node, "molotov", "the real headquarters is at Drvar", [])
    absent = hashlib.sha256(b"no such entry").hexdigest()
    errors: list[NotFound] = []
    for entry_id in (secret.id, absent, "not-an-id"):
        with pytest.raises(NotFound) as caught:
            node.record.get("uk", entry_id)
        errors.append(caught.value)
    assert len({(type(e), e.detail, tuple(e.context.items())) for e in errors}) == 1
    assert secret.id not in str(errors[0])
    seq_errors = []
    for seq in (secret.seq, node.record.size() + 100):
        with pytest.raises(NotFound) as caught_seq:
            node.record.get_by_seq("uk", seq)
        seq_errors.append((caught_seq.value.detail, caught_seq.value.context))
    assert seq_errors[0] == seq_errors[1]
    with pytest.raises(NotFound) as caught_versions:
        node.record.versions("uk", secret.id)
    assert caught_versions.value.detail == errors[0].detail
    assert node.record.get("su", secret.id) == secret


def test_default_release_of_a_party_applies_when_the_author_names_none(world: World) -> None:
    node = world.node
    node.roster.add_party("yu", "Yugoslav partisans", default_release=["uk"])
    node.roster.appoint("tito", "yu", "Tito", "commander", {"topics": ["*"]})
    default = note(node, "tito", "the real headquarters", None)
    explicit = note(node, "tito", "the decoy", [])
    assert default.content.release == ("uk", "yu")
    assert explicit.content.release == ("yu",)
    assert node.record.get("uk", default.id) == default
    with pytest.raises(NotFound):
        node.record.get("uk", explicit.id)
    with pytest.raises(NotFound):
        node.record.get("us", default.id)
    # A party without a default release keeps its entries to itself.
    assert note(node, "eden", "private", None).content.release == ("uk",)


def test_default_release_naming_an_unknown_party_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.node.roster.add_party("fr", "Free French", default_release=["vichy"])
    with world.node.store.read() as conn:
        assert "fr" not in {p.id for p in q.parties(conn)}


def test_release_to_every_party_includes_parties_added_later(world: World) -> None:
    node = world.node
    everyone = note(node, "deane", "the armies converge", ["*", "uk"])
    assert everyone.content.release == ("*",)
    node.roster.add_party("pl", "Polish government-in-exile")
    assert node.record.get("pl", everyone.id) == everyone


def _refused(world: World, request: AppendRequest, error: type[LiaisonError]) -> LiaisonError:
    node = world.node
    size = node.record.size()
    before = [e.id for e in everything(node)]
    with pytest.raises(error) as caught:
        node.record.append(request)
    assert type(caught.value) is error, f"expected exactly {error.__name__}, got {caught.value!r}"
    assert node.record.size() == size
    assert [e.id for e in everything(node)] == before
    return caught.value


def test_release_to_an_unknown_party_is_refused_and_changes_nothing(world: World) -> None:
    err = _refused(
        world,
        AppendRequest(author="eden", kind="note", body={"text": "x"}, release=["us", "vichy"]),
        InvalidInput,
    )
    assert "vichy" in err.detail


def test_release_that_is_not_a_list_of_party_ids_is_refused(world: World) -> None:
    _refused(
        world,
        AppendRequest(author="eden", kind="note", body={"text": "x"}, release="us"),
        InvalidInput,
    )
    _refused(
        world,
        AppendRequest(author="eden", kind="note", body={"text": "x"}, release=[7]),  # type: ignore[list-item]
        InvalidInput,
    )


def test_unknown_kind_is_refused_and_changes_nothing(world: World) -> None:
    err = _refused(
        world,
        AppendRequest(author="eden", kind="telegram.secret", body={"text": "x"}),
        UnknownKind,
    )
    assert "telegram.secret" in err.detail


BAD_BODIES: list[Any] = [
    {},
    {"text": ""},
    {"text": 1943},
    {"text": "x", "extra": "field"},
    {"text": "x", "topic": "Not A Topic!"},
    {"text": ["a", "list"]},
    ["text"],
    "text",
]
FLOAT_BODIES: list[dict[str, Any]] = [
    {"text": 1.5},
    {"text": "x", "topic": 2.0},
    {"text": "x", "weight": 0.1},
]


def test_a_body_that_does_not_fit_its_kind_is_refused(world: World) -> None:
    for body in BAD_BODIES:
        _refused(world, AppendRequest(author="eden", kind="note", body=body), InvalidBody)


def test_floats_in_a_body_are_refused(world: World) -> None:
    for body in FLOAT_BODIES:
        _refused(world, AppendRequest(author="eden", kind="note", body=body), InvalidBody)


def test_an_oversize_entry_is_refused_as_too_large(world: World) -> None:
    # Control characters are escaped to six bytes each in canonical JSON, so a
    # text inside the kind's length limit still makes an entry over the byte limit.
    text = "\x01" * 65536
    assert len(text) * 6 > MAX_CONTENT_BYTES
    err = _refused(world, AppendRequest(author="eden", kind="note", body={"text": text}), TooLarge)
    assert str(MAX_CONTENT_BYTES) in err.detail


def test_a_text_over_the_kind_limit_is_refused_as_invalid_body(world: World) -> None:
    _refused(
        world, AppendRequest(author="eden", kind="note", body={"text": "x" * 65537}), InvalidBody
    )


def test_a_refused_request_in_a_batch_does_not_stop_the_others(world: World) -> None:
    node = world.node
    size = node.record.size()
    results = node.record.append_many(
        [
            AppendRequest(author="eden", kind="note", body={"text": "first"}),
            AppendRequest(author="eden", kind="note", body={"text": 1.5}),
            AppendRequest(author="watcher", kind="note", body={"text": "observer"}),
            AppendRequest(author="eden", kind="note", body={"text": "last"}),
        ]
    )
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["StoredEntry", "InvalidBody", "NotPermitted", "StoredEntry"]
    assert node.record.size() == size + 2
    texts = [e.content.body["text"] for e in everything(node)[-2:]]
    assert texts == ["first", "last"]


def test_appended_entries_are_sequential_and_times_never_go_backwards(world: World) -> None:
    node = world.node
    entries = everything(node)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    times = [e.stamp.at for e in entries]
    assert times == sorted(times)
    assert entries[0].content.kind == "node.genesis"
    roster = [e for e in entries if e.content.kind != "node.genesis"]
    assert all(e.content.release == ("*",) for e in roster)
    assert all(e.content.author == "node" for e in roster)


def test_list_limit_outside_bounds_is_refused(world: World) -> None:
    for limit in (0, 1001):
        with pytest.raises(InvalidInput):
            world.node.record.list("uk", EntryFilter(limit=limit))
