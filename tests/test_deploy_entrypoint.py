"""What the container runs, without Docker: ``steward run`` with only a token, DATABASE_URL and METRICS_PORT.

The image sets ``STEWARD_CONFIG_DIR=/config`` (a copy of ``config/``), ``HF_HUB_OFFLINE=1`` and the
entrypoint ``steward run``; the test does the same against the fake Bot API and the test PostgreSQL,
waits for ``/readyz``, lets a toxic message through, and scrapes ``/metrics``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.postgres import create_database, drop_database

REPO = Path(__file__).resolve().parent.parent
TOKEN = "424242:AAF-fake-telegram-token-for-deploy"
ACME_CHAT = -1001234567890  # config/communities/example.yaml
TOXIC = "you are a stupid idiot moron, shut up"
EXPECTED_SERIES = (
    "steward_messages_total",
    "steward_decisions_total",
    "steward_action_failures_total",
    "steward_review_queue_depth",
    "steward_classifier_batch_size_bucket",
    "steward_classifier_latency_seconds_bucket",
    "steward_scheduler_lag_seconds",
    "steward_scheduler_leader",
    "steward_ready",
)

pytestmark = pytest.mark.postgres


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def container_env(**only: str) -> dict[str, str]:
    """The image's environment (Dockerfile ENV) plus ``only``; nothing else from this process."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        STEWARD_CONFIG_DIR=str(REPO / "config"),
        METRICS_HOST="127.0.0.1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(only)
    return env


async def start_steward(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """The image's ENTRYPOINT ["steward"] CMD ["run"] (the console script, or ``-m bot.cli``)."""
    exe = shutil.which("steward", path=str(Path(sys.executable).parent))
    cmd = [exe, "run"] if exe else [sys.executable, "-m", "bot.cli", "run"]
    return await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=cwd,
    )


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def wait_ready(base: str, proc: asyncio.subprocess.Process, within: float) -> list[int]:
    """Poll /readyz until 200; return the statuses seen (503 while starting)."""
    seen: list[int] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise AssertionError(f"steward exited with {proc.returncode} before it was ready")
        try:
            status, _body = await get(f"{base}/readyz")
            seen.append(status)
            if status == 200:
                return seen
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"/readyz never turned 200 within {within}s (saw {sorted(set(seen))})")


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one series in a Prometheus text exposition (0 when absent)."""
    for line in metrics.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


async def scrape_until(base: str, name: str, within: float = 30, **labels: str) -> tuple[int, str]:
    """Scrape /metrics until ``name{labels}`` is at least 1 (the decision is counted after its actions)."""
    deadline = time.monotonic() + within
    while True:
        status, metrics = await get(f"{base}/metrics")
        if sample(metrics, name, **labels) >= 1 or time.monotonic() > deadline:
            return status, metrics
        await asyncio.sleep(0.1)


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    url = create_database(postgres_url, prefix="steward_deploy")
    try:
        yield url.replace("postgresql+asyncpg://", "postgresql://")  # what an operator would write
    finally:
        drop_database(postgres_url, url)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


async def test_the_entrypoint_starts_from_a_token_and_a_database_url(
    bot_api: FakeBotApi, pg_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = container_env(
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        DATABASE_URL=pg_database,
        METRICS_PORT=str(port),
        LOG_FORMAT="json",
    )
    base = f"http://127.0.0.1:{port}"
    proc = await start_steward(env, tmp_path)
    out = b""
    try:
        statuses = await wait_ready(base, proc, within=120)
        assert (await get(f"{base}/healthz"))[0] == 200
        sent = tg.message(ACME_CHAT, tg.user(555, "mallory"), TOXIC)
        bot_api.inject(tg.message_update(sent))
        deleted = await bot_api.wait_for("deleteMessage", within=60)
        assert deleted[0]["message_id"] == sent["message_id"]
        status, metrics = await scrape_until(base, "steward_messages_total", platform="telegram")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    log = out.decode("utf-8", errors="replace")
    assert proc.returncode == 0, log[-3000:]
    assert status == 200
    for series in EXPECTED_SERIES:
        assert series in metrics, f"{series} missing from /metrics"
    assert sample(metrics, "steward_messages_total", platform="telegram") >= 1
    assert sample(metrics, "steward_decisions_total", outcome="act", label="toxicity") >= 1
    assert sample(metrics, "steward_classifier_batch_size_count") >= 1
    assert sample(metrics, "steward_scheduler_leader") == 1  # the only process leads
    assert sample(metrics, "steward_ready") == 1
    assert statuses[-1] == 200
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r["message"] == "ready" for r in records)  # JSON logs, one object per line
    assert TOKEN.split(":")[1] not in log
