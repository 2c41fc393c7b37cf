"""``steward run`` as a process: platforms from tokens, clean SIGTERM, start-up errors, hidden secrets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.test_sandbox_e2e import TOXIC, keyword_config

REPO = Path(__file__).resolve().parent.parent
TOKEN = "424242:AAF-fake-telegram-token-for-tests"
ACME_CHAT = -1001234567890  # config/communities/example.yaml


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "LOG_LEVEL"}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        STEWARD_CONFIG_DIR=str(REPO / "config"),
        PYTHONPATH=str(REPO),
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


async def start(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=cwd,
    )


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", errors="replace")


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


async def test_telegram_runs_from_its_token_and_stops_on_sigterm(bot_api: FakeBotApi, tmp_path: Path) -> None:
    env = env_for(
        tmp_path,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)),
        LOG_LEVEL="DEBUG",
    )
    proc = await start(env, tmp_path)
    try:
        await bot_api.wait_for("getUpdates", within=45)
        sent = tg.message(ACME_CHAT, tg.user(555, "mallory"), TOXIC)
        bot_api.inject(tg.message_update(sent))
        deleted = await bot_api.wait_for("deleteMessage", within=30)
    except BaseException:
        proc.kill()
        _code, out = await finish(proc)
        pytest.fail(f"the toxic message was not deleted; output:\n{out[-3000:]}")
    assert deleted[0]["message_id"] == sent["message_id"]
    proc.send_signal(signal.SIGTERM)
    code, out = await finish(proc)
    assert code == 0, out[-3000:]
    assert "telegram: started" in out
    assert TOKEN not in out
    assert TOKEN.split(":")[1] not in out
    assert "Steward sandbox" not in out  # a token means platforms, not the console


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_rejected_token_stops_with_a_clear_error_and_no_secret(
    bot_api: FakeBotApi, tmp_path: Path, log_format: str
) -> None:
    wrong = "999999:AAF-wrong-token-that-must-not-leak"
    env = env_for(
        tmp_path,
        TELEGRAM_TOKEN=wrong,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)),
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
    )
    code, out = await finish(await start(env, tmp_path))
    assert code == 1, out[-3000:]
    assert "telegram could not start" in out
    assert wrong not in out
    assert wrong.split(":")[1] not in out
    if log_format == "json":
        records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert len(records) > 5  # the debug log, one JSON object per line
        assert {"ts", "level", "logger", "message"} <= set(records[0])


async def test_bad_config_stops_run_with_located_errors(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "communities").mkdir(parents=True)
    (config / "communities" / "x.yaml").write_text("community: x\nrules:\n  a: {enabled: maybe}\n")
    code, out = await finish(await start(env_for(tmp_path, STEWARD_CONFIG_DIR=str(config)), tmp_path))
    assert code == 1
    assert "x.yaml:3 at rules.a.enabled" in out
    assert "configuration error(s)" in out
    assert "Traceback" not in out


async def test_missing_config_dir_is_explained(tmp_path: Path) -> None:
    env = env_for(tmp_path, STEWARD_CONFIG_DIR=str(tmp_path / "nope"))
    code, out = await finish(await start(env, tmp_path))
    assert code == 1
    assert "is not a directory" in out
    assert "Traceback" not in out
