"""The store: one interface, SQLite (the embedded default) and PostgreSQL behind it.

``open_store(url)`` gives a :class:`~liaison.store.sql.SqlStore` for any
SQLAlchemy URL (``sqlite:///liaison.db``, ``postgresql+psycopg://...``).
``schema`` defines the tables, ``migrations`` creates them with Alembic on both
backends, ``queries`` holds every read and write as functions over one
connection, and ``sql`` opens connections the way each backend needs for
durability and for a single writer at a time.
"""

from liaison.store.sql import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
