"""Assembles ``CommunityConfig`` from ``moderation.config.sections``; import schema names from here."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from moderation.config.sections.base import (
    Duration,
    LangText,
    Probability,
    RegexPattern,
    Strict,
    format_duration,
    parse_duration,
)
from moderation.config.sections.manager import (
    DigestConfig,
    MoodConfig,
    PostsConfig,
    PostTarget,
    ResponsesConfig,
    ScheduledPost,
)
from moderation.config.sections.overrides import (
    Criteria,
    Override,
    parse_level_criterion,
)
from moderation.config.sections.platforms import (
    DiscordPlatform,
    ModelSettings,
    ModerationSettings,
    PlatformsConfig,
    SandboxPlatform,
    TelegramPlatform,
)
from moderation.config.sections.rules import (
    ActionsConfig,
    BanAction,
    ClassifierTrigger,
    DuplicatesTrigger,
    FloodTrigger,
    LinksTrigger,
    MentionsTrigger,
    NewMemberTrigger,
    RuleConfig,
    StrikesConfig,
    StrikeStep,
    TriggersConfig,
    WarnAction,
    WordsTrigger,
)
from moderation.config.sections.safety import (
    AppealsConfig,
    RaidConfig,
    VerificationConfig,
)
from moderation.config.sections.voice import (
    FaqConfig,
    FaqEntry,
    GreetingsConfig,
    VoiceConfig,
)

__all__ = [
    "ActionsConfig",
    "AppealsConfig",
    "BanAction",
    "ClassifierTrigger",
    "CommunityConfig",
    "Criteria",
    "DigestConfig",
    "DiscordPlatform",
    "DuplicatesTrigger",
    "Duration",
    "FaqConfig",
    "FaqEntry",
    "FloodTrigger",
    "GreetingsConfig",
    "LangText",
    "LinksTrigger",
    "MentionsTrigger",
    "ModelSettings",
    "ModerationSettings",
    "MoodConfig",
    "NewMemberTrigger",
    "Override",
    "PlatformsConfig",
    "PostTarget",
    "PostsConfig",
    "Probability",
    "RaidConfig",
    "RegexPattern",
    "ResponsesConfig",
    "RuleConfig",
    "SandboxPlatform",
    "ScheduledPost",
    "Strict",
    "StrikeStep",
    "StrikesConfig",
    "TelegramPlatform",
    "TriggersConfig",
    "VerificationConfig",
    "VoiceConfig",
    "WarnAction",
    "WordsTrigger",
    "format_duration",
    "parse_duration",
    "parse_level_criterion",
]


class CommunityConfig(Strict):
    """A community's whole configuration (also the shape of each merged override)."""

    community: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Unique name: lowercase letters, digits, - and _."
    )
    mode: Literal["live", "dry_run"] = Field(
        "live", description="dry_run: decide and record, act on nothing."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en", "ar", "ru", "fa"], description="Languages members write in."
    )
    platforms: PlatformsConfig = Field(default_factory=PlatformsConfig, description="Where it lives.")
    levels: dict[str, int] = Field(
        default_factory=dict,
        description="'discord:role:<id>', 'telegram:admin', 'user:<platform>:<id>' -> level.",
    )
    moderation: ModerationSettings = Field(
        default_factory=ModerationSettings, description="Moderators, queue."
    )
    voice: VoiceConfig = Field(default_factory=VoiceConfig, description="Brand voice and reply templates.")
    greetings: GreetingsConfig = Field(default_factory=GreetingsConfig, description="Greeting newcomers.")
    faq: FaqConfig = Field(default_factory=FaqConfig, description="Answering frequent questions.")
    rules: dict[str, RuleConfig] = Field(default_factory=dict, description="Rule name -> rule.")
    strikes: StrikesConfig = Field(default_factory=StrikesConfig, description="Strike ladder.")
    posts: PostsConfig = Field(default_factory=PostsConfig, description="Scheduled posts (content calendar).")
    responses: ResponsesConfig = Field(
        default_factory=ResponsesConfig, description="Question tracking and response times."
    )
    mood: MoodConfig = Field(default_factory=MoodConfig, description="Mood watch and surge alerts.")
    digest: DigestConfig = Field(default_factory=DigestConfig, description="Digests and key members.")
    appeals: AppealsConfig = Field(default_factory=AppealsConfig, description="Members' appeals.")
    verification: VerificationConfig = Field(
        default_factory=VerificationConfig, description="Verification of newcomers on join."
    )
    raid: RaidConfig = Field(default_factory=RaidConfig, description="Raid protection (join floods).")
    model: ModelSettings = Field(default_factory=ModelSettings, description="Classifier (process-wide).")
    overrides: list[Override] = Field(
        default_factory=list,
        description="Criteria blocks applied in order (a layer's list replaces lower ones).",
    )
