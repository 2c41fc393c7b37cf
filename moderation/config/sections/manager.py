"""Config schema of the community manager's tools: posts, response times, mood and digests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from moderation.config.sections.base import (
    Duration,
    LangText,
    Probability,
    Strict,
)
from moderation.manager.cron import parse_cron

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
