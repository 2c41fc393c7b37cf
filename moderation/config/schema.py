"""Pydantic schema of a community's YAML configuration (every model forbids unknown keys)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Parse ``90s``, ``10m``, ``1h``, ``7d``, ``2w`` or a number of seconds into a timedelta.

    Raises:
        ValueError: If the value is not a duration.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration like '10m', '1h' or '7d' is required, not a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    raise ValueError(f"{value!r} is not a duration; write e.g. '30s', '10m', '1h', '7d' or '2w'")


def format_duration(value: timedelta) -> str:
    """Format a timedelta back into the shortest YAML duration string."""
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "pattern": _DURATION.pattern}),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
LangText = dict[str, str]
"""Text per language code (``en``, ``ar``, ``ru``, ``fa``...); ``default`` may be used as a fallback."""


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- triggers


class ClassifierTrigger(Strict):
    """Fires on a classifier label's probability: review between the bands, act above ``act_at``."""

    label: str = Field(description="Classifier label, e.g. toxic, spam, question.")
    review_at: Probability | None = Field(None, description="Send to review at or above this score.")
    act_at: Probability | None = Field(None, description="Act at or above this score.")

    @model_validator(mode="after")
    def _bands(self) -> ClassifierTrigger:
        if self.review_at is None and self.act_at is None:
            raise ValueError("set review_at, act_at or both")
        if self.review_at is not None and self.act_at is not None and self.review_at > self.act_at:
            raise ValueError(f"review_at ({self.review_at}) must not exceed act_at ({self.act_at})")
        return self


class WordsTrigger(Strict):
    """Fires on listed words (matched after normalisation against evasion) or regular expressions."""

    words: list[str] = Field(default_factory=list, description="Words or phrases to catch.")
    patterns: list[str] = Field(default_factory=list, description="Regular expressions (checked at load).")
    allow: list[str] = Field(default_factory=list, description="Words never caught (e.g. 'scunthorpe').")
    substring: bool = Field(False, description="Match inside words too, not only whole words.")


class LinksTrigger(Strict):
    """Fires on links: denied domains, invites, or any domain outside the allow-list."""

    deny_domains: list[str] = Field(default_factory=list, description="Domains (and subdomains) to catch.")
    allow_domains: list[str] = Field(default_factory=list, description="Domains never caught.")
    only_allowed: bool = Field(False, description="Catch every link whose domain is not allowed.")
    invites: bool = Field(True, description="Catch Discord and Telegram invite links.")


class MentionsTrigger(Strict):
    """Fires when a message mentions more than ``max`` members."""

    max: int = Field(5, ge=0)


class FloodTrigger(Strict):
    """Fires when a member sends ``messages`` messages within ``within``."""

    messages: int = Field(5, ge=2)
    within: Duration = Field(default=timedelta(seconds=5))


class DuplicatesTrigger(Strict):
    """Fires when ``members`` different members post the same text within ``within`` (spam waves)."""

    members: int = Field(3, ge=2)
    within: Duration = Field(default=timedelta(minutes=1))
    min_length: int = Field(10, ge=1, description="Ignore texts shorter than this (e.g. 'hi').")


class NewMemberTrigger(Strict):
    """Fires for members who joined less than ``joined_within`` ago or are within their first messages."""

    joined_within: Duration | None = None
    first_messages: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one(self) -> NewMemberTrigger:
        if self.joined_within is None and self.first_messages is None:
            raise ValueError("set joined_within, first_messages or both")
        return self


class TriggersConfig(Strict):
    """Triggers of a rule, keyed by type. ``match`` on the rule says whether any or all must fire."""

    classifier: ClassifierTrigger | None = None
    words: WordsTrigger | None = None
    links: LinksTrigger | None = None
    mentions: MentionsTrigger | None = None
    flood: FloodTrigger | None = None
    duplicates: DuplicatesTrigger | None = None
    new_member: NewMemberTrigger | None = None


# ---------------------------------------------------------------- actions


class WarnAction(Strict):
    """Warn the member with a voice template; each warning is a strike."""

    template: str = Field(description="Key in voice.replies.")
    dm: bool = Field(True, description="Send by direct message (falls back to the channel).")


class BanAction(Strict):
    """Ban the member."""

    delete_message_days: int = Field(0, ge=0, le=7)


class ActionsConfig(Strict):
    """What a rule does when it fires (in its act band), or holds for review (review band)."""

    delete: bool = False
    reply: str | None = Field(None, description="Key in voice.replies to answer with.")
    warn: WarnAction | None = None
    timeout: Duration | None = None
    kick: bool = False
    ban: BanAction | None = None
    review: bool = Field(False, description="Hold every other action for a moderator's approval.")
    notify: str | None = Field(None, description="Key in voice.replies sent to the moderators' channel.")


class RuleConfig(Strict):
    """One moderation rule: triggers, then actions."""

    enabled: bool = True
    mode: Literal["live", "dry_run"] = "live"
    description: str = ""
    match: Literal["any", "all"] = Field("any", description="Fire when any trigger fires, or only all.")
    priority: int = Field(0, description="Higher runs first; the first rule that acts stops the rest.")
    triggers: TriggersConfig = Field(default_factory=TriggersConfig)
    actions: ActionsConfig = Field(default_factory=ActionsConfig)


class StrikeStep(Strict):
    """A rung of the strike ladder: ``count`` strikes within ``within`` lead to ``action``."""

    count: int = Field(ge=1)
    within: Duration
    action: Literal["timeout", "kick", "ban"]
    duration: Duration | None = Field(None, description="For timeouts.")

    @model_validator(mode="after")
    def _duration(self) -> StrikeStep:
        if self.action == "timeout" and self.duration is None:
            raise ValueError("a timeout step needs a duration")
        return self


