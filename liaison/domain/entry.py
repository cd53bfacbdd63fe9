"""The unit of the record.

An entry has three layers, each with its own bytes:

* the **content**: what the author asserts (kind, body, author, party, time,
  release set, supersedes, salt, format version). Its RFC 8785 bytes are
  signed by the node and, when the member signed on their own side, by the
  member. The entry **id** is the SHA-256 of those bytes; because the content
  carries a random 128-bit salt, the id is a *salted commitment*: it binds the
  content without revealing it, even to someone who can guess the body.
* the **stamp**: what the node asserts about its place in the log (sequence
  number, id, the node's append time). The stamp's bytes are the Merkle leaf,
  so every party can check the existence and order of entries it cannot read.
* the **stored entry**: content, stamp and signatures together, as kept.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import format_time, parse_time
from liaison.ledger.canonical import (
    MAX_SAFE_INTEGER,
    FrozenDict,
    canonical_bytes,
    is_plain,
    json_string,
    plain_dumps,
    sha256,
)

__all__ = [
    "FORMAT_VERSION",
    "Content",
    "Stamp",
    "StoredEntry",
    "is_entry_id",
]

FORMAT_VERSION = 1
SALT_BYTES = 16
_ENTRY_ID = re.compile(r"^[0-9a-f]{64}$")


def is_entry_id(text: str) -> bool:
    return bool(_ENTRY_ID.fullmatch(text))


@dataclass(frozen=True)
class Content:
    kind: str
    body: Mapping[str, Any]
    author: str
    party: str | None
    time: datetime
    release: tuple[str, ...]
    supersedes: str | None
    salt: str
    v: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "kind": self.kind,
            "body": self.body,
            "author": self.author,
            "party": self.party,
            "time": format_time(self.time),
            "release": list(self.release),
            "supersedes": self.supersedes,
            "salt": self.salt,
        }

    def canonical(self) -> bytes:
        body = self.body
        if (
            isinstance(body, FrozenDict)
            and type(self.kind) is str
            and type(self.author) is str
            and type(self.salt) is str
            and type(self.v) is int
            and 0 <= self.v <= MAX_SAFE_INTEGER
            and (self.party is None or type(self.party) is str)
            and (self.supersedes is None or type(self.supersedes) is str)
            and type(self.release) is tuple
            and all(type(p) is str for p in self.release)
            and is_plain(body)
        ):
            # The RFC 8785 text of to_json() written around the body's (every append makes
            # one): the keys in order, strings escaped as the encoder escapes them.
            party = "null" if self.party is None else json_string(self.party)
            supersedes = "null" if self.supersedes is None else json_string(self.supersedes)
            text = (
                f'{{"author":{json_string(self.author)},"body":{plain_dumps(body)},'
                f'"kind":{json_string(self.kind)},"party":{party},'
                f'"release":[{",".join(json_string(p) for p in self.release)}],'
                f'"salt":{json_string(self.salt)},"supersedes":{supersedes},'
                f'"time":{json_string(format_time(self.time))},"v":{self.v}}}'
            )
            try:
                return text.encode("utf-8")
            except UnicodeEncodeError:
                pass  # a lone surrogate: refused below, as canonical_bytes refuses it
        return canonical_bytes(self.to_json())

    @property
    def id(self) -> str:
        return sha256(self.canonical()).hex()

    def released_to(self, party: str) -> bool:
        return party in self.release or ALL_PARTIES in self.release

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Content:
        expected = {"v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt"}
        missing = expected - set(data)
        extra = set(data) - expected
        if missing or extra:
            raise ValueError(
                f"entry content fields: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        if data["v"] != FORMAT_VERSION:
            raise ValueError(f"unsupported entry format version {data['v']!r}")
        if not isinstance(data["body"], Mapping):
            raise ValueError("body must be a JSON object")
        release = data["release"]
        if not isinstance(release, list) or not all(isinstance(p, str) for p in release):
            raise ValueError("release must be a list of party ids")
        return cls(
            kind=str(data["kind"]),
            body=data["body"],
            author=str(data["author"]),
            party=data["party"],
            time=parse_time(str(data["time"])),
            release=tuple(release),
            supersedes=data["supersedes"],
            salt=str(data["salt"]),
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> Content:
        return cls.from_json(json.loads(raw))


def check_salt(salt: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(salt + "=" * (-len(salt) % 4))
    except ValueError as exc:
        raise ValueError("salt must be unpadded base64url") from exc
    if len(raw) != SALT_BYTES:
        raise ValueError(f"salt must encode {SALT_BYTES} random bytes")
    return salt


@dataclass(frozen=True)
class Stamp:
    """An entry's place in the log; its canonical bytes are the Merkle leaf data."""

    seq: int
    entry: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "seq": self.seq,
            "entry": self.entry,
            "at": format_time(self.at),
        }

    def leaf_data(self) -> bytes:
        seq, entry = self.seq, self.entry
        if (
            type(seq) is int
            and 0 < seq <= MAX_SAFE_INTEGER
            and type(entry) is str
            and _ENTRY_ID.fullmatch(entry)
        ):
            # The RFC 8785 bytes written directly (every append makes one): the keys in
            # order, and values that need no escaping (hex digits, a formatted time).
            at = format_time(self.at)
            data = f'{{"at":"{at}","entry":"{entry}","seq":{seq},"v":{FORMAT_VERSION}}}'
            return data.encode("ascii")
        return canonical_bytes(self.to_json())

    @property
    def index(self) -> int:
        """The leaf index in the Merkle tree (sequence numbers start at 1)."""
        return self.seq - 1


@dataclass(frozen=True)
class StoredEntry:
    stamp: Stamp
    content: Content
    raw: bytes  # the canonical content bytes exactly as stored and signed
    node_sig: bytes
    author_sig: bytes | None
    author_key: str | None  # key id of the member key that made author_sig

    @property
    def id(self) -> str:
        return self.stamp.entry

    @property
    def seq(self) -> int:
        return self.stamp.seq

    def to_json(self) -> dict[str, Any]:
        """The entry as a reader sees it over the API."""
        content = self.content.to_json()
        return {
            "seq": self.stamp.seq,
            "id": self.stamp.entry,
            "appended_at": format_time(self.stamp.at),
            **content,
            "signatures": {
                "node": base64.b64encode(self.node_sig).decode(),
                "author": base64.b64encode(self.author_sig).decode() if self.author_sig else None,
                "author_key": self.author_key,
            },
        }
