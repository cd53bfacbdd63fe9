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
import json
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785

__all__ = [
    "MAX_SAFE_INTEGER",
    "CanonicalError",
    "FrozenDict",
    "FrozenList",
    "canonical_bytes",
    "freeze",
    "is_plain",
    "json_string",
    "sha256",
]

#: The largest integer I-JSON guarantees to round-trip (2**53 - 1).
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """A value cannot be put into signed bytes; the message names the path."""


def _immutable(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(f"a {type(self).__name__} cannot be changed; copy it (dict(...), list(...))")


class FrozenDict(dict[str, Any]):
    """A JSON object that cannot be changed after it is built (by :func:`freeze`).

    A ``dict`` still, so that it compares, reads and serialises as the plain object it holds;
    every method that would change it raises ``TypeError``. A copy (``copy``, ``deepcopy``,
    pickling) is a plain, mutable ``dict``. ``_plain`` remembers whether the value is made of
    what :func:`canonical_bytes` writes on its fast path, which cannot change either.
    """

    __slots__ = ("_plain",)

    _plain: bool

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _immutable
    __ior__ = _immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class FrozenList(list[Any]):
    """A JSON array that cannot be changed after it is built (see :class:`FrozenDict`)."""

    __slots__ = ()

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = clear = _immutable
    sort = reverse = __iadd__ = __imul__ = _immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


def freeze(value: Any) -> Any:
    """``value`` with every ``dict`` and ``list`` in it (at any depth) copied into a
    :class:`FrozenDict` or :class:`FrozenList`; other values are kept as they are (a tuple
    or another mapping is not JSON to the fast path, and stays what it is)."""
    kind = type(value)
    if kind is dict or kind is FrozenDict:
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if kind is list or kind is FrozenList:
        return FrozenList([freeze(item) for item in value])
    return value


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


def _plain(value: Any) -> bool:
    """Whether ``value`` is built only of exact ``dict`` with ASCII ``str`` keys, ``list``,
    ``str``, ``bool``, ``None`` and safe ``int``: values the standard library's C JSON
    encoder writes in exactly the RFC 8785 bytes.

    A :class:`FrozenDict` or :class:`FrozenList` counts as the ``dict`` or ``list`` it holds
    (the C encoder writes a subclass as its base), and a frozen object's answer is kept.

    Why that holds: RFC 8785 escapes strings as ECMAScript's JSON.stringify does, which
    is the set ``json`` escapes (quote, backslash, the short escapes, lower-case
    ``u00xx`` for the other control characters, nothing else); it prints integers in
    the safe range as plain decimal digits; and it sorts object keys by UTF-16 code
    units, which for ASCII keys is the code-point order of ``sort_keys``. Everything
    else (floats, large integers, tuples, other mappings, subclasses, non-ASCII keys)
    goes the careful way: :func:`_check` names what is refused, and the reference
    encoder writes what is not. The test suite checks both ways agree.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _plain(item):
                return False
        return True
    if kind is list or kind is FrozenList:
        return all(_plain(item) for item in value)
    if isinstance(value, FrozenDict):
        # Frozen: whether it is plain is found once (or known when it was built) and kept.
        try:
            return bool(value._plain)
        except AttributeError:
            known = all(
                type(key) is str and key.isascii() and _plain(item) for key, item in value.items()
            )
            value._plain = known
            return known
    return False


_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)
_C_ENCODE: Any = getattr(json.encoder, "c_make_encoder", None)
if _C_ENCODE is not None:
    # The very encoder ``_ENCODER.encode`` builds on every call, built once. It keeps no
    # record of the containers it is in (``markers``), which only finds cycles, and a plain
    # value has none: :func:`_plain` has walked it all first.
    _C_ENCODE = _C_ENCODE(
        None, None, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )


def plain_dumps(value: Any) -> str:
    """The C JSON encoder's text of a plain value (see :func:`_plain`), in RFC 8785 form."""
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def is_plain(value: Any) -> bool:
    """Whether :func:`canonical_bytes` writes ``value`` on its fast path (see :func:`_plain`)."""
    return _plain(value)


#: a string as JSON text, escaped as RFC 8785 (and the C encoder) escape it
json_string: Any = json.encoder.encode_basestring


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``, refusing floats and unsafe integers."""
    if _plain(value):
        try:
            return plain_dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: refused below, as the reference encoder refuses it
    _check(value, "$")
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError) as exc:  # lone surrogates, etc.
        raise CanonicalError(f"$: {exc}") from exc


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
