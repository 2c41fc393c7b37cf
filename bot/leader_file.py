"""Scheduler leadership on SQLite: an exclusive ``flock`` on a file next to the database.

SQLite deployments are meant to be one process, but nothing stops an operator from starting two on
the same file; the lock makes sure only one of them runs the scheduled jobs. The kernel releases the
lock when its holder exits, however it exits, so a follower takes over at its next try.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None] | None]


async def _call(callback: Callback) -> None:
    result = callback()
    if result is not None:
        await result


class FileLockLeader:
    """Elects one leader among the processes sharing a SQLite file.

    Args:
        path: The lock file (created if missing).
        interval: Seconds between a follower's tries.
    """

    def __init__(self, path: Path, *, interval: float = 5.0) -> None:
        self.path = path
        self.interval = interval
        self.is_leader = False
        self.elections = 0
        self.started = asyncio.Event()
        """Set once the first try is over (and, when it won, once ``on_elected`` has run)."""

    def _try_lock(self) -> int | None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    async def run(self, on_elected: Callback, on_demoted: Callback) -> None:
        """Campaign until cancelled; the lock is held (and the jobs run) until then."""
        fd: int | None = None
        try:
            while fd is None:
                try:
                    fd = self._try_lock()
                except OSError as exc:  # e.g. a read-only directory: nobody else can lock it either
                    log.warning("cannot lock %s (%s); leading without a lock", self.path, exc)
                    fd = -1
                if fd is None:
                    self.started.set()
                    await asyncio.sleep(self.interval)
            self.is_leader = True
            self.elections += 1
            log.info("this process is now the scheduler leader (%s)", self.path.name)
            try:
                await _call(on_elected)
            finally:
                self.started.set()
            await asyncio.Event().wait()
        finally:
            if self.is_leader:
                self.is_leader = False
                await _call(on_demoted)
            if fd is not None and fd >= 0:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
