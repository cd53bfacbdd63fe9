"""A typed, synchronous Python client of a Liaison node's HTTP API.

Why it checks what it receives: a party must not have to trust the node
(design invariant 4). Every checkpoint the client returns has been opened
with the node's checkpoint verifier key, every inclusion and consistency
proof has been checked against the roots it names, and
:meth:`Client.verify_inclusion` ties an entry to a *signed* root end to end.
Pass ``verifier_key=`` (obtained out of band) to pin the key instead of
taking it from the node on first use.

Why it can sign: with ``sign=True`` the member's own key (a key file the
member keeps) signs the entry's canonical content on this side, exactly as
the node would normalise it, and the node only checks and countersigns; the
private key never leaves the member's machine.

Results are TypedDicts in the shape of the wire documents (bytes as base64
text), so they print as JSON and pass through to other tools unchanged.
Errors are the :mod:`liaison.errors` classes named by the problem ``type``
the server returned, with the server's ``detail`` as the message.
"""

from __future__ import annotations

import base64
import builtins
import importlib
import importlib.util
import json
import pkgutil
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, NotRequired, TypedDict, cast

import httpx

from liaison.client_agreements import AgreementsMixin
from liaison.client_meetings import MeetingsMixin
from liaison.client_messages import MessagesMixin
from liaison.domain.entry import Content, Stamp
from liaison.domain.kinds import KINDS, KindSpec
from liaison.domain.party import ALL_PARTIES
from liaison.domain.time import format_time, parse_time, utcnow
from liaison.errors import (
    IntegrityError,
    InvalidBody,
    InvalidInput,
    InvalidKey,
    LiaisonError,
)
from liaison.ledger import merkle
from liaison.ledger.canonical import CanonicalError, canonical_bytes, sha256
from liaison.ledger.checkpoint import CheckpointError, open_checkpoint
from liaison.ledger.signing import KeyFile, b64e, sign, verify

__all__ = [
    "PROBLEM_TYPE_PREFIX",
    "Client",
    "ConsistencyProof",
    "Entry",
    "EntryPage",
    "EntrySignatures",
    "InclusionCheck",
    "InclusionProof",
    "KindInfo",
    "MemberInfo",
    "MemberKeyInfo",
    "NewEntry",
    "NodeInfo",
    "PartyInfo",
    "ServerSentEvent",
    "SignedCheckpoint",
    "StampInfo",
    "error_from_problem",
    "parse_sse",
]

#: the prefix of every problem ``type`` the API returns (``urn:liaison:problem:<slug>``)
PROBLEM_TYPE_PREFIX = "urn:liaison:problem:"
#: how long a live stream may stay silent before the client gives up on it;
#: the server sends a keep-alive comment every 15 seconds
STREAM_READ_TIMEOUT = 60.0
_PAGE = 1000
#: the most entries, and about the most bytes, one batch request carries (the
#: server refuses more than 1000 entries or 1 MiB)
MAX_BATCH = 1000
MAX_BATCH_BYTES = 768 * 1024


# --- the documents ------------------------------------------------------------------------


class EntrySignatures(TypedDict):
    node: str
    author: str | None
    author_key: str | None


class Entry(TypedDict):
    """An entry as a reader sees it (``StoredEntry.to_json()`` on the node)."""

    seq: int
    id: str
    appended_at: str
    v: int
    kind: str
    body: dict[str, Any]
    author: str
    party: str | None
    time: str
    release: list[str]
    supersedes: str | None
    salt: str
    signatures: EntrySignatures


class EntryPage(TypedDict):
    entries: list[Entry]
    #: pass as ``after`` for the next page; None on the last page
    next_after: int | None


class NewEntry(TypedDict):
    """One entry for :meth:`Client.append_many`."""

    kind: str
    body: Mapping[str, Any]
    release: NotRequired[Sequence[str] | None]
    supersedes: NotRequired[str | None]


class NodeInfo(TypedDict):
    origin: str
    public_key: str
    verifier_key: str
    version: str


