"""Pydantic schema of a community's YAML configuration (every model forbids unknown keys)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from moderation.config.patterns import check_pattern
from moderation.manager.cron import parse_cron

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


def _check_regex(pattern: str) -> str:
    check_pattern(pattern)
    return pattern


RegexPattern = Annotated[str, AfterValidator(_check_regex)]
"""A regular expression, compiled at load; patterns prone to catastrophic backtracking are refused."""
LangText = dict[str, str]
"""Text per language code (``en``, ``ar``, ``ru``, ``fa``...); ``default`` may be used as a fallback."""


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable.

    Numbers are accepted where text is expected (``guild_ids: [1100]``, ``channel: 1200``): YAML users
    rarely quote ids.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


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
    patterns: list[RegexPattern] = Field(
        default_factory=list, description="Regular expressions (checked at load)."
    )
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

    max: int = Field(5, ge=0, description="Most mentions allowed in one message.")


class FloodTrigger(Strict):
    """Fires when a member sends ``messages`` messages within ``within``."""

    messages: int = Field(5, ge=2, description="Messages from one member that count as a flood.")
    within: Duration = Field(default=timedelta(seconds=5), description="Time window for those messages.")


class DuplicatesTrigger(Strict):
    """Fires when ``members`` different members post the same text within ``within`` (spam waves)."""

    members: int = Field(3, ge=2, description="Different members posting the same text.")
    within: Duration = Field(default=timedelta(minutes=1), description="Time window for those posts.")
    min_length: int = Field(10, ge=1, description="Ignore texts shorter than this (e.g. 'hi').")


class NewMemberTrigger(Strict):
    """Fires for members who joined less than ``joined_within`` ago or are within their first messages."""

    joined_within: Duration | None = Field(None, description="Joined less than this long ago.")
    first_messages: int | None = Field(None, ge=1, description="Within their first N messages.")

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

    delete_message_days: int = Field(0, ge=0, le=7, description="Days of their messages to delete (Discord).")


class ActionsConfig(Strict):
    """What a rule does when it fires (in its act band), or holds for review (review band)."""

    delete: bool = Field(False, description="Delete the message.")
    reply: str | None = Field(None, description="Key in voice.replies to answer with.")
    warn: WarnAction | None = Field(None, description="Warn the member (counts as a strike).")
    timeout: Duration | None = Field(None, description="Time the member out (mute) for this long.")
    kick: bool = Field(False, description="Remove the member (they may rejoin).")
    ban: BanAction | None = Field(None, description="Ban the member.")
    review: bool = Field(False, description="Hold every other action for a moderator's approval.")
    notify: str | None = Field(None, description="Key in voice.replies sent to the moderators' channel.")


class RuleConfig(Strict):
    """One moderation rule: triggers, then actions."""

    enabled: bool = Field(True, description="Switch the rule off without deleting it.")
    mode: Literal["live", "dry_run"] = Field(
        "live", description="dry_run records the decision and trace but acts on nothing."
    )
    description: str = Field("", description="What the rule is for (shown in /explain and cases).")
    match: Literal["any", "all"] = Field("any", description="Fire when any trigger fires, or only all.")
    priority: int = Field(0, description="Higher runs first; the first rule that acts stops the rest.")
    triggers: TriggersConfig = Field(default_factory=TriggersConfig, description="What makes the rule fire.")
    actions: ActionsConfig = Field(default_factory=ActionsConfig, description="What it does when it fires.")


class StrikeStep(Strict):
    """A rung of the strike ladder: ``count`` strikes within ``within`` lead to ``action``."""

    count: int = Field(ge=1, description="Strikes needed.")
    within: Duration = Field(description="Window in which the strikes are counted, e.g. 7d.")
    action: Literal["timeout", "kick", "ban"] = Field(description="What happens.")
    duration: Duration | None = Field(None, description="For timeouts.")

    @model_validator(mode="after")
    def _duration(self) -> StrikeStep:
        if self.action == "timeout" and self.duration is None:
            raise ValueError("a timeout step needs a duration")
        return self


class StrikesConfig(Strict):
    """Escalation from warnings; strikes older than the largest ``within`` no longer count."""

    enabled: bool = Field(True, description="Escalate repeated warnings.")
    ladder: list[StrikeStep] = Field(
        default_factory=list, description="Steps; the highest step whose count is reached applies."
    )


# ---------------------------------------------------------------- voice, greetings, faq


class VoiceConfig(Strict):
    """The community's brand voice."""

    tone: Literal["friendly", "formal", "playful", "neutral"] = Field(
        "friendly", description="The community's tone of voice."
    )
    signature: str | None = Field(None, description="Appended to every reply, e.g. '— the Acme team'.")
    default_lang: str = Field("en", description="Language used when the member's is unknown or missing.")
    replies: dict[str, LangText] = Field(
        default_factory=dict, description="Template name -> language -> text with {placeholders}."
    )


