"""Entry for ``bot.runtime``: ``create_runner(core, settings)`` builds the TelegramRunner."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from pydantic import SecretStr

from bot.service_port import ModerationPort
from bot.telegram.app import TelegramRunner
from bot.telegram.options import DEFAULT_API, TelegramOptions


class _Core(Protocol):
    """The parts of ``bot.runtime.Core`` used here (kept structural: adapters do not import the runtime)."""

    @property
    def service(self) -> ModerationPort:
        """The moderation service."""
        ...

    def communities(self) -> list[str]:
        """Configured community names."""
        ...


class _Settings(Protocol):
    """The parts of ``bot.settings.Settings`` used here."""

    @property
    def telegram_token(self) -> SecretStr | None:
        """``TELEGRAM_TOKEN``."""
        ...

    @property
    def telegram_api_base_url(self) -> str | None:
        """``TELEGRAM_API_BASE_URL``."""
        ...


def create_runner(
    core: _Core, settings: _Settings, environ: Mapping[str, str] | None = None
) -> TelegramRunner:
    """A TelegramRunner for the token in ``settings`` (webhook options from ``TELEGRAM_*`` variables).

    Raises:
        ValueError: Without a token, or with an invalid ``TELEGRAM_MODE``.
    """
    if settings.telegram_token is None:
        raise ValueError("TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    env = dict(os.environ if environ is None else environ)
    env["TELEGRAM_TOKEN"] = token
    options = TelegramOptions.from_env(env)
    assert options is not None
    options = replace(options, api_base_url=(settings.telegram_api_base_url or DEFAULT_API).rstrip("/"))
    return TelegramRunner(core.service, options, communities=core.communities)
