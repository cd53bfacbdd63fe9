"""Connections, transactions and durability for each backend.

SQLite: WAL journal with ``synchronous=FULL`` so that a commit is on disk when
it returns; every write transaction starts with ``BEGIN IMMEDIATE`` so the
write lock is taken at the start and two writers never deadlock upgrading a
read lock; writes go through one connection (one writer). PostgreSQL: the
write transaction locks the single ``log_head`` row (``SELECT ... FOR UPDATE``),
which serialises appenders across any number of processes sharing the
database, and nothing else is held in memory between transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import NullPool

from liaison.errors import InvalidInput
from liaison.store.schema import PROJECTION_PREFIX

__all__ = ["SqlStore", "normalise_url", "open_store"]


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite, and plain ``postgresql://`` as psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class SqlStore:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise InvalidInput(f"not a database URL: {url!r}") from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise InvalidInput(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        try:
            if self.dialect == "sqlite":
                self._read, self._write = self._sqlite_engines()
            else:
                engine = create_engine(self.url, pool_size=8, max_overflow=8, pool_pre_ping=True)
                self._read = self._write = engine
        except (NoSuchModuleError, ArgumentError) as exc:
            raise InvalidInput(f"cannot open {url!r}: {exc}") from exc

    # --- engines ---------------------------------------------------------------------

    def _sqlite_engines(self) -> tuple[Engine, Engine]:
        def configure(immediate: bool) -> Engine:
            engine = create_engine(
                self.url,
                poolclass=NullPool if ":memory:" in self.url else None,
                connect_args={"check_same_thread": False, "timeout": 30},
            )

            @event.listens_for(engine, "connect")
            def _connect(dbapi: sqlite3.Connection, _record: Any) -> None:
                # Let us issue BEGIN ourselves (pysqlite's implicit one is deferred).
                dbapi.isolation_level = None
                cursor = dbapi.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

            @event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

            return engine

        return configure(immediate=False), configure(immediate=True)

    # --- transactions ----------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent read transaction (a snapshot on both backends)."""
        with self._read.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """The one write transaction: committed, and durable, when the block exits."""
        with self._write.connect() as conn, conn.begin():
            yield conn

    # --- schema ----------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the latest revision (idempotent)."""
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("liaison.store") / "migrations")
        )
        with self._write.connect() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "heads")
            conn.commit()

    def has_schema(self) -> bool:
        try:
            with self._read.connect() as conn:
                return inspect(conn).has_table("entries")
        except OperationalError as exc:
            raise InvalidInput(f"cannot open the store {self.safe_url}: {exc.orig}") from exc

    def projection_tables(self) -> list[str]:
        with self._read.connect() as conn:
            return sorted(
                t for t in inspect(conn).get_table_names() if t.startswith(PROJECTION_PREFIX)
            )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def ping(self) -> None:
        with self._read.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self._read.dispose()
        if self._write is not self._read:
            self._write.dispose()


def open_store(url: str) -> SqlStore:
    return SqlStore(url)
