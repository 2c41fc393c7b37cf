"""The store's engine, transactions and dialect-specific upserts, shared by the repository mixins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class StoreBase:
    """Holds the engine and hands out one transaction per store call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._dialect = engine.dialect.name
        # SQLite has one writer at a time: queue this process's transactions on the event loop instead
        # of letting connections wait inside SQLite's busy handler (other processes still wait there).
        self._lock: asyncio.Lock | None = asyncio.Lock() if self._dialect == "sqlite" else None

    @property
    def engine(self) -> AsyncEngine:
        """The async engine (for migrations and tests)."""
        return self._engine

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        guard = self._lock if self._lock is not None else contextlib.nullcontext()
        async with guard, self._sessions() as session, session.begin():
            yield session

    def _upsert(self, target: Table, values: dict[str, Any]) -> postgresql.Insert | sqlite.Insert:
        """An ``INSERT`` that supports ``ON CONFLICT`` on this store's backend."""
        if self._dialect == "postgresql":
            return postgresql.insert(target).values(**values)
        return sqlite.insert(target).values(**values)

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()