class StrikesConfig(Strict):
    """Escalation from warnings; strikes older than the largest ``within`` no longer count."""

    enabled: bool = True
    ladder: list[StrikeStep] = Field(default_factory=list)


# ---------------------------------------------------------------- voice, greetings, faq


class VoiceConfig(Strict):
    """The community's brand voice."""

    tone: Literal["friendly", "formal", "playful", "neutral"] = "friendly"
    signature: str | None = Field(None, description="Appended to every reply, e.g. '— the Acme team'.")
    default_lang: str = "en"
    replies: dict[str, LangText] = Field(
        default_factory=dict, description="Template name -> language -> text with {placeholders}."
    )


class GreetingsConfig(Strict):
    """Greeting newcomers."""

    enabled: bool = False
    text: LangText = Field(default_factory=dict)
    rules_reminder: LangText = Field(default_factory=dict, description="Appended when rules_channel is set.")
    rules_channel: str | None = None
    channel: str | None = Field(None, description="Channel to greet in; default: where they joined.")
    dm: bool = False
    delete_previous: bool = Field(False, description="Delete the previous greeting to keep the chat clean.")


class FaqEntry(Strict):
    """One frequently asked question."""

    questions: dict[str, list[str]] = Field(description="Language -> question variants.")
    answer: LangText


class FaqConfig(Strict):
    """Answering members' questions from a FAQ."""

    enabled: bool = True
    mode: Literal["answer", "suggest"] = "answer"
    threshold: Probability = 0.75
    question_at: Probability = Field(0.5, description="Question probability needed before matching.")
    entries: dict[str, FaqEntry] = Field(default_factory=dict)


# ---------------------------------------------------------------- platforms, moderation


class DiscordPlatform(Strict):
    """Discord servers of this community."""

    guild_ids: list[str] = Field(default_factory=list)
    mod_channel_id: str | None = None
    log_channel_id: str | None = None
    welcome_channel_id: str | None = None


class TelegramPlatform(Strict):
    """Telegram groups of this community."""

    chat_ids: list[str] = Field(default_factory=list)
    mod_chat_id: str | None = None


class SandboxPlatform(Strict):
    """The local console community."""

    enabled: bool = True
    channels: list[str] = Field(default_factory=lambda: ["general"])


class PlatformsConfig(Strict):
    """Where this community lives."""

    discord: DiscordPlatform | None = None
    telegram: TelegramPlatform | None = None
    sandbox: SandboxPlatform | None = None


class ModerationSettings(Strict):
    """Who may moderate and how the queue behaves."""

    moderator_level: int = 50
    admin_level: int = 100
    review_expiry: Duration = Field(default=timedelta(hours=48))
    keep_flagged_text: Duration = Field(default=timedelta(days=30), description="Retention of flagged text.")
    exempt_level: int = Field(50, description="Members at or above this level are never acted on.")


# ---------------------------------------------------------------- overrides


class Criteria(Strict):
    """Conditions of an override block; all given conditions must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    platform: str | list[str] | None = None
    channel: str | list[str] | None = None
    category: str | list[str] | None = None
    role: str | list[str] | None = None
    level: str | int | None = Field(None, description="'>=50', '<10', '50'...")
    user: str | list[str] | None = None
    lang: str | list[str] | None = None
    any: list[Criteria] | None = None
    all: list[Criteria] | None = None
    not_: Criteria | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _not_empty(self) -> Criteria:
        if not self.model_fields_set:
            raise ValueError("empty criteria would match everything; give at least one condition")
        return self


class Override(Criteria):
    """Criteria plus a partial ``config`` merged over the community config when they hold."""

    config: dict[str, Any]

    @model_validator(mode="after")
    def _needs_criteria(self) -> Override:
        if self.model_fields_set <= {"config"}:
            raise ValueError("an override needs at least one criterion besides config")
        if "overrides" in self.config or "community" in self.config:
            raise ValueError("an override's config cannot set 'overrides' or 'community'")
        return self


class ModelSettings(Strict):
    """Which classifier serves this process (read from defaults.yaml / the first community)."""

    backend: Literal["auto", "keyword", "e5", "hf"] = "auto"
    path: str | None = Field(None, description="Local Hugging Face model directory for backend 'hf'.")
    kind: Literal["sequence-classification", "encoder"] = "encoder"
    label_map: dict[str, str] = Field(default_factory=dict, description="Model label -> Steward label.")


class CommunityConfig(Strict):
    """A community's whole configuration (also the shape of each merged override)."""

    community: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    mode: Literal["live", "dry_run"] = "live"
    languages: list[str] = Field(default_factory=lambda: ["en", "ar", "ru", "fa"])
    platforms: PlatformsConfig = Field(default_factory=PlatformsConfig)
    levels: dict[str, int] = Field(
        default_factory=dict, description="'discord:role:<id>', 'telegram:admin', 'user:<platform>:<id>' -> level."
    )
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    voice: VoiceConfig = Field(default_factory=VoiceConfig)
    greetings: GreetingsConfig = Field(default_factory=GreetingsConfig)
    faq: FaqConfig = Field(default_factory=FaqConfig)
    rules: dict[str, RuleConfig] = Field(default_factory=dict)
    strikes: StrikesConfig = Field(default_factory=StrikesConfig)
    model: ModelSettings = Field(default_factory=ModelSettings)
    overrides: list[Override] = Field(default_factory=list)
