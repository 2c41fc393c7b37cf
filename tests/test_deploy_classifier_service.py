"""The classifier as a shared service: same answers over HTTP, bots load no model, failures are typed."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.classifier_service import RemoteClassifier, RemoteClassifierError, classifier_app
from bot.runtime import build_core
from bot.sandbox.world import PLATFORM, SPACE_ID
from bot.settings import Settings
from models.factory import build_classifier
from moderation.config.schema import ModelSettings
from moderation.domain import Actor, InboundMessage, Outcome, Scope
from moderation.ports import Classifier
from tests.test_deploy_entrypoint import REPO, container_env, free_port
from tests.test_sandbox_e2e import TOXIC, keyword_config


@pytest.fixture
async def local() -> Classifier:
    return build_classifier(ModelSettings(backend="keyword"), ["en", "ru"])


@pytest.fixture
async def service_url(local: Classifier) -> AsyncIterator[str]:
    runner = web.AppRunner(classifier_app(local), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_remote_answers_match_the_local_model(local: Classifier, service_url: str) -> None:
    remote = await RemoteClassifier.connect(service_url)
    try:
        texts = [TOXIC, "hello, where are the rules?", "", "ты идиот"]
        assert remote.labels == local.labels
        assert await remote.classify(texts) == await local.classify(texts)
        assert await remote.classify([]) == []
        many = await asyncio.gather(*(remote.classify([f"{TOXIC} {i}"]) for i in range(20)))
        assert all(r[0].labels["toxic"] > 0.5 for r in many)
    finally:
        await remote.aclose()


async def test_bad_requests_are_refused(service_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{service_url}/v1/classify", json={"texts": "not a list"}) as response:
            assert response.status == 400
        async with session.post(f"{service_url}/v1/classify", json={"texts": ["x"] * 300}) as response:
            assert response.status == 413
        async with session.get(f"{service_url}/metrics") as response:
            assert "steward_classifier_batch_size" in await response.text()


async def test_an_unreachable_service_is_a_typed_error(service_url: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(RemoteClassifierError, match="no classifier service"):
        await RemoteClassifier.connect(dead)
    remote = await RemoteClassifier.connect(service_url)
    remote.url = dead  # the service goes away after start
    try:
        with pytest.raises(RemoteClassifierError, match="failed"):
            await remote.classify(["hello"])
    finally:
        await remote.aclose()


async def test_a_bot_with_classifier_url_uses_the_service(
    service_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLASSIFIER_URL", service_url)
    core = await build_core(
        Settings(), config_dir=keyword_config(tmp_path), database_url=f"sqlite:///{tmp_path}/bot.db"
    )
    try:
        assert isinstance(core.classifier, RemoteClassifier)
        scope = Scope(PLATFORM, "", SPACE_ID, "100")
        msg = InboundMessage(scope, Actor(PLATFORM, "7", "mallory"), "1", TOXIC, datetime.now(UTC))
        decision = await core.service.handle_message(msg)
        assert decision.outcome is Outcome.ACT
        assert "toxicity" in decision.fired_rules
    finally:
        await core.close()


async def test_classifier_serve_runs_as_a_command(tmp_path: Path) -> None:
    port = free_port()
    env = container_env(STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "classifier-serve", "--port", str(port),
        env=env, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        remote = None
        for _ in range(300):
            try:
                remote = await RemoteClassifier.connect(f"http://127.0.0.1:{port}")
                break
            except RemoteClassifierError:
                assert proc.returncode is None
                await asyncio.sleep(0.1)
        assert remote is not None, "classifier-serve did not come up"
        try:
            assert "toxic" in remote.labels
            assert (await remote.classify([TOXIC]))[0].labels["toxic"] > 0.5
        finally:
            await remote.aclose()
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
