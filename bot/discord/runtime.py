"""Entry for ``bot.runtime``: ``create_runner(core, settings)`` builds the DiscordRunner."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from pydantic import SecretStr

from bot.discord.client import DiscordRunner
from bot.service_port import ModerationPort as Service

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
    only sees messages that mention it, and says so in the log). ``DISCORD_SHARD=2/8`` runs shard 2 of
    8 in this process (large deployments run one process per shard).

    Raises:
        ValueError: Without a token, or with a malformed ``DISCORD_SHARD``.
    """
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    env = os.environ if environ is None else environ
    message_content = env.get("DISCORD_MESSAGE_CONTENT", "1").strip().lower() not in _FALSE
    return DiscordRunner(
        core.service,
        settings.discord_token.get_secret_value(),
        message_content=message_content,
        shard=parse_shard(env.get("DISCORD_SHARD", "")),
    )


def parse_shard(text: str) -> tuple[int, int] | None:
    """``"2/8"`` -> ``(2, 8)``; empty -> ``None``.

    Raises:
        ValueError: If the text is not ``id/count`` with ``0 <= id < count``.
    """
    if not text.strip():
        return None
    try:
        shard_id, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"DISCORD_SHARD must look like 2/8 (shard id/shard count), not {text!r}") from None
    if not 0 <= shard_id < count:
        raise ValueError(f"DISCORD_SHARD {text!r}: the id must be at least 0 and below the count")
    return shard_id, count
