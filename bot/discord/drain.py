"""Graceful shutdown: event handlers in flight finish (and their actions run) before the bot closes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


class Drain:
    """Tracks running event handlers; once closed, new events are ignored and running ones awaited."""

    def __init__(self) -> None:
        self.open = True
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[bool]:
        """Register the current handler; yields False (do nothing) when shutting down."""
        task = asyncio.current_task()
        if not self.open or task is None:
            yield False
            return
        self._tasks.add(task)
        try:
            yield True
        finally:
            self._tasks.discard(task)

    async def close(self, grace: float) -> int:
        """Stop accepting events, wait up to ``grace`` seconds for running ones; return how many remain."""
        self.open = False
        current = asyncio.current_task()
        pending = {t for t in self._tasks if t is not current and not t.done()}
        if not pending:
            return 0
        _, not_done = await asyncio.wait(pending, timeout=grace)
        return len(not_done)
