"""The ``liaison`` command line: administration on a store, and a member's work against a server.

``app`` assembles the command tree and is the one place where library errors
become exit codes. ``admin`` (init, parties, verify, export, rebuild) and
``member`` (appointments, keys, tokens, authority) act on a store as the node;
``serve`` runs the HTTP API; ``record`` holds what a member does through
``liaison.Client`` (append, list, show, follow, checkpoints, proofs).
``options`` builds the shared options from ``liaison.config``, ``connect``
opens nodes and clients, and ``output`` prints tables, JSON and errors.
"""

from liaison.cli.app import app, main

__all__ = ["app", "main"]
