"""The Merkle log agrees with RFC 9162 and proves exactly what it should.

The oracle below is the RFC 9162 section 2.1 text transcribed literally
(MTH, PATH, PROOF over lists of leaves), independent of the module's
incremental, stored-node implementation; every property compares the two.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from liaison.ledger import merkle
from liaison.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MissingNodeError,
    NodeKey,
    append_leaf,
    consistency_proof,
    consistency_proof_nodes,
    frontier_from_nodes,
    frontier_root,
    inclusion_proof,
    inclusion_proof_nodes,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    root_from_nodes,
    root_nodes,
    subtree_nodes,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# --------------------------------------------------------------------------------------
# The RFC 9162 section 2.1 definitions, literally.


def rfc_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(d: list[bytes]) -> bytes:
    """MTH over leaf *hashes* (the 0x00 step is already applied)."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = rfc_k(n)
    return hashlib.sha256(b"\x01" + rfc_mth(d[:k]) + rfc_mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = rfc_k(n)
    if m < k:
        return [*rfc_path(m, d[:k]), rfc_mth(d[k:])]
    return [*rfc_path(m - k, d[k:]), rfc_mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [rfc_mth(d)]
    k = rfc_k(n)
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), rfc_mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), rfc_mth(d[:k])]


def rfc_proof(m: int, d: list[bytes]) -> list[bytes]:
    return rfc_subproof(m, d, True)


# --------------------------------------------------------------------------------------
# One log, built once by appends, with every stored node and frontier kept.

MAX_SMALL = 300
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(2 * MAX_SMALL + 2)]


def build(leaves: list[bytes]) -> tuple[dict[NodeKey, bytes], list[Frontier]]:
    nodes: dict[NodeKey, bytes] = {}
    frontiers = [Frontier.empty()]
    frontier = frontiers[0]
    for leaf in leaves:
        frontier, records = append_leaf(frontier, leaf)
        for record in records:
            assert (record.level, record.index) not in nodes, "a node is written only once"
            nodes[(record.level, record.index)] = record.hash
        frontiers.append(frontier)
    return nodes, frontiers


NODES, FRONTIERS = build(LEAVES)


@cache
def root_of(size: int) -> bytes:
    return rfc_mth(LEAVES[:size])


def fetch(keys: list[NodeKey]) -> dict[NodeKey, bytes]:
    """What a store returns for one query: exactly the listed nodes."""
    return {key: NODES[key] for key in keys}


sizes = st.integers(min_value=1, max_value=MAX_SMALL)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return draw(st.integers(min_value=1, max_value=n)), n


def flip(value: bytes, position: int) -> bytes:
    i = position % len(value)
    return value[:i] + bytes([value[i] ^ 0x01]) + value[i + 1 :]


# --------------------------------------------------------------------------------------
# Hashes and roots


def test_empty_root_is_the_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert frontier_root(Frontier.empty()) == EMPTY_ROOT
    assert root_from_nodes(0, {}) == EMPTY_ROOT


def test_leaves_and_nodes_are_hashed_with_distinct_prefixes() -> None:
    a, b = b"a" * 32, b"b" * 32
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert leaf_hash(a + b) != node_hash(a, b)


# Published RFC 6962 / certificate-transparency test vectors (testonly/constants.go).
CT_INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_published_certificate_transparency_vectors_are_reproduced() -> None:
    hashes = [leaf_hash(x) for x in CT_INPUTS]
    nodes, frontiers = build(hashes)
    for size, expected in enumerate(CT_ROOTS):
        assert root_from_leaf_hashes(hashes[:size]).hex() == expected
        assert frontier_root(frontiers[size]).hex() == expected
        assert root_from_nodes(size, nodes).hex() == expected
    for (index, size), path in CT_INCLUSION.items():
        assert [p.hex() for p in inclusion_proof(index, size, nodes)] == path
        proof = [bytes.fromhex(p) for p in path]
        assert verify_inclusion(hashes[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))
    for (m, n), path in CT_CONSISTENCY.items():
        assert [p.hex() for p in consistency_proof(m, n, nodes)] == path
        proof = [bytes.fromhex(p) for p in path]
        root_m, root_n = bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n])
        assert verify_consistency(m, n, root_m, root_n, proof)


@given(st.integers(min_value=0, max_value=MAX_SMALL))
def test_root_from_leaf_hashes_is_the_rfc_tree_hash(size: int) -> None:
    assert root_from_leaf_hashes(LEAVES[:size]) == root_of(size)


