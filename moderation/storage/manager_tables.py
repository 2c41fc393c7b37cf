"""Tables of the community manager: scheduled posts, job runs, questions, mood buckets, engagement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from moderation.storage.types import CleanText, UtcDateTime


class ScheduledPostRow(SQLModel, table=True):
    """A post added by a moderator at run time, or the pause/cancel state of a calendar (YAML) post."""

    __tablename__ = "scheduled_posts"
    __table_args__ = (UniqueConstraint("community", "post_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    post_id: str
    source: str
    status: str
    spec: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    changed_by: str = Field(default="", sa_type=CleanText)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class JobRunRow(SQLModel, table=True):
    """One run of a durable job occurrence (a post or a digest), written before it is carried out.

    The unique key makes each occurrence run at most once, across restarts and concurrent processes.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("community", "kind", "key", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    kind: str
    key: str
    scheduled_for: datetime = Field(sa_type=UtcDateTime)
    status: str
    detail: str = Field(default="", sa_type=CleanText)
    started_at: datetime = Field(sa_type=UtcDateTime)


class QuestionRow(SQLModel, table=True):
    """A member's question, tracked until someone else answers it."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("community", "platform", "channel_id", "message_id"),
        Index("ix_questions_open", "community", "platform", "channel_id", "answered_at", "asked_at"),
        Index("ix_questions_community_asked_at", "community", "asked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    space_id: int = Field(sa_type=BigInteger)
    channel_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    asked_at: datetime = Field(sa_type=UtcDateTime)
    excerpt: str | None = Field(default=None, sa_type=CleanText)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    answered_by: int | None = Field(default=None, sa_type=BigInteger)
    auto: bool = False
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class MoodBucketRow(SQLModel, table=True):
    """Messages and mood-label hits per channel per minute (the rolling windows sum these)."""

    __tablename__ = "mood_buckets"
    __table_args__ = (
        UniqueConstraint("community", "platform", "channel_id", "minute"),
        Index("ix_mood_buckets_community_minute", "community", "minute"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    channel_id: int = Field(sa_type=BigInteger)
    minute: datetime = Field(sa_type=UtcDateTime)
    total: int = 0
    hits: int = 0


class MoodAlertRow(SQLModel, table=True):
    """A mood surge alert sent to moderators (also the cooldown's memory)."""

    __tablename__ = "mood_alerts"
    __table_args__ = (Index("ix_mood_alerts_channel_at", "community", "platform", "channel_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    channel_id: int = Field(sa_type=BigInteger)
    at: datetime = Field(sa_type=UtcDateTime)
    hits: int
    total: int
    share: float
    baseline: float


class EngagementRow(SQLModel, table=True):
    """A member's engagement: counters plus a decaying score kept relative to a fixed epoch.

    ``score`` is stored as ``sum(weight * 2 ** ((t - epoch) / half_life))``, so ordering by it orders by
    the decayed score at any moment, and adding to it is one UPDATE (no read).
    """

    __tablename__ = "engagement"
    __table_args__ = (
        UniqueConstraint("community", "platform", "user_id"),
        Index("ix_engagement_community_score", "community", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    user_id: int = Field(sa_type=BigInteger)
    messages: int = 0
    replies_received: int = 0
    answers_given: int = 0
    score: float = 0.0
    last_active: datetime = Field(sa_type=UtcDateTime)
