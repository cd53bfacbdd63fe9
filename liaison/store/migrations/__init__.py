"""Alembic migrations: the schema of both backends, applied in order.

Run programmatically by :func:`liaison.store.migrate.upgrade`; each migration is
small, named, and runs in its own transaction.
"""
