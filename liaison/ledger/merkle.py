"""The RFC 9162 Merkle tree over the log, built from stored perfect subtrees.

Why this shape: the log must prove, to every party, that an entry is in it
(inclusion) and that a later tree extends an earlier one without rewriting it
(consistency), for any past size, and must keep doing so cheaply as the log
grows without bound. The tree is the one of RFC 9162 section 2.1 (Certificate
Transparency 2.0), so that standard verifiers and witnesses agree with ours.

The store keeps only *perfect* subtree nodes: node ``(level, index)`` is the
hash of leaves ``[index * 2**level, (index + 1) * 2**level)``. A perfect node,
once complete, never changes, so it can be written once and never updated,
like everything else in the record. Every subtree the RFC algorithms need,
perfect or not, is a right-to-left fold of at most ``log2(size)`` perfect
nodes, so any root, inclusion proof or consistency proof of any past size can
be computed from stored nodes alone.

Proofs are built in two steps (``*_nodes`` lists what is needed, the builder
assembles it) so that a store can fetch every node a proof needs in one query.

The running state of the log is a :class:`Frontier`: the tree size and the
perfect subtrees along its right edge. It is a small immutable value that fits
in one row, so that several processes appending to one database share it.

Everything here is pure: no I/O, no clock, no randomness.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "LevelRuns",
    "MissingNodeError",
    "NodeKey",
    "NodeRecord",
    "append_leaf",
    "append_leaves",
    "consistency_proof",
    "consistency_proof_nodes",
    "frontier_from_nodes",
    "frontier_root",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "root_from_nodes",
    "root_nodes",
    "subtree_nodes",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string: the root of the tree of size 0."""

_MAX_SIZE = 2**64 - 1
"""Largest tree size accepted: checkpoints and RFC 9162 carry sizes as uint64."""

_FRONTIER_FORMAT = "liaison-frontier/1"


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single leaf: SHA-256(0x00 || data).

    The 0x00 prefix (and 0x01 for interior nodes) keeps a leaf from ever being
    passed off as an interior node, which would let a forger prove entries
    that were never appended (RFC 9162 section 2.1.1).
    """
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


NodeKey = tuple[int, int]
"""``(level, index)`` of a perfect subtree: leaves ``[index << level, (index + 1) << level)``."""


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A perfect subtree completed by an append, as the store keeps it."""

    level: int
    index: int
    hash: bytes


class MissingNodeError(LookupError):
    """A perfect node needed for a root or proof is absent from the given nodes.

    The store either did not fetch what ``*_nodes`` listed, or it lost nodes;
    either way no proof can be built and none must be guessed.
    """

    def __init__(self, key: NodeKey) -> None:
        super().__init__(f"perfect node (level {key[0]}, index {key[1]}) is missing")
        self.key = key


