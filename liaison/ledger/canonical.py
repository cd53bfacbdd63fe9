"""Canonical bytes: what is hashed and signed.

Every entry, stamp and signed statement is serialised with RFC 8785 (the JSON
Canonicalization Scheme) so that any party, on any node, in any language, gets
the same bytes from the same value. RFC 8785 is defined over I-JSON, where
floats are a trap: two implementations may print the same double differently
and a signature made on one would fail on the other. Signed values therefore
may not contain floats at all; a number is an integer of fixed precision (for
example coordinates in 1e-7 degrees) or a string.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785

__all__ = ["MAX_SAFE_INTEGER", "CanonicalError", "canonical_bytes", "sha256"]

#: The largest integer I-JSON guarantees to round-trip (2**53 - 1).
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """A value cannot be put into signed bytes; the message names the path."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"{path}: integer {value} is outside the I-JSON safe range")
        return
    if isinstance(value, float):
        raise CanonicalError(
            f"{path}: floats are not allowed in signed bytes; "
            "encode the number as a string or an integer of fixed precision"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(
                    f"{path}: object keys must be strings, not {type(key).__name__}"
                )
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, Sequence):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise CanonicalError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``, refusing floats and unsafe integers."""
    _check(value, "$")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError) as exc:  # lone surrogates, etc.
        raise CanonicalError(f"$: {exc}") from exc


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