# --------------------------------------------------------------------------------------
# Appends, the frontier and stored nodes


def test_frontier_root_equals_the_reference_root_after_every_append() -> None:
    for size in range(len(LEAVES) + 1):
        frontier = FRONTIERS[size]
        assert frontier.size == size
        assert len(frontier.hashes) == size.bit_count()
        assert frontier_root(frontier) == frontier.root() == root_of(size)


def test_every_append_records_exactly_the_perfect_nodes_it_completes() -> None:
    frontier = Frontier.empty()
    for index, leaf in enumerate(LEAVES[:130]):
        frontier, records = append_leaf(frontier, leaf)
        assert records[0] == merkle.NodeRecord(0, index, leaf)
        completed = [(r.level, r.index) for r in records]
        # Leaf index i completes the nodes of 2**level leaves that end right after it.
        expected = [
            (level, (index + 1) // 2**level - 1)
            for level in range(index.bit_length() + 1)
            if (index + 1) % 2**level == 0
        ]
        assert completed == expected
        for r in records:
            start = r.index << r.level
            assert r.hash == rfc_mth(LEAVES[start : start + (1 << r.level)])


@given(st.integers(min_value=0, max_value=len(LEAVES)))
def test_root_of_any_past_size_comes_from_stored_nodes(size: int) -> None:
    keys = root_nodes(size)
    assert len(keys) == size.bit_count()
    assert root_from_nodes(size, fetch(keys)) == root_of(size)
    assert frontier_from_nodes(size, fetch(keys)) == FRONTIERS[size]


def test_subtree_roots_from_stored_nodes_are_the_rfc_subtree_hashes() -> None:
    for end in range(1, 70):
        for start in range(end):
            largest_piece = 1 << ((end - start).bit_length() - 1)
            if start % largest_piece:
                with pytest.raises(ValueError, match="perfect nodes"):
                    subtree_nodes(start, end)
                continue
            keys = subtree_nodes(start, end)
            assert sum(1 << level for level, _ in keys) == end - start
            assert subtree_root(start, end, fetch(keys)) == rfc_mth(LEAVES[start:end])


def test_ranges_that_are_not_made_of_stored_nodes_are_refused() -> None:
    with pytest.raises(ValueError, match="perfect nodes"):
        subtree_nodes(1, 4)
    with pytest.raises(ValueError, match="start < end"):
        subtree_nodes(3, 3)


def test_a_missing_node_is_reported_not_guessed() -> None:
    keys = inclusion_proof_nodes(5, 13)
    partial = fetch(keys[1:])
    with pytest.raises(MissingNodeError) as info:
        inclusion_proof(5, 13, partial)
    assert info.value.key == keys[0]
    with pytest.raises(MissingNodeError):
        root_from_nodes(13, {})
    with pytest.raises(MissingNodeError):
        frontier_from_nodes(13, {})


def test_a_leaf_must_be_its_32_byte_hash() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        append_leaf(Frontier.empty(), b"raw entry bytes")


# --------------------------------------------------------------------------------------
# Frontier serialisation


@given(st.integers(min_value=0, max_value=len(LEAVES)))
def test_frontier_round_trips_through_json_and_bytes(size: int) -> None:
    frontier = FRONTIERS[size]
    assert Frontier.from_json(frontier.to_json()) == frontier
    assert Frontier.from_bytes(frontier.to_bytes()) == frontier


def test_frontier_that_is_restored_keeps_appending_the_same_tree() -> None:
    restored = Frontier.from_json(FRONTIERS[77].to_json())
    for leaf in LEAVES[77:100]:
        restored, _ = append_leaf(restored, leaf)
    assert restored == FRONTIERS[100]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"format":"liaison-frontier/1","size":1}',
        '{"format":"other","size":0,"hashes":[]}',
        '{"format":"liaison-frontier/1","size":true,"hashes":[]}',
        '{"format":"liaison-frontier/1","size":-1,"hashes":[]}',
        '{"format":"liaison-frontier/1","size":1,"hashes":[]}',
        '{"format":"liaison-frontier/1","size":1,"hashes":["zz"]}',
        '{"format":"liaison-frontier/1","size":1,"hashes":["' + "G" * 64 + '"]}',
        '{"format":"liaison-frontier/1","size":1,"hashes":["' + "AB" * 32 + '"]}',
        '{"format":"liaison-frontier/1","size":0,"hashes":[],"extra":1}',
    ],
)
def test_malformed_frontier_json_is_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Frontier.from_json(text)


