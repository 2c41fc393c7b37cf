"""What the community manager needs from storage (``moderation.storage.SqlStore`` implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class StoredPost:
    """A post added at run time (``source="command"``) or the state of a calendar post (``"calendar"``)."""

    post_id: str
    source: str
    status: str
    spec: dict[str, Any] | None
    changed_by: str
    updated_at: datetime


@dataclass(frozen=True)
class TrackedMessage:
    """What one new message contributes to questions, mood and engagement (written in one transaction).

    Attributes:
        engagement_factor: ``2 ** ((at - epoch) / half_life)``: weights are multiplied by it (see
            ``moderation.manager.members``).
        staff_window: For staff messages, how far back open questions in the channel count as answered.
    """

    community: str
    platform: str
    space_id: str
    channel_id: str
    message_id: str
    user_id: str
    at: datetime
    engagement_factor: float
    question: bool = False
    excerpt: str | None = None
    auto_answered: bool = False
    reply_to: str | None = None
    reply_to_author: str | None = None
    staff: bool = False
    staff_window: timedelta = timedelta(0)
    mood: bool = False
    mood_hit: bool = False


@dataclass(frozen=True)
class OpenQuestion:
    """An unanswered question."""

    id: int
    platform: str
    space_id: str
    channel_id: str
    message_id: str
    user_id: str
    asked_at: datetime
    excerpt: str


@dataclass(frozen=True)
class QuestionTiming:
    """A question asked in the report period and when (if ever) it was first answered."""

    channel: str
    asked_at: datetime
    answered_at: datetime | None
    auto: bool


@dataclass(frozen=True)
class MemberScore:
    """A member's engagement (``score`` already decayed to the report's end)."""

    platform: str
    user_id: str
    name: str
    messages: int
    replies_received: int
    answers_given: int
    score: float


@dataclass(frozen=True)
class ReportData:
    """Raw numbers of a report period, aggregated by the database."""

    days: list[tuple[str, int]] = field(default_factory=list)
    mood_days: list[tuple[str, int, int]] = field(default_factory=list)
    messages: int = 0
    active_members: int = 0
    joins: int = 0
    previous_joiners: int = 0
    retained: int = 0
    questions: list[QuestionTiming] = field(default_factory=list)
    flagged_by_rule: dict[str, int] = field(default_factory=dict)
    actioned_by_rule: dict[str, int] = field(default_factory=dict)
    reviews_by_status: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    top_members: list[MemberScore] = field(default_factory=list)
    newcomers: list[MemberScore] = field(default_factory=list)


@runtime_checkable
class ManagerStore(Protocol):
    """Persistence of the community manager's state."""

    async def track_messages(self, events: Sequence[TrackedMessage]) -> int:
        """Record messages' questions, answers, mood and engagement in order, in one transaction.

        Returns:
            How many questions they answered.
        """
        ...

    async def mood_counts(
        self, community: str, platform: str, channel_id: str, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(hits, total) of a channel's mood buckets in ``[since, until)`` (platform ``*``: every channel)."""
        ...

    async def last_mood_alert(
        self, community: str, platform: str | None, channel_id: str | None
    ) -> datetime | None:
        """When the channel's last mood alert was sent, if ever (``None``, ``None``: any in the community)."""
        ...

    async def add_mood_alert(
        self,
        community: str,
        platform: str,
        channel_id: str,
        *,
        at: datetime,
        hits: int,
        total: int,
        share: float,
        baseline: float,
    ) -> None:
        """Record a mood alert."""
        ...

    async def unanswered_questions(self, community: str, asked_before: datetime) -> list[OpenQuestion]:
        """Open questions asked before a time and never reminded, oldest first."""
        ...

    async def mark_reminded(self, ids: Sequence[int], at: datetime) -> None:
        """Note that moderators were reminded of these questions."""
        ...

    async def claim_run(
        self, community: str, kind: str, key: str, scheduled_for: datetime, *, status: str, at: datetime
    ) -> bool:
        """Record an occurrence's run before doing it; False if it was already recorded (never run twice)."""
        ...

    async def finish_run(
        self, community: str, kind: str, key: str, scheduled_for: datetime, *, status: str, detail: str
    ) -> None:
        """Update a claimed run's status (sent, failed...)."""
        ...

    async def run_times(self, community: str, kind: str, key: str, since: datetime) -> set[datetime]:
        """Scheduled times of recorded runs at or after ``since``."""
        ...

    async def stored_posts(self, community: str) -> list[StoredPost]:
        """Posts added at run time and states of calendar posts."""
        ...

    async def save_post(
        self,
        community: str,
        post_id: str,
        *,
        source: str,
        status: str,
        spec: dict[str, Any] | None,
        by: str,
        at: datetime,
    ) -> None:
        """Create or replace a stored post (or a calendar post's state)."""
        ...

    async def report_data(
        self,
        community: str,
        since: datetime,
        until: datetime,
        *,
        epoch_factor: float,
        top: int,
        newcomer: int,
    ) -> ReportData:
        """Aggregate a period's numbers (``epoch_factor`` turns stored scores into scores at ``until``)."""
        ...

    async def purge_member_data(self, community: str, older_than: datetime) -> int:
        """Delete message records, questions, mood data, engagement and members older than a time."""
        ...
