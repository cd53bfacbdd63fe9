"""The store behind the record, on both backends: durable settings, migrations,
refusals when opening, and concurrent writers — several threads, and several
nodes (as several API processes would be) over one database."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from liaison.errors import InvalidInput
from liaison.node import Node
from liaison.services.record import AppendRequest
from liaison.services.verify import verify_store
from liaison.store import open_store
from tests.conftest import World
from tests.record.support import everything


def test_sqlite_is_durable_and_in_wal_mode(sqlite_world: World) -> None:
    store = sqlite_world.node.store
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with store.write() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_migrating_again_changes_nothing(world: World) -> None:
    store = world.node.store
    before = [e.raw for e in everything(world.node)]

    def versions() -> list[str]:
        with store.read() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return sorted(found)

    applied = versions()
    assert applied
    store.migrate()
    store.migrate()
    assert versions() == applied
    assert [e.raw for e in everything(world.node)] == before


def test_projection_tables_are_the_registered_ones(world: World) -> None:
    tables = world.node.store.projection_tables()
    assert {"proj_parties", "proj_members", "proj_member_history", "proj_member_keys"} <= set(
        tables
    )
    assert all(t.startswith("proj_") for t in tables)


def test_creating_over_an_existing_record_is_refused(world: World, store_url: str) -> None:
    size = world.node.record.size()
    with pytest.raises(InvalidInput):
        Node.create(store_url, world.tmp / "another.key", "liaison.test/other")
    assert world.node.record.size() == size


def test_opening_with_another_node_key_is_refused(world: World, store_url: str) -> None:
    from liaison.ledger.signing import KeyFile

    other = world.tmp / "stranger.key"
    KeyFile.new("node", None).write(other)
    with pytest.raises(InvalidInput, match="node key"):
        Node.open(store_url, other)


def test_opening_an_empty_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="init"):
        Node.open(str(tmp_path / "empty.db"), tmp_path / "node.key")


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/x", "not a url://", "oracle+cx://x"], ids=str
)
def test_unsupported_databases_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        open_store(url)


def test_the_safe_url_hides_a_password() -> None:
    store = open_store("postgresql://liaison:s3cret@127.0.0.1:5432/x")
    try:
        assert "s3cret" not in store.safe_url
        assert "127.0.0.1" in store.safe_url
    finally:
        store.dispose()


def _append_from_threads(nodes: list[Node], per_thread: int, threads: int) -> list[str]:
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    authors = ["eden", "kerr", "harriman", "molotov", "deane", "slavin"]

    def work(n: int) -> None:
        node = nodes[n % len(nodes)]
        author = authors[n % len(authors)]
        try:
            for i in range(per_thread):
                entry = node.record.append(
                    AppendRequest(author=author, kind="note", body={"text": f"{n}.{i}"})
                )
                with lock:
                    ids.append(entry.id)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    return ids


def test_concurrent_appends_get_contiguous_sequence_numbers(world: World) -> None:
    node = world.node
    start = node.record.size()
    ids = _append_from_threads([node], per_thread=25, threads=8)
    assert len(set(ids)) == 200
    entries = everything(node)
    assert [e.seq for e in entries] == list(range(1, start + 201))
    assert {e.id for e in entries[start:]} == set(ids)
    times = [e.stamp.at for e in entries]
    assert times == sorted(times)
    assert verify_store(node.store, workers=1).ok


def test_several_nodes_can_append_to_one_store(world: World, store_url: str) -> None:
    """As several API processes over one database: no state only one of them may hold."""
    (key,) = world.tmp.glob("node-*.key")
    others = [Node.open(store_url, key) for _ in range(2)]
    try:
        start = world.node.record.size()
        ids = _append_from_threads([world.node, *others], per_thread=15, threads=6)
        assert len(set(ids)) == 90
        for node in (world.node, *others):
            assert node.record.size() == start + 90
        entries = everything(world.node)
        assert [e.seq for e in entries] == list(range(1, start + 91))
        report = verify_store(world.node.store, workers=1)
        assert report.ok, report.failures[:3]
        # Each node signs checkpoints consistent with the others'.
        sizes = [n.proofs.checkpoint().size for n in (world.node, *others)]
        assert sizes == [start + 90] * 3
    finally:
        for node in others:
            node.close()


@pytest.mark.parametrize("count", [1, 82, 83, 84, 199, 200, 201, 1000])
def test_bulk_inserts_write_every_row_once_in_order_however_they_are_cut(
    world: World, count: int
) -> None:
    """Whatever the size of a batch, the driver-level insert writes exactly the rows given."""
    from liaison.store import queries as q
    from liaison.store.schema import tree_nodes

    rows = [(40, i, i.to_bytes(32, "big")) for i in range(count)]
    store = world.node.store
    with store.write() as conn:
        q.bulk_insert(conn, tree_nodes, ("level", "idx", "hash"), rows)
    with store.read() as conn:
        found = conn.execute(
            text("SELECT level, idx, hash FROM tree_nodes WHERE level = 40 ORDER BY idx")
        ).all()
    assert [(r[0], r[1], bytes(r[2])) for r in found] == rows


def test_a_bulk_insert_that_fails_writes_none_of_its_rows(world: World) -> None:
    from liaison.store import queries as q
    from liaison.store.schema import tree_nodes

    rows = [(41, i, bytes(32)) for i in range(300)] + [(41, 5, bytes(32))]  # a duplicate key
    store = world.node.store
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), store.write() as conn:
        q.bulk_insert(conn, tree_nodes, ("level", "idx", "hash"), rows)
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM tree_nodes WHERE level = 41")).scalar() == 0


def test_salts_are_sixteen_random_bytes_never_repeated() -> None:
    import base64

    from liaison.services.record import new_salt

    salts = [new_salt() for _ in range(5000)]  # several draws from the OS
    assert len(set(salts)) == len(salts)
    assert all(len(base64.urlsafe_b64decode(s + "==")) == 16 for s in salts)
