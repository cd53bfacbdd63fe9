"""Liaison: machinery through which independent allies coordinate.

A signed, releasable, verifiable record shared by parties with no common chain
of command: each party controls what it releases, only agreed records bind,
and every party can check the whole record, including what it cannot read.

What users may rely on is re-exported here: the :class:`Client` of a node's
HTTP API, and the error hierarchy every part of Liaison raises (see
:mod:`liaison.errors` for the tree). Everything else is reached through its
module (``liaison.node``, ``liaison.services``, ``liaison.ledger``, ...).
"""

from importlib.metadata import PackageNotFoundError, version

from liaison.client import Client
from liaison.errors import (
    Conflict,
    IntegrityError,
    InvalidBody,
    InvalidInput,
    InvalidKey,
    InvalidSignature,
    LiaisonError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    TooLarge,
    UnknownKind,
)

try:
    __version__ = version("liaison")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Client",
    "Conflict",
    "IntegrityError",
    "InvalidBody",
    "InvalidInput",
    "InvalidKey",
    "InvalidSignature",
    "LiaisonError",
    "NotAuthenticated",
    "NotFound",
    "NotPermitted",
    "TooLarge",
    "UnknownKind",
    "__version__",
]
