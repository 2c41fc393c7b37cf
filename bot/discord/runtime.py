"""Entry for ``bot.runtime``: ``create_runner(core, settings)`` builds the DiscordRunner."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from pydantic import SecretStr

from bot.discord.client import DiscordRunner
from bot.discord.protocols import Service

_FALSE = {"0", "false", "no", "off"}


class _Core(Protocol):
    """The part of ``bot.runtime.Core`` used here (structural: adapters do not import the runtime)."""

    @property
    def service(self) -> Service:
        """The moderation service."""
        ...


class _Settings(Protocol):
    """The part of ``bot.settings.Settings`` used here."""

    @property
    def discord_token(self) -> SecretStr | None:
        """``DISCORD_TOKEN``."""
        ...


def create_runner(
    core: _Core, settings: _Settings, environ: Mapping[str, str] | None = None
) -> DiscordRunner:
    """A DiscordRunner for ``DISCORD_TOKEN``.

    ``DISCORD_MESSAGE_CONTENT=0`` connects without the privileged Message Content intent (Steward then
    only sees messages that mention it, and says so in the log).

    Raises:
        ValueError: Without a token.
    """
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    env = os.environ if environ is None else environ
    message_content = env.get("DISCORD_MESSAGE_CONTENT", "1").strip().lower() not in _FALSE
    return DiscordRunner(
        core.service, settings.discord_token.get_secret_value(), message_content=message_content
    )
