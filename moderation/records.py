"""Stored records the core reads back from its repositories: members, cases, reviews, audit."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from moderation.domain import PlannedAction, ReviewStatus


class CaseType(enum.StrEnum):
    """Registry of case types (Red-DiscordBot style): what a numbered case records."""

    DELETE = "delete"
    WARN = "warn"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    REVIEW = "review"
    NOTE = "note"
    DRY_RUN = "dry_run"
    APPEAL = "appeal"


@dataclass(frozen=True)
class MemberRecord:
    """What the store knows about a member of one community."""

    platform: str
    community: str
    user_id: str
    display_name: str
    joined_at: datetime | None
    first_seen: datetime
    last_seen: datetime
    message_count: int = 0


@dataclass(frozen=True)
class CaseRecord:
    """A numbered case: one moderation event on one member, shared across platforms."""

    community: str
    number: int
    case_type: CaseType
    platform: str
    user_id: str
    user_name: str
    rule: str
    reason: str
    moderator: str
    created_at: datetime
    decision_id: int | None = None
    channel_id: str | None = None
    message_id: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewRecord:
    """A review-queue item tied to a case."""

    community: str
    case_number: int
    status: ReviewStatus
    platform: str
    space_id: str
    channel_id: str
    message_id: str
    user_id: str
    user_name: str
    rule: str
    reason: str
    excerpt: str
    held_actions: tuple[PlannedAction, ...]
    created_at: datetime
    expires_at: datetime
    suggested_reply: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One line of a case's audit trail: who did what, when."""

    community: str
    case_number: int | None
    at: datetime
    actor: str
    action: str
    detail: str = ""


@dataclass(frozen=True)
class DecisionRecord:
    """A stored decision (written before any action runs)."""

    id: int
    community: str
    platform: str
    channel_id: str
    message_id: str
    user_id: str
    outcome: str
    rules: tuple[str, ...]
    created_at: datetime
    actions_done: bool = False


@dataclass(frozen=True)
class Stats:
    """Counts for ``/stats`` over a period."""

    messages: int = 0
    decisions_by_outcome: dict[str, int] = field(default_factory=dict)
    cases_by_type: dict[str, int] = field(default_factory=dict)
    reviews_by_status: dict[str, int] = field(default_factory=dict)
    joins: int = 0
