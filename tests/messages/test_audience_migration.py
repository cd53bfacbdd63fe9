"""Migration 0008: a database whose messages were numbered per channel (the previous head)
upgrades in place, on both backends, and shows the same messages as before."""

from __future__ import annotations

from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from liaison.node import Node
from liaison.services.rebuild import dump_projections, rebuild_projections
from tests.conftest import World
from tests.messages.support import send

PARTIES = ("su", "uk", "us")


def _alembic(conn: Connection) -> Config:
    """The configuration :meth:`SqlStore.migrate` uses, on the given connection."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("liaison.store") / "migrations"))
    config.attributes["connection"] = conn
    return config


def _back_to_the_previous_head(node: Node) -> None:
    """Undo 0008 only: the other capabilities' branches stay where they are."""
    with node.store.write() as conn:
        command.downgrade(_alembic(conn), "0008_message_audience@-1")


def _versions(node: Node) -> list[str]:
    with node.store.read() as conn:
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _columns(node: Node) -> set[str]:
    with node.store.read() as conn:
        return {c["name"] for c in inspect(conn).get_columns("proj_messages")}


def _unique(node: Node) -> list[tuple[str, ...]]:
    with node.store.read() as conn:
        found = inspect(conn).get_unique_constraints("proj_messages")
    return sorted(tuple(str(c) for c in u["column_names"]) for u in found)


def _keys(node: Node) -> tuple[object, ...]:
    """The keys and indexes of ``proj_messages``, which SQLite's batch migration rebuilds."""
    with node.store.read() as conn:
        found = inspect(conn)
        primary = found.get_pk_constraint("proj_messages")["constrained_columns"]
        indexes = sorted(
            (str(i["name"]), tuple(i["column_names"]), bool(i["unique"]))
            for i in found.get_indexes("proj_messages")
        )
    return primary, indexes, _unique(node)


def _views(node: Node) -> dict[str, object]:
    """Everything a party reads of the channel's messages."""
    msgs = node.messages
    return {
        party: [(m.id, m.number, m.senders, m.addressees) for m in msgs.thread(party, "uk.bmm")]
        for party in PARTIES
    }


@pytest.fixture
def numbered_per_channel(world: World) -> World:
    """A channel whose messages have numbers unique in the channel, as the old schema held."""
    world.node.messages.open_channel("burrows", "uk.bmm", "BMM, Moscow", ["us", "su"])
    first = send(world, ["uk"], ["su"], channel="uk.bmm")  # 1
    send(world, ["uk"], ["su"], channel="uk.bmm")  # 2
    send(world, ["su"], ["uk"], channel="uk.bmm")  # 3, a reply in the same audience
    send(world, ["us"], ["su"], channel="uk.bmm", number=4)
    send(world, ["uk", "us"], ["su"], channel="uk.bmm", number=1582)
    world.node.messages.acknowledge("slavin", first.id)
    return world


def test_a_database_at_the_previous_head_upgrades_and_shows_the_same_messages(
    numbered_per_channel: World,
) -> None:
    node = numbered_per_channel.node
    views, rows, head, keys = (
        _views(node),
        dump_projections(node.store),
        _versions(node),
        _keys(node),
    )
    assert ("channel", "audience", "number") in _unique(node)
    _back_to_the_previous_head(node)
    assert "0003_messages" in _versions(node)
    assert "0008_message_audience" not in _versions(node)
    assert "audience" not in _columns(node)
    assert ("channel", "number") in _unique(node)

    node.store.migrate()  # what opening the node does

    assert _versions(node) == head
    assert "audience" in _columns(node)
    assert _keys(node) == keys
    assert _views(node) == views
    assert dump_projections(node.store) == rows  # the audiences filled in as the projector would
    rebuild_projections(node.store)
    assert dump_projections(node.store) == rows
    # And numbering is per audience from now on.
    assert send(numbered_per_channel, ["us"], ["su"], channel="uk.bmm").number == 5
    assert send(numbered_per_channel, ["uk"], ["us"], channel="uk.bmm").number == 1


def test_the_migration_runs_on_a_database_without_messages(world: World) -> None:
    _back_to_the_previous_head(world.node)
    world.node.store.migrate()
    assert "audience" in _columns(world.node)
    world.node.messages.open_channel("burrows", "uk.bmm", "BMM, Moscow", ["su"])
    assert send(world, ["uk"], ["su"], channel="uk.bmm").number == 1


def test_downgrading_is_refused_and_changes_nothing_when_audiences_share_a_number(
    world: World,
) -> None:
    """The channel-wide constraint cannot hold two audiences' number 1; nothing is lost."""
    node = world.node
    node.messages.open_channel("burrows", "uk.bmm", "BMM, Moscow", ["us", "su"])
    send(world, ["uk"], ["su"], channel="uk.bmm")
    send(world, ["us"], ["su"], channel="uk.bmm")
    views, rows, head = _views(node), dump_projections(node.store), _versions(node)
    with pytest.raises(IntegrityError):
        _back_to_the_previous_head(node)
    assert _versions(node) == head
    assert "audience" in _columns(node)
    assert _views(node) == views
    assert dump_projections(node.store) == rows