def test_malformed_frontier_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="8 bytes"):
        Frontier.from_bytes(b"\x00" * 7)
    with pytest.raises(ValueError, match="8 bytes"):
        Frontier.from_bytes(b"\x00" * 8 + b"\x01" * 31)
    with pytest.raises(ValueError, match="holds 2 hashes, not 1"):
        Frontier.from_bytes((3).to_bytes(8, "big") + b"\x01" * 32)


def test_frontier_json_is_one_small_value() -> None:
    obj = json.loads(FRONTIERS[13].to_json())
    assert obj["size"] == 13
    assert obj["hashes"] == [h.hex() for h in FRONTIERS[13].hashes]


# --------------------------------------------------------------------------------------
# Inclusion proofs


@given(size_and_index())
def test_inclusion_proof_from_stored_nodes_is_the_rfc_path_and_verifies(
    pair: tuple[int, int],
) -> None:
    size, index = pair
    proof = inclusion_proof(index, size, fetch(inclusion_proof_nodes(index, size)))
    assert proof == rfc_path(index, LEAVES[:size])
    assert verify_inclusion(LEAVES[index], index, size, proof, root_of(size))
    assert root_from_inclusion_proof(LEAVES[index], index, size, proof) == root_of(size)


@given(size_and_index(), st.data())
def test_tampering_any_inclusion_proof_element_fails(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    size, index = pair
    proof = rfc_path(index, LEAVES[:size])
    assume(proof)
    which = data.draw(st.integers(0, len(proof) - 1))
    byte = data.draw(st.integers(0, 31))
    tampered = [*proof]
    tampered[which] = flip(tampered[which], byte)
    assert not verify_inclusion(LEAVES[index], index, size, tampered, root_of(size))
    assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], root_of(size))
    assert not verify_inclusion(LEAVES[index], index, size, [*proof, proof[0]], root_of(size))


@given(size_and_index(), st.data())
def test_inclusion_proof_fails_for_any_other_index(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    size, index = pair
    other = data.draw(st.integers(0, 2 * size))
    assume(other != index)
    proof = rfc_path(index, LEAVES[:size])
    assert not verify_inclusion(LEAVES[index], other, size, proof, root_of(size))
    if other < size:
        # Nor does it prove the leaf that really is at the other index.
        assert not verify_inclusion(LEAVES[other], other, size, proof, root_of(size))


@given(size_and_index(), st.data())
def test_inclusion_proof_fails_for_any_other_size(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    size, index = pair
    other = data.draw(st.integers(0, len(LEAVES)))
    assume(other != size)
    proof = rfc_path(index, LEAVES[:size])
    # Against the genuine root of the other size, the proof never verifies.
    assert not verify_inclusion(LEAVES[index], index, other, proof, root_of(other))


@given(size_and_index(), st.integers(0, 31))
def test_inclusion_proof_fails_for_a_tampered_root_or_leaf(
    pair: tuple[int, int], byte: int
) -> None:
    size, index = pair
    proof = rfc_path(index, LEAVES[:size])
    assert not verify_inclusion(LEAVES[index], index, size, proof, flip(root_of(size), byte))
    assert not verify_inclusion(flip(LEAVES[index], byte), index, size, proof, root_of(size))


def test_a_single_leaf_tree_is_its_own_root_with_an_empty_proof() -> None:
    assert inclusion_proof(0, 1, fetch(inclusion_proof_nodes(0, 1))) == []
    assert inclusion_proof_nodes(0, 1) == []
    assert verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])
    assert not verify_inclusion(LEAVES[0], 0, 1, [LEAVES[1]], LEAVES[0])
    assert not verify_inclusion(LEAVES[0], 1, 1, [], LEAVES[0])


@pytest.mark.parametrize("size", [1, 2, 4, 8, 16, 32, 64, 128, 256])
def test_power_of_two_trees_have_full_length_paths(size: int) -> None:
    for index in range(size):
        proof = inclusion_proof(index, size, NODES)
        assert len(proof) == size.bit_length() - 1
        assert verify_inclusion(LEAVES[index], index, size, proof, root_of(size))