def _check_size(size: int, what: str = "size") -> None:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{what} must be an int, not {type(size).__name__}")
    if size < 0 or size > _MAX_SIZE:
        raise ValueError(f"{what} must be in [0, 2**64 - 1], not {size}")


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------------------
# Reference root


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 section 2.1.1 from the leaf hashes, in order.

    Computed level by level, pairing neighbours and carrying an unpaired last
    node up unchanged; this builds exactly the RFC tree (whose left subtree is
    always the largest perfect one) in linear time, so that a whole log can be
    re-verified from its entries quickly.
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    sha = _sha256
    prefix = _NODE_PREFIX
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [
            sha(prefix + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        if odd is not None:
            level.append(odd)
    return level[0]


# --------------------------------------------------------------------------------------
# Frontier and appends


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right edge of the tree: its size and the roots of its perfect subtrees.

    ``hashes`` holds one hash per set bit of ``size``, largest subtree first:
    for size 13 (0b1101) the subtrees of 8, 4 and 1 leaves. That is all an
    append needs, and folding it gives the root, so the frontier is the whole
    running state of the log and is small enough to live in one row.
    """

    size: int
    hashes: tuple[bytes, ...]

    def __post_init__(self) -> None:
        _check_size(self.size)
        if not isinstance(self.hashes, tuple):
            raise TypeError("Frontier.hashes must be a tuple of bytes")
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(
                f"a frontier of size {self.size} holds {self.size.bit_count()} hashes, "
                f"not {len(self.hashes)}"
            )
        for h in self.hashes:
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise ValueError("every frontier hash must be 32 bytes")

    @classmethod
    def empty(cls) -> Frontier:
        """The frontier of the empty log."""
        return cls(0, ())

    def root(self) -> bytes:
        """The root of the tree of this size (see :func:`frontier_root`)."""
        return frontier_root(self)

    def to_bytes(self) -> bytes:
        """8-byte big-endian size followed by the hashes: a compact column value."""
        return self.size.to_bytes(8, "big") + b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> Frontier:
        """Inverse of :meth:`to_bytes`; raises ValueError on anything else."""
        if len(data) < 8 or (len(data) - 8) % HASH_SIZE:
            raise ValueError("a serialised frontier is 8 bytes of size plus 32-byte hashes")
        size = int.from_bytes(data[:8], "big")
        body = data[8:]
        hashes = tuple(body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE))
        return cls(size, hashes)

    def to_json(self) -> str:
        """A JSON text ``{"format", "size", "hashes": [hex, ...]}`` for a text column."""
        return json.dumps(
            {
                "format": _FRONTIER_FORMAT,
                "size": self.size,
                "hashes": [h.hex() for h in self.hashes],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Frontier:
        """Inverse of :meth:`to_json`; raises ValueError on anything else."""
        try:
            obj = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError("a serialised frontier must be JSON") from exc
        if not isinstance(obj, dict) or set(obj) != {"format", "size", "hashes"}:
            raise ValueError("a serialised frontier has exactly: format, size, hashes")
        if obj["format"] != _FRONTIER_FORMAT:
            raise ValueError(f"unknown frontier format {obj['format']!r}")
        size = obj["size"]
        raw = obj["hashes"]
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError("frontier size must be an integer")
        if not isinstance(raw, list):
            raise ValueError("frontier hashes must be a list of hex strings")
        hashes: list[bytes] = []
        for item in raw:
            if not isinstance(item, str) or len(item) != 2 * HASH_SIZE or item != item.lower():
                raise ValueError("every frontier hash must be 64 lowercase hex digits")
            try:
                hashes.append(binascii.unhexlify(item))
            except binascii.Error as exc:
                raise ValueError("every frontier hash must be 64 lowercase hex digits") from exc
        return cls(size, tuple(hashes))


def _frontier(size: int, hashes: tuple[bytes, ...]) -> Frontier:
    """Build a frontier known to be well formed, skipping the checks.

    Appends run once per entry, and re-verifying a whole log runs them at tens
    of thousands per second: the invariants hold by construction here.
    """
    frontier = object.__new__(Frontier)
    object.__setattr__(frontier, "size", size)
    object.__setattr__(frontier, "hashes", hashes)
    return frontier


def append_leaf(frontier: Frontier, leaf: bytes) -> tuple[Frontier, list[NodeRecord]]:
    """Append one leaf hash; return the new frontier and every perfect node it completes.

    ``leaf`` is the leaf *hash* (``leaf_hash(data)``), the value the store keeps
    as node ``(0, index)`` and the one inclusion proofs start from. The records
    list that level-0 node first, then each node completed by merging with the
    right edge, lowest level first; the store writes them all in the same
    transaction as the entry.
    """
    if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
        raise ValueError("a leaf is its 32-byte leaf hash")
    grown, levels, _ = append_leaves(frontier, (leaf,))
    return grown, [NodeRecord(level, first, hashes[0]) for level, (first, hashes) in levels.items()]


#: per tree level, the index of the first node an append completed and the hashes of all
#: the nodes it completed on that level, in index order (a run of leaves completes a
#: contiguous range on every level)
LevelRuns = dict[int, tuple[int, list[bytes]]]


def append_leaves(
    frontier: Frontier, leaves: Sequence[bytes], roots_at: Container[int] = ()
) -> tuple[Frontier, LevelRuns, dict[int, bytes]]:
    """Append leaf hashes in order: the new frontier, the nodes they complete per level
    (lowest level first), and the root at every size in ``roots_at`` passed on the way.

    The one fold of the tree: the writer appends through :func:`append_leaf`, and
    whole-record verification folds a chunk of a million-entry log at a time. The
    leaves are trusted to be 32-byte hashes (``append_leaf`` checks its one).
    """
    size = frontier.size
    if size + len(leaves) > _MAX_SIZE:
        raise ValueError("the log is full (2**64 - 1 leaves)")
    stack = list(frontier.hashes)
    level0: list[bytes] = []
    levels: LevelRuns = {0: (size, level0)}
    roots: dict[int, bytes] = {}
    sha = _sha256
    prefix = _NODE_PREFIX
    for leaf in leaves:
        level0.append(leaf)
        current = leaf
        carry = size
        level = 0
        while carry & 1:
            current = sha(prefix + stack.pop() + current).digest()
            level += 1
            carry >>= 1
            run = levels.get(level)
            if run is None:
                levels[level] = (size >> level, [current])
            else:
                run[1].append(current)
        stack.append(current)
        size += 1
        if size in roots_at:
            roots[size] = frontier_root(_frontier(size, tuple(stack)))
    return _frontier(size, tuple(stack)), levels, roots


def frontier_root(frontier: Frontier) -> bytes:
    """The root of the tree of ``frontier.size`` leaves.

    The RFC tree splits at the largest power of two, so the root is the fold,
    from the right, of the perfect subtrees along the edge.
    """
    hashes = frontier.hashes
    if not hashes:
        return EMPTY_ROOT
    sha = _sha256
    prefix = _NODE_PREFIX
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = sha(prefix + h + root).digest()
    return root


# --------------------------------------------------------------------------------------
# Subtrees from stored perfect nodes


def subtree_nodes(start: int, end: int) -> list[NodeKey]:
    """The perfect nodes whose fold is MTH(D[start:end]), largest (leftmost) first.

    MTH splits a range at its largest power of two, so D[start:end] is the fold
    of pieces of 2**b leaves for each set bit b of ``end - start``, largest
    first. Those pieces are stored nodes only if ``start`` is a multiple of the
    largest one (the later, smaller ones are then aligned too); every subtree
    the RFC algorithms use has that property, and other ranges are refused.
    """
    _check_size(start, "start")
    _check_size(end, "end")
    if end <= start:
        raise ValueError(f"a subtree needs start < end, not [{start}, {end})")
    width = end - start
    if start % (1 << (width.bit_length() - 1)):
        raise ValueError(f"[{start}, {end}) does not split into stored perfect nodes")
    keys: list[NodeKey] = []
    position = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            keys.append((level, position >> level))
            position += 1 << level
    return keys


def _fold(keys: Sequence[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    try:
        result = nodes[keys[-1]]
        for key in reversed(keys[:-1]):
            result = _sha256(_NODE_PREFIX + nodes[key] + result).digest()
    except KeyError as exc:
        missing = next(k for k in keys if k not in nodes)
        raise MissingNodeError(missing) from exc
    return result


def subtree_root(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) from stored perfect nodes (see :func:`subtree_nodes`)."""
    return _fold(subtree_nodes(start, end), nodes)


def root_nodes(size: int) -> list[NodeKey]:
    """The perfect nodes needed for the root of the tree of ``size`` leaves.

    They are also the frontier of that size, largest first.
    """
    _check_size(size)
    return [] if size == 0 else subtree_nodes(0, size)


def root_from_nodes(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """The root of the tree of ``size`` leaves, for any past size, from stored nodes."""
    keys = root_nodes(size)
    return EMPTY_ROOT if not keys else _fold(keys, nodes)


def frontier_from_nodes(size: int, nodes: Mapping[NodeKey, bytes]) -> Frontier:
    """Rebuild the frontier of ``size`` from stored nodes (after a crash, or to check one)."""
    try:
        return Frontier(size, tuple(nodes[key] for key in root_nodes(size)))
    except KeyError as exc:
        missing = next(k for k in root_nodes(size) if k not in nodes)
        raise MissingNodeError(missing) from exc


# --------------------------------------------------------------------------------------
# Proofs


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees of PATH(index, D[size]) (RFC 9162 2.1.3.1), leaf side first."""
    _check_size(index, "index")
    _check_size(size)
    if index >= size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def _consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """The subtrees of PROOF(m, D[n]) (RFC 9162 2.1.4.1), in proof order."""
    _check_size(m, "m")
    _check_size(n, "n")
    if not 0 < m <= n:
        raise ValueError(f"a consistency proof needs 0 < m <= n, not m={m}, n={n}")
    siblings: list[tuple[int, int]] = []
    lo, hi = 0, n
    whole = True  # the b flag of SUBPROOF: D[lo:hi] is still the original tree
    while m != hi:
        k = _largest_power_of_two_below(hi - lo)
        if m - lo <= k:
            siblings.append((lo + k, hi))
            hi = lo + k
        else:
            siblings.append((lo, lo + k))
            lo += k
            whole = False
    siblings.reverse()
    return siblings if whole else [(lo, hi), *siblings]


def _nodes_for(ranges: Iterable[tuple[int, int]]) -> list[NodeKey]:
    seen: dict[NodeKey, None] = {}
    for start, end in ranges:
        for key in subtree_nodes(start, end):
            seen[key] = None
    return list(seen)


def inclusion_proof_nodes(index: int, size: int) -> list[NodeKey]:
    """Every stored perfect node that :func:`inclusion_proof` will read."""
    return _nodes_for(_inclusion_ranges(index, size))


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) of leaf ``index`` in the tree of ``size``."""
    return [subtree_root(start, end, nodes) for start, end in _inclusion_ranges(index, size)]


def consistency_proof_nodes(m: int, n: int) -> list[NodeKey]:
    """Every stored perfect node that :func:`consistency_proof` will read."""
    return _nodes_for(_consistency_ranges(m, n))


def consistency_proof(m: int, n: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The RFC 9162 consistency proof from size ``m`` to size ``n`` (empty when m == n)."""
    return [subtree_root(start, end, nodes) for start, end in _consistency_ranges(m, n)]


# --------------------------------------------------------------------------------------
# Verification (RFC 9162 2.1.3.2 and 2.1.4.2). Never raises: a malformed proof is a
# proof that does not verify.


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_SIZE


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_hash_list(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes | bytearray)
        and all(_is_hash(p) for p in value)
    )


def root_from_inclusion_proof(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes | None:
    """The root that ``proof`` implies for ``leaf`` at ``index`` in a tree of ``size``.

    Steps 1-4 of RFC 9162 section 2.1.3.2; returns None where the RFC says to
    fail (index out of range, path too long or too short, malformed input),
    so a caller can compare the result with a root it trusts.
    """
    if not (_is_size(index) and _is_size(size) and _is_hash(leaf) and _is_hash_list(proof)):
        return None
    if index >= size:
        return None
    fn = index
    sn = size - 1
    r = bytes(leaf)
    sha = _sha256
    prefix = _NODE_PREFIX
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha(prefix + p + r).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha(prefix + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` puts ``leaf`` (a leaf hash) at ``index`` in tree ``root`` of ``size``."""
    computed = root_from_inclusion_proof(leaf, index, size, proof)
    if computed is None or not _is_hash(root):
        return False
    return hmac.compare_digest(computed, bytes(root))


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the tree ``root_n`` of size ``n`` extends ``root_m`` of size ``m``.

    RFC 9162 section 2.1.4.2 for 0 < m < n. For m == n the proof must be empty
    and the roots equal; for m == 0 the proof must be empty and ``root_m`` the
    empty root (every tree extends the empty one).
    """
    if not (_is_size(m) and _is_size(n) and _is_hash(root_m) and _is_hash(root_n)):
        return False
    if not _is_hash_list(proof) or m > n:
        return False
    first_hash = bytes(root_m)
    second_hash = bytes(root_n)
    if m == n:
        return len(proof) == 0 and hmac.compare_digest(first_hash, second_hash)
    if m == 0:
        return len(proof) == 0 and hmac.compare_digest(first_hash, EMPTY_ROOT)
    # 1. An empty path cannot prove anything between different sizes.
    if len(proof) == 0:
        return False
    path = [bytes(p) for p in proof]
    # 2. If first is an exact power of 2, prepend first_hash.
    if m & (m - 1) == 0:
        path.insert(0, first_hash)
    # 3.
    fn = m - 1
    sn = n - 1
    # 4. Skip the levels where the old tree's last node is a right child.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    sha = _sha256
    prefix = _NODE_PREFIX
    # 6.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha(prefix + c + fr).digest()
            sr = sha(prefix + c + sr).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha(prefix + sr + c).digest()
        fn >>= 1
        sn >>= 1
    # 7.
    return sn == 0 and hmac.compare_digest(fr, first_hash) and hmac.compare_digest(sr, second_hash)
