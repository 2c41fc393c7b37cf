"""Database tables (SQLModel). Every platform id is a BigInteger; every time is aware UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from moderation.storage.types import CleanText, UtcDateTime

# Named constraints make migrations (and SQLite batch ALTERs) predictable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata


class Member(SQLModel, table=True):
    """A member of one community on one platform."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    user_id: int = Field(sa_type=BigInteger)
    display_name: str = Field(sa_type=CleanText)
    joined_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    first_seen: datetime = Field(sa_type=UtcDateTime)
    last_seen: datetime = Field(sa_type=UtcDateTime)
    message_count: int = 0


class Message(SQLModel, table=True):
    """Metadata of one message; ``text`` is kept only for flagged messages, until purged."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_community_sent_at", "community", "sent_at"),
        Index("ix_messages_sent_at", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    space_id: int = Field(sa_type=BigInteger)
    channel_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    sent_at: datetime = Field(sa_type=UtcDateTime)
    lang: str | None = None
    length: int = 0
    link_count: int = 0
    flagged: bool = False
    text: str | None = Field(default=None, sa_type=CleanText)


class DecisionRow(SQLModel, table=True):
    """A decision with its traces, written before any of its actions run."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_actions_done", "actions_done"),
        Index("ix_decisions_community_created_at", "community", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str | None = None
    space_id: int | None = Field(default=None, sa_type=BigInteger)
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    user_id: int | None = Field(default=None, sa_type=BigInteger)
    outcome: str
    dry_run: bool = False
    lang: str | None = None
    rules: list[str] = Field(default_factory=list, sa_type=JSON)
    traces: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    scores: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    held_actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    actions_done: bool = False
    failures: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UtcDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class CaseCounter(SQLModel, table=True):
    """The last case number handed out per community (bumped atomically)."""

    __tablename__ = "case_counters"

    community: str = Field(primary_key=True)
    last_number: int = 0


class CaseRow(SQLModel, table=True):
    """A numbered case, shared across platforms within a community."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("community", "number"),
        Index("ix_cases_member", "community", "user_id", "platform"),
        Index("ix_cases_community_created_at", "community", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    number: int
    case_type: str
    platform: str
    user_id: int = Field(sa_type=BigInteger)
    user_name: str = Field(sa_type=CleanText)
    rule: str
    reason: str = Field(sa_type=CleanText)
    moderator: str = Field(sa_type=CleanText)
    created_at: datetime = Field(sa_type=UtcDateTime)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id", ondelete="SET NULL")
    channel_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = Field(default=None, sa_type=BigInteger)


class CaseNote(SQLModel, table=True):
    """A moderator's note on a case."""

    __tablename__ = "case_notes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", ondelete="CASCADE", index=True)
    author: str = Field(sa_type=CleanText)
    text: str = Field(sa_type=CleanText)
    created_at: datetime = Field(sa_type=UtcDateTime)


class AuditRow(SQLModel, table=True):
    """One line of an audit trail."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_case", "community", "case_number"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    case_number: int | None = None
    at: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(sa_type=CleanText)
    action: str
    detail: str = Field(default="", sa_type=CleanText)


class ReviewItem(SQLModel, table=True):
    """A review-queue item for a case: pending, then approved, rejected or expired."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("community", "case_number"),
        ForeignKeyConstraint(
            ["community", "case_number"],
            ["cases.community", "cases.number"],
            name="fk_review_items_case",
            ondelete="CASCADE",
        ),
        Index("ix_review_items_status_expires_at", "status", "expires_at"),
        Index("ix_review_items_queue", "community", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    case_number: int
    status: str
    platform: str
    space_id: int = Field(sa_type=BigInteger)
    channel_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    user_name: str = Field(sa_type=CleanText)
    rule: str
    reason: str = Field(sa_type=CleanText)
    excerpt: str = Field(sa_type=CleanText)
    held_actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    suggested_reply: str | None = Field(default=None, sa_type=CleanText)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    resolved_by: str | None = Field(default=None, sa_type=CleanText)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    note: str | None = Field(default=None, sa_type=CleanText)


class Strike(SQLModel, table=True):
    """One strike (a warning) against a member, counted over the strike ladder's windows."""

    __tablename__ = "strikes"
    __table_args__ = (Index("ix_strikes_member_at", "community", "platform", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    user_id: int = Field(sa_type=BigInteger)
    at: datetime = Field(sa_type=UtcDateTime)
    case_number: int | None = None


class RulePause(SQLModel, table=True):
    """A rule paused in a community until a time."""

    __tablename__ = "rule_pauses"

    community: str = Field(primary_key=True)
    rule: str = Field(primary_key=True)
    until: datetime = Field(sa_type=UtcDateTime)


def table(model: type[SQLModel]) -> Table:
    """The core ``Table`` of a model (for INSERT ... ON CONFLICT and bulk UPDATE statements)."""
    result = model.__table__  # type: ignore[attr-defined]
    assert isinstance(result, Table)
    return result


# Tables kept in their own modules; imported here so that ``metadata`` holds every table.
from moderation.storage import appeal_tables as _appeal_tables  # noqa: E402,F401
from moderation.storage import claims as _claims  # noqa: E402,F401
from moderation.storage import outbox_tables as _outbox_tables  # noqa: E402,F401
