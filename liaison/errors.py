"""One error hierarchy for the whole of Liaison.

Every error a user can meet is a :class:`LiaisonError` with a stable ``slug``;
the HTTP API turns it into an RFC 9457 problem whose ``type`` is
``urn:liaison:problem:<slug>``, and the CLI prints its message.
Errors raised by libraries are mapped to the most specific of these at the
boundary, chained with ``from exc``.

    LiaisonError
    ├── InvalidInput            (400) malformed or out-of-range input
    │   ├── UnknownKind         (400) no such entry kind in the registry
    │   ├── InvalidBody         (422) the body does not fit its kind's schema
    │   ├── InvalidSignature    (400) a signature that does not verify
    │   ├── InvalidKey          (400) a weak or malformed public key
    │   └── TooLarge            (413) a body over the size limit
    ├── NotAuthenticated        (401) no or unknown credentials
    ├── NotPermitted            (403) beyond the member's role or mandate, or revoked
    ├── NotFound                (404) absent *or not released to the reader*: the same answer
    ├── Conflict                (409) the request contradicts the record (duplicate id, ...)
    └── IntegrityError          (500) the stored record fails verification

A :class:`NotFound` never says whether the thing exists: an entry that exists
but is not released to the reader and one that does not exist give the very
same error, so that errors cannot be used to probe what others hold.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "Conflict",
    "IntegrityError",
    "InvalidBody",
    "InvalidInput",
    "InvalidKey",
    "InvalidSignature",
    "LiaisonError",
    "NotAuthenticated",
    "NotFound",
    "NotPermitted",
    "TooLarge",
    "UnknownKind",
]


class LiaisonError(Exception):
    slug: ClassVar[str] = "error"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Liaison error"

    def __init__(self, detail: str, **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class InvalidInput(LiaisonError):
    slug = "invalid-input"
    status = 400
    title = "Invalid input"


class UnknownKind(InvalidInput):
    slug = "unknown-kind"
    title = "Unknown entry kind"


class InvalidBody(InvalidInput):
    slug = "invalid-body"
    status = 422
    title = "The body does not fit its kind"


class InvalidSignature(InvalidInput):
    slug = "invalid-signature"
    title = "Signature does not verify"


class InvalidKey(InvalidInput):
    slug = "invalid-key"
    title = "Weak or malformed key"


class TooLarge(InvalidInput):
    slug = "too-large"
    status = 413
    title = "Too large"


class NotAuthenticated(LiaisonError):
    slug = "not-authenticated"
    status = 401
    title = "Not authenticated"


class NotPermitted(LiaisonError):
    slug = "not-permitted"
    status = 403
    title = "Not permitted"


class NotFound(LiaisonError):
    slug = "not-found"
    status = 404
    title = "Not found"


class Conflict(LiaisonError):
    slug = "conflict"
    status = 409
    title = "Conflicts with the record"


class IntegrityError(LiaisonError):
    slug = "integrity"
    status = 500
    title = "The record fails verification"
