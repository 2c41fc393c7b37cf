"""Riding out a briefly unavailable database: store calls retried on connection and lock errors."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc

from moderation.storage.store import SqlStore

log = logging.getLogger(__name__)

T = TypeVar("T")

NOT_RETRIED = frozenset({"close", "engine"})


@dataclass(frozen=True)
class RetryPolicy:
    """How long a store call keeps retrying while the database is unavailable.

    Attributes:
        deadline: Seconds after the first failure when the error is finally raised.
        first_delay: Seconds before the first retry; doubled each time.
        max_delay: Longest pause between tries.
    """

    deadline: float = 60.0
    first_delay: float = 0.05
    max_delay: float = 2.0


def is_transient(error: BaseException) -> bool:
    """Whether an error means "the database is unreachable or busy right now" (worth a retry).

    Lost or refused connections, a PostgreSQL server restarting, and SQLite's "database is locked" are
    transient; constraint violations, bad SQL and data errors are not.
    """
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError):
        return True
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no connection to give
        return True
    if isinstance(error, ConnectionError | TimeoutError | OSError):
        return True
    name = type(error).__name__  # asyncpg's own errors, without importing the driver here
    return name in {"CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError"}


async def retry_transient(call: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """Await ``call()``, retrying transient database errors with backoff until ``policy.deadline``."""
    started: float | None = None
    delay = policy.first_delay
    while True:
        try:
            result = await call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            now = time.monotonic()
            if started is None:
                started = now
                log.warning("database unavailable during %s (%s); retrying", what, type(exc).__name__)
            if now - started + delay > policy.deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(policy.max_delay, delay * 2)
            continue
        if started is not None:
            log.info("database back after %.1fs (%s)", time.monotonic() - started, what)
        return result


def _wrap(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def wrapper(self: ResilientStore, *args: Any, **kwargs: Any) -> Any:
        return await retry_transient(lambda: method(self, *args, **kwargs), self.retry_policy, name)

    return wrapper


class ResilientStore(SqlStore):
    """A ``SqlStore`` whose every call rides out a briefly unavailable database (see :class:`RetryPolicy`).

    A write whose commit succeeded but whose answer was lost with the connection is, rarely, applied
    twice (an extra audit line or case); nothing is lost.
    """

    retry_policy: RetryPolicy = RetryPolicy()


for _name, _method in inspect.getmembers(SqlStore, inspect.iscoroutinefunction):
    if not _name.startswith("_") and _name not in NOT_RETRIED:
        setattr(ResilientStore, _name, _wrap(_name, _method))


def resilient(store: SqlStore, policy: RetryPolicy | None = None) -> ResilientStore:
    """The same database as ``store`` (same engine and pool), with retried calls."""
    wrapped = ResilientStore(store.engine)
    if policy is not None:
        wrapped.retry_policy = policy
    return wrapped