def test_inclusion_arguments_out_of_range_are_refused_when_building() -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof_nodes(5, 5)
    with pytest.raises(ValueError, match="must be in"):
        inclusion_proof_nodes(-1, 5)
    with pytest.raises(TypeError):
        inclusion_proof_nodes(True, 5)


# --------------------------------------------------------------------------------------
# Consistency proofs


@given(two_sizes())
def test_consistency_proof_from_stored_nodes_is_the_rfc_proof_and_verifies(
    sizes_: tuple[int, int],
) -> None:
    m, n = sizes_
    proof = consistency_proof(m, n, fetch(consistency_proof_nodes(m, n)))
    assert proof == rfc_proof(m, LEAVES[:n])
    assert verify_consistency(m, n, root_of(m), root_of(n), proof)


@given(two_sizes(), st.data())
def test_tampering_any_consistency_proof_element_fails(
    sizes_: tuple[int, int], data: st.DataObject
) -> None:
    m, n = sizes_
    proof = rfc_proof(m, LEAVES[:n])
    assume(proof)
    which = data.draw(st.integers(0, len(proof) - 1))
    tampered = [*proof]
    tampered[which] = flip(tampered[which], data.draw(st.integers(0, 31)))
    assert not verify_consistency(m, n, root_of(m), root_of(n), tampered)
    assert not verify_consistency(m, n, root_of(m), root_of(n), proof[:-1])
    assert not verify_consistency(m, n, root_of(m), root_of(n), [*proof, proof[-1]])


@given(two_sizes(), st.integers(0, 31))
def test_consistency_proof_fails_for_tampered_roots(sizes_: tuple[int, int], byte: int) -> None:
    m, n = sizes_
    proof = rfc_proof(m, LEAVES[:n])
    assert not verify_consistency(m, n, flip(root_of(m), byte), root_of(n), proof)
    assert not verify_consistency(m, n, root_of(m), flip(root_of(n), byte), proof)


@given(two_sizes(), st.data())
def test_consistency_proof_fails_for_other_sizes(
    sizes_: tuple[int, int], data: st.DataObject
) -> None:
    m, n = sizes_
    proof = rfc_proof(m, LEAVES[:n])
    # Size 0 is left out: the empty tree is consistent with every tree, by definition.
    other_m = data.draw(st.integers(1, len(LEAVES)))
    other_n = data.draw(st.integers(1, len(LEAVES)))
    if other_m != m:
        assert not verify_consistency(other_m, n, root_of(other_m), root_of(n), proof)
    if other_n != n:
        assert not verify_consistency(m, other_n, root_of(m), root_of(other_n), proof)


@given(two_sizes())
def test_a_rewritten_history_is_not_consistent(sizes_: tuple[int, int]) -> None:
    m, n = sizes_
    assume(m < n)
    rewritten = [*LEAVES[:n]]
    rewritten[m - 1] = leaf_hash(b"rewritten")
    proof = rfc_proof(m, rewritten)
    assert not verify_consistency(m, n, root_of(m), rfc_mth(rewritten), proof)


def test_equal_sizes_are_consistent_only_with_an_empty_proof_and_equal_roots() -> None:
    for size in (1, 2, 3, 8, 300):
        assert consistency_proof(size, size, NODES) == []
        assert consistency_proof_nodes(size, size) == []
        assert verify_consistency(size, size, root_of(size), root_of(size), [])
        assert not verify_consistency(size, size, root_of(size), root_of(size), [root_of(size)])
        assert not verify_consistency(size, size, root_of(size), root_of(size - 1), [])


def test_the_empty_tree_is_consistent_with_every_tree() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 17, EMPTY_ROOT, root_of(17), [])
    assert not verify_consistency(0, 17, root_of(1), root_of(17), [])
    assert not verify_consistency(0, 17, EMPTY_ROOT, root_of(17), [root_of(1)])


@pytest.mark.parametrize("m", [1, 2, 4, 8, 16, 32, 64, 128, 256])
def test_power_of_two_old_sizes_omit_the_old_root_from_the_proof(m: int) -> None:
    for n in (m, m + 1, 2 * m, 2 * m + 1, 300):
        if n < m or n > len(LEAVES):
            continue
        proof = consistency_proof(m, n, NODES)
        assert root_of(m) not in proof or m == n
        assert verify_consistency(m, n, root_of(m), root_of(n), proof)


def test_consistency_arguments_out_of_range_are_refused_when_building() -> None:
    with pytest.raises(ValueError, match="0 < m <= n"):
        consistency_proof_nodes(0, 5)
    with pytest.raises(ValueError, match="0 < m <= n"):
        consistency_proof_nodes(6, 5)


