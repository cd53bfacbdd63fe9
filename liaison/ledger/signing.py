"""Ed25519 keys for the node and for members.

A member's private key never leaves the member: it lives in a key file the
member keeps, and the record holds only the public key. Keys are checked when
they enter the record: a public key that is not a valid point of the prime-order
subgroup (the identity, a small-order point, or bytes that are not a point at
all) would let a forger produce signatures that verify for any message, so it
is refused with the reason.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings
import nacl.exceptions
import nacl.signing

from liaison.ledger.canonical import sha256

__all__ = [
    "BadKeyError",
    "KeyFile",
    "b64d",
    "b64e",
    "check_public_key",
    "generate_key",
    "key_id",
    "sign",
    "signer",
    "verify",
]

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class BadKeyError(ValueError):
    """A key is malformed or weak; the message says which and why."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str, *, what: str = "value") -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ValueError(f"{what} is not valid base64") from exc


def check_public_key(raw: bytes) -> bytes:
    """Return ``raw`` if it is a usable Ed25519 public key, else raise BadKeyError."""
    if len(raw) != PUBLIC_KEY_BYTES:
        raise BadKeyError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    if raw == bytes([1]) + bytes(31):
        raise BadKeyError("the public key is the identity point")
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(raw):
        raise BadKeyError("the public key is not a valid point of the prime-order subgroup")
    return raw


def key_id(public_key: bytes) -> str:
    """A short, stable name for a public key: 16 hex digits of its SHA-256."""
    return sha256(public_key).hex()[:16]


def generate_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey.generate()


def sign(key: nacl.signing.SigningKey, message: bytes) -> bytes:
    return bytes(key.sign(message).signature)


def signer(key: nacl.signing.SigningKey) -> Callable[[bytes], bytes]:
    """``sign`` with ``key``, for a signer of many messages (the node signs every entry): the
    key's secret expanded once rather than per message, and no signed-message object made to
    take the signature from.

    Why not PyNaCl's binding as it is: it lets go of the interpreter lock for each signature
    (30 µs), and taking the lock back waits for whichever thread holds it to let go — up to the
    5 ms switch interval when that thread is busy in Python. The node's writer signs every
    entry of a transaction in turn, so beside a busy thread 500 signatures took 307 ms instead
    of 23 (measured, ``bench/bench_cot.py``'s latency run spent a sixth of its server time
    there). :func:`_held_signer` calls the same libsodium, the one PyNaCl ships, through
    ``ctypes.PyDLL``, which keeps the lock for the 30 µs. It is used only when it gives PyNaCl's
    own signature for a test message; otherwise PyNaCl's binding is used as before.
    """
    _, secret = nacl.bindings.crypto_sign_seed_keypair(bytes(key))
    crypto_sign = nacl.bindings.crypto_sign

    def sign_message(message: bytes) -> bytes:
        return crypto_sign(message, secret)[:SIGNATURE_BYTES]

    held = _held_signer(secret)
    if held is not None:
        probe = b"liaison signer self-test"
        try:
            if held(probe) == sign_message(probe):
                return held
        except (OSError, ValueError, TypeError):
            pass
    return sign_message


def _held_signer(secret: bytes) -> Callable[[bytes], bytes] | None:
    """libsodium's ``crypto_sign_ed25519_detached``, called with the interpreter lock held
    (see :func:`signer`); None when PyNaCl's library does not export it."""
    import ctypes
    import importlib.util

    spec = importlib.util.find_spec("nacl._sodium")
    if spec is None or spec.origin is None:
        return None
    try:
        library = ctypes.PyDLL(spec.origin)
        detached = library.crypto_sign_ed25519_detached
    except (OSError, AttributeError):
        return None
    detached.argtypes = [
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_ulonglong,
        ctypes.c_char_p,
    ]
    detached.restype = ctypes.c_int
    if len(secret) != 64:
        return None
    new_buffer = ctypes.create_string_buffer

    def sign_message(message: bytes) -> bytes:
        signature = new_buffer(SIGNATURE_BYTES)
        if detached(signature, None, message, len(message), secret) != 0:
            raise ValueError("libsodium could not sign")
        return signature.raw

    return sign_message


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature; never raises."""
    if len(signature) != SIGNATURE_BYTES or len(public_key) != PUBLIC_KEY_BYTES:
        return False
    try:
        # The libsodium binding directly: a VerifyKey per call costs a few µs, and a whole
        # record's verification makes this call once or twice per entry.
        nacl.bindings.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class KeyFile:
    """A private key with the identity it belongs to, as kept on disk.

    ``owner`` is a member id (or ``node`` for the node's own key). The file is
    JSON, written with mode 0600, so that it can be read by other tools.
    """

    owner: str
    party: str | None
    seed: bytes

    @property
    def signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.seed)

    @property
    def public_key(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @classmethod
    def new(cls, owner: str, party: str | None) -> KeyFile:
        return cls(owner=owner, party=party, seed=bytes(generate_key()))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "liaison-key/1",
                "owner": self.owner,
                "party": self.party,
                "algorithm": "ed25519",
                "public_key": b64e(self.public_key),
                "seed": b64e(self.seed),
            },
            indent=2,
        )

    def write(self, path: Path) -> None:
        """Write the key file, refusing to overwrite an existing key."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json() + "\n")

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != "liaison-key/1":
                raise BadKeyError(f"{path} is not a Liaison key file")
            seed = b64d(data["seed"], what="seed")
            if len(seed) != 32:
                raise BadKeyError(f"{path}: the seed is {len(seed)} bytes, not 32")
            key = cls(owner=str(data["owner"]), party=data.get("party"), seed=seed)
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BadKeyError(f"cannot read key file {path}: {exc}") from exc
        if b64e(key.public_key) != data.get("public_key"):
            raise BadKeyError(f"{path}: the public key does not match the seed")
        return key
