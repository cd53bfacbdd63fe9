"""Export bundles, and verification of bundles and of servers.

A bundle is JSON lines: a header (format, origin, node key, the reader it was
made for, a signed checkpoint), then one line per entry up to the
checkpoint's size, in order. An entry the reader may read carries its
canonical content and signatures; any other carries only its stamp — the
salted commitment (id), sequence number and append time — which is all a
party needs to check that the log it was shown is complete and in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liaison.domain.party import ALL_PARTIES
from liaison.errors import InvalidInput
from liaison.ledger.signing import b64e
from liaison.services.verify import EntryRow, Progress, VerifyReport, bundle_rows, verify_rows
from liaison.store import queries as q

if TYPE_CHECKING:
    from liaison.client import Client
    from liaison.node import Node

__all__ = ["BUNDLE_FORMAT", "export_bundle", "export_lines", "verify_bundle", "verify_remote"]

BUNDLE_FORMAT = "liaison-bundle/1"


def export_lines(node: Node, reader: str | None, progress: Progress | None = None) -> Iterator[str]:
    """The bundle, line by line, for ``reader`` (a party) or the whole record (None)."""
    checkpoint = node.proofs.checkpoint()
    header = {
        "format": BUNDLE_FORMAT,
        "origin": node.record.origin,
        "node_key": b64e(bytes(node.record.node_key.verify_key)),
        "verifier_key": node.proofs.verifier_key,
        "reader": reader,
        "size": checkpoint.size,
        "checkpoint": checkpoint.note,
    }
    yield json.dumps(header, sort_keys=True) + "\n"
    with node.store.read() as conn:
        for row, parties in q.iter_raw_rows(conn):
            seq = int(row.seq)
            if seq > checkpoint.size:
                break
            line: dict[str, Any] = {"seq": seq, "id": row.id, "at": row.appended_at}
            if reader is None or reader in parties or ALL_PARTIES in parties:
                line["content"] = bytes(row.content).decode("utf-8")
                line["node_sig"] = b64e(bytes(row.node_sig))
                line["author_sig"] = b64e(bytes(row.author_sig)) if row.author_sig else None
                line["author_key"] = row.author_key
            yield json.dumps(line, sort_keys=True) + "\n"
            if progress and seq % 10_000 == 0:
                progress(seq, checkpoint.size)
    if progress:
        progress(checkpoint.size, checkpoint.size)


def export_bundle(
    node: Node, reader: str | None, out: Path, progress: Progress | None = None
) -> int:
    """Write a bundle file; returns the number of entries it covers."""
    if reader is not None:
        with node.store.read() as conn:
            if reader not in {p.id for p in q.parties(conn)}:
                raise InvalidInput(f"no party {reader} on the record")
    count = 0
    with Path(out).open("w", encoding="utf-8") as handle:
        for i, line in enumerate(export_lines(node, reader, progress)):
            handle.write(line)
            count = i
    return count


def _read_header(first: str) -> dict[str, Any]:
    try:
        header = json.loads(first)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not a Liaison bundle: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != BUNDLE_FORMAT:
        raise InvalidInput(f"not a Liaison bundle (expected format {BUNDLE_FORMAT})")
    return header


def verify_bundle(
    path: Path, progress: Progress | None = None, trusted_verifier_key: str | None = None
) -> VerifyReport:
    with Path(path).open(encoding="utf-8") as handle:
        header = _read_header(handle.readline())
        try:
            return verify_rows(header, bundle_rows(handle), progress, trusted_verifier_key)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"the bundle is malformed: {exc}") from exc


def verify_remote(
    client: Client, progress: Progress | None = None, trusted_verifier_key: str | None = None
) -> VerifyReport:
    """Verify a server's log as one member sees it: every stamp, and what it may read."""
    info = client.node()
    checkpoint = client.checkpoint()
    me = client.me()
    header = {
        "format": BUNDLE_FORMAT,
        "origin": info["origin"],
        "node_key": info["public_key"],
        "reader": me["party"],
        "checkpoint": checkpoint["note"],
    }
    size = int(checkpoint["size"])

    def rows() -> Iterator[EntryRow]:
        readable: dict[int, dict[str, Any]] = {}
        for entry in client.iter_entries():
            if entry["seq"] <= size:
                readable[int(entry["seq"])] = dict(entry)
        for first in range(1, size + 1, 10_000):
            for stamp in client.stamps(first, min(size, first + 9_999)):
                seq = int(stamp["seq"])
                found = readable.get(seq)
                raw = None
                sigs: dict[str, Any] = {}
                if found is not None:
                    raw = _content_bytes(found)
                    sigs = dict(found["signatures"])
                yield EntryRow(
                    seq=seq,
                    entry_id=str(stamp["entry"]),
                    at=str(stamp["at"]),
                    raw=raw,
                    node_sig=_b64(sigs.get("node")),
                    author_sig=_b64(sigs.get("author")),
                    author_key=sigs.get("author_key"),
                )

    return verify_rows(header, rows(), progress, trusted_verifier_key)


def _b64(value: Any) -> bytes | None:
    import base64

    return base64.b64decode(value) if value else None


def _content_bytes(entry: dict[str, Any]) -> bytes:
    """Rebuild the signed content bytes from an entry as the API shows it."""
    from liaison.ledger.canonical import canonical_bytes

    fields = ("v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt")
    return canonical_bytes({name: entry[name] for name in fields})
