"""The service layer: the one place that coordinates store, ledger and access.

``record`` appends and reads entries (authorise → build → sign → append in one
transaction → notify), ``writer`` batches durable appends (group commit),
``live`` fans new entries out to subscribers, ``roster`` administers parties
and members, ``proofs`` serves checkpoints and Merkle proofs, and ``verify``
checks a whole record, a bundle or a server. The HTTP API and the CLI call
these and nothing below them.
"""
