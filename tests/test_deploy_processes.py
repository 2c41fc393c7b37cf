"""Two ``steward run`` processes on one PostgreSQL: one scheduler leader, fail-over, each message once.

Each process has its own (fake) Telegram bot, as two workers of one deployment would; both moderate
the same community. The same update delivered to both (a webhook retry landing on the other worker)
must be judged once; scheduled work (here: the interrupted decision the leader resumes at start)
must run once, also after the leader is killed and the other process takes over.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from moderation.domain import ActionKind, Actor, Decision, InboundMessage, Outcome, PlannedAction, Scope
from moderation.storage import open_store, upgrade_async
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.postgres import create_database, drop_database
from tests.test_deploy_entrypoint import (
    ACME_CHAT,
    TOXIC,
    container_env,
    free_port,
    get,
    sample,
    start_steward,
    wait_ready,
)
from tests.test_sandbox_e2e import keyword_config

pytestmark = pytest.mark.postgres

LEASE = 3.0
TOKENS = ("111111:AAF-fake-token-worker-a", "222222:AAF-fake-token-worker-b")
INTERRUPTED_MESSAGE = 777


@dataclass
class Worker:
    name: str
    api: FakeBotApi
    port: int
    proc: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def metric(self, name: str, **labels: str) -> float:
        _status, text = await get(f"{self.base}/metrics")
        return sample(text, name, **labels)

    def deletes(self, message_id: int) -> int:
        return len([c for c in self.api.calls_to("deleteMessage") if c["message_id"] == message_id])


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    url = create_database(postgres_url, prefix="steward_two")
    try:
        yield url
    finally:
        drop_database(postgres_url, url)


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    found: list[Worker] = []
    for name, token in zip("ab", TOKENS, strict=True):
        api = FakeBotApi(token=token)
        await api.start()
        found.append(Worker(name, api, free_port()))
    yield found
    for worker in found:
        if worker.proc is not None and worker.proc.returncode is None:
            worker.proc.kill()
            await worker.proc.wait()
        await worker.api.stop()


async def seed_interrupted_decision(url: str) -> None:
    """A decision whose delete never ran (its process died): the leader resumes it at start."""
    await upgrade_async(url)
    store = await open_store(url)
    try:
        scope = Scope("telegram", "acme", str(ACME_CHAT), str(ACME_CHAT))
        author = Actor("telegram", "555", "mallory")
        at = datetime.now(UTC) - timedelta(hours=1)
        msg = InboundMessage(scope, author, str(INTERRUPTED_MESSAGE), "spam spam", at)
        decision = Decision(Outcome.ACT, actions=(PlannedAction(ActionKind.DELETE, "spam", reason="spam"),))
        await store.save_decision("acme", msg, decision, at=at)
    finally:
        await store.close()


async def count_decisions(url: str, message_id: int) -> int:
    store = await open_store(url, migrate=False)
    try:
        from sqlalchemy import text

        async with store.engine.connect() as conn:
            result = await conn.execute(
                text("SELECT count(*) FROM decisions WHERE message_id = :m"), {"m": message_id}
            )
            return int(result.scalar_one())
    finally:
        await store.close()


async def leaders(workers: list[Worker]) -> list[str]:
    return [
        w.name
        for w in workers
        if w.proc and w.proc.returncode is None and await w.metric("steward_scheduler_leader") == 1
    ]


async def wait_for_one_leader(workers: list[Worker], within: float) -> tuple[str, float]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < within:
        found = await leaders(workers)
        if len(found) == 1:
            return found[0], loop.time() - started
        assert len(found) < 2, "two leaders at once"
        await asyncio.sleep(0.1)
    raise AssertionError(f"no single leader within {within}s")


async def test_two_processes_share_one_database(
    workers: list[Worker], pg_database: str, tmp_path: Path
) -> None:
    operator_url = pg_database.replace("postgresql+asyncpg://", "postgresql://")
    config = keyword_config(tmp_path)  # the entrypoint test covers the default model; start fast here
    await seed_interrupted_decision(pg_database)
    for worker, token in zip(workers, TOKENS, strict=True):
        env = container_env(
            TELEGRAM_TOKEN=token,
            TELEGRAM_API_BASE_URL=worker.api.base_url,
            DATABASE_URL=operator_url,
            METRICS_PORT=str(worker.port),
            LEADER_LEASE_SECONDS=str(LEASE),
            STEWARD_CONFIG_DIR=str(config),
        )
        (tmp_path / worker.name).mkdir()
        worker.proc = await start_steward(env, tmp_path / worker.name)
    for worker in workers:
        assert worker.proc is not None
        await wait_ready(worker.base, worker.proc, within=120)

    # exactly one leader; the interrupted decision is resumed once, by it
    leader_name, _ = await wait_for_one_leader(workers, 20)
    by_name = {w.name: w for w in workers}
    leader = by_name[leader_name]
    follower = next(w for w in workers if w is not leader)
    await leader.api.wait_for("deleteMessage", lambda c: c["message_id"] == INTERRUPTED_MESSAGE, within=30)

    # the same update reaches both processes: it is judged and acted on once
    sent = tg.message(ACME_CHAT, tg.user(556, "mallet"), TOXIC)
    for worker in workers:
        worker.api.inject(tg.message_update(sent))
    message_id = sent["message_id"]
    for _ in range(300):
        if sum(w.deletes(message_id) for w in workers):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # time for a second (wrong) handling to show up
    assert sum(w.deletes(message_id) for w in workers) == 1
    assert await count_decisions(pg_database, message_id) == 1
    judged = [await w.metric("steward_messages_total", platform="telegram") for w in workers]
    assert sum(judged) == 1

    # kill -9 the leader: the follower takes over within the lease, and does not redo finished work
    assert leader.proc is not None
    leader.proc.send_signal(signal.SIGKILL)
    await leader.proc.wait()
    new_leader, took = await wait_for_one_leader([follower], LEASE + 2)
    assert new_leader == follower.name
    assert took <= LEASE, f"fail-over took {took:.1f}s, lease {LEASE}s"
    await asyncio.sleep(1.0)
    total = sum(w.deletes(INTERRUPTED_MESSAGE) for w in workers)
    assert total == 1, "the resumed decision ran twice"

    assert follower.proc is not None
    follower.proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(follower.proc.communicate(), 60)
    assert follower.proc.returncode == 0, out.decode(errors="replace")[-3000:]


async def test_processes_migrating_an_empty_database_at_once_do_not_collide(
    pg_database: str, tmp_path: Path
) -> None:
    env = container_env(DATABASE_URL=pg_database.replace("postgresql+asyncpg://", "postgresql://"))
    import sys

    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "db",
            "upgrade",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), 120) for p in procs]
    for proc, (out, _) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
        assert "is at revision" in out.decode()


async def test_a_scheduled_post_fires_once_even_if_two_processes_run_the_job(
    pg_database: str, tmp_path: Path
) -> None:
    """The leader runs the job; should two processes ever run it at once (a network split), the post's
    occurrence is still claimed once in the database."""
    from bot.runtime import build_core
    from bot.settings import Settings
    from moderation.manager.jobs import run_posts
    from tests.fakes.core import RecordingGateway

    config = keyword_config(tmp_path)
    due = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    community = config / "communities" / "example.yaml"
    community.write_text(
        community.read_text()
        + f"""
