from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logging import configure_logging, redact
from bot.settings import DEFAULT_DATABASE_URL, ConfigDirNotFound, Settings

ENV = (
    "DATABASE_URL",
    "STEWARD_CONFIG_DIR",
    "DISCORD_TOKEN",
    "TELEGRAM_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "steward":
            root.removeHandler(handler)


def test_defaults_and_blank_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "  ")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("log_level", "debug")
    settings = Settings()
    assert settings.database_url.get_secret_value() == DEFAULT_DATABASE_URL
    assert settings.tokens() == {}
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "text"


def test_secrets_never_print_and_are_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "123456:SECRET-telegram")
    monkeypatch.setenv("DATABASE_URL", "postgresql://steward:hunter22@db.local:5432/steward")
    settings = Settings()
    assert "SECRET" not in repr(settings)
    assert "hunter22" not in repr(settings)
    assert list(settings.tokens()) == ["telegram"]
    assert set(settings.secrets()) == {"123456:SECRET-telegram", "hunter22"}
    assert settings.database_display() == "postgresql://steward:***@db.local:5432/steward"
    assert Settings(DATABASE_URL="sqlite:///x.db").database_display() == "sqlite:///x.db"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dotenv-file\nLOG_FORMAT=json\n")
    settings = Settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "from-dotenv-file"
    assert settings.log_format == "json"


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings()


def test_config_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.settings as settings_module

    monkeypatch.setattr(settings_module, "SOURCE_CONFIG_DIR", tmp_path / "nowhere")
    with pytest.raises(ConfigDirNotFound, match="STEWARD_CONFIG_DIR"):
        Settings().resolved_config_dir()
    (tmp_path / "config" / "communities").mkdir(parents=True)
    assert Settings().resolved_config_dir() == (tmp_path / "config").resolve()
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("STEWARD_CONFIG_DIR", str(other))
    assert Settings().resolved_config_dir() == other.resolve()
    monkeypatch.setenv("STEWARD_CONFIG_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigDirNotFound, match="not a directory"):
        Settings().resolved_config_dir()


def test_source_checkout_config_is_the_fallback(tmp_path: Path) -> None:
    repo_config = Path(__file__).resolve().parent.parent / "config"
    assert Settings().resolved_config_dir(cwd=tmp_path) == repo_config.resolve()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_logs_mask_secrets_everywhere(fmt: str) -> None:
    stream = io.StringIO()
    token = "987654:AAH-very-secret-token"
    configure_logging("INFO", fmt, secrets=[token], stream=stream)  # type: ignore[arg-type]
    log = logging.getLogger("steward.test")
    log.info("POST https://api.telegram.org/bot%s/getMe", token)
    try:
        raise RuntimeError(f"bad token {token}")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("httpx").info("HTTP Request: %s", token)  # quietened: not shown at all
    out = stream.getvalue()
    assert token not in out
    assert "bot***/getMe" in out
    assert "bad token ***" in out
    assert "HTTP Request" not in out
    if fmt == "json":
        records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert [r["level"] for r in records] == ["INFO", "ERROR"]
        assert "Traceback" in records[1]["exc_info"]


def test_redact_ignores_short_values() -> None:
    assert redact("a pw b", ["pw", "longer-secret"]) == "a pw b"
    assert redact("x longer-secret y", ["longer-secret"]) == "x *** y"


def test_environ_merges_dotenv_under_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_MODE=webhook\nDISCORD_SHARD=0/2\n")
    monkeypatch.setenv("DISCORD_SHARD", "1/2")
    env = Settings().environ()
    assert env["TELEGRAM_MODE"] == "webhook"  # only in .env: adapters still see it
    assert env["DISCORD_SHARD"] == "1/2"  # the process environment wins, as for the settings
