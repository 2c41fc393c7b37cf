"""Database URLs and async engines: SQLite (WAL, foreign keys, busy timeout) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Async driver used when a URL names none (``sqlite:///x.db``, ``postgresql://...``).
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "postgres": "asyncpg"}
_SYNC_ONLY = {"pysqlite", "psycopg2", "psycopg2cffi", "pg8000"}
SQLITE_BUSY_TIMEOUT_MS = 10_000


def async_url(url: str | URL) -> URL:
    """Rewrite a database URL to use an asyncio driver.

    ``sqlite:///x.db`` becomes ``sqlite+aiosqlite:///x.db`` and ``postgresql://`` (or ``postgres://``, or a
    sync PostgreSQL driver) becomes ``postgresql+asyncpg://``. Async URLs pass through unchanged.

    Raises:
        ValueError: For a database this store does not support.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    driver = parsed.get_driver_name() if "+" in parsed.drivername else ""
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if backend == "postgres":
        backend = "postgresql"
    if not driver or driver in _SYNC_ONLY:
        driver = _ASYNC_DRIVERS[backend]
    return parsed.set(drivername=f"{backend}+{driver}")


def is_sqlite(url: URL) -> bool:
    """Whether a URL points at SQLite."""
    return url.get_backend_name() == "sqlite"


def _sqlite_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def _setup_sqlite(engine: AsyncEngine, *, memory: bool) -> None:
    """Pragmas on every connection and ``BEGIN IMMEDIATE`` transactions.

    The driver's own transaction handling is switched off so that every transaction takes SQLite's
    write lock up front: a transaction that reads and then writes can then never fail with "database is
    locked" halfway; other connections wait up to the busy timeout instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """Create an async engine for ``url`` (rewritten by :func:`async_url`), set up for its backend.

    For a SQLite file, missing parent directories are created (``sqlite:///data/steward.db``).
    """
    target = async_url(url)
    if is_sqlite(target):
        memory = _sqlite_memory(target)
        if not memory and target.database and not target.database.startswith("file:"):
            Path(target.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(target, **kwargs)
        _setup_sqlite(engine, memory=memory)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(target, **kwargs)
