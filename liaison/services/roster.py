"""Administration of the node: creating the record, parties and members.

These run on the store as the node (the CLI's ``--db`` commands), never through
a member's token. Every change is itself an entry, released to every party, so
any party can answer from the record who held which authority when.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nacl.signing

from liaison.domain.entry import Content, Stamp, StoredEntry
from liaison.domain.kinds import KINDS
from liaison.domain.member import Authority
from liaison.domain.party import ALL_PARTIES
from liaison.domain.roles import Role
from liaison.domain.time import utcnow
from liaison.errors import Conflict, InvalidInput, InvalidKey, NotAuthenticated, NotFound
from liaison.ledger import merkle
from liaison.ledger.signing import BadKeyError, KeyFile, b64e, check_public_key, sign
from liaison.services.record import NODE_AUTHOR, AppendRequest, RecordService, new_salt
from liaison.store import queries as q
from liaison.store.sql import SqlStore

__all__ = ["Appointment", "RosterService", "hash_token", "initialise_store"]

TOKEN_PREFIX = "lsn_"  # noqa: S105 - a prefix that marks tokens, not a secret


def _role(role: Role | str) -> str:
    try:
        return str(role if isinstance(role, Role) else Role.parse(role))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def initialise_store(
    store: SqlStore,
    origin: str,
    node_key: nacl.signing.SigningKey,
    clock: Callable[[], datetime] = utcnow,
) -> StoredEntry:
    """Create the schema and the genesis entry; refuses a store that already has a record."""
    store.migrate()
    public = b64e(bytes(node_key.verify_key))
    with store.write() as conn:
        if q.node_info(conn) is not None:
            raise Conflict(f"{store.safe_url} already holds a record")
        now = clock()
        spec = KINDS.get("node.genesis")
        body = spec.validate({"origin": origin, "node_key": public})
        content = Content(
            kind=spec.name,
            body=body,
            author=NODE_AUTHOR,
            party=None,
            time=now,
            release=(ALL_PARTIES,),
            supersedes=None,
            salt=new_salt(),
        )
        raw = content.canonical()
        entry = StoredEntry(
            Stamp(1, content.id, now), content, raw, sign(node_key, raw), None, None
        )
        frontier, records = merkle.append_leaf(
            merkle.Frontier.empty(), merkle.leaf_hash(entry.stamp.leaf_data())
        )
        from liaison.store.schema import log_head, node

        conn.execute(
            node.insert().values(
                id=1, origin=origin, public_key=public, created_at=content.to_json()["time"]
            )
        )
        conn.execute(
            log_head.insert().values(id=1, size=0, frontier=merkle.Frontier.empty().to_json())
        )
        q.insert_entries(conn, [entry])
        q.insert_nodes(conn, [(r.level, r.index, r.hash) for r in records])
        q.set_head(conn, frontier.size, frontier.to_json())
    return entry


@dataclass(frozen=True)
class Appointment:
    entry: StoredEntry
    token: str
    key: KeyFile


class RosterService:
    def __init__(self, record: RecordService) -> None:
        self.record = record

    def _admin(self, kind: str, body: dict[str, Any]) -> StoredEntry:
        return self.record.append(AppendRequest(author=NODE_AUTHOR, kind=kind, body=body))

    def add_party(self, party: str, name: str, default_release: Sequence[str] = ()) -> StoredEntry:
        with self.record.store.read() as conn:
            known = {p.id for p in q.parties(conn)}
        if party in known:
            raise Conflict(f"party {party} is already on the record")
        unknown = sorted(set(default_release) - known - {ALL_PARTIES})
        if unknown:
            raise InvalidInput(f"default release names unknown parties: {', '.join(unknown)}")
        return self._admin(
            "party.add", {"party": party, "name": name, "default_release": list(default_release)}
        )

    def appoint(
        self, member: str, party: str, name: str, role: Role | str, mandate: dict[str, Any]
    ) -> Appointment:
        """Appoint a member: the record gets the public key, the caller the token and key file."""
        with self.record.store.read() as conn:
            if party not in {p.id for p in q.parties(conn)}:
                raise NotFound(f"no party {party} on the record")
            if member in q.member_ids(conn) or member == NODE_AUTHOR:
                raise Conflict(f"member {member} is already on the record")
        key = KeyFile.new(member, party)
        entry = self._admin(
            "member.appoint",
            {
                "member": member,
                "party": party,
                "name": name,
                "role": _role(role),
                "mandate": mandate,
                "public_key": b64e(key.public_key),
            },
        )
        token = self.issue_token(member)
        return Appointment(entry, token, key)

    def change(self, member: str, role: Role | str, mandate: dict[str, Any]) -> StoredEntry:
        self._existing(member)
        return self._admin(
            "member.change",
            {
                "member": member,
                "role": _role(role),
                "mandate": mandate,
            },
        )

    def revoke(self, member: str, reason: str) -> StoredEntry:
        authority = self._existing(member)
        if authority.revoked:
            raise Conflict(f"member {member} is already revoked")
        entry = self._admin("member.revoke", {"member": member, "reason": reason})
        with self.record.store.write() as conn:
            q.revoke_tokens(conn, member, utcnow())
        return entry

    def rotate_key(
        self, member: str, public_key: bytes | None = None
    ) -> tuple[StoredEntry, KeyFile | None]:
        """Register a new key for a member; generate it here unless the member brings one."""
        authority = self._existing(member)
        key = None
        if public_key is None:
            key = KeyFile.new(member, authority.party)
            public_key = key.public_key
        else:
            try:
                check_public_key(public_key)
            except BadKeyError as exc:
                raise InvalidKey(f"cannot rotate to this key: {exc}") from exc
        entry = self._admin("member.key", {"member": member, "public_key": b64e(public_key)})
        return entry, key

    def issue_token(self, member: str) -> str:
        """A new API token for a member; only its hash is stored, the token is shown once."""
        if self._existing(member).revoked:
            raise Conflict(f"member {member} is revoked; a token would not authenticate")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.record.store.write() as conn:
            q.add_token(conn, hash_token(token), member, utcnow())
        return token

    def _existing(self, member: str) -> Any:
        return self.record.authority(member)


def authenticate(record: RecordService, token: str | None) -> str:
    """The member a bearer token belongs to; any failure is the same 401."""
    return authenticate_authority(record, token).member


def authenticate_authority(record: RecordService, token: str | None) -> Authority:
    """The authority of the member a bearer token belongs to, read in one transaction.

    What every authenticated request needs: a request pays for one read rather
    than one for the token and another for the authority. Any failure — no
    token, an unknown or revoked token, a member no longer on the record — is
    the same 401.
    """
    if not token or not token.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("a valid member token is required")
    with record.store.read() as conn:
        member = q.member_for_token(conn, hash_token(token))
        authority = q.authority(conn, member) if member is not None else None
    if authority is None:
        raise NotAuthenticated("a valid member token is required")
    return authority


__all__ += ["authenticate", "authenticate_authority"]
