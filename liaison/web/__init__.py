"""The web page: the common picture, as each party is allowed to see it.

How the parts fit:

* :mod:`liaison.web.sessions` — sign-in sessions: cookie secrets stored as hashes, CSRF tokens
  derived from them. :mod:`liaison.api.auth` accepts a session cookie wherever a bearer token
  is accepted.
* :mod:`liaison.web.routes` — the page (``/``), its assets (``/web/...``) and the session
  endpoints (``/v1/session``).
* ``static/`` — the built page: ``index.html``, ``app.css``, ``app.js`` (bundled from
  ``web/src`` by ``make web``) and the Natural Earth basemap from the ``world-atlas`` package.
  Committed, so a node serves the page with no npm and no network at run time.

The page holds no data of its own: it reads the record through the same ``/v1`` API as every
other client, as the signed-in member's party. See ``docs/web.md``.
"""
