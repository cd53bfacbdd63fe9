"""One error body on the wire: RFC 9457 problem details, defined once.

Why one shape: a client (ours, the CLI, a party's own tooling) must be able to
tell every failure apart by a stable ``type`` without parsing prose, and a
refusal must never say more than the caller may know. Every error the API
returns — a :class:`~liaison.errors.LiaisonError` from the services, a request
that does not validate, malformed JSON, an unknown route, a wrong method, an
oversize body, a missing token, an unexpected crash — goes through
:func:`problem_response` and has exactly the members ``type``, ``title``,
``status`` and ``detail``, with ``type = urn:liaison:problem:<slug>``.

A few problems exist only at the HTTP edge (a wrong method, an internal error,
an unreachable store); their slugs are listed in :data:`EDGE_PROBLEMS` so that
the full catalogue of types is known in one place (:func:`problem_catalogue`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from liaison.errors import (
    Conflict,
    InvalidInput,
    LiaisonError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    TooLarge,
)

__all__ = [
    "EDGE_PROBLEMS",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_PREFIX",
    "EdgeProblem",
    "ProblemResponse",
    "error_body",
    "error_response",
    "install_problem_handlers",
    "method_index",
    "problem_body",
    "problem_catalogue",
    "problem_response",
    "problem_type",
    "validation_detail",
]

PROBLEM_TYPE_PREFIX = "urn:liaison:problem:"
PROBLEM_MEDIA_TYPE = "application/problem+json"
#: what a 401 asks for (RFC 6750): a bearer token, for this realm
WWW_AUTHENTICATE = 'Bearer realm="liaison"'

log = logging.getLogger("liaison.api")


@dataclass(frozen=True)
class EdgeProblem:
    """A problem that only the HTTP edge can meet, with no service error behind it."""

    slug: str
    status: int
    title: str


METHOD_NOT_ALLOWED = EdgeProblem("method-not-allowed", 405, "Method not allowed")
INTERNAL = EdgeProblem("internal", 500, "Internal error")
UNAVAILABLE = EdgeProblem("unavailable", 503, "Service unavailable")
EDGE_PROBLEMS: tuple[EdgeProblem, ...] = (METHOD_NOT_ALLOWED, INTERNAL, UNAVAILABLE)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_type(slug: str) -> str:
    return PROBLEM_TYPE_PREFIX + slug


def problem_body(slug: str, title: str, status: int, detail: str) -> dict[str, Any]:
    return {"type": problem_type(slug), "title": title, "status": status, "detail": detail}


def problem_response(
    slug: str,
    title: str,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    all_headers = dict(headers or {})
    if status == NotAuthenticated.status:
        all_headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return ProblemResponse(
        problem_body(slug, title, status, detail), status_code=status, headers=all_headers
    )


def error_body(exc: LiaisonError) -> dict[str, Any]:
    """The problem body of a service error (also used per item in batch results)."""
    return problem_body(exc.slug, exc.title, exc.status, exc.detail)


def error_response(exc: LiaisonError) -> ProblemResponse:
    return problem_response(exc.slug, exc.title, exc.status, exc.detail)


def _error_classes(root: type[LiaisonError] = LiaisonError) -> list[type[LiaisonError]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_error_classes(sub))
    return found


def problem_catalogue() -> dict[str, tuple[int, str]]:
    """Every problem type the API can return: slug -> (status, title)."""
    catalogue = {cls.slug: (cls.status, cls.title) for cls in _error_classes()}
    catalogue.update({p.slug: (p.status, p.title) for p in EDGE_PROBLEMS})
    return catalogue


# --- mapping what FastAPI and Starlette raise -------------------------------------------


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def validation_detail(errors: Sequence[Any]) -> str:
    """Name each offending field and say what is wrong, without echoing the input back."""
    parts: list[str] = []
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not valid JSON")
            return f"the request body is not valid JSON: {reason}"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{_location(error.get('loc', ()))}: {message}")
    return "; ".join(parts) or "the request is not valid"


_BY_STATUS: dict[int, tuple[str, str]] = {
    cls.status: (cls.slug, cls.title)
    for cls in (InvalidInput, NotAuthenticated, NotPermitted, NotFound, Conflict, TooLarge)
}
_BY_STATUS.update({p.status: (p.slug, p.title) for p in EDGE_PROBLEMS})

_HTTP_DETAILS = {
    404: "there is no such resource",
    405: "this method is not allowed here",
}


def _http_problem(status: int, detail: str | None, headers: Mapping[str, str] | None) -> Response:
    if status < 500:
        slug, title = _BY_STATUS.get(status, (InvalidInput.slug, InvalidInput.title))
    else:
        slug, title = _BY_STATUS.get(status, (INTERNAL.slug, INTERNAL.title))
    text = _HTTP_DETAILS.get(status) or detail or title
    if status == METHOD_NOT_ALLOWED.status and headers and "allow" in {h.lower() for h in headers}:
        allowed = next(v for k, v in headers.items() if k.lower() == "allow")
        text = f"this method is not allowed here; allowed: {allowed}"
    return problem_response(slug, title, status, text, headers)


async def _on_liaison_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LiaisonError)
    if exc.status >= 500:
        log.error("%s: %s", exc.slug, exc.detail)
    return error_response(exc)


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        "invalid-input", "Invalid input", 400, validation_detail(list(exc.errors()))
    )


def method_index(routes: Iterable[object]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Path patterns and their methods, so a 405 can name every allowed method.

    Starlette names only the methods of the first route that matched the path;
    RFC 9110 wants all of them in ``Allow``.
    """
    index: list[tuple[re.Pattern[str], frozenset[str]]] = []
    for route in routes:
        regex = getattr(route, "path_regex", None)
        methods = getattr(route, "methods", None)
        if isinstance(regex, re.Pattern) and methods:
            index.append((regex, frozenset(methods)))
    return index


def _allowed_methods(request: Request) -> str | None:
    index: list[tuple[re.Pattern[str], frozenset[str]]] = getattr(
        request.app.state, "method_index", []
    )
    methods = {m for regex, allowed in index if regex.match(request.url.path) for m in allowed}
    return ", ".join(sorted(methods)) or None


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == METHOD_NOT_ALLOWED.status:
        allowed = _allowed_methods(request)
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        if allowed:
            headers["Allow"] = allowed
    return _http_problem(exc.status_code, exc.detail, headers)


async def _on_unexpected(_request: Request, exc: Exception) -> Response:
    # Starlette re-raises after sending this, so the server logs the traceback;
    # the caller learns nothing of the internals.
    return problem_response(
        INTERNAL.slug,
        INTERNAL.title,
        INTERNAL.status,
        "the server met an unexpected error; it has been logged",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LiaisonError, _on_liaison_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
