"""Web sessions: the member types their token once; the page then holds an HttpOnly cookie.

Why server-side rows rather than signed, stateless cookies: signing out, revoking a member and
replacing a leaked member token must end a session *at once*, on every API process sharing the
store, not when a signature expires. So the cookie carries a random secret (``lws_`` + 32 random
bytes); the store keeps only its SHA-256 (``web_sessions``, like ``api_tokens``: credentials,
not record), the member, the hash of the member token that opened it, and an absolute expiry.
A session is valid while its row exists, its expiry is ahead, and the member token that opened it
is still live: ``liaison member token`` (a new token) or a revocation ends every session the old
token opened.

Why a CSRF token, and why it is derived: a cookie is sent by the browser on any request to the
node, including one a hostile page triggers, so a request authenticated by the cookie that
changes anything must also carry ``X-Liaison-CSRF``. Its value is a hash of the session secret
under a separate label: the page learns it from ``GET /v1/session`` (which another site cannot
read), the server recomputes it from the cookie, and nothing more needs storing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, MetaData, String, Table, and_, delete, insert, select

from liaison.domain.time import format_time, parse_time, utcnow
from liaison.store.schema import api_tokens
from liaison.store.sql import SqlStore

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "SESSION_PREFIX",
    "WebSession",
    "close_session",
    "csrf_matches",
    "csrf_token",
    "find_session",
    "open_session",
    "web_sessions",
]

#: the cookie that carries the session secret
SESSION_COOKIE = "liaison_session"
#: the header a cookie-authenticated request that changes anything must carry
CSRF_HEADER = "X-Liaison-CSRF"
#: marks a session secret, as ``lsn_`` marks a member token
SESSION_PREFIX = "lws_"
#: how long a session lasts from sign-in, whatever the member does: one working shift
SESSION_LIFETIME = timedelta(hours=8)

_CSRF_LABEL = b"liaison-web-csrf\x00"

web_sessions = Table(
    "web_sessions",
    MetaData(),
    Column("session_hash", String(64), primary_key=True),
    Column("member", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)


@dataclass(frozen=True)
class WebSession:
    """A live session, as the page is told of it (never the secret itself)."""

    member: str
    created_at: datetime
    expires_at: datetime
    csrf: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(secret: str) -> str:
    """The CSRF token of a session: a labelled hash of its secret."""
    digest = hashlib.sha256(_CSRF_LABEL + secret.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def csrf_matches(secret: str, header: str | None) -> bool:
    """True iff ``header`` is the CSRF token of the session ``secret`` (constant time)."""
    if not header:
        return False
    return hmac.compare_digest(csrf_token(secret).encode(), header.encode("utf-8", "replace"))


def open_session(
    store: SqlStore,
    member: str,
    token_hash: str,
    *,
    now: datetime | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
) -> tuple[str, WebSession]:
    """Open a session for ``member``, who signed in with the token hashing to ``token_hash``.

    Returns the secret (for the cookie, shown nowhere else) and the session. Expired rows are
    swept on the way, so the table holds only live sessions and those that expired since the
    last sign-in.
    """
    moment = now or utcnow()
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    expires = moment + lifetime
    with store.write() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= format_time(moment)))
        conn.execute(
            insert(web_sessions).values(
                session_hash=_hash(secret),
                member=member,
                token_hash=token_hash,
                created_at=format_time(moment),
                expires_at=format_time(expires),
            )
        )
    return secret, WebSession(member, moment, expires, csrf_token(secret))


def find_session(store: SqlStore, secret: str, *, now: datetime | None = None) -> WebSession | None:
    """The live session a cookie secret opens, or None (unknown, expired, signed out, or the
    member token that opened it has been replaced or revoked)."""
    if not secret.startswith(SESSION_PREFIX) or len(secret) > 100:
        return None
    moment = format_time(now or utcnow())
    query = (
        select(web_sessions.c.member, web_sessions.c.created_at, web_sessions.c.expires_at)
        .join(
            api_tokens,
            and_(
                api_tokens.c.token_hash == web_sessions.c.token_hash,
                api_tokens.c.member == web_sessions.c.member,
            ),
        )
        .where(
            web_sessions.c.session_hash == _hash(secret),
            web_sessions.c.expires_at > moment,
            api_tokens.c.revoked_at.is_(None),
        )
    )
    with store.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return WebSession(
        row.member, parse_time(row.created_at), parse_time(row.expires_at), csrf_token(secret)
    )


def close_session(store: SqlStore, secret: str) -> None:
    """Sign out: the session's row is deleted, so the cookie opens nothing any more."""
    with store.write() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.session_hash == _hash(secret)))
