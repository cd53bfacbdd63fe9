"""The web page's routes: the page, its assets, and signing in and out.

The page is one HTML document (``/``) and a handful of assets (``/web/...``) built into
``liaison/web/static/`` by ``make web`` and committed, so ``pip install`` and ``liaison serve``
are all a node needs: nothing is fetched at run time, from the node or anywhere else. Every
piece of data the page shows comes from the same ``/v1`` API every client uses, read as the
signed-in member's party, so the server does all the release filtering.

Sessions (:mod:`liaison.web.sessions`): ``POST /v1/session`` with ``Authorization: Bearer
<member token>`` opens one and sets the cookie; ``GET /v1/session`` tells the page who is signed
in and the CSRF token to send; ``DELETE /v1/session`` signs out. These and the page are left out
of the OpenAPI document: they exist for the browser, and every other client authenticates with
its member token on every request.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import JSONResponse, Response

from liaison.api.auth import SESSION_SCHEME, NodeDep, bearer, current_caller
from liaison.domain.member import Authority
from liaison.domain.time import format_time
from liaison.errors import NotAuthenticated, NotFound
from liaison.services.roster import hash_token
from liaison.web.sessions import (
    SESSION_COOKIE,
    WebSession,
    close_session,
    find_session,
    open_session,
)

__all__ = ["CONTENT_SECURITY_POLICY", "router"]

router = APIRouter(include_in_schema=False)

#: The page runs only its own script and style, talks only to its own node, and cannot be framed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}

#: smaller than this, compressing costs more than it saves
_GZIP_MIN = 1024

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


class _Assets:
    """The files of ``liaison/web/static``, read once and kept (with a gzipped copy)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, _Asset | None] = {}

    def get(self, name: str) -> _Asset | None:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = self._load(name)
            return self._cache[name]

    @staticmethod
    def _load(name: str) -> _Asset | None:
        parts = name.split("/")
        # Only plain names below static/: no traversal, no hidden files, known types only.
        if not parts or any(not p or p.startswith(".") or "\\" in p for p in parts):
            return None
        suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
        media_type = _TYPES.get(suffix)
        if media_type is None:
            return None
        node = resources.files("liaison.web").joinpath("static", *parts)
        if not node.is_file():
            return None
        body = node.read_bytes()
        gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= _GZIP_MIN else None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return _Asset(body, gzipped, media_type, etag)


_ASSETS = _Assets()


def _serve(request: Request, name: str, headers: dict[str, str] | None = None) -> Response:
    asset = _ASSETS.get(name)
    if asset is None:
        raise NotFound("no such page")
    common = {
        "ETag": asset.etag,
        # Revalidate every time: the ETag makes that a cheap 304, and a new build is seen at once.
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        **(headers or {}),
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=common)
    accepts = request.headers.get("accept-encoding", "")
    if asset.gzipped is not None and "gzip" in accepts:
        return Response(
            asset.gzipped,
            media_type=asset.media_type,
            headers={**common, "Content-Encoding": "gzip"},
        )
    return Response(asset.body, media_type=asset.media_type, headers=common)


@router.get("/")
def page(request: Request) -> Response:
    """The page itself; it signs in, then reads everything through /v1."""
    return _serve(request, "index.html", _PAGE_HEADERS)


@router.get("/web/{name:path}")
def asset(request: Request, name: str) -> Response:
    return _serve(request, name)


# --- sessions ---------------------------------------------------------------------------------


def _session_json(session: WebSession, authority: Authority) -> dict[str, Any]:
    return {
        "member": authority.member,
        "party": authority.party,
        "name": authority.name,
        "role": str(authority.role),
        "created_at": format_time(session.created_at),
        "expires_at": format_time(session.expires_at),
        "csrf": session.csrf,
    }


_NO_STORE = {"Cache-Control": "no-store"}


@router.post("/v1/session", status_code=201)
def sign_in(request: Request, node: NodeDep, credentials: Credentials) -> JSONResponse:
    """Open a web session for the member whose token is in the Authorization header."""
    if credentials is None or credentials.scheme == SESSION_SCHEME:
        raise NotAuthenticated("sign in with a member token: Authorization: Bearer lsn_...")
    caller = current_caller(node, credentials)
    secret, session = open_session(node.store, caller.member, hash_token(credentials.credentials))
    response = JSONResponse(
        _session_json(session, caller.authority), status_code=201, headers=_NO_STORE
    )
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/v1/session")
def who(node: NodeDep, credentials: Credentials) -> JSONResponse:
    """The signed-in member and the CSRF token the page must send with every change."""
    if credentials is None or credentials.scheme != SESSION_SCHEME:
        raise NotAuthenticated("no web session: sign in first")
    caller = current_caller(node, credentials)
    session = find_session(node.store, credentials.credentials)
    if session is None:
        raise NotAuthenticated("no web session: sign in first")
    return JSONResponse(_session_json(session, caller.authority), headers=_NO_STORE)


@router.delete("/v1/session", status_code=204)
def sign_out(request: Request, node: NodeDep, credentials: Credentials) -> Response:
    """Sign out: the session ends on the server and the cookie is deleted in the browser."""
    if credentials is not None and credentials.scheme == SESSION_SCHEME:
        close_session(node.store, credentials.credentials)
    response = Response(status_code=204, headers=_NO_STORE)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response
