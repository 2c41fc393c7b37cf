"""Config schema of platforms, moderation settings and the process-wide model settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import (
    Field,
)

from moderation.config.sections.base import (
    Duration,
    Strict,
)

# ---------------------------------------------------------------- platforms, moderation


class DiscordPlatform(Strict):
    """Discord servers of this community."""

    guild_ids: list[str] = Field(default_factory=list, description="Server (guild) ids.")
    mod_channel_id: str | None = Field(None, description="Channel for review cards and notifications.")
    log_channel_id: str | None = Field(None, description="Channel for the action log.")
    welcome_channel_id: str | None = Field(None, description="Channel for greetings.")


class TelegramPlatform(Strict):
    """Telegram groups of this community."""

    chat_ids: list[str] = Field(default_factory=list, description="Group chat ids (negative, -100...).")
    mod_chat_id: str | None = Field(None, description="Chat for review cards and notifications.")


class SandboxPlatform(Strict):
    """The local console community."""

    enabled: bool = Field(True, description="Serve this community in the local console sandbox.")
    channels: list[str] = Field(
        default_factory=lambda: ["general"], description="Channel names (ids 100, 101... in this order)."
    )


class PlatformsConfig(Strict):
    """Where this community lives."""

    discord: DiscordPlatform | None = Field(None, description="Discord servers.")
    telegram: TelegramPlatform | None = Field(None, description="Telegram groups.")
    sandbox: SandboxPlatform | None = Field(None, description="The local console (one community at most).")


class ModerationSettings(Strict):
    """Who may moderate and how the queue behaves."""

    moderator_level: int = Field(50, description="Level needed for moderator commands and buttons.")
    admin_level: int = Field(100, description="Level needed for admin commands (/reload).")
    review_expiry: Duration = Field(
        default=timedelta(hours=48), description="Unhandled reviews expire after."
    )
    keep_flagged_text: Duration = Field(default=timedelta(days=30), description="Retention of flagged text.")
    keep_member_data: Duration = Field(
        default=timedelta(days=365),
        description="Retention of message records, questions and engagement of members (then purged).",
    )
    exempt_level: int = Field(50, description="Members at or above this level are never acted on.")


class ModelSettings(Strict):
    """Which classifier serves this process (read from defaults.yaml / the first community)."""

    backend: Literal["auto", "keyword", "e5", "hf"] = Field(
        "auto", description="auto: the bundled model if installed, else keyword; hf: a local model directory."
    )
    path: str | None = Field(None, description="Local Hugging Face model directory for backend 'hf'.")
    kind: Literal["sequence-classification", "encoder"] = Field(
        "encoder", description="For hf: a classifier with its own labels, or an encoder with Steward's heads."
    )
    label_map: dict[str, str] = Field(default_factory=dict, description="Model label -> Steward label.")
