"""The HTTP API: a thin edge over the service layer.

How the parts fit:

* ``app`` builds the FastAPI application (``create_app(node)``; ``factory``
  for ``uvicorn --factory``) and mounts the routers below under ``/v1``;
* ``auth`` turns a bearer token into the calling member and the party every
  read is made as;
* ``routes_entries`` (append, batch, list, count, get, versions),
  ``routes_roster`` (me, parties, members, authority at a moment),
  ``routes_proofs`` (checkpoints, inclusion and consistency proofs, stamps),
  ``routes_node`` (health, node identity, kinds, export) and ``stream``
  (server-sent events) each call the services and nothing below them;
* ``schemas`` holds the request models and documents the responses;
* ``problems`` is the one error shape (RFC 9457) and ``limits`` refuses
  oversize bodies before anything parses them;
* ``server`` runs the application under uvicorn.

No route decides who may see what: the service layer filters every read by
the caller's party, so the API cannot leak what a list would not show.
"""

from liaison.api.app import create_app

__all__ = ["create_app"]
