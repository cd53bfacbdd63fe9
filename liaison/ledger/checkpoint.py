"""Signed checkpoints: C2SP tlog-checkpoints carried in C2SP signed notes.

Why this format: a checkpoint is the node's signed statement "the log of
``origin`` has ``size`` entries and this root". Parties, their own nodes and
outside witnesses must be able to check it with tools they already trust, so
it is written exactly as the transparency-log ecosystem writes it: the body of
https://c2sp.org/tlog-checkpoint inside a https://c2sp.org/signed-note, the
format of Go's ``golang.org/x/mod/sumdb/note``. A note may carry several
signatures (the node's, a party's, a witness's), each line naming its key, so
one checkpoint can be countersigned by everyone who has checked it.

A signed note is the text, a blank line, then one line per signature::

    <text, every line ending in a newline>

    — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>

The key id is the first four bytes of SHA-256(key name || "\\n" || 0x01 ||
public key), and a verifier key is written ``<name>+<8 hex key id>+<base64(0x01
|| public key)>``. The signature covers the text, final newline included.

Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import nacl.bindings
import nacl.exceptions
import nacl.signing

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "CheckpointError",
    "NoteSignature",
    "OpenedNote",
    "VerifierKey",
    "add_signature",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "verifier_key",
]

ALG_ED25519 = 0x01
"""Signature-type byte of Ed25519 keys in the signed-note format."""

MAX_SIGNATURES = 100
"""Notes with more signature lines are refused, as by the Go reference, to bound the work."""

_HASH_SIZE = 32
_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_MAX_SIZE = 2**64 - 1
_SIG_PREFIX = "\u2014 "  # EM DASH, SPACE
_SIZE_LINE = re.compile(r"(?:0|[1-9][0-9]{0,19})", re.ASCII)
_HEX8 = re.compile(r"[0-9a-fA-F]{8}", re.ASCII)

Reason = Literal[
    "malformed-note",
    "malformed-checkpoint",
    "malformed-key",
    "unknown-key",
    "bad-signature",
    "wrong-origin",
]


class CheckpointError(ValueError):
    """A note, checkpoint or key that cannot be trusted; ``reason`` says which kind.

    The reasons are stable so that callers can map them to their own errors
    (bad input from a peer, or a stored record that fails verification)
    without parsing messages.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


# --------------------------------------------------------------------------------------
# Text rules shared by notes and checkpoints


def _has_forbidden_chars(text: str) -> bool:
    """True for ASCII controls other than newline, and for text that is not valid UTF-8.

    Signed notes must be UTF-8 without control characters, so that what a
    human reads is what was signed; a lone surrogate cannot be encoded at all.
    """
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_valid_key_name(name: str) -> bool:
    """Non-empty, no spaces of any kind, no '+', as in the signed-note spec."""
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and not _has_forbidden_chars(name)
    )


def _b64decode(text: str, *, canonical: bool) -> bytes | None:
    """Strict standard base64 (padding required); None if it is not.

    With ``canonical`` the encoding must also be the one a correct encoder
    emits (zero padding bits), so that re-encoding gives the same text back.
    """
    try:
        raw = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if canonical and base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


# --------------------------------------------------------------------------------------
# Checkpoint bodies


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log named ``origin`` has ``size`` leaves and root ``root_hash``.

    ``extensions`` are the optional extra body lines of the checkpoint spec;
    they are signed along with the rest and kept verbatim.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise CheckpointError("malformed-checkpoint", "the checkpoint origin must not be empty")
        if "\n" in self.origin or _has_forbidden_chars(self.origin):
            raise CheckpointError(
                "malformed-checkpoint", "the checkpoint origin must be one line of printable text"
            )
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise CheckpointError("malformed-checkpoint", "the checkpoint size must be an integer")
        if not 0 <= self.size <= _MAX_SIZE:
            raise CheckpointError(
                "malformed-checkpoint", f"the checkpoint size {self.size} is not a uint64"
            )
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != _HASH_SIZE:
            raise CheckpointError(
                "malformed-checkpoint", "the checkpoint root hash must be 32 bytes"
            )
        if not isinstance(self.extensions, tuple):
            raise CheckpointError(
                "malformed-checkpoint", "checkpoint extensions must be a tuple of lines"
            )
        for line in self.extensions:
            if not isinstance(line, str) or not line or "\n" in line or _has_forbidden_chars(line):
                raise CheckpointError(
                    "malformed-checkpoint",
                    "every checkpoint extension must be one non-empty line of printable text",
                )

    def body(self) -> str:
        """The note text: origin, decimal size, base64 root, then extension lines."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly, so that ``from_body(t).body() == t``.

        Raises CheckpointError("malformed-checkpoint") naming the first
        problem: too few lines, an empty line, a size that is not canonical
        decimal, a root that is not canonical base64 of 32 bytes.
        """
        if not isinstance(text, str) or not text.endswith("\n"):
            raise CheckpointError("malformed-checkpoint", "a checkpoint body ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                "malformed-checkpoint",
                "a checkpoint body has at least three lines: origin, size, root hash",
            )
        if any(not line for line in lines):
            raise CheckpointError("malformed-checkpoint", "a checkpoint body has no empty lines")
        origin, size_line, root_line, *extensions = lines
        if not _SIZE_LINE.fullmatch(size_line) or int(size_line) > _MAX_SIZE:
            raise CheckpointError(
                "malformed-checkpoint",
                f"checkpoint size {size_line!r} is not a decimal uint64 without leading zeros",
            )
        root = _b64decode(root_line, canonical=True)
        if root is None:
            raise CheckpointError(
                "malformed-checkpoint", f"checkpoint root hash {root_line!r} is not base64"
            )
        if len(root) != _HASH_SIZE:
            raise CheckpointError(
                "malformed-checkpoint",
                f"checkpoint root hash is {len(root)} bytes, not {_HASH_SIZE}",
            )
        return cls(origin, int(size_line), root, tuple(extensions))


