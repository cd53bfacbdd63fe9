"""Tampering directly in the database is caught: change one byte of an entry, a
release row, a signature or a tree node, delete an entry, swap two entries —
and verification fails naming the entry, by sequence number and id. The SQL
runs through the database's own driver, around Liaison, as an attacker's would.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from liaison.domain.entry import StoredEntry
from liaison.ledger import merkle
from liaison.services.verify import VerifyReport, verify_store
from liaison.store.schema import metadata
from tests.conftest import World
from tests.record.support import RawDb, note, signed_request


@dataclass
class Tampered:
    world: World
    db: RawDb
    target: StoredEntry  # a note released to uk and su only
    signed: StoredEntry  # a note the member signed too
    later: StoredEntry  # a note appended after both

    def verify(self) -> VerifyReport:
        return verify_store(self.world.node.store, workers=1)


@pytest.fixture
def tampered(world: World) -> Tampered:
    node = world.node
    for i in range(5):
        note(node, "eden", f"filler {i}", ["us"])
    target = note(node, "molotov", "Mil 1582 T.O.O. 1216301", ["uk"])
    request, _ = signed_request(
        "slavin", "su", world.members["slavin"].key, {"text": "signed", "topic": None}, ["su"]
    )
    signed = node.record.append(request)
    later = note(node, "harriman", "later", ["*"])
    node.proofs.checkpoint()
    state = Tampered(world, RawDb.of(node), target, signed, later)
    report = state.verify()
    assert report.ok, report.failures
    return state


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def assert_names(report: VerifyReport, entry: StoredEntry, problem: str) -> None:
    assert not report.ok
    first = report.first_failure
    assert first is not None
    assert first.seq == entry.seq, report.failures
    assert first.entry_id == entry.id, report.failures
    assert problem in first.problem, report.failures
    assert str(entry.seq) in str(first)
    assert entry.id in str(first)


def test_an_untouched_store_verifies(tampered: Tampered) -> None:
    report = tampered.verify()
    assert report.ok
    assert report.checked == report.size == tampered.world.node.record.size()
    assert report.checkpoints == 1


def test_the_default_parallel_verifier_agrees(tampered: Tampered) -> None:
    assert verify_store(tampered.world.node.store).ok
    seq = tampered.target.seq
    content = tampered.db.blob("SELECT content FROM entries WHERE seq = ?", (seq,))
    tampered.db.execute(
        "UPDATE entries SET content = ? WHERE seq = ?", (flip_byte(content, 40), seq)
    )
    assert_names(verify_store(tampered.world.node.store), tampered.target, "rewritten")


@pytest.mark.parametrize("index", [0, 40, -2], ids=["first", "middle", "last"])
def test_one_byte_of_an_entrys_content_changed(tampered: Tampered, index: int) -> None:
    seq = tampered.target.seq
    content = tampered.db.blob("SELECT content FROM entries WHERE seq = ?", (seq,))
    tampered.db.execute(
        "UPDATE entries SET content = ? WHERE seq = ?",
        (flip_byte(content, index % len(content)), seq),
    )
    assert_names(tampered.verify(), tampered.target, "")


def test_content_rewritten_to_other_valid_json(tampered: Tampered) -> None:
    seq = tampered.target.seq
    content = tampered.db.blob("SELECT content FROM entries WHERE seq = ?", (seq,))
    forged = content.replace(b"1216301", b"1216302")
    assert forged != content
    tampered.db.execute("UPDATE entries SET content = ? WHERE seq = ?", (forged, seq))
    assert_names(tampered.verify(), tampered.target, "does not hash to the entry id")


def test_a_release_row_changed(tampered: Tampered) -> None:
    seq = tampered.target.seq
    changed = tampered.db.execute(
        "UPDATE releases SET party = 'us' WHERE seq = ? AND party = 'uk'", (seq,)
    )
    assert changed == 1
    assert_names(tampered.verify(), tampered.target, "release rows")


def test_a_release_row_added_to_leak_an_entry(tampered: Tampered) -> None:
    seq = tampered.target.seq
    tampered.db.execute("INSERT INTO releases (seq, party) VALUES (?, 'us')", (seq,))
    assert tampered.world.node.record.get("us", tampered.target.id)  # the leak works...
    assert_names(tampered.verify(), tampered.target, "release rows")  # ...and is caught


def test_a_release_row_removed(tampered: Tampered) -> None:
    seq = tampered.target.seq
    tampered.db.execute("DELETE FROM releases WHERE seq = ? AND party = 'uk'", (seq,))
    assert_names(tampered.verify(), tampered.target, "release rows")


def test_one_byte_of_the_node_signature_changed(tampered: Tampered) -> None:
    seq = tampered.target.seq
    sig = tampered.db.blob("SELECT node_sig FROM entries WHERE seq = ?", (seq,))
    tampered.db.execute("UPDATE entries SET node_sig = ? WHERE seq = ?", (flip_byte(sig, 17), seq))
    assert_names(tampered.verify(), tampered.target, "node's signature")


def test_one_byte_of_a_member_signature_changed(tampered: Tampered) -> None:
    seq = tampered.signed.seq
    sig = tampered.db.blob("SELECT author_sig FROM entries WHERE seq = ?", (seq,))
    tampered.db.execute(
        "UPDATE entries SET author_sig = ? WHERE seq = ?", (flip_byte(sig, 63), seq)
    )
    assert_names(tampered.verify(), tampered.signed, "member's signature")


def test_a_member_signature_claimed_by_a_key_never_held(tampered: Tampered) -> None:
    seq = tampered.signed.seq
    tampered.db.execute("UPDATE entries SET author_key = 'deadbeefdeadbeef' WHERE seq = ?", (seq,))
    assert_names(tampered.verify(), tampered.signed, "never held")


def test_a_member_signature_claimed_by_a_key_registered_later(tampered: Tampered) -> None:
    """A key rotated in after an entry cannot be made to vouch for it."""
    node = tampered.world.node
    _, new_key = node.roster.rotate_key("slavin")
    assert new_key is not None
    request, _ = signed_request("slavin", "su", new_key, {"text": "signed", "topic": None}, ["su"])
    later_sig = node.record.append(request)
    seq = tampered.signed.seq
    tampered.db.execute(
        "UPDATE entries SET author_key = ?, author_sig = ? WHERE seq = ?",
        (later_sig.author_key, later_sig.author_sig, seq),
    )
    assert_names(tampered.verify(), tampered.signed, "before it was registered")


def test_an_indexed_column_changed_to_hide_an_entry_from_filters(tampered: Tampered) -> None:
    seq = tampered.target.seq
    tampered.db.execute("UPDATE entries SET kind = 'member.key' WHERE seq = ?", (seq,))
    assert_names(tampered.verify(), tampered.target, "column kind")


@pytest.mark.parametrize("level", [0, 1, 2])
def test_one_byte_of_a_tree_node_changed(tampered: Tampered, level: int) -> None:
    seq = tampered.target.seq
    index = (seq - 1) >> level
    value = tampered.db.blob(
        "SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?", (level, index)
    )
    tampered.db.execute(
        "UPDATE tree_nodes SET hash = ? WHERE level = ? AND idx = ?",
        (flip_byte(value, 5), level, index),
    )
    report = tampered.verify()
    first = report.first_failure
    assert first is not None
    first_seq = (index << level) + 1  # the first entry under the altered node
    assert first.seq == first_seq, report.failures
    entry = tampered.world.node.record.get_by_seq(None, first_seq)
    assert first.entry_id == entry.id, report.failures
    assert f"(level {level}, index {index})" in first.problem


def test_an_entry_deleted(tampered: Tampered) -> None:
    seq = tampered.target.seq
    tampered.db.script(
        [
            ("DELETE FROM releases WHERE seq = ?", (seq,)),
            ("DELETE FROM entries WHERE seq = ?", (seq,)),
        ]
    )
    report = tampered.verify()
    first = report.first_failure
    assert first is not None
    assert first.seq == seq, report.failures
    assert "missing" in first.problem or "removed" in first.problem
    assert f"entry {seq}" in str(first)


def test_the_last_entry_deleted_with_the_log_head_rewound(tampered: Tampered) -> None:
    """Cutting the tail and rewinding the head leaves a signed checkpoint that exposes it."""
    node = tampered.world.node
    last = tampered.later.seq
    frontier = merkle.Frontier.empty()
    for stamp in node.proofs.stamps(1, last - 1):
        frontier, _ = merkle.append_leaf(frontier, merkle.leaf_hash(stamp.leaf_data()))
    tampered.db.script(
        [
            ("DELETE FROM releases WHERE seq = ?", (last,)),
            ("DELETE FROM entries WHERE seq = ?", (last,)),
            ("DELETE FROM tree_nodes WHERE level = 0 AND idx = ?", (last - 1,)),
            ("UPDATE log_head SET size = ?, frontier = ?", (last - 1, frontier.to_json())),
        ]
    )
    report = tampered.verify()
    assert not report.ok
    first = report.first_failure
    assert first is not None
    assert first.seq == last, report.failures
    assert "checkpoint" in first.problem


@pytest.mark.parametrize("move_releases", [False, True], ids=["entries-only", "with-releases"])
def test_two_entries_swapped(tampered: Tampered, move_releases: bool) -> None:
    a, b = tampered.target, tampered.later
    statements: list[tuple[str, tuple[int, ...]]] = [
        ("UPDATE entries SET seq = ? WHERE seq = ?", (-1, a.seq)),
        ("UPDATE entries SET seq = ? WHERE seq = ?", (a.seq, b.seq)),
        ("UPDATE entries SET seq = ? WHERE seq = ?", (b.seq, -1)),
    ]
    if move_releases:
        statements += [
            ("UPDATE releases SET seq = ? WHERE seq = ?", (-1, a.seq)),
            ("UPDATE releases SET seq = ? WHERE seq = ?", (a.seq, b.seq)),
            ("UPDATE releases SET seq = ? WHERE seq = ?", (b.seq, -1)),
        ]
    tampered.db.script(statements)
    report = tampered.verify()
    first = report.first_failure
    assert first is not None
    assert first.seq == a.seq, report.failures
    # The entry now found at a.seq is b: the report names what sits where it should not.
    assert first.entry_id == b.id, report.failures


def test_a_checkpoint_note_changed(tampered: Tampered) -> None:
    note_text = tampered.db.one("SELECT note FROM checkpoints")
    lines = note_text.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    tampered.db.execute("UPDATE checkpoints SET note = ?", ("\n".join(lines),))
    report = tampered.verify()
    assert not report.ok
    assert any("checkpoint" in f.problem for f in report.failures)


def test_the_node_key_replaced_is_caught(tampered: Tampered) -> None:
    original = tampered.db.one("SELECT public_key FROM node")
    assert verify_store(tampered.world.node.store, original, workers=1).ok
    tampered.db.execute("UPDATE node SET public_key = ?", ("A" * 43 + "=",))
    report = tampered.verify()
    first = report.first_failure
    assert first is not None
    assert first.seq == 1
    # A verifier that pinned the real key refuses before anything else.
    pinned = verify_store(tampered.world.node.store, original, workers=1)
    assert not pinned.ok
    assert "trusted" in pinned.failures[0].problem


def test_every_record_table_is_covered_by_a_tamper_test() -> None:
    """When the record gains a table, this suite must learn to tamper with it."""
    record_tables = {t for t in metadata.tables if not t.startswith("proj_") and t != "api_tokens"}
    assert record_tables <= {"node", "log_head", "entries", "releases", "tree_nodes", "checkpoints"}


def _liaison_verify(tampered: Tampered) -> subprocess.CompletedProcess[str]:
    (key,) = tampered.world.tmp.glob("node-*.key")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "liaison.cli",
            "verify",
            "--db",
            tampered.world.node.store.url,
            "--node-key",
            str(key),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_liaison_verify_command_names_the_tampered_entry(tampered: Tampered) -> None:
    """The same, end to end through the real command, on both backends: exit 1, naming it."""
    clean = _liaison_verify(tampered)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    seq = tampered.target.seq
    sig = tampered.db.blob("SELECT node_sig FROM entries WHERE seq = ?", (seq,))
    tampered.db.execute("UPDATE entries SET node_sig = ? WHERE seq = ?", (flip_byte(sig, 3), seq))
    failed = _liaison_verify(tampered)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"entry {seq} ({tampered.target.id})" in failed.stderr.splitlines()[0]