class GreetingsConfig(Strict):
    """Greeting newcomers."""

    enabled: bool = Field(False, description="Greet members when they join.")
    text: LangText = Field(default_factory=dict, description="Greeting per language, with {placeholders}.")
    rules_reminder: LangText = Field(default_factory=dict, description="Appended when rules_channel is set.")
    rules_channel: str | None = Field(None, description="Channel id of the rules ({rules_channel}).")
    channel: str | None = Field(None, description="Channel to greet in; default: where they joined.")
    dm: bool = Field(False, description="Greet by direct message instead.")
    delete_previous: bool = Field(False, description="Delete the previous greeting to keep the chat clean.")


class FaqEntry(Strict):
    """One frequently asked question."""

    questions: dict[str, list[str]] = Field(description="Language -> question variants.")
    answer: LangText = Field(description="Answer per language.")


class FaqConfig(Strict):
    """Answering members' questions from a FAQ."""

    enabled: bool = Field(True, description="Answer questions that match an entry.")
    mode: Literal["answer", "suggest"] = Field(
        "answer", description="answer replies in the chat; suggest sends the match to moderators."
    )
    threshold: Probability = Field(0.75, description="Similarity needed to count as a match.")
    question_at: Probability = Field(0.5, description="Question probability needed before matching.")
    entries: dict[str, FaqEntry] = Field(
        default_factory=dict, description="Entry name -> questions and answer."
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


# ---------------------------------------------------------------- overrides

_LEVEL = re.compile(r"^\s*(>=|<=|==|>|<|=)?\s*(-?\d{1,18})\s*$")


def parse_level_criterion(value: str | int) -> tuple[str, int]:
    """Parse an override's ``level`` criterion into an operator and a number.

    ``">=50"`` -> ``(">=", 50)``; ``"50"``, ``"=50"`` and ``50`` -> ``("==", 50)``.

    Raises:
        ValueError: If it is not a comparison with a whole number.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return "==", value
    match = _LEVEL.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a level condition; write e.g. '>=50', '<=10', '>5', '<5' or '50'")
    op = match.group(1) or "=="
    return ("==" if op == "=" else op), int(match.group(2))


class Criteria(Strict):
    """Conditions of an override block; all given conditions must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    platform: str | list[str] | None = Field(None, description="discord, telegram or sandbox (or a list).")
    channel: str | list[str] | None = Field(
        None, description="Channel id(s); the sandbox numbers its channels from 100 in listed order."
    )
    category: str | list[str] | None = Field(None, description="Category or parent channel id(s).")
    role: str | list[str] | None = Field(
        None, description="Role token(s): '3100' or 'role:3100', 'admin', or 'discord:role:3100'."
    )
    level: str | int | None = Field(None, description="'>=50', '<10', '50'...")
    user: str | list[str] | None = Field(None, description="User id(s), or '<platform>:<id>'.")
    lang: str | list[str] | None = Field(None, description="Language(s) of the message.")
    any: list[Criteria] | None = Field(None, description="Holds when any of these criteria hold.")
    all: list[Criteria] | None = Field(None, description="Holds when all of these criteria hold.")
    not_: Criteria | None = Field(None, alias="not", description="Holds when these criteria do not.")

    @field_validator("platform", "channel", "category", "role", "user", "lang", "any", "all")
    @classmethod
    def _no_empty_list(cls, value: object) -> object:
        if isinstance(value, list) and not value:
            raise ValueError("an empty list matches nothing; give at least one value or remove the key")
        return value

    @field_validator("level")
    @classmethod
    def _level(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, str):
            parse_level_criterion(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Criteria:
        if not self.model_fields_set:
            raise ValueError("empty criteria would match everything; give at least one condition")
        return self


class Override(Criteria):
    """Criteria plus a partial ``config`` merged over the community config when they hold."""

    config: dict[str, Any] = Field(
        description="Partial community config merged on top when the criteria hold."
    )

    @model_validator(mode="after")
    def _needs_criteria(self) -> Override:
        if self.model_fields_set <= {"config"}:
            raise ValueError("an override needs at least one criterion besides config")
        if "overrides" in self.config or "community" in self.config:
            raise ValueError("an override's config cannot set 'overrides' or 'community'")
        return self


# ---------------------------------------------------------------- community manager


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'"
        ) from None
    return name


def _check_cron(expr: str) -> str:
    parse_cron(expr)
    return expr


_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class PostTarget(Strict):
    """Where a scheduled post goes."""

    platform: Literal["discord", "telegram", "sandbox"] = Field(description="Platform of the channel.")
    channel: str = Field(description="Channel id (Telegram: the chat id; sandbox: 100, 101...).")
    space: str | None = Field(
        None, description="Discord server id (default: the community's first guild_ids entry)."
    )
    lang: str | None = Field(
        None, description="Language of the text to send here (default voice.default_lang)."
    )


class ScheduledPost(Strict):
    """One entry of the content calendar: a one-off time or a cron schedule."""

    at: datetime | None = Field(
        None, description="One-off ISO date and time, e.g. 2026-12-01T09:00 (local to timezone if no offset)."
    )
    cron: str | None = Field(None, description="Repeating schedule, e.g. '0 9 * * mon' (local time).")
    timezone: str | None = Field(None, description="Time zone of at/cron (default posts.timezone).")
    targets: list[PostTarget] = Field(min_length=1, description="Channels to post in.")
    text: LangText = Field(min_length=1, description="Text per language.")
    pin: bool = Field(False, description="Pin the post where the platform allows it.")
    enabled: bool = Field(True, description="Switch the post off without deleting it.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else _check_cron(value)

    @model_validator(mode="after")
    def _one_schedule(self) -> ScheduledPost:
        if (self.at is None) == (self.cron is None):
            raise ValueError("give exactly one of 'at' (one-off) or 'cron' (repeating)")
        return self


class PostsConfig(Strict):
    """Scheduled posts (the content calendar). Each occurrence is sent once, even across restarts."""

    timezone: str = Field("UTC", description="Default time zone of the calendar.")
    grace: Duration = Field(
        default=timedelta(hours=1),
        description="A run missed (e.g. while stopped) by up to this long is sent once, late; "
        "older missed runs are skipped and logged.",
    )
    calendar: dict[str, ScheduledPost] = Field(default_factory=dict, description="Post id -> post.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_timezone(value)


class ResponsesConfig(Strict):
    """Tracking members' questions until someone answers them."""

    enabled: bool = Field(True, description="Track questions (question score >= faq.question_at).")
    staff_window: Duration = Field(
        default=timedelta(minutes=30),
        description="A moderator's message in the channel within this long after a question answers it.",
    )
    remind_after: Duration = Field(
        default=timedelta(hours=2), description="Remind moderators (once) of questions unanswered this long."
    )
    keep_excerpts: bool = Field(
        False,
        description=(
            "Store the start of each tracked question so reminders can quote it. Off by default: "
            "unflagged message text is never stored, reminders then carry a link only."
        ),
    )


class MoodConfig(Strict):
    """Mood watch: the share of messages scoring high on some labels, against the channel's baseline."""

    enabled: bool = Field(True, description="Watch the mood and alert moderators on surges.")
    labels: list[str] = Field(
        default_factory=lambda: ["toxic"],
        description="Classifier labels that count as a bad-mood message (e.g. toxic, negative).",
    )
    threshold: Probability = Field(0.6, description="Score at which a message counts.")
    window: Duration = Field(
        default=timedelta(minutes=15), description="Short window compared to the baseline."
    )
    baseline: Duration = Field(
        default=timedelta(hours=24), description="Longer window for the baseline share."
    )
    factor: float = Field(
        3.0, gt=1.0, description="Alert when the short-window share reaches this x baseline."
    )
    min_count: int = Field(5, ge=1, description="Fewest counted messages in the short window for an alert.")
    min_baseline: Probability = Field(
        0.02, description="Floor of the baseline share (a clean channel does not alert on one bad word)."
    )
    cooldown: Duration = Field(
        default=timedelta(hours=1), description="At most one alert per channel per this."
    )


class DigestConfig(Strict):
    """Daily and weekly digests to the moderators, and the engagement score of members."""

    daily: bool = Field(True, description="Post a daily digest.")
    weekly: bool = Field(True, description="Post a weekly digest.")
    at: str = Field("09:00", pattern=_CLOCK, description="Local time of day (HH:MM) for the digests.")
    weekly_on: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        "mon", description="Day of the weekly digest."
    )
    timezone: str = Field("UTC", description="Time zone of 'at'.")
    top_members: int = Field(5, ge=0, le=50, description="Key members listed.")
    half_life: Duration = Field(
        default=timedelta(days=7), description="Engagement halves after this long without activity."
    )
    newcomer_messages: int = Field(3, ge=1, description="Messages that make a newcomer count as active.")
    chart: bool = Field(True, description="Attach a PNG chart where the platform can take files.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_timezone(value)


# ---------------------------------------------------------------- raid protection


def _default_raid_overrides() -> dict[str, Any]:
    return {
        "rules": {
            "raid_new_member_links": {
                "description": "During a raid, new members' links wait for review.",
                "match": "all",
                "priority": 100,
                "triggers": {"new_member": {"joined_within": "1d"}, "links": {"only_allowed": True}},
                "actions": {"delete": True, "review": True},
            }
        }
    }


class RaidConfig(Strict):
    """Raid protection: many joins in a short time switch the community into raid mode."""

    enabled: bool = Field(True, description="Watch the join rate.")
    joins: int = Field(20, ge=2, description="This many joins within 'within' start raid mode.")
    within: Duration = Field(default=timedelta(seconds=60), description="Window for counting joins.")
    duration: Duration = Field(
        default=timedelta(minutes=30),
        description="Raid mode ends by itself this long after the join rate last crossed the threshold.",
    )
    restrict_joiners: Duration | None = Field(
        None, description="Time out every member who joins during raid mode for this long (unset: no)."
    )
    greet: bool = Field(False, description="Greet newcomers during raid mode.")
    overrides: dict[str, Any] = Field(
        default_factory=_default_raid_overrides,
        description="Partial community config merged on top while raid mode is on "
        "(default: links from members who joined in the last day are held for review).",
    )

    @field_validator("overrides")
    @classmethod
    def _no_identity(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = sorted({"community", "overrides", "raid"} & set(value))
        if bad:
            raise ValueError(f"raid overrides cannot set {', '.join(bad)}")
        return value


class VerificationConfig(Strict):
    """Hold newcomers (restricted) until they answer a simple question with ``/verify <answer>``."""

    enabled: bool = Field(False, description="Verify newcomers on join.")
    time_limit: Duration = Field(default=timedelta(minutes=10), description="Time to answer.")
    on_fail: Literal["kick", "restrict"] = Field(
        "kick", description="What happens to a newcomer who does not answer in time."
    )
    skip_known_after: Duration = Field(
        default=timedelta(days=1),
        description="Members Steward first saw longer ago than this (returning members) skip verification.",
    )
    question: LangText = Field(
        default_factory=lambda: {"en": "What is 2 + 3?"}, description="The question per language."
    )
    answers: dict[str, list[str]] = Field(
        default_factory=lambda: {"en": ["5", "five"]},
        description="Accepted answers per language (any language's answer counts; case-insensitive).",
    )


class AppealsConfig(Strict):
    """Members' appeals against a warning, timeout or ban (``/appeal <case> <text>``, once per case)."""

    enabled: bool = Field(False, description="Let members appeal their cases.")
    window: Duration = Field(
        default=timedelta(days=14), description="How long after the case an appeal is accepted."
    )


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
