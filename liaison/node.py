"""A node: one store, the node's key, and the services over them.

``Node.open`` is how the API server, the CLI and the tests get a working
system; it owns nothing that another process could not also hold, so several
API processes can open the same PostgreSQL store at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison.domain.entry import StoredEntry
from liaison.domain.time import utcnow
from liaison.errors import InvalidInput
from liaison.ledger.signing import BadKeyError, KeyFile
from liaison.projections import roster as _roster  # noqa: F401 - registers the roster projector
from liaison.services.agreements import AgreementService
from liaison.services.meetings import MeetingService
from liaison.services.messages import MessageService
from liaison.services.picture import PictureService
from liaison.services.proofs import ProofService
from liaison.services.record import RecordService
from liaison.services.roster import RosterService, initialise_store
from liaison.store import SqlStore, open_store

__all__ = ["Node"]


class Node:
    def __init__(
        self, store: SqlStore, node_key: KeyFile, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.key = node_key
        self.record = RecordService(store, node_key.signing_key, clock=clock)
        self.roster = RosterService(self.record)
        self.proofs = ProofService(self.record)
        self.messages = MessageService(self.record)
        self.agreements = AgreementService(self.record)
        self.meetings = MeetingService(self.record)
        self.picture = PictureService(self.record)

    @classmethod
    def open(cls, db: str, node_key_path: str | Path) -> Node:
        store = open_store(db)
        if not store.has_schema():
            raise InvalidInput(f"{store.safe_url} holds no record: run `liaison init` first")
        store.migrate()
        return cls(store, read_node_key(node_key_path))

    @classmethod
    def create(
        cls,
        db: str,
        node_key_path: str | Path,
        origin: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> tuple[Node, StoredEntry]:
        """Create a new record and its node key (refusing to overwrite either).

        ``clock`` is the node's clock for the genesis entry and every append after it:
        the wall clock, or a scenario's historical clock.
        """
        path = Path(node_key_path)
        store = open_store(db)
        if store.has_schema():
            from liaison.store import queries as q

            with store.read() as conn:
                if q.node_info(conn) is not None:
                    raise InvalidInput(f"{store.safe_url} already holds a record")
        if path.exists():
            key = read_node_key(path)
        else:
            key = KeyFile.new("node", None)
            key.write(path)
        genesis = initialise_store(store, origin, key.signing_key, clock)
        return cls(store, key, clock), genesis

    def close(self) -> None:
        self.record.close()
        self.store.dispose()


def read_node_key(path: str | Path) -> KeyFile:
    try:
        return KeyFile.read(Path(path))
    except BadKeyError as exc:
        raise InvalidInput(str(exc)) from exc