class MemberKeyInfo(TypedDict):
    key_id: str
    public_key: str
    since_seq: int
    since: str


class MemberInfo(TypedDict):
    member: str
    party: str
    name: str
    role: str
    mandate: dict[str, Any]
    revoked: bool
    revoked_reason: str | None
    keys: list[MemberKeyInfo]
    as_of_seq: int


class PartyInfo(TypedDict):
    id: str
    name: str
    default_release: list[str]
    seq: int


class KindInfo(TypedDict):
    name: str
    description: str
    min_role: str | None
    body_schema: dict[str, Any]


class SignedCheckpoint(TypedDict):
    size: int
    root: str
    note: str
    created_at: str


class StampInfo(TypedDict):
    v: int
    seq: int
    entry: str
    at: str


class InclusionProof(TypedDict):
    seq: int
    tree_size: int
    stamp: StampInfo
    proof: list[str]
    root: str


class ConsistencyProof(TypedDict):
    first: int
    second: int
    proof: list[str]
    first_root: str
    second_root: str


class InclusionCheck(TypedDict):
    """What :meth:`Client.verify_inclusion` checked: this stamp is under this signed root."""

    seq: int
    entry: str
    stamp: StampInfo
    checkpoint: SignedCheckpoint
    proof: InclusionProof


# --- errors -------------------------------------------------------------------------------


def _error_classes(root: type[LiaisonError] = LiaisonError) -> builtins.list[type[LiaisonError]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_error_classes(sub))
    return found


def error_from_problem(status: int, problem: Any) -> LiaisonError:
    """The :mod:`liaison.errors` instance a problem document names (LiaisonError if unknown)."""
    # Only the classes of liaison.errors: a capability's own subclass may share a slug
    # and take other constructor arguments.
    by_slug = {
        cls.slug: cls for cls in _error_classes() if cls.__module__ == LiaisonError.__module__
    }
    if isinstance(problem, Mapping) and isinstance(problem.get("type"), str):
        kind = str(problem["type"])
        slug = kind[len(PROBLEM_TYPE_PREFIX) :] if kind.startswith(PROBLEM_TYPE_PREFIX) else ""
        cls = by_slug.get(slug, LiaisonError)
        detail = problem.get("detail") or problem.get("title") or kind
        return cls(str(detail), status=status, type=kind)
    return LiaisonError(
        f"the server answered HTTP {status} without a problem document", status=status
    )


# --- server-sent events -------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None
    retry: int | None


def parse_sse(lines: Iterable[str]) -> Iterator[ServerSentEvent]:
    """Events from the lines of a ``text/event-stream``, as the WHATWG HTML standard says.

    Comments (keep-alive pings) are skipped, ``data`` lines are joined with
    newlines, an event without data is not dispatched, and the last event id
    carries over to later events.
    """
    data: builtins.list[str] = []
    event = ""
    last_id: str | None = None
    retry: int | None = None
    first = True
    for raw in lines:
        line = raw.removeprefix("\ufeff") if first else raw
        first = False
        if line == "":
            if data:
                yield ServerSentEvent(event or "message", "\n".join(data), last_id, retry)
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            if "\0" not in value:
                last_id = value
        elif name == "retry" and value.isdigit():
            retry = int(value)


# --- the client ---------------------------------------------------------------------------


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise IntegrityError(f"the server sent a {what} that is not base64") from exc


