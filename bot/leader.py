"""Exactly one scheduler leader among the Steward processes sharing a database.

On PostgreSQL every process tries ``pg_try_advisory_lock`` on a dedicated connection; the one that gets
it runs the scheduled jobs for as long as that connection lives. A killed leader's connection closes,
PostgreSQL drops its lock, and a follower (which retries every third of the lease) takes over. A leader
that hangs or loses its network is cut off by TCP keepalives set to the lease, and stops its own
scheduler as soon as its check query fails, so two leaders never run side by side for long.
On SQLite (one machine, one process by design) an exclusive lock on a file next to the database
plays the same part (``bot.leader_file``), so a second process started by mistake does not run the jobs
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from bot.leader_file import FileLockLeader

log = logging.getLogger(__name__)

LOCK_KEY = 0x5354_4557_4152_4431 & 0x7FFF_FFFF_FFFF_FFFF
"""The advisory lock id ("STEWARD1"); advisory locks are per database, so one database = one leader."""

Callback = Callable[[], Awaitable[None] | None]


def postgres_dsn(url: str) -> str | None:
    """A libpq-style DSN for asyncpg when ``url`` is PostgreSQL, else ``None``."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a query nobody waits for any more (no "never retrieved" warning)."""
    if not task.cancelled():
        task.exception()


async def _call(callback: Callback) -> None:
    result = callback()
    if result is not None:
        await result


class AdvisoryLockLeader:
    """Elects one leader through a PostgreSQL session-level advisory lock.

    Args:
        dsn: ``postgresql://user:pw@host:port/db``.
        lease: Seconds a dead leader may go unnoticed; followers retry every ``lease / 3``.
        key: The advisory lock id.
    """

    def __init__(self, dsn: str, *, lease: float = 15.0, key: int = LOCK_KEY) -> None:
        self._dsn = dsn
        self.lease = lease
        self.key = key
        self.is_leader = False
        self.elections = 0

    @property
    def interval(self) -> float:
        """Seconds between tries (follower) and between checks (leader)."""
        return max(self.lease / 3, 0.05)

    async def _connect(self) -> Any:
        keepalive = str(max(1, int(self.lease / 3)))
        return await asyncpg.connect(
            self._dsn,
            timeout=max(self.lease, 1.0),
            server_settings={
                "application_name": "steward-leader",
                "tcp_keepalives_idle": keepalive,
                "tcp_keepalives_interval": keepalive,
                "tcp_keepalives_count": "2",
            },
        )

    async def _acquire(self, conn: Any) -> None:
        """Return once this session holds the lock (trying every :attr:`interval`)."""
        while True:
            if await self._fetch(conn, "SELECT pg_try_advisory_lock($1)", self.key):
                return
            await asyncio.sleep(self.interval)

    async def _fetch(self, conn: Any, sql: str, *args: Any) -> Any:
        """One query, bounded by asyncpg's own timeout and never cancelled mid-flight.

        Cancelling a task inside an asyncpg query can leave it stuck forever (MagicStack/asyncpg#873;
        seen here as a shutdown that never finished). The query therefore runs in its own task behind
        ``asyncio.shield``: cancelling the campaign stops waiting at once, and :meth:`_step_down`
        aborts the connection under the query.
        """
        query = asyncio.ensure_future(conn.fetchval(sql, *args, timeout=self.interval * 2))
        query.add_done_callback(_consume)
        return await asyncio.shield(query)

    async def run(self, on_elected: Callback, on_demoted: Callback) -> None:
        """Campaign forever (until cancelled): call ``on_elected`` on winning, ``on_demoted`` on losing."""
        while True:
            conn: Any = None
            try:
                conn = await self._connect()
                await self._acquire(conn)
                self.is_leader = True
                self.elections += 1
                log.info("this process is now the scheduler leader")
                await _call(on_elected)
                while True:
                    await asyncio.sleep(self.interval)
                    await self._fetch(conn, "SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the edge of one campaign: a lost database must not end Steward
                state = "lost the scheduler lead" if self.is_leader else "cannot campaign for scheduler lead"
                log.warning("%s: %s: %s", state, type(exc).__name__, exc)
            finally:
                await self._step_down(conn, on_demoted)
            await asyncio.sleep(self.interval)

    async def _step_down(self, conn: Any, on_demoted: Callback) -> None:
        was_leader, self.is_leader = self.is_leader, False
        try:
            if was_leader:
                log.info("this process stopped being the scheduler leader")
                await _call(on_demoted)
        finally:
            if conn is not None:
                conn.terminate()  # the server drops the session, and its lock, as the socket closes


class SoleLeader:
    """SQLite: one process, always the leader."""

    def __init__(self) -> None:
        self.is_leader = False
        self.elections = 0
        self.started = asyncio.Event()

    async def run(self, on_elected: Callback, on_demoted: Callback) -> None:
        """Become leader at once and stay so until cancelled."""
        self.is_leader = True
        self.elections += 1
        try:
            await _call(on_elected)
        finally:
            self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.is_leader = False
            await _call(on_demoted)


Leader = AdvisoryLockLeader | FileLockLeader | SoleLeader


def leader_for(url: str, lease: float) -> Leader:
    """The election that fits the database at ``url``.

    PostgreSQL: an advisory lock. A SQLite file: a lock file next to it (``<file>.leader``), so two
    processes started on one file still run the jobs once. In-memory SQLite: this process alone.
    """
    dsn = postgres_dsn(url)
    if dsn is not None:
        return AdvisoryLockLeader(dsn, lease=lease)
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        return FileLockLeader(Path(f"{database}.leader"), interval=max(lease / 3, 0.05))
    return SoleLeader()


class Schedulable(Protocol):
    """What is led: ``bot.scheduler.Scheduler``."""

    async def start(self) -> None:
        """Start the jobs."""
        ...

    def stop(self) -> None:
        """Stop the jobs."""
        ...


@contextlib.asynccontextmanager
async def scheduler_leadership(
    scheduler: Schedulable,
    database_url: str,
    *,
    lease: float = 15.0,
    on_change: Callable[[bool], None] | None = None,
) -> AsyncIterator[Leader]:
    """Run ``scheduler`` only while this process leads; on leaving the block, step down.

    On SQLite the scheduler has started when the block's body runs, as in a single-process deployment;
    on PostgreSQL the campaign runs in the background during the body.
    """
    leader = leader_for(database_url, lease)

    async def elected() -> None:
        if on_change is not None:
            on_change(True)
        await scheduler.start()

    def demoted() -> None:
        scheduler.stop()
        if on_change is not None:
            on_change(False)

    task = asyncio.create_task(leader.run(elected, demoted), name="scheduler-leader")
    if not isinstance(leader, AdvisoryLockLeader):  # a local lock: decided at once
        await leader.started.wait()
    try:
        yield leader
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
