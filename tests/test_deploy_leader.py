"""Scheduler leadership: one leader per database on PostgreSQL (advisory lock), fail-over, SQLite alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.leader import AdvisoryLockLeader, SoleLeader, leader_for, postgres_dsn, scheduler_leadership
from bot.leader_file import FileLockLeader
from bot.scheduler import JobSpec, Scheduler
from tests.postgres import create_database, drop_database

LEASE = 1.5


@pytest.fixture
def pg_dsn(postgres_url: str) -> Iterator[str]:
    url = create_database(postgres_url, prefix="steward_leader")
    try:
        dsn = postgres_dsn(url)
        assert dsn is not None
        yield dsn
    finally:
        drop_database(postgres_url, url)


class Campaign:
    """Several campaigners in this process, each on its own connection, with a shared timeline."""

    def __init__(self, dsn: str, count: int, lease: float = LEASE) -> None:
        self.leaders = [AdvisoryLockLeader(dsn, lease=lease) for _ in range(count)]
        self.current: set[int] = set()
        self.most_at_once = 0
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for i, leader in enumerate(self.leaders):
            self.tasks.append(asyncio.create_task(leader.run(self._up(i), self._down(i))))

    def _up(self, i: int) -> Any:
        def elected() -> None:
            self.current.add(i)
            self.most_at_once = max(self.most_at_once, len(self.current))

        return elected

    def _down(self, i: int) -> Any:
        return lambda: self.current.discard(i)

    async def wait_leader(self, within: float, *, not_: int | None = None) -> tuple[int, float]:
        started = time.monotonic()
        while time.monotonic() - started < within:
            found = [i for i in self.current if i != not_ and self.tasks[i].done() is False]
            if found:
                return found[0], time.monotonic() - started
            await asyncio.sleep(0.02)
        raise AssertionError(f"no leader within {within}s")

    async def stop(self, i: int) -> None:
        self.tasks[i].cancel()
        await asyncio.gather(self.tasks[i], return_exceptions=True)

    async def close(self) -> None:
        for i in range(len(self.tasks)):
            await self.stop(i)


@pytest.mark.postgres
async def test_exactly_one_of_three_processes_leads(pg_dsn: str) -> None:
    campaign = Campaign(pg_dsn, 3)
    campaign.start()
    try:
        first, _ = await campaign.wait_leader(10)
        await asyncio.sleep(LEASE * 1.5)  # followers retry several times meanwhile
        assert campaign.current == {first}
        assert [leader.is_leader for leader in campaign.leaders].count(True) == 1
        assert campaign.most_at_once == 1
    finally:
        await campaign.close()
    assert campaign.current == set()  # everyone stepped down on the way out


@pytest.mark.postgres
async def test_a_stopped_leader_hands_over_at_once(pg_dsn: str) -> None:
    campaign = Campaign(pg_dsn, 2)
    campaign.start()
    try:
        first, _ = await campaign.wait_leader(10)
        await campaign.stop(first)  # a clean shutdown closes the connection: the lock is free now
        second, took = await campaign.wait_leader(LEASE, not_=first)
        assert second != first
        assert took <= LEASE
        assert campaign.most_at_once == 1
    finally:
        await campaign.close()


@pytest.mark.postgres
async def test_a_leader_whose_session_dies_is_replaced_within_the_lease(pg_dsn: str) -> None:
    campaign = Campaign(pg_dsn, 2)
    campaign.start()
    admin = await asyncpg.connect(pg_dsn)
    try:
        first, _ = await campaign.wait_leader(10)
        # What a crashed (or partitioned) process looks like to the server: its session goes away.
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND objid = $1::bigint % 4294967296",
            campaign.leaders[first].key,
        )
        assert killed == 1
        second, took = await campaign.wait_leader(LEASE, not_=first)
        assert second != first
        assert took <= LEASE
        for _ in range(100):  # the old leader notices its dead session at its next check and steps down
            if not campaign.leaders[first].is_leader:
                break
            await asyncio.sleep(0.02)
        assert not campaign.leaders[first].is_leader
        await asyncio.sleep(LEASE)  # and it campaigns again, as a follower
        assert campaign.current == {second}
    finally:
        await admin.close()
        await campaign.close()


def ticking(name: str, runs: list[str]) -> Scheduler:
    async def tick(_service: object) -> None:
        runs.append(name)

    jobs = [JobSpec("tick", tick, timedelta(seconds=0.1))]
    return Scheduler(None, jobs=jobs, startup=())  # type: ignore[arg-type]


async def until(condition: Any, within: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within}s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.postgres
async def test_jobs_run_on_the_leader_only_and_move_with_the_lead(pg_dsn: str) -> None:
    runs: list[str] = []
    a, b = ticking("a", runs), ticking("b", runs)
    url = pg_dsn.replace("postgresql://", "postgresql+asyncpg://")
    changes: list[tuple[str, bool]] = []
    lead_a = scheduler_leadership(a, url, lease=LEASE, on_change=lambda up: changes.append(("a", up)))
    lead_b = scheduler_leadership(b, url, lease=LEASE, on_change=lambda up: changes.append(("b", up)))

    leader_a = await lead_a.__aenter__()
    await until(lambda: leader_a.is_leader and "a" in runs, 10)
    leader_b = await lead_b.__aenter__()
    await asyncio.sleep(0.5)
    assert not leader_b.is_leader
    assert set(runs) == {"a"}

    await lead_a.__aexit__(None, None, None)  # a shuts down: b takes over within the lease
    handed_over = len(runs)
    assert await until(lambda: leader_b.is_leader, LEASE) <= LEASE
    await until(lambda: "b" in runs[handed_over:], 5)
    assert set(runs[handed_over:]) == {"b"}
    assert not a.running

    lead_a = scheduler_leadership(a, url, lease=LEASE, on_change=lambda up: changes.append(("a", up)))
    leader_a = await lead_a.__aenter__()  # a comes back as a follower...
    await asyncio.sleep(0.3)
    assert not leader_a.is_leader
    await lead_b.__aexit__(None, None, None)  # ...and leads again when b leaves: its scheduler restarts
    handed_back = len(runs)
    await until(lambda: leader_a.is_leader and "a" in runs[handed_back:], 5)
    await lead_a.__aexit__(None, None, None)
    assert set(runs[handed_back:]) == {"a"}
    assert changes == [("a", True), ("a", False), ("b", True), ("b", False), ("a", True), ("a", False)]
    assert not a.running
    assert not b.running


async def test_sqlite_means_one_process_that_leads_at_once(tmp_path: Any) -> None:
    runs: list[str] = []

    async def startup(_service: object) -> None:
        runs.append("startup")

    sched = Scheduler(None, jobs=[], startup=[JobSpec("boot", startup, timedelta(0))])  # type: ignore[arg-type]
    async with scheduler_leadership(sched, f"sqlite+aiosqlite:///{tmp_path}/x.db") as leader:
        assert isinstance(leader, FileLockLeader)
        assert leader.is_leader
        assert runs == ["startup"]  # the startup jobs ran before the body
        assert sched.running
    assert not sched.running
    assert not leader.is_leader


def test_the_database_url_picks_the_election() -> None:
    sqlite_file = leader_for("sqlite:///data/x.db", 15)
    assert isinstance(sqlite_file, FileLockLeader)
    assert sqlite_file.path == Path("data/x.db.leader")
    assert isinstance(leader_for("sqlite+aiosqlite://", 15), SoleLeader)  # in memory: one process
    pg = leader_for("postgresql+asyncpg://u:secret@db:5432/steward", 15)
    assert isinstance(pg, AdvisoryLockLeader)
    assert (
        postgres_dsn("postgresql+asyncpg://u:secret@db:5432/steward")
        == "postgresql://u:secret@db:5432/steward"
    )
    assert postgres_dsn("sqlite:///x.db") is None
    assert pg.interval == 5.0


async def test_an_unreachable_database_keeps_campaigning_without_crashing() -> None:
    leader = AdvisoryLockLeader("postgresql://nobody@127.0.0.1:1/none", lease=0.3)
    elected: list[bool] = []
    task = asyncio.create_task(leader.run(lambda: elected.append(True), lambda: None))
    await asyncio.sleep(1.0)
    assert not task.done()  # still retrying
    assert not leader.is_leader
    assert elected == []
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_two_processes_on_one_sqlite_file_run_the_jobs_once(tmp_path: Path) -> None:
    runs: list[str] = []
    a, b = ticking("a", runs), ticking("b", runs)
    url = f"sqlite:///{tmp_path}/steward.db"
    lead_a = scheduler_leadership(a, url, lease=0.3)
    leader_a = await lead_a.__aenter__()
    assert leader_a.is_leader  # decided before the body runs
    async with scheduler_leadership(b, url, lease=0.3) as leader_b:
        assert not leader_b.is_leader
        await asyncio.sleep(0.4)
        assert set(runs) == {"a"}
        await lead_a.__aexit__(None, None, None)  # the lock is released: b takes over at its next try
        handed_over = len(runs)
        assert await until(lambda: leader_b.is_leader, 1.0) <= 1.0
        await until(lambda: "b" in runs[handed_over:], 2)
    assert set(runs[handed_over:]) == {"b"}
    assert not a.running
    assert not b.running