# --------------------------------------------------------------------------------------
# Malformed input never raises


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.binary(max_size=40),
    st.text(max_size=5),
    st.lists(st.binary(max_size=40), max_size=5),
    st.lists(st.binary(min_size=32, max_size=32), max_size=70),
)


@given(junk, junk, junk, junk, junk)
@settings(max_examples=300)
def test_verification_of_malformed_input_returns_false_and_never_raises(
    a: object, b: object, c: object, d: object, e: object
) -> None:
    assert verify_inclusion(a, b, c, d, e) in (True, False)  # type: ignore[arg-type]
    assert verify_consistency(a, b, c, d, e) in (True, False)  # type: ignore[arg-type]
    root_from_inclusion_proof(a, b, c, d)  # type: ignore[arg-type]


def test_obviously_malformed_proofs_are_rejected() -> None:
    proof = rfc_path(3, LEAVES[:10])
    root = root_of(10)
    assert verify_inclusion(LEAVES[3], 3, 10, proof, root)
    assert not verify_inclusion(LEAVES[3], 3, 10, [*proof[:-1], proof[-1][:31]], root)
    assert not verify_inclusion(LEAVES[3], 3, 10, [p.hex() for p in proof], root)  # type: ignore[misc]
    assert not verify_inclusion(LEAVES[3], 3, 10, b"".join(proof), root)  # type: ignore[arg-type]
    assert not verify_inclusion(LEAVES[3], 3, 10, proof, root[:31])
    assert not verify_inclusion(LEAVES[3], -1, 10, proof, root)
    assert not verify_inclusion(LEAVES[3], 3, 2**64, proof, root)
    assert not verify_inclusion(LEAVES[3], True, 10, proof, root)
    assert not verify_consistency(3, 10, root_of(3), root, [LEAVES[0]] * 1000)
    assert not verify_consistency(10, 3, root, root_of(3), rfc_proof(3, LEAVES[:10]))


# --------------------------------------------------------------------------------------
# Large trees


@pytest.fixture(scope="module")
def big_log() -> tuple[list[bytes], dict[NodeKey, bytes], list[Frontier]]:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(70_001)]
    nodes: dict[NodeKey, bytes] = {}
    frontier = Frontier.empty()
    checkpoints = []
    for i, leaf in enumerate(leaves):
        frontier, records = append_leaf(frontier, leaf)
        for record in records:
            nodes[(record.level, record.index)] = record.hash
        if i + 1 in (65_535, 65_536, 65_537, 70_001):
            checkpoints.append(frontier)
    return leaves, nodes, checkpoints


@pytest.mark.parametrize("size", [65_535, 65_536, 65_537, 70_001])
def test_large_trees_prove_inclusion_and_consistency_like_the_rfc(
    big_log: tuple[list[bytes], dict[NodeKey, bytes], list[Frontier]], size: int
) -> None:
    leaves, nodes, frontiers = big_log
    root = rfc_mth(leaves[:size])
    assert root_from_leaf_hashes(leaves[:size]) == root
    assert root_from_nodes(size, nodes) == root
    assert any(f.size == size and f.root() == root for f in frontiers)
    for index in (0, 1, size // 3, size - 2, size - 1):
        proof = inclusion_proof(index, size, fetch_from(nodes, inclusion_proof_nodes(index, size)))
        assert proof == rfc_path(index, leaves[:size])
        assert verify_inclusion(leaves[index], index, size, proof, root)
    for m in (1, 2, 1000, 32_768, size - 1, size):
        proof = consistency_proof(m, size, fetch_from(nodes, consistency_proof_nodes(m, size)))
        assert proof == rfc_proof(m, leaves[:size])
        assert verify_consistency(m, size, rfc_mth(leaves[:m]), root, proof)


def fetch_from(nodes: dict[NodeKey, bytes], keys: list[NodeKey]) -> dict[NodeKey, bytes]:
    return {key: nodes[key] for key in keys}


def test_proofs_for_huge_sizes_need_only_logarithmically_many_nodes() -> None:
    size = 2**40 + 12_345
    assert len(inclusion_proof_nodes(size - 1, size)) <= 2 * 41
    assert len(consistency_proof_nodes(2**39 + 7, size)) <= 2 * 41
    assert len(root_nodes(2**64 - 1)) == 64
