"""Alembic migrations, run programmatically on an async engine (``steward db upgrade``)."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation.storage.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic ``Config`` for the bundled migrations (no ``alembic.ini`` needed).

    Args:
        connection: A sync-facing connection for ``env.py`` to run on (from ``AsyncConnection.run_sync``).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The newest revision of the bundled migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


MIGRATION_LOCK = 0x5354_4557_4D49_4752  # "STEWMIGR": an advisory lock id of its own
"""Serialises migrations on PostgreSQL: several processes starting on an empty database take turns."""


def _upgrade_on(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":  # held until this transaction ends (SQLite: BEGIN IMMEDIATE)
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    if revision == "head" and _current_on(connection) == head_revision():
        return  # already current: skip loading the migration environment
    command.upgrade(alembic_config(connection), revision)


def _downgrade_on(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


def _current_on(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_on, revision)


async def downgrade_engine(engine: AsyncEngine, revision: str) -> None:
    """Downgrade the database behind ``engine`` to ``revision`` (``"base"`` drops every table)."""
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade_on, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_on)


async def upgrade_async(url: str | URL, revision: str = "head") -> None:
    """Upgrade the database at ``url`` from async code."""
    engine = make_engine(url)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (creating every table on an empty database).

    Call it from synchronous code (the CLI); from a coroutine, await :func:`upgrade_async` instead.

    Raises:
        RuntimeError: If called from inside a running event loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(upgrade_async(url, revision))
        return
    raise RuntimeError("migrate.upgrade() was called inside an event loop; await upgrade_async() instead")
