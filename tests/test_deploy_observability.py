"""/metrics, /healthz and /readyz in-process: readiness order, series fed by the real service, hooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

import bot.observability as observability
from bot.cli import app
from bot.cli_deploy import probe
from bot.metrics import StewardMetrics
from bot.observability import Observability, TimedClassifier
from bot.runtime import Core, build_core
from bot.sandbox.world import PLATFORM, SPACE_ID
from bot.scheduler import JobSpec, Scheduler
from bot.settings import Settings
from models.batcher import MicroBatcher
from moderation.domain import Actor, InboundMessage, Scope
from tests.test_deploy_entrypoint import sample
from tests.test_sandbox_e2e import BORDERLINE, TOXIC, keyword_config


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    built = await build_core(
        Settings(), config_dir=keyword_config(tmp_path), database_url=f"sqlite:///{tmp_path}/obs.db"
    )
    yield built
    await built.close()


@pytest.fixture
async def obs() -> AsyncIterator[Observability]:
    served = Observability()
    await served.serve("127.0.0.1", 0)
    yield served
    await served.close()


def message(n: int, text: str) -> InboundMessage:
    scope = Scope(PLATFORM, "", SPACE_ID, "100")
    author = Actor(PLATFORM, "7", "mallory")
    return InboundMessage(scope, author, str(n), text, datetime.now(UTC))


async def test_ready_only_once_the_model_and_the_platforms_are(obs: Observability, core: Core) -> None:
    base = f"http://127.0.0.1:{obs.port}"
    assert (await get(f"{base}/healthz"))[0] == 200
    status, _, body = await get(f"{base}/readyz")
    assert status == 503
    assert '"model": false' in body
    obs.attach(core, Scheduler(core.service), core.service)
    assert (await get(f"{base}/readyz"))[0] == 503  # model loaded, platforms not yet
    obs.platforms_ready()
    status, _, body = await get(f"{base}/readyz")
    assert status == 200
    assert '"ready": true' in body
    _, content_type, metrics = await get(f"{base}/metrics")
    assert content_type.startswith("text/plain")
    assert sample(metrics, "steward_ready") == 1
    await obs.close()
    assert not obs.ready
    with pytest.raises(aiohttp.ClientError):
        await get(f"{base}/healthz")


async def test_decisions_failures_and_classifier_batches_are_counted(
    core: Core, obs: Observability, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``core`` first: fixtures tear down in reverse, so the refresh loop stops before the store
    # closes, as in the runtime. The other way round, a refresh could open a fresh SQLite
    # connection after the store closed and be cancelled mid-query (a leaked aiosqlite thread).
    monkeypatch.setattr(observability, "QUEUE_REFRESH_SECONDS", 0.05)
    obs.attach(core, Scheduler(core.service), core.service)
    assert isinstance(core.service.classifier, TimedClassifier)  # the keyword classifier has no batcher
    await core.service.handle_message(message(1, TOXIC))  # no sandbox gateway here: its actions fail
    await core.service.handle_message(message(2, "hello there, how is everyone?"))
    await core.service.handle_message(message(3, BORDERLINE))  # held for review
    await asyncio.sleep(0.2)  # a queue-depth refresh
    metrics = obs.metrics.exposition().decode()
    assert sample(metrics, "steward_messages_total", platform=PLATFORM) == 3
    assert sample(metrics, "steward_decisions_total", outcome="act", label="toxicity") == 1
    assert sample(metrics, "steward_decisions_total", outcome="ignore", label="none") == 1
    assert sample(metrics, "steward_decisions_total", outcome="review", label="toxicity") == 1
    assert sample(metrics, "steward_action_failures_total", platform=PLATFORM) >= 1
    assert sample(metrics, "steward_classifier_batch_size_count") == 3
    assert sample(metrics, "steward_classifier_latency_seconds_count") == 3
    assert sample(metrics, "steward_review_queue_depth", community=core.communities()[0]) == 1
    await obs.close()  # before the core's store closes, as the runtime does


async def test_the_micro_batcher_reports_real_batch_sizes() -> None:
    seen: list[tuple[int, float]] = []
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda xs: [x * 2 for x in xs], max_batch=8, max_wait=0.05)
    batcher.on_batch = lambda size, seconds: seen.append((size, seconds))
    results = await asyncio.gather(*(batcher.submit([i]) for i in range(20)))
    await batcher.aclose()
    assert [r[0] for r in results] == [i * 2 for i in range(20)]
    assert sum(size for size, _ in seen) == 20
    assert max(size for size, _ in seen) == 8  # concurrent callers were batched together
    assert all(seconds >= 0 for _, seconds in seen)


async def test_scheduler_lag_and_leadership_are_exported() -> None:
    metrics = StewardMetrics()

    async def tick(_service: object) -> None:
        return None

    scheduler = Scheduler(None, jobs=[JobSpec("tick", tick, timedelta(seconds=0.05))], startup=())  # type: ignore[arg-type]
    scheduler.on_job_start = metrics.job_started
    await scheduler.start()
    await asyncio.sleep(0.3)
    scheduler.stop()
    metrics.leader.set(1)
    text = metrics.exposition().decode()
    assert sample(text, "steward_scheduler_lag_seconds_count", job="tick") >= 2
    assert sample(text, "steward_scheduler_leader") == 1


async def test_no_port_means_no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_PORT", raising=False)
    quiet = await Observability.start(Settings(_env_file=None))  # type: ignore[call-arg]
    assert quiet.port is None
    await quiet.close()


async def test_the_healthcheck_command_asks_the_endpoint(
    obs: Observability, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_PORT", str(obs.port))
    monkeypatch.setenv("METRICS_HOST", "0.0.0.0")  # as in the image: the probe still asks 127.0.0.1
    runner = CliRunner()
    healthy = await asyncio.to_thread(runner.invoke, app, ["healthcheck"])
    assert healthy.exit_code == 0, healthy.output
    unready = await asyncio.to_thread(runner.invoke, app, ["healthcheck", "--ready"])
    assert unready.exit_code == 1
    assert "503" in unready.output
    await obs.close()
    ok, why = await asyncio.to_thread(probe, "127.0.0.1", obs.port or 0)
    assert not ok
    assert "unreachable" in why