# --------------------------------------------------------------------------------------
# Keys


def key_id(key_name: str, public_key: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(
        key_name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    ).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key that opens signed notes."""

    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is this key's Ed25519 signature of ``message``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            nacl.signing.VerifyKey(self.public_key).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, ValueError):
            return False
        return True


def _public_key_bytes(key: nacl.signing.VerifyKey | bytes) -> bytes:
    raw = bytes(key)
    if len(raw) != _KEY_SIZE:
        raise CheckpointError("malformed-key", f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return raw


def verifier_key(key_name: str, verify_key: nacl.signing.VerifyKey | bytes) -> str:
    """The verifier key string ``<name>+<key id>+<base64(0x01 || key)>`` to publish."""
    if not _is_valid_key_name(key_name):
        raise CheckpointError(
            "malformed-key", f"key name {key_name!r} must be non-empty, without spaces or '+'"
        )
    public = _public_key_bytes(verify_key)
    return str(VerifierKey(key_name, key_id(key_name, public), public))


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse and check a verifier key string; the key id must match name and key.

    Raises CheckpointError("malformed-key"): a key whose id does not match
    could make a verifier believe a note was signed by a key it trusts.
    """
    if not isinstance(text, str):
        raise CheckpointError("malformed-key", "a verifier key is a string")
    name, _, rest = text.partition("+")
    id_hex, _, key_b64 = rest.partition("+")
    if not _is_valid_key_name(name):
        raise CheckpointError(
            "malformed-key", f"verifier key name {name!r} is not a valid key name"
        )
    if not _HEX8.fullmatch(id_hex):
        raise CheckpointError("malformed-key", "a verifier key id is 8 hexadecimal digits")
    raw = _b64decode(key_b64, canonical=True)
    if not raw:
        raise CheckpointError("malformed-key", "the verifier key material is not base64")
    if raw[0] != ALG_ED25519:
        raise CheckpointError(
            "malformed-key", f"unknown verifier key algorithm {raw[0]:#04x} (only Ed25519)"
        )
    public = raw[1:]
    if len(public) != _KEY_SIZE:
        raise CheckpointError(
            "malformed-key", f"an Ed25519 verifier key is 32 bytes, not {len(public)}"
        )
    if key_id(name, public) != bytes.fromhex(id_hex):
        raise CheckpointError(
            "malformed-key", "the verifier key id does not match the key name and key"
        )
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(public):
        raise CheckpointError("malformed-key", "the verifier key is not a usable Ed25519 point")
    return VerifierKey(name, bytes.fromhex(id_hex), public)


def _as_verifier(key: str | VerifierKey) -> VerifierKey:
    return key if isinstance(key, VerifierKey) else parse_verifier_key(key)


# --------------------------------------------------------------------------------------
# Signed notes


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key it names and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text is vouched for by ``verified`` (keys given by the caller).

    ``unverified`` are the signatures by keys the caller did not give; they
    are kept, not trusted.
    """

    text: str
    verified: tuple[VerifierKey, ...]
    unverified: tuple[NoteSignature, ...]


def _split_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Separate the text from its signature lines, checking the syntax only."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckpointError("malformed-note", "a signed note is UTF-8 text") from exc
    if not isinstance(note, str):
        raise CheckpointError("malformed-note", "a signed note is text")
    if _has_forbidden_chars(note):
        raise CheckpointError(
            "malformed-note", "a signed note has no control characters other than newlines"
        )
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError(
            "malformed-note", "a signed note has a blank line before its signatures"
        )
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise CheckpointError(
            "malformed-note", "a signed note ends with signature lines, each ending in a newline"
        )
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(
            "malformed-note", f"a signed note carries at most {MAX_SIGNATURES} signatures"
        )
    signatures = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError(
                "malformed-note", f"signature line {line[:40]!r} does not start with an em dash"
            )
        name, _, blob = line[len(_SIG_PREFIX) :].partition(" ")
        raw = _b64decode(blob, canonical=False) if blob else None
        if not _is_valid_key_name(name) or raw is None or len(raw) < 5:
            raise CheckpointError(
                "malformed-note", f"signature line {line[:40]!r} is not '— <name> <base64>'"
            )
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, signatures


def _signature(text: str, key_name: str, signing_key: nacl.signing.SigningKey) -> NoteSignature:
    if not _is_valid_key_name(key_name):
        raise CheckpointError(
            "malformed-key", f"key name {key_name!r} must be non-empty, without spaces or '+'"
        )
    public = bytes(signing_key.verify_key)
    signed = signing_key.sign(text.encode("utf-8"))
    return NoteSignature(key_name, key_id(key_name, public), bytes(signed.signature))


def sign_note(text: str, key_name: str, signing_key: nacl.signing.SigningKey) -> str:
    """Sign ``text`` as a note with one signature line.

    The text must be non-empty, end with a newline and contain no blank line
    at its end, so that the note splits back into the very text that was
    signed.
    """
    if not isinstance(text, str) or not text.endswith("\n") or text.endswith("\n\n"):
        raise CheckpointError(
            "malformed-note", "note text ends with exactly one newline (no blank last line)"
        )
    if _has_forbidden_chars(text):
        raise CheckpointError(
            "malformed-note", "note text has no control characters other than newlines"
        )
    return text + "\n" + _signature(text, key_name, signing_key).line()


def add_signature(note: str, key_name: str, signing_key: nacl.signing.SigningKey) -> str:
    """Countersign a signed note: add this key's line after the existing ones.

    The existing signatures are kept as they are, not checked (whoever relies
    on them checks them on opening). A previous line by the same key is
    replaced, so that countersigning twice does not grow the note.
    """
    text, signatures = _split_note(note)
    mine = _signature(text, key_name, signing_key)
    kept = [s for s in signatures if (s.name, s.key_id) != (mine.name, mine.key_id)]
    if len(kept) + 1 > MAX_SIGNATURES:
        raise CheckpointError(
            "malformed-note", f"a signed note carries at most {MAX_SIGNATURES} signatures"
        )
    return text + "\n" + "".join(s.line() for s in [*kept, mine])


def open_note(note: str | bytes, known_keys: Iterable[str | VerifierKey]) -> OpenedNote:
    """Check a signed note against the keys the caller trusts.

    Signatures by other keys are ignored (kept as unverified); every
    signature line that names a known key (name and key id) must verify,
    and at least one must be present. Raises CheckpointError with reason
    "malformed-note", "malformed-key", "unknown-key" or "bad-signature".
    """
    keys: dict[tuple[str, bytes], VerifierKey] = {}
    for given in known_keys:
        key = _as_verifier(given)
        previous = keys.setdefault((key.name, key.key_id), key)
        if previous.public_key != key.public_key:
            raise CheckpointError(
                "malformed-key",
                f"two known keys share the name and id {key.name}+{key.key_id.hex()}",
            )
    text, signatures = _split_note(note)
    message = text.encode("utf-8")
    verified: dict[tuple[str, bytes], VerifierKey] = {}
    unverified: list[NoteSignature] = []
    for sig in signatures:
        signer = keys.get((sig.name, sig.key_id))
        if signer is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not signer.verify(message, sig.signature):
            raise CheckpointError(
                "bad-signature", f"the signature by {sig.name}+{sig.key_id.hex()} does not verify"
            )
        verified[(signer.name, signer.key_id)] = signer
    if not verified:
        names = ", ".join(f"{name}+{kid.hex()}" for name, kid in keys) or "none given"
        raise CheckpointError(
            "unknown-key", f"the note carries no signature by a known key (known: {names})"
        )
    return OpenedNote(text, tuple(verified.values()), tuple(unverified))


# --------------------------------------------------------------------------------------
# Signed checkpoints


def sign_checkpoint(
    checkpoint: Checkpoint, key_name: str, signing_key: nacl.signing.SigningKey
) -> str:
    """The checkpoint as a signed note, signed by ``key_name``'s key.

    C2SP expects the log's own key to be named after its origin; witnesses
    and parties countersign with :func:`add_signature` under their own names.
    """
    return sign_note(checkpoint.body(), key_name, signing_key)


def open_checkpoint(
    note: str | bytes, verifier_key_str: str | VerifierKey, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint with one trusted key and parse its body.

    With ``origin``, a checkpoint of any other log is refused ("wrong-origin"),
    so that a valid checkpoint of one log cannot be passed off as another's.
    """
    opened = open_note(note, [verifier_key_str])
    checkpoint = Checkpoint.from_body(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            "wrong-origin",
            f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}",
        )
    return checkpoint
