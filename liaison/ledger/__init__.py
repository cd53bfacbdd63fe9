"""The ledger: what makes the record verifiable by every party (design invariant 4).

Each party must be able to check the whole record, including the existence and
order of entries it may not read, and to detect any entry removed, reordered or
rewritten. The ledger provides the pure building blocks for that, with no I/O:

* ``canonical`` — the RFC 8785 canonical bytes that are hashed and signed, so
  that every party hashes exactly the same bytes for the same entry;
* ``signing`` — Ed25519 keys and signatures for members and for the node;
* ``merkle`` — the RFC 9162 (Certificate Transparency 2.0) Merkle tree over the
  entries' salted commitments: incremental appends that store only perfect
  subtree nodes, inclusion and consistency proofs built from those nodes, and
  their verification;
* ``checkpoint`` — C2SP tlog-checkpoints (signed tree heads) in C2SP signed
  notes, the same format as Go's ``golang.org/x/mod/sumdb/note``, so that
  standard transparency-log witnesses and tools can check them.
"""