def _batches(payloads: Sequence[dict[str, Any]]) -> Iterator[builtins.list[dict[str, Any]]]:
    """Split payloads into requests the server accepts (a lone oversize one goes alone)."""
    batch: builtins.list[dict[str, Any]] = []
    size = 0
    for payload in payloads:
        length = len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) + 1
        if batch and (len(batch) == MAX_BATCH or size + length > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(payload)
        size += length
    if batch:
        yield batch


def _kind(name: str) -> KindSpec:
    """The kind's spec, loading the capabilities' kind modules the first time one is missing.

    Each capability registers its kinds when its ``liaison.<capability>.kinds``
    module is imported; the node imports them all, a client process only what
    it used. Importing them by that naming convention, only when needed, keeps
    a client able to sign any kind the node accepts without a list to maintain.
    """
    if name not in KINDS:
        import liaison

        for module in pkgutil.iter_modules(liaison.__path__):
            if module.ispkg and importlib.util.find_spec(f"liaison.{module.name}.kinds"):
                importlib.import_module(f"liaison.{module.name}.kinds")
    return KINDS.get(name)


def _new_salt() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def _content_bytes(entry: Entry) -> bytes:
    """The entry's signed content bytes, rebuilt from the fields the API shows."""
    fields = ("v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt")
    data = cast(Mapping[str, Any], entry)
    return canonical_bytes({name: data[name] for name in fields})


class Client(MessagesMixin, AgreementsMixin, MeetingsMixin):
    """A member's (or anyone's, for the public routes) connection to one node."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        key: KeyFile | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        verifier_key: str | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.url = url.rstrip("/")
        self.key = key
        self._timeout = timeout
        self._pinned_verifier = verifier_key
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, transport=transport
        )
        self._node: NodeInfo | None = None
        self._me: MemberInfo | None = None
        # A party's default release is fixed when it joins the record.
        self._default_release: dict[str, builtins.list[str]] = {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- plumbing ----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, params=query, json=body)
        except httpx.TransportError as exc:
            raise LiaisonError(f"cannot reach {self.url}: {exc}") from exc
        self._raise_for(response)
        try:
            return response.json()
        except ValueError as exc:
            raise LiaisonError(f"{self.url}{path} did not answer with JSON") from exc

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            problem = response.json()
        except ValueError:
            problem = None
        raise error_from_problem(response.status_code, problem)

    @staticmethod
    def _filters(
        kind: str | None, party: str | None, author: str | None, text: str | None, after: int
    ) -> dict[str, Any]:
        return {"kind": kind, "party": party, "author": author, "text": text, "after": after}

    # --- the node and the roster -------------------------------------------------------

    def node(self) -> NodeInfo:
        """The node's origin, public key and checkpoint verifier key (no token needed)."""
        info = cast(NodeInfo, self._request("GET", "/v1/node"))
        if self._node is None:
            self._node = info
        return info

    def me(self) -> MemberInfo:
        """The calling member: party, role, mandate and keys, as the record shows them now."""
        me = cast(MemberInfo, self._request("GET", "/v1/me"))
        self._me = me
        return me

    def parties(self) -> builtins.list[PartyInfo]:
        return cast(builtins.list[PartyInfo], self._request("GET", "/v1/parties")["parties"])

    def members(self, party: str | None = None) -> builtins.list[MemberInfo]:
        found = self._request("GET", "/v1/members", params={"party": party})
        return cast(builtins.list[MemberInfo], found["members"])

    def authority(self, member: str, at: datetime | str | None = None) -> MemberInfo:
        """A member's authority now, or at any past moment."""
        moment = format_time(at) if isinstance(at, datetime) else at
        found = self._request("GET", f"/v1/members/{member}/authority", params={"at": moment})
        return cast(MemberInfo, found)

    def kinds(self) -> builtins.list[KindInfo]:
        return cast(builtins.list[KindInfo], self._request("GET", "/v1/kinds")["kinds"])

    # --- appending -----------------------------------------------------------------------

    def append(
        self,
        kind: str,
        body: Mapping[str, Any],
        *,
        release: Sequence[str] | None = None,
        supersedes: str | None = None,
        sign: bool = False,
    ) -> Entry:
        """Append one entry; with ``sign`` the member's key signs it on this side."""
        payload = self._payload(kind, body, release, supersedes, sign)
        return cast(Entry, self._request("POST", "/v1/entries", body=payload))

    def append_many(
        self, entries: Sequence[NewEntry], *, sign: bool = False
    ) -> builtins.list[Entry | LiaisonError]:
        """Append several entries; each is accepted or refused on its own.

        They are sent in as few batch requests as the server's limits allow
        (at most 1000 entries and well under 1 MiB per request), in order.
        """
        payloads = [
            self._payload(e["kind"], e["body"], e.get("release"), e.get("supersedes"), sign)
            for e in entries
        ]
        results: builtins.list[Entry | LiaisonError] = []
        for batch in _batches(payloads):
            found = self._request("POST", "/v1/entries/batch", body=batch)
            for item in found["results"]:
                if item.get("problem") is not None:
                    problem = item["problem"]
                    results.append(error_from_problem(int(problem.get("status", 400)), problem))
                else:
                    results.append(cast(Entry, item["entry"]))
        return results

    def _payload(
        self,
        kind: str,
        body: Mapping[str, Any],
        release: Sequence[str] | None,
        supersedes: str | None,
        signed: bool,
    ) -> dict[str, Any]:
        if signed:
            return self._signed_content(kind, body, release, supersedes)
        payload: dict[str, Any] = {"kind": kind, "body": dict(body)}
        if release is not None:
            payload["release"] = list(release)
        if supersedes is not None:
            payload["supersedes"] = supersedes
        return payload

    def _signed_content(
        self,
        kind: str,
        body: Mapping[str, Any],
        release: Sequence[str] | None,
        supersedes: str | None,
    ) -> dict[str, Any]:
        """Build the content exactly as the node would, and sign its RFC 8785 bytes."""
        if self.key is None:
            raise InvalidInput("signing needs the member's key file (Client(..., key=...))")
        me = self._me or self.me()
        public = b64e(self.key.public_key)
        if me["keys"] and me["keys"][-1]["public_key"] != public:
            me = self.me()  # the key may have been rotated since we last asked
        if self.key.owner != me["member"]:
            raise InvalidKey(f"the key file belongs to {self.key.owner}, not {me['member']}")
        if me["keys"] and me["keys"][-1]["public_key"] != public:
            raise InvalidKey(f"the key file is not the current key of {me['member']}")
        normal = _kind(kind).validate(body)
        content = Content(
            kind=kind,
            body=normal,
            author=me["member"],
            party=me["party"],
            time=utcnow(),
            release=self._normal_release(me["party"], release),
            supersedes=supersedes,
            salt=_new_salt(),
        )
        try:
            raw = content.canonical()
        except CanonicalError as exc:
            raise InvalidBody(str(exc)) from None
        return {"content": content.to_json(), "signature": b64e(sign(self.key.signing_key, raw))}

    def _normal_release(self, party: str, release: Sequence[str] | None) -> tuple[str, ...]:
        """The release set as the node normalises it: own party added, sorted, or ``*`` alone."""
        if isinstance(release, str):
            raise InvalidInput("release must be a list of party ids")
        if release is None:
            if party not in self._default_release:
                own = next((p for p in self.parties() if p["id"] == party), None)
                self._default_release[party] = own["default_release"] if own else []
            release = self._default_release[party]
        if ALL_PARTIES in release:
            return (ALL_PARTIES,)
        return tuple(sorted({party, *release}))

    # --- reading -------------------------------------------------------------------------

    def get(self, entry_id: str) -> Entry:
        return cast(Entry, self._request("GET", f"/v1/entries/{entry_id}"))

    def versions(self, entry_id: str) -> builtins.list[Entry]:
        found = self._request("GET", f"/v1/entries/{entry_id}/versions")
        return cast(builtins.list[Entry], found["versions"])

    def list_page(
        self,
        *,
        kind: str | None = None,
        party: str | None = None,
        author: str | None = None,
        text: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> EntryPage:
        """One page of entries released to the caller, with the cursor of the next page."""
        params = {**self._filters(kind, party, author, text, after), "limit": limit}
        return cast(EntryPage, self._request("GET", "/v1/entries", params=params))

    def list(
        self,
        *,
        kind: str | None = None,
        party: str | None = None,
        author: str | None = None,
        text: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> builtins.list[Entry]:
        """Entries released to the caller, oldest first: one page of at most ``limit``."""
        page = self.list_page(
            kind=kind, party=party, author=author, text=text, after=after, limit=limit
        )
        return page["entries"]

    def iter_entries(
        self,
        *,
        kind: str | None = None,
        party: str | None = None,
        author: str | None = None,
        text: str | None = None,
        after: int = 0,
    ) -> Iterator[Entry]:
        """Every entry released to the caller that matches, page by page."""
        cursor: int | None = after
        while cursor is not None:
            page = self.list_page(
                kind=kind, party=party, author=author, text=text, after=cursor, limit=_PAGE
            )
            yield from page["entries"]
            cursor = page["next_after"]

    def count(
        self,
        *,
        kind: str | None = None,
        party: str | None = None,
        author: str | None = None,
        text: str | None = None,
        after: int = 0,
    ) -> int:
        params = self._filters(kind, party, author, text, after)
        return int(self._request("GET", "/v1/entries/count", params=params)["count"])

    def follow(self, after: int = 0) -> Iterator[Entry]:
        """New entries released to the caller as they are appended (server-sent events).

        The iterator does not end by itself; stop iterating to close the
        stream. To resume after a break, call again with ``after`` set to the
        last entry's ``seq``.
        """
        timeout = httpx.Timeout(self._timeout, read=max(self._timeout, STREAM_READ_TIMEOUT))
        try:
            with self._http.stream(
                "GET",
                "/v1/stream",
                params={"after": after},
                headers={"Accept": "text/event-stream"},
                timeout=timeout,
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                for event in parse_sse(response.iter_lines()):
                    if event.event == "entry":
                        yield cast(Entry, json.loads(event.data))
        except httpx.TransportError as exc:
            raise LiaisonError(f"the live stream from {self.url} broke: {exc}") from exc

    def export_lines(self) -> Iterator[str]:
        """The caller's export bundle, line by line (each line ends in a newline)."""
        try:
            with self._http.stream("GET", "/v1/export") as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                for line in response.iter_lines():
                    if line:
                        yield line + "\n"
        except httpx.TransportError as exc:
            raise LiaisonError(f"the export from {self.url} broke: {exc}") from exc

    # --- checkpoints and proofs, each checked on arrival ------------------------------

    def _trusted_node(self) -> NodeInfo:
        return self._node or self.node()

    def _open(self, signed: SignedCheckpoint) -> SignedCheckpoint:
        info = self._trusted_node()
        key = self._pinned_verifier or info["verifier_key"]
        try:
            opened = open_checkpoint(signed["note"], key, origin=info["origin"])
        except CheckpointError as exc:
            raise IntegrityError(f"the checkpoint does not verify: {exc}") from exc
        if opened.size != signed["size"] or opened.root_hash != _b64(signed["root"], "root"):
            raise IntegrityError("the checkpoint's size or root differs from its signed note")
        return signed

    def checkpoint(self) -> SignedCheckpoint:
        """The latest signed checkpoint, its signature checked with the node's verifier key."""
        return self._open(cast(SignedCheckpoint, self._request("GET", "/v1/checkpoint")))

    def checkpoints(self) -> builtins.list[SignedCheckpoint]:
        found = self._request("GET", "/v1/checkpoints")["checkpoints"]
        return [self._open(cast(SignedCheckpoint, cp)) for cp in found]

    def inclusion_proof(self, seq: int, tree_size: int | None = None) -> InclusionProof:
        """Proof that the entry at ``seq`` is in the tree of ``tree_size``, checked here."""
        proof = cast(
            InclusionProof,
            self._request(
                "GET", "/v1/proofs/inclusion", params={"seq": seq, "tree_size": tree_size}
            ),
        )
        stamp = proof["stamp"]
        if proof["seq"] != seq or stamp["seq"] != seq:
            raise IntegrityError(f"asked for the proof of entry {seq}, got {proof['seq']}")
        if tree_size is not None and proof["tree_size"] != tree_size:
            raise IntegrityError(f"asked for a proof in a tree of {tree_size}, got another size")
        leaf_data = Stamp(stamp["seq"], stamp["entry"], parse_time(stamp["at"])).leaf_data()
        leaf = merkle.leaf_hash(leaf_data)
        hashes = [_b64(h, "proof hash") for h in proof["proof"]]
        root = _b64(proof["root"], "root")
        if not merkle.verify_inclusion(leaf, seq - 1, proof["tree_size"], hashes, root):
            raise IntegrityError(
                f"the inclusion proof of entry {seq} in a tree of {proof['tree_size']} "
                "does not verify"
            )
        return proof

    def consistency_proof(self, first: int, second: int | None = None) -> ConsistencyProof:
        """Proof that the tree of ``second`` extends the tree of ``first``, checked here."""
        proof = cast(
            ConsistencyProof,
            self._request(
                "GET", "/v1/proofs/consistency", params={"first": first, "second": second}
            ),
        )
        if proof["first"] != first or (second is not None and proof["second"] != second):
            raise IntegrityError("the consistency proof is for other tree sizes than asked")
        if not merkle.verify_consistency(
            proof["first"],
            proof["second"],
            _b64(proof["first_root"], "root"),
            _b64(proof["second_root"], "root"),
            [_b64(h, "proof hash") for h in proof["proof"]],
        ):
            raise IntegrityError(
                f"the consistency proof from {proof['first']} to {proof['second']} does not verify"
            )
        return proof

    def stamps(self, first: int, last: int) -> builtins.list[StampInfo]:
        """The public commitments (sequence number, entry id, time) of a range of the log."""
        found = self._request("GET", "/v1/stamps", params={"first": first, "last": last})
        return cast(builtins.list[StampInfo], found["stamps"])

    def verify_inclusion(self, entry: str | int) -> InclusionCheck:
        """Check that an entry (by id, or by sequence number) is under the node's signed root.

        Fetches the latest checkpoint (signature checked), the entry when given
        by id (its id recomputed from its content, the node's signature
        checked), the inclusion proof against the checkpoint's size and the
        entry's stamp; the stamp must name the entry and the proof must lead
        to the signed root. Raises IntegrityError on any mismatch.
        """
        checkpoint = self.checkpoint()
        entry_id: str | None = None
        if isinstance(entry, str):
            found = self.get(entry)
            self._check_entry(found, entry)
            seq, entry_id = found["seq"], entry
        else:
            seq = entry
        if not 1 <= seq <= checkpoint["size"]:
            raise InvalidInput(
                f"entry {seq} is not covered by the checkpoint of size {checkpoint['size']}"
            )
        proof = self.inclusion_proof(seq, checkpoint["size"])
        if _b64(proof["root"], "root") != _b64(checkpoint["root"], "root"):
            raise IntegrityError("the inclusion proof does not lead to the signed root")
        stamps = self.stamps(seq, seq)
        if len(stamps) != 1 or stamps[0] != proof["stamp"]:
            raise IntegrityError(f"the stamp of entry {seq} differs from the one in its proof")
        stamp = stamps[0]
        if entry_id is not None and stamp["entry"] != entry_id:
            raise IntegrityError(f"the stamp at {seq} names {stamp['entry']}, not {entry_id}")
        return InclusionCheck(
            seq=seq, entry=stamp["entry"], stamp=stamp, checkpoint=checkpoint, proof=proof
        )

    def _check_entry(self, entry: Entry, entry_id: str) -> None:
        try:
            raw = _content_bytes(entry)
        except (CanonicalError, KeyError) as exc:
            raise IntegrityError(
                f"entry {entry_id} cannot be put back into canonical bytes"
            ) from exc
        if entry["id"] != entry_id or sha256(raw).hex() != entry_id:
            raise IntegrityError(f"the content of entry {entry_id} does not hash to its id")
        node_key = _b64(self._trusted_node()["public_key"], "node key")
        if not verify(node_key, raw, _b64(entry["signatures"]["node"], "signature")):
            raise IntegrityError(f"the node's signature of entry {entry_id} does not verify")
