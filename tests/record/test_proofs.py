"""Proofs from a live node verify against its signed checkpoints with nothing but
the RFC 9162 verifier and the node's verifier key; tampered proofs do not; and
the node refuses to sign a checkpoint over a tree that was altered."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.errors import IntegrityError, InvalidInput
from liaison.ledger import merkle
from liaison.ledger.checkpoint import Checkpoint, open_checkpoint
from liaison.node import Node
from liaison.services.record import AppendRequest
from tests.conftest import World
from tests.record.support import RawDb, note

# Sizes at which checkpoints are signed: around powers of two, where proofs change shape.
CHECKPOINT_SIZES = [13, 15, 16, 17, 31, 32, 33, 50, 63, 64, 65, 77]


def grow_to(node: Node, size: int) -> None:
    missing = size - node.record.size()
    results = node.record.append_many(
        [
            AppendRequest(author="eden", kind="note", body={"text": f"n{i}"}, release=[])
            for i in range(missing)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert node.record.size() == size


def signed_checkpoints(world: World) -> dict[int, Checkpoint]:
    node = world.node
    opened: dict[int, Checkpoint] = {}
    for size in CHECKPOINT_SIZES:
        grow_to(node, size)
        row = node.proofs.checkpoint()
        assert row.size == size
        checkpoint = open_checkpoint(row.note, node.proofs.verifier_key, origin=node.record.origin)
        assert checkpoint.size == size
        assert checkpoint.root_hash == row.root
        opened[size] = checkpoint
    return opened


def leaves(node: Node, size: int) -> list[bytes]:
    stamps = node.proofs.stamps(1, size)
    assert [s.seq for s in stamps] == list(range(1, size + 1))
    return [merkle.leaf_hash(s.leaf_data()) for s in stamps]


def flipped(proof: list[bytes], which: int) -> list[bytes]:
    out = list(proof)
    i = which % len(out)
    out[i] = bytes([out[i][0] ^ 1]) + out[i][1:]
    return out


def test_proofs_verify_against_signed_checkpoints(world: World) -> None:
    node = world.node
    checkpoints = signed_checkpoints(world)
    all_leaves = leaves(node, max(CHECKPOINT_SIZES))
    for size, checkpoint in checkpoints.items():
        # The signed root is the RFC 9162 root of the stamps, recomputed independently.
        assert merkle.root_from_leaf_hashes(all_leaves[:size]) == checkpoint.root_hash

    @settings(
        max_examples=60 if node.store.dialect == "sqlite" else 30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        size = data.draw(st.sampled_from(sorted(checkpoints)))
        root = checkpoints[size].root_hash
        seq = data.draw(st.integers(min_value=1, max_value=size))
        inclusion = node.proofs.inclusion(seq, size)
        assert inclusion.stamp == node.record.get_by_seq(None, seq).stamp
        assert inclusion.root == root
        leaf = merkle.leaf_hash(inclusion.stamp.leaf_data())
        assert leaf == all_leaves[seq - 1]
        assert merkle.verify_inclusion(leaf, seq - 1, size, inclusion.proof, root)
        which = data.draw(st.integers(min_value=0))
        assert not merkle.verify_inclusion(
            leaf, seq - 1, size, flipped(inclusion.proof, which), root
        )
        other = all_leaves[(seq % size)] if size > 1 else leaf
        if other != leaf:
            assert not merkle.verify_inclusion(other, seq - 1, size, inclusion.proof, root)
        assert not merkle.verify_inclusion(leaf, seq - 1, size, inclusion.proof[:-1], root)

        first = data.draw(st.sampled_from([s for s in checkpoints if s <= size]))
        consistency = node.proofs.consistency(first, size)
        first_root = checkpoints[first].root_hash
        assert consistency.first_root == first_root
        assert consistency.second_root == root
        assert merkle.verify_consistency(first, size, first_root, root, consistency.proof)
        if first < size:
            assert not merkle.verify_consistency(
                first, size, first_root, root, flipped(consistency.proof, which)
            )
            assert not merkle.verify_consistency(first, size, root, first_root, consistency.proof)
            assert not merkle.verify_consistency(first, size, first_root, root, [])

    check()


def test_proofs_at_any_size_match_a_root_recomputed_from_the_stamps(world: World) -> None:
    node = world.node
    grow_to(node, 40)
    all_leaves = leaves(node, 40)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        size=st.integers(min_value=1, max_value=40),
        data=st.data(),
    )
    def check(size: int, data: st.DataObject) -> None:
        root = merkle.root_from_leaf_hashes(all_leaves[:size])
        seq = data.draw(st.integers(min_value=1, max_value=size))
        proof = node.proofs.inclusion(seq, size)
        assert proof.root == root
        assert merkle.verify_inclusion(all_leaves[seq - 1], seq - 1, size, proof.proof, root)
        first = data.draw(st.integers(min_value=1, max_value=size))
        cons = node.proofs.consistency(first, size)
        assert cons.first_root == merkle.root_from_leaf_hashes(all_leaves[:first])
        assert merkle.verify_consistency(first, size, cons.first_root, root, cons.proof)

    check()


def test_proofs_outside_the_log_are_refused(world: World) -> None:
    node = world.node
    size = node.record.size()
    for seq, tree_size in ((0, None), (size + 1, None), (5, 4), (1, size + 1), (1, 0)):
        with pytest.raises(InvalidInput):
            node.proofs.inclusion(seq, tree_size)
    for first, second in ((0, None), (size + 1, None), (5, 4)):
        with pytest.raises(InvalidInput):
            node.proofs.consistency(first, second)


def test_proofs_carry_stamps_and_hashes_only(world: World) -> None:
    node = world.node
    secret = note(node, "molotov", "CANARY-PROOF-5f1c", [])
    proof = node.proofs.inclusion(secret.seq)
    assert proof.stamp.entry == secret.id
    assert b"CANARY-PROOF-5f1c" not in proof.stamp.leaf_data()
    assert all(len(h) == 32 for h in proof.proof)


def test_checkpoints_are_reused_until_the_log_grows(world: World) -> None:
    node = world.node
    first = node.proofs.checkpoint()
    assert node.proofs.checkpoint() == first
    note(node, "eden", "grow", [])
    second = node.proofs.checkpoint()
    assert second.size == first.size + 1
    assert [c.size for c in node.proofs.checkpoints()] == [first.size, second.size]


def test_the_node_refuses_to_sign_over_an_altered_root_node(world: World) -> None:
    node = world.node
    grow_to(node, 20)
    node.proofs.checkpoint()
    grow_to(node, 23)
    level, index = merkle.root_nodes(23)[0]
    _alter_tree_node(world, level, index)
    with pytest.raises(IntegrityError):
        node.proofs.checkpoint()
    assert [c.size for c in node.proofs.checkpoints()] == [20]


def test_the_node_refuses_to_sign_a_tree_inconsistent_with_its_last_checkpoint(
    world: World,
) -> None:
    node = world.node
    grow_to(node, 13)
    node.proofs.checkpoint()
    grow_to(node, 22)
    roots = set(merkle.root_nodes(22))
    candidates = [k for k in merkle.consistency_proof_nodes(13, 22) if k not in roots]
    assert candidates, "a consistency proof from 13 to 22 needs nodes off the root path"
    for level, index in candidates:
        _alter_tree_node(world, level, index)
        with pytest.raises(IntegrityError, match="not consistent"):
            node.proofs.checkpoint()
        _alter_tree_node(world, level, index)  # flip it back
    assert [c.size for c in node.proofs.checkpoints()] == [13]
    assert node.proofs.checkpoint().size == 22


def _alter_tree_node(world: World, level: int, index: int) -> None:
    db = RawDb.of(world.node)
    old = db.blob("SELECT hash FROM tree_nodes WHERE level = ? AND idx = ?", (level, index))
    new = bytes([old[0] ^ 0x80]) + old[1:]
    changed = db.execute(
        "UPDATE tree_nodes SET hash = ? WHERE level = ? AND idx = ?", (new, level, index)
    )
    assert changed == 1
