"""One TAK service per node: the ingest, the drafts desk and the certificate bindings.

The API's ``POST /v1/cot`` and the CoT listener of ``liaison serve`` run in the same process
over the same node; :func:`tak_for` gives both the same :class:`Tak`, so that their drafts and
deletes are serialised by one lock. Nothing here holds state another process could not also
hold: the guards on the record refuse what a second process would race to write.
"""

from __future__ import annotations

import threading
import weakref

from liaison.node import Node
from liaison.tak.certs import CertificateStore
from liaison.tak.drafts import DraftDesk
from liaison.tak.ingest import Ingest

__all__ = ["Tak", "tak_for"]


class Tak:
    """The TAK capabilities over one node."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.ingest = Ingest(node.record)
        self.drafts = DraftDesk(node.record, node.picture, self.ingest.serial_lock)
        self.certificates = CertificateStore(node.record)


_SERVICES: weakref.WeakKeyDictionary[Node, Tak] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def tak_for(node: Node) -> Tak:
    """The node's TAK service, made on first use."""
    with _GUARD:
        found = _SERVICES.get(node)
        if found is None:
            found = _SERVICES[node] = Tak(node)
        return found
