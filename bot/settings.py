"""Process settings from the environment (and an optional ``.env``): database, config dir, tokens, logs.

Secrets (platform tokens and the database URL, which may hold a password) are ``SecretStr``: they print
as ``**********`` and are registered with the log formatter, which masks them wherever they appear.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./steward.db"
SOURCE_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
"""The ``config/`` directory of the source checkout this package runs from (editable installs)."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username or ''}:***@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class ConfigDirNotFound(Exception):
    """No configuration directory could be found."""


class Settings(BaseSettings):
    """Steward's environment.

    Attributes:
        database_url: ``DATABASE_URL``, any SQLAlchemy URL (sync driver names are rewritten to async ones).
        config_dir: ``STEWARD_CONFIG_DIR``; unset: ``./config`` if it exists, else the ``config/`` of the
            source checkout Steward is installed from (``pip install -e .``).
        discord_token: ``DISCORD_TOKEN``; set: connect to Discord.
        telegram_token: ``TELEGRAM_TOKEN``; set: connect to Telegram.
        telegram_api_base_url: ``TELEGRAM_API_BASE_URL``, a self-hosted Bot API server.
        log_level: ``LOG_LEVEL``; unset: INFO, or WARNING in the sandbox (its console is the interface).
        log_format: ``LOG_FORMAT``, ``text`` (readable) or ``json`` (one object per line).
        metrics_port: ``METRICS_PORT``; set: serve ``/metrics``, ``/healthz`` and ``/readyz`` on it
            (``0`` picks a free port); unset: no HTTP endpoint.
        metrics_host: ``METRICS_HOST``, the address they bind (default ``127.0.0.1``; ``0.0.0.0`` in Docker).
        leader_lease_seconds: ``LEADER_LEASE_SECONDS``: on PostgreSQL, how long a dead scheduler leader
            may go unnoticed before another process takes over.
        classifier_url: ``CLASSIFIER_URL``; set: ask a ``steward classifier-serve`` instance instead of
            loading the model in this process.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, frozen=True
    )

    database_url: SecretStr = Field(default=SecretStr(DEFAULT_DATABASE_URL), alias="DATABASE_URL")
    config_dir: Path | None = Field(default=None, alias="STEWARD_CONFIG_DIR")
    discord_token: SecretStr | None = Field(default=None, alias="DISCORD_TOKEN")
    telegram_token: SecretStr | None = Field(default=None, alias="TELEGRAM_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    log_level: LogLevel | None = Field(default=None, alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    metrics_port: int | None = Field(default=None, ge=0, le=65535, alias="METRICS_PORT")
    metrics_host: str = Field(default="127.0.0.1", alias="METRICS_HOST")
    leader_lease_seconds: float = Field(default=15.0, gt=0, alias="LEADER_LEASE_SECONDS")
    classifier_url: str | None = Field(default=None, alias="CLASSIFIER_URL")

    @field_validator(
        "discord_token",
        "telegram_token",
        "telegram_api_base_url",
        "config_dir",
        "metrics_port",
        "classifier_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_database_is_default(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return DEFAULT_DATABASE_URL
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().upper() or None
        return value

    def environ(self, cwd: Path | None = None) -> dict[str, str]:
        """The process environment over the ``.env`` file's values (as for the settings themselves).

        Adapters read their extra knobs from it (``TELEGRAM_MODE``, ``DISCORD_SHARD``...), so those work
        from ``.env`` too.
        """
        dotenv = dotenv_values((cwd or Path.cwd()) / ".env")
        merged = {key: value for key, value in dotenv.items() if value is not None}
        merged.update(os.environ)
        return merged

    def tokens(self) -> dict[str, SecretStr]:
        """Platform name -> token, for the platforms whose token is set."""
        found = {"discord": self.discord_token, "telegram": self.telegram_token}
        return {name: token for name, token in found.items() if token is not None}

    def secrets(self) -> list[str]:
        """Every secret value, for the log formatter to mask (the database password too)."""
        values = [token.get_secret_value() for token in self.tokens().values()]
        password = urlsplit(self.database_url.get_secret_value()).password
        if password:
            values.append(password)
        return [v for v in values if len(v) >= 4]

    def database_display(self) -> str:
        """The database URL with any password masked, for banners and logs."""
        return mask_url(self.database_url.get_secret_value())

    def resolved_config_dir(self, cwd: Path | None = None) -> Path:
        """The configuration directory to load.

        Raises:
            ConfigDirNotFound: If ``STEWARD_CONFIG_DIR`` points nowhere, or it is unset and neither
                ``./config`` nor the source checkout's ``config/`` exists.
        """
        if self.config_dir is not None:
            if not self.config_dir.is_dir():
                raise ConfigDirNotFound(f"STEWARD_CONFIG_DIR={self.config_dir} is not a directory")
            return self.config_dir.resolve()
        for candidate in ((cwd or Path.cwd()) / "config", SOURCE_CONFIG_DIR):
            if (candidate / "communities").is_dir() or (candidate / "defaults.yaml").is_file():
                return candidate.resolve()
        raise ConfigDirNotFound(
            "no configuration directory: run from the Steward checkout (which has config/), "
            "or set STEWARD_CONFIG_DIR to a directory with defaults.yaml and communities/*.yaml"
        )
