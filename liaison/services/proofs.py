"""Checkpoints and Merkle proofs: what lets a party check the log without trusting the node.

A checkpoint is the node's signed statement "the log of ``origin`` has ``size``
entries and this root" in the C2SP checkpoint format. Before signing a new
one the node proves to itself that the new tree extends the previous signed
one (a consistency proof from stored nodes, verified against both roots) and
refuses otherwise: a node never signs two views of history. Proofs carry only
stamps and hashes, never content, so they may be served to any member.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison.domain.entry import Stamp
from liaison.domain.time import format_time
from liaison.errors import IntegrityError, InvalidInput
from liaison.ledger import merkle
from liaison.ledger.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from liaison.services.record import RecordService
from liaison.store import queries as q
from liaison.store.queries import CheckpointRow

__all__ = ["ConsistencyProof", "InclusionProof", "ProofService"]


@dataclass(frozen=True)
class InclusionProof:
    stamp: Stamp
    tree_size: int
    proof: list[bytes]
    root: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    proof: list[bytes]
    first_root: bytes
    second_root: bytes


class ProofService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    @property
    def verifier_key(self) -> str:
        """The note verifier key (``name+id+key``) that opens this node's checkpoints."""
        return verifier_key(self.record.origin, self.record.node_key.verify_key)

    def checkpoint(self) -> CheckpointRow:
        """The signed checkpoint of the current log, signing a new one if the log grew."""
        store = self.record.store
        with store.read() as conn:
            size, _ = q.head(conn)
            latest = q.latest_checkpoint(conn)
        if latest is not None and latest.size == size:
            return latest
        with store.write() as conn:
            size, frontier_json = q.head(conn, for_update=True)
            latest = q.latest_checkpoint(conn)
            if latest is not None and latest.size == size:
                return latest
            root = merkle.Frontier.from_json(frontier_json).root()
            stored_root = merkle.root_from_nodes(size, q.get_nodes(conn, merkle.root_nodes(size)))
            if stored_root != root:
                raise IntegrityError("the stored tree does not match the log head; not signing")
            if latest is not None:
                keys = merkle.consistency_proof_nodes(latest.size, size)
                proof = merkle.consistency_proof(latest.size, size, q.get_nodes(conn, keys))
                if not merkle.verify_consistency(latest.size, size, latest.root, root, proof):
                    raise IntegrityError(
                        f"the log of size {size} is not consistent with the checkpoint of size "
                        f"{latest.size}; refusing to sign"
                    )
            note = sign_checkpoint(
                Checkpoint(self.record.origin, size, root),
                self.record.origin,
                self.record.node_key,
            )
            now = self.record.clock()
            q.insert_checkpoint(conn, size, root, note, now)
            return CheckpointRow(size, root, note, format_time(now))

    def checkpoints(self) -> list[CheckpointRow]:
        with self.record.store.read() as conn:
            return q.all_checkpoints(conn)

    def _size(self, size: int | None) -> int:
        current = self.record.size()
        if size is None:
            return current
        if not 1 <= size <= current:
            raise InvalidInput(f"tree size must be between 1 and {current}")
        return size

    def inclusion(self, seq: int, tree_size: int | None = None) -> InclusionProof:
        size = self._size(tree_size)
        if not 1 <= seq <= size:
            raise InvalidInput(f"sequence number must be between 1 and {size}")
        with self.record.store.read() as conn:
            keys = merkle.inclusion_proof_nodes(seq - 1, size) + merkle.root_nodes(size)
            nodes = q.get_nodes(conn, keys)
            stamp = q.stamps(conn, seq, seq)[0]
        return InclusionProof(
            stamp=stamp,
            tree_size=size,
            proof=merkle.inclusion_proof(seq - 1, size, nodes),
            root=merkle.root_from_nodes(size, nodes),
        )

    def consistency(self, first: int, second: int | None = None) -> ConsistencyProof:
        size = self._size(second)
        if not 1 <= first <= size:
            raise InvalidInput(f"first size must be between 1 and {size}")
        with self.record.store.read() as conn:
            keys = (
                merkle.consistency_proof_nodes(first, size)
                + merkle.root_nodes(first)
                + merkle.root_nodes(size)
            )
            nodes = q.get_nodes(conn, keys)
        return ConsistencyProof(
            first=first,
            second=size,
            proof=merkle.consistency_proof(first, size, nodes),
            first_root=merkle.root_from_nodes(first, nodes),
            second_root=merkle.root_from_nodes(size, nodes),
        )

    def stamps(self, first: int, last: int) -> list[Stamp]:
        """Stamps (the public commitments) of a range of the log, at most 10,000 at once."""
        if first < 1 or last < first or last - first >= 10_000:
            raise InvalidInput("ask for 1 to 10,000 stamps, from sequence number 1 on")
        with self.record.store.read() as conn:
            return q.stamps(conn, first, last)
