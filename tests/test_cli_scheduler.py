"""The runtime's scheduler: startup jobs first, interval jobs repeat, a failing job does not stop others."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.runtime import build_core
from bot.scheduler import JOBS, JobSpec, Scheduler
from bot.settings import Settings
from moderation.domain import (
    ActionKind,
    Actor,
    Decision,
    InboundMessage,
    Outcome,
    PlannedAction,
    Scope,
)
from moderation.service import ModerationService
from tests.fakes.core import RecordingGateway
from tests.test_sandbox_e2e import keyword_config


async def test_startup_then_intervals_and_failures_are_contained(caplog: pytest.LogCaptureFixture) -> None:
    order: list[str] = []

    async def startup(_service: Any) -> None:
        order.append("startup")

    async def tick(_service: Any) -> None:
        order.append("tick")

    async def broken(_service: Any) -> None:
        order.append("broken")
        raise RuntimeError("job bug")

    service = cast(ModerationService, object())
    scheduler = Scheduler(
        service,
        jobs=[
            JobSpec("tick", tick, timedelta(seconds=0.05)),
            JobSpec("broken", broken, timedelta(seconds=0.05)),
        ],
        startup=[JobSpec("startup", startup, timedelta(0))],
    )
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        await scheduler.start()
        assert order == ["startup"]
        assert scheduler.running
        await asyncio.sleep(0.4)
        scheduler.stop()
        await asyncio.sleep(0.01)
    assert not scheduler.running
    assert order.count("tick") >= 2
    assert order.count("broken") >= 2
    assert "scheduled job broken failed" in caplog.text
    count = len(order)
    await asyncio.sleep(0.15)
    assert len(order) == count  # nothing runs after stop


def test_default_jobs_cover_the_job_bodies() -> None:
    assert {"expire_reviews", "remind_pending_reviews", "purge_old_text", "resume_outbox"} <= {
        spec.name for spec in JOBS
    }
    assert all(spec.every >= timedelta(minutes=1) for spec in JOBS)


async def test_interrupted_decisions_are_resumed_at_start(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    core = await build_core(settings, config_dir=keyword_config(tmp_path))
    try:
        community = core.communities()[0]
        gateway = RecordingGateway(platform="sandbox")
        core.service.register_gateway(gateway)
        scope = Scope("sandbox", community, "1", "100")
        msg = InboundMessage(scope, Actor("sandbox", "10001", "alice"), "1001", "x", datetime.now(UTC))
        decision = Decision(Outcome.ACT, actions=(PlannedAction(ActionKind.DELETE, rule="toxicity"),))
        await core.store.save_decision(community, msg, decision, at=datetime.now(UTC))
        scheduler = Scheduler(core.service, jobs=[])
        await scheduler.start()
        scheduler.stop()
        assert [call.args["message_id"] for call in gateway.named("delete_message")] == ["1001"]
        assert await core.store.pending_decisions() == []
    finally:
        await core.close()
