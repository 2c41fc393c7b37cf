"""``steward run``'s wiring for Telegram: build_core + create_runner from the environment, to the fake API."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.runtime import build_core
from bot.settings import Settings
from bot.telegram.options import TelegramOptions
from bot.telegram.runtime import create_runner
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, MOD_CHAT
from tests.harness import write_config

COMMUNITY = textwrap.dedent(
    f"""\
    community: acme
    platforms:
      telegram: {{chat_ids: ["{CHAT}"], mod_chat_id: "{MOD_CHAT}"}}
    levels: {{"telegram:admin": 50}}
    rules:
      slurs:
        triggers: {{words: {{words: [badword]}}}}
        actions: {{delete: true}}
    """
)


async def test_create_runner_from_settings_moderates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = FakeBotApi()
    await api.start()
    config_dir = write_config(tmp_path / "config", COMMUNITY, defaults="model: {backend: keyword}\n")
    for name in ("TELEGRAM_MODE", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.model_validate(
        {
            "TELEGRAM_TOKEN": tg.TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url + "/",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'steward.db'}",
            "STEWARD_CONFIG_DIR": str(config_dir),
        }
    )
    core = await build_core(settings)
    runner = create_runner(core, settings)
    try:
        await runner.start()
        assert runner.webhook_secret is None  # polling by default
        api.inject(tg.message_update(tg.message(CHAT, tg.user(501, "Alice"), "what a badword", message_id=9)))
        (deleted,) = await api.wait_for("deleteMessage")
        assert (deleted["chat_id"], deleted["message_id"]) == (CHAT, 9)
        assert api.calls_to("setMyCommands")[0]["scope"]["chat_id"] == MOD_CHAT
    finally:
        await runner.stop()
        await core.close()
        await api.stop()


def test_create_runner_needs_a_token(tmp_path: Path) -> None:
    settings = Settings.model_validate({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})

    class _Core:
        service = None

        def communities(self) -> list[str]:
            return []

    with pytest.raises(ValueError, match="TELEGRAM_TOKEN"):
        create_runner(_Core(), settings)  # type: ignore[arg-type]


def test_options_from_environment() -> None:
    assert TelegramOptions.from_env({}) is None
    plain = TelegramOptions.from_env(
        {"TELEGRAM_TOKEN": " 1:a ", "TELEGRAM_API_BASE_URL": "http://api.local/"}
    )
    assert plain is not None
    assert (plain.token, plain.api_base_url, plain.mode) == ("1:a", "http://api.local", "polling")
    hook = TelegramOptions.from_env(
        {
            "TELEGRAM_TOKEN": "1:a",
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example/tg",
            "TELEGRAM_WEBHOOK_PORT": "9000",
            "TELEGRAM_WEBHOOK_PATH": "/tg/",
        }
    )
    assert hook is not None
    assert (hook.mode, hook.webhook_port, hook.webhook_path) == ("webhook", 9000, "tg")
    secret = hook.with_secret().webhook_secret
    assert secret is not None
    assert len(secret) >= 32
    assert hook.with_secret().webhook_secret != secret  # random unless configured
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_URL"):
        TelegramOptions.from_env({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_MODE": "webhook"})
    with pytest.raises(ValueError, match="TELEGRAM_MODE"):
        TelegramOptions.from_env({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_MODE": "push"})
