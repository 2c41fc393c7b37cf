"""``bot.runtime.run`` with tokens: lazy adapters, start failures, lost connections, signals."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot import runtime
from bot.settings import Settings
from tests.fakes.core import RecordingGateway
from tests.test_sandbox_e2e import keyword_config

FAKE_MODULE = "steward_fake_platform_for_tests"


class Made(list["FakeRunner"]):
    """The runners the fake adapter made; ``created`` is set when the first one exists."""

    def __init__(self) -> None:
        super().__init__()
        self.created = asyncio.Event()


class FakeRunner:
    def __init__(self, core: runtime.Core, environ: Mapping[str, str], behaviour: str) -> None:
        self.core = core
        self.environ = environ
        self.behaviour = behaviour
        self.started = asyncio.Event()
        self.stopped = False
        self.connection: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.behaviour == "refuse":
            raise ConnectionRefusedError("login refused")
        self.core.service.register_gateway(RecordingGateway(platform="discord"))
        delay = 0.05 if self.behaviour == "die" else 3600
        self.connection = asyncio.create_task(asyncio.sleep(delay))
        self.started.set()

    async def stop(self) -> None:
        self.stopped = True
        if self.connection is not None:
            self.connection.cancel()


@pytest.fixture
def fake_platform(monkeypatch: pytest.MonkeyPatch) -> Made:
    made = Made()
    module = types.ModuleType(FAKE_MODULE)

    def create_runner(core: Any, settings: Settings, environ: Mapping[str, str] | None = None) -> FakeRunner:
        assert settings.discord_token is not None
        runner = FakeRunner(core, environ or {}, settings.discord_token.get_secret_value())
        made.append(runner)
        made.created.set()
        return runner

    module.create_runner = create_runner  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE_MODULE, module)
    monkeypatch.setitem(runtime.PLATFORMS, "discord", FAKE_MODULE)
    return made


@pytest.fixture(autouse=True)
def drop_log_handler() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "steward":
            root.removeHandler(handler)


def settings_for(tmp_path: Path, token: str) -> Settings:
    return Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)),
        DISCORD_TOKEN=token,
    )


async def test_sigterm_stops_the_platforms_cleanly(fake_platform: Made, tmp_path: Path) -> None:
    task = asyncio.create_task(runtime.run(settings_for(tmp_path, "stay")))
    await asyncio.wait_for(fake_platform.created.wait(), 30)
    await asyncio.wait_for(fake_platform[0].started.wait(), 30)
    os.kill(os.getpid(), signal.SIGTERM)  # the runtime's handler turns it into a clean stop
    await asyncio.wait_for(task, 30)
    assert fake_platform[0].stopped
    assert "PATH" in fake_platform[0].environ  # adapters get the environment for their extra knobs


async def test_every_connection_lost_stops_with_an_error(fake_platform: Made, tmp_path: Path) -> None:
    with pytest.raises(runtime.PlatformGone):
        await asyncio.wait_for(runtime.run(settings_for(tmp_path, "die")), 30)
    assert fake_platform[0].stopped


async def test_a_platform_that_cannot_start_is_named(fake_platform: Made, tmp_path: Path) -> None:
    with pytest.raises(runtime.PlatformFailed, match="discord could not start: ConnectionRefusedError"):
        await asyncio.wait_for(runtime.run(settings_for(tmp_path, "refuse")), 30)


async def test_a_missing_adapter_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(runtime.PLATFORMS, "discord", "steward_no_such_adapter_module")
    with pytest.raises(ValueError, match=r"the discord adapter \(steward_no_such_adapter_module\) cannot be"):
        await asyncio.wait_for(runtime.run(settings_for(tmp_path, "x")), 30)


def test_only_the_platforms_with_tokens_are_imported(tmp_path: Path) -> None:
    """A Telegram-only process never imports discord.py (checked in a fresh interpreter)."""
    code = (
        "import sys, asyncio\n"
        "from bot import runtime\n"
        "runtime.load_platform('telegram')\n"
        "assert 'discord' not in sys.modules, 'discord imported'\n"
        "assert 'bot.discord.runtime' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
