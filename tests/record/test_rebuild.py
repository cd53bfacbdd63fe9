"""Rebuild equals live: whatever sequence of roster changes and notes built the
projections one append at a time, dropping them and replaying the record gives
back the very same rows — on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from liaison.errors import LiaisonError
from liaison.services.rebuild import dump_projections, rebuild_projections
from liaison.services.verify import verify_store
from tests.conftest import World, make_world
from tests.record.support import note

UrlFactory = Callable[[], str]
ROLES = ["observer", "officer", "commander", "plenipotentiary"]
TOPICS = ["*", "coordination", "coordination.air", "diplomacy"]
NEW_PARTIES = ["pl", "yu", "fr", "cz"]
NEW_MEMBERS = ["maisky", "tito", "sikorski", "benes", "dekaulle", "vyshinsky"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UrlFactory]:
    """A factory of empty stores on one backend, one per Hypothesis example."""
    if request.param == "sqlite":
        yield lambda: str(tmp_path / f"{uuid.uuid4().hex}.db")
        return
    server: str = request.getfixturevalue("pg_server")
    schemas: list[str] = []
    base = server.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"

    def make() -> str:
        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        return f"{base}{sep}options=-csearch_path%3D{schema}"

    yield make
    with psycopg.connect(server, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def assert_rebuild_equals_live(world: World) -> None:
    store = world.node.store
    live = dump_projections(store)
    assert live["proj_members"], "the roster projection is not empty"
    report = rebuild_projections(store)
    assert report.entries == world.node.record.size()
    assert dump_projections(store) == live


def make_machine(urls: UrlFactory, tmp: Path) -> type[RuleBasedStateMachine]:
    class RecordMachine(RuleBasedStateMachine):
        """Random roster changes and notes; refusals must change nothing."""

        world: World

        @initialize()
        def start(self) -> None:
            self.world = make_world(urls(), tmp)
            self.parties = ["uk", "us", "su"]
            self.members = {m: a.entry.content.body["party"] for m, a in self.world.members.items()}
            self.revoked: set[str] = set()
            self.notes: list[tuple[str, str]] = []  # (id, party)
            self.size = self.world.node.record.size()

        def teardown(self) -> None:
            if hasattr(self, "world"):
                try:
                    assert_rebuild_equals_live(self.world)
                    report = verify_store(self.world.node.store, workers=1)
                    assert report.ok, report.failures
                finally:
                    self.world.node.close()

        def _try(self, action: Callable[[], object]) -> bool:
            try:
                action()
            except LiaisonError:
                assert self.world.node.record.size() == self.size, "a refusal changed the record"
                return False
            self.size = self.world.node.record.size()
            return True

        @rule(party=st.sampled_from(NEW_PARTIES), release_to_uk=st.booleans())
        def add_party(self, party: str, release_to_uk: bool) -> None:
            default = ["uk"] if release_to_uk else []
            added = self._try(
                lambda: self.world.node.roster.add_party(party, party.upper(), default)
            )
            assert added == (party not in self.parties)
            if added:
                self.parties.append(party)

        @rule(data=st.data(), member=st.sampled_from(NEW_MEMBERS), role=st.sampled_from(ROLES))
        def appoint(self, data: st.DataObject, member: str, role: str) -> None:
            party = data.draw(st.sampled_from(self.parties))
            topics = data.draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True))
            ok = self._try(
                lambda: self.world.node.roster.appoint(
                    member, party, member.title(), role, {"topics": topics}
                )
            )
            assert ok == (member not in self.members)
            if ok:
                self.members[member] = party

        @rule(data=st.data(), role=st.sampled_from(ROLES))
        def change(self, data: st.DataObject, role: str) -> None:
            member = data.draw(st.sampled_from(sorted(self.members)))
            topics = data.draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True))
            assert self._try(
                lambda: self.world.node.roster.change(member, role, {"topics": topics})
            )

        @rule(data=st.data())
        def revoke(self, data: st.DataObject) -> None:
            member = data.draw(st.sampled_from(sorted(self.members)))
            ok = self._try(lambda: self.world.node.roster.revoke(member, "recalled"))
            assert ok == (member not in self.revoked)
            self.revoked.add(member)

        @rule(data=st.data())
        def rotate_key(self, data: st.DataObject) -> None:
            member = data.draw(st.sampled_from(sorted(self.members)))
            assert self._try(lambda: self.world.node.roster.rotate_key(member))

        @rule(data=st.data(), text=st.text(min_size=1, max_size=40))
        def write_note(self, data: st.DataObject, text: str) -> None:
            author = data.draw(st.sampled_from(sorted(self.members)))
            release = data.draw(
                st.one_of(st.none(), st.lists(st.sampled_from(self.parties), unique=True))
            )
            topic = data.draw(st.one_of(st.none(), st.sampled_from(TOPICS[1:])))
            written: list[str] = []
            if self._try(
                lambda: written.append(note(self.world.node, author, text, release, topic=topic).id)
            ):
                self.notes.append((written[0], self.members[author]))

        @rule(data=st.data(), text=st.text(min_size=1, max_size=40))
        def correct_note(self, data: st.DataObject, text: str) -> None:
            if not self.notes:
                return
            old, _party = data.draw(st.sampled_from(self.notes))
            author = data.draw(st.sampled_from(sorted(self.members)))
            self._try(lambda: note(self.world.node, author, text, None, supersedes=old))

        @rule()
        def rebuild(self) -> None:
            assert_rebuild_equals_live(self.world)

    return RecordMachine


def test_rebuild_equals_live_after_random_roster_changes_and_notes(
    fresh_urls: UrlFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    postgres = "postgresql" in request.node.callspec.id
    machine = make_machine(fresh_urls, tmp_path)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=4 if postgres else 12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_rebuild_equals_live_on_the_fixture_world(world: World) -> None:
    note(world.node, "eden", "a note", ["us"])
    world.node.roster.revoke("kerr", "recalled")
    world.node.roster.rotate_key("eden")
    assert_rebuild_equals_live(world)
    # Appending after a rebuild keeps working on the rebuilt projections.
    world.node.roster.change("watcher", "officer", {"topics": ["*"]})
    assert note(world.node, "watcher", "promoted", [])
    assert_rebuild_equals_live(world)


def test_rebuild_restores_projections_that_were_wrongly_changed(world: World) -> None:
    store = world.node.store
    live = dump_projections(store)
    from sqlalchemy import text

    with store.write() as conn:
        conn.execute(text("UPDATE proj_members SET role = 3 WHERE member = 'watcher'"))
        conn.execute(text("DELETE FROM proj_member_keys WHERE member = 'eden'"))
    assert dump_projections(store) != live
    rebuild_projections(store)
    assert dump_projections(store) == live