posts:
  timezone: UTC
  calendar:
    hello:
      at: {due}
      targets: [{{platform: telegram, channel: "{ACME_CHAT}"}}]
      text: {{en: "Welcome to the weekly thread"}}
"""
    )
    cores = [await build_core(Settings(), config_dir=config, database_url=pg_database) for _ in range(2)]
    gateways = [RecordingGateway(platform="telegram") for _ in cores]
    try:
        for core, gateway in zip(cores, gateways, strict=True):
            core.service.register_gateway(gateway)
        await asyncio.gather(*(run_posts(core.service) for core in cores))
        await asyncio.gather(*(run_posts(core.service) for core in cores))
    finally:
        for core in cores:
            await core.close()
    posted = [c for g in gateways for c in g.named("send_message") if "weekly thread" in str(c.args["text"])]
    assert len(posted) == 1


async def test_telegram_webhook_workers_share_one_bot(pg_database: str, tmp_path: Path) -> None:
    """One bot token, two webhook workers behind a (simulated) load balancer: Telegram's retry of an
    update lands on the other worker and is still judged once; a wrong secret is refused."""
    api = FakeBotApi(token=TOKENS[0])
    await api.start()
    hooks = [free_port(), free_port()]
    config = keyword_config(tmp_path)  # the topology matters here, not the model: start fast
    procs: list[asyncio.subprocess.Process] = []
    metrics: list[str] = []
    try:
        for i, hook in enumerate(hooks):
            env = container_env(
                TELEGRAM_TOKEN=TOKENS[0],
                TELEGRAM_API_BASE_URL=api.base_url,
                TELEGRAM_MODE="webhook",
                TELEGRAM_WEBHOOK_URL="https://steward.example.org/telegram",
                TELEGRAM_WEBHOOK_SECRET="shared-secret-of-every-worker",
                TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                TELEGRAM_WEBHOOK_PORT=str(hook),
                DATABASE_URL=pg_database.replace("postgresql+asyncpg://", "postgresql://"),
                METRICS_PORT=str(free_port()),
                STEWARD_CONFIG_DIR=str(config),
            )
            (tmp_path / f"w{i}").mkdir()
            procs.append(await start_steward(env, tmp_path / f"w{i}"))
            metrics.append(f"http://127.0.0.1:{env['METRICS_PORT']}")
        for base, proc in zip(metrics, procs, strict=True):
            await wait_ready(base, proc, within=120)
        assert len(api.calls_to("setWebhook")) == 2
        assert {c["secret_token"] for c in api.calls_to("setWebhook")} == {"shared-secret-of-every-worker"}

        sent = tg.message(ACME_CHAT, tg.user(557, "troll"), TOXIC)
        update = {"update_id": 9001, **tg.message_update(sent)}
        async with aiohttp.ClientSession() as session:
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            async with session.post(f"http://127.0.0.1:{hooks[0]}/telegram", json=update, headers=wrong) as r:
                assert r.status == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": "shared-secret-of-every-worker"}
            for hook in hooks:  # delivered, then retried onto the other worker
                async with session.post(f"http://127.0.0.1:{hook}/telegram", json=update, headers=right) as r:
                    assert r.status == 200
        await api.wait_for("deleteMessage", lambda c: c["message_id"] == sent["message_id"], within=30)
        await asyncio.sleep(2.0)
        assert len([c for c in api.calls_to("deleteMessage") if c["message_id"] == sent["message_id"]]) == 1
        assert await count_decisions(pg_database, sent["message_id"]) == 1
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            await asyncio.wait_for(proc.communicate(), 60)
        await api.stop()
    assert all(p.returncode == 0 for p in procs)
