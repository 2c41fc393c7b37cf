"""Repository methods of the community manager (posts, job runs, questions, mood, engagement)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.manager.ports import (
    OpenQuestion,
    StoredPost,
    TrackedMessage,
)
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.manager_report import ReportQueries
from moderation.storage.manager_tables import (
    EngagementRow,
    JobRunRow,
    MoodAlertRow,
    MoodBucketRow,
    QuestionRow,
    ScheduledPostRow,
)
from moderation.storage.tables import Member, Message, table

POSTS = table(ScheduledPostRow)
RUNS = table(JobRunRow)
QUESTIONS = table(QuestionRow)
BUCKETS = table(MoodBucketRow)
ALERTS = table(MoodAlertRow)
ENGAGEMENT = table(EngagementRow)
MESSAGES = table(Message)
MEMBERS = table(Member)

REPLY_WEIGHT = 2.0
"""Engagement points for a reply received (a message counts 1)."""
ANSWER_WEIGHT = 3.0
"""Engagement points per question answered for someone else."""


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


class ManagerMixin(ReportQueries, StoreBase):
    """``moderation.manager.ports.ManagerStore`` on SQL."""

    def _engagement(
        self, event: TrackedMessage, user_id: str, *, messages: int, replies: int, answers: int, points: float
    ) -> Any:
        stmt = self._upsert(
            ENGAGEMENT,
            {
                "community": event.community,
                "platform": event.platform,
                "user_id": ids.to_db(user_id),
                "messages": messages,
                "replies_received": replies,
                "answers_given": answers,
                "score": points * event.engagement_factor,
                "last_active": event.at,
            },
        )
        current = ENGAGEMENT.c
        changes: dict[str, Any] = {
            "messages": current.messages + messages,
            "replies_received": current.replies_received + replies,
            "answers_given": current.answers_given + answers,
            "score": current.score + stmt.excluded.score,
        }
        if messages:
            changes["last_active"] = stmt.excluded.last_active
        keys = [current.community, current.platform, current.user_id]
        return stmt.on_conflict_do_update(index_elements=keys, set_=changes)

    async def _answer(self, session: AsyncSession, event: TrackedMessage) -> int:
        q = QUESTIONS.c
        where = [
            q.community == event.community,
            q.platform == event.platform,
            q.channel_id == ids.to_db(event.channel_id),
            q.answered_at.is_(None),
            q.user_id != ids.to_db(event.user_id),
        ]
        values = {"answered_at": event.at, "answered_by": ids.to_db(event.user_id), "auto": False}
        answered = 0
        if event.reply_to is not None and event.reply_to.lstrip("-").isdigit():
            stmt = update(QUESTIONS).where(*where, q.message_id == ids.to_db(event.reply_to)).values(values)
            answered += _rowcount(await session.execute(stmt))
        if event.staff:
            since = event.at - event.staff_window
            stmt = update(QUESTIONS).where(*where, q.asked_at >= since, q.asked_at <= event.at).values(values)
            answered += _rowcount(await session.execute(stmt))
        return answered

    async def track_messages(self, events: Sequence[TrackedMessage]) -> int:
        """Record messages' questions, answers, mood and engagement in order, in one transaction.

        Returns:
            How many questions they answered.
        """
        answered = 0
        async with self._tx() as session:
            for event in events:
                answered += await self._track(session, event)
        return answered

    async def _track(self, session: AsyncSession, event: TrackedMessage) -> int:
        """Write one message's records; return how many questions it answered."""
        answered = await self._answer(session, event)
        points = 1 + ANSWER_WEIGHT * answered
        author = self._engagement(
            event, event.user_id, messages=1, replies=0, answers=answered, points=points
        )
        await session.execute(author)
        replied = event.reply_to_author
        if replied and replied != event.user_id and replied.lstrip("-").isdigit():
            bump = self._engagement(event, replied, messages=0, replies=1, answers=0, points=REPLY_WEIGHT)
            await session.execute(bump)
        if event.question:
            await session.execute(self._question(event))
        if event.mood:
            await session.execute(self._bucket(event))
        return answered

    def _question(self, event: TrackedMessage) -> Any:
        stmt = self._upsert(
            QUESTIONS,
            {
                "community": event.community,
                "platform": event.platform,
                "space_id": ids.to_db(event.space_id),
                "channel_id": ids.to_db(event.channel_id),
                "message_id": ids.to_db(event.message_id),
                "user_id": ids.to_db(event.user_id),
                "asked_at": event.at,
                "excerpt": event.excerpt,
                "answered_at": event.at if event.auto_answered else None,
                "auto": event.auto_answered,
            },
        )
        return stmt.on_conflict_do_nothing()

    def _bucket(self, event: TrackedMessage) -> Any:
        minute = event.at.replace(second=0, microsecond=0)
        hit = 1 if event.mood_hit else 0
        stmt = self._upsert(
            BUCKETS,
            {
                "community": event.community,
                "platform": event.platform,
                "channel_id": ids.to_db(event.channel_id),
                "minute": minute,
                "total": 1,
                "hits": hit,
            },
        )
        b = BUCKETS.c
        return stmt.on_conflict_do_update(
            index_elements=[b.community, b.platform, b.channel_id, b.minute],
            set_={"total": b.total + 1, "hits": b.hits + hit},
        )

    async def mood_counts(
        self, community: str, platform: str, channel_id: str, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(hits, total) of a channel's mood buckets in ``[since, until)`` (platform ``*``: every channel)."""
        b = BUCKETS.c
        query = select(func.coalesce(func.sum(b.hits), 0), func.coalesce(func.sum(b.total), 0)).where(
            b.community == community, b.minute >= since, b.minute < until
        )
        if platform != "*":
            query = query.where(b.platform == platform, b.channel_id == ids.to_db(channel_id))
        async with self._tx() as session:
            hits, total = (await session.execute(query)).one()
        return int(hits), int(total)

    async def last_mood_alert(
        self, community: str, platform: str | None, channel_id: str | None
    ) -> datetime | None:
        """When the channel's last mood alert was sent, if ever (``None``, ``None``: any in the community)."""
        a = ALERTS.c
        query = select(func.max(a.at)).where(a.community == community)
        if platform is not None and channel_id is not None:
            query = query.where(a.platform == platform, a.channel_id == ids.to_db(channel_id))
        async with self._tx() as session:
            value: datetime | None = (await session.execute(query)).scalar_one_or_none()
        return value

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
        row = {
            "community": community,
            "platform": platform,
            "channel_id": ids.to_db(channel_id),
            "at": at,
            "hits": hits,
            "total": total,
            "share": share,
            "baseline": baseline,
        }
        async with self._tx() as session:
            await session.execute(ALERTS.insert().values(**row))

    async def unanswered_questions(self, community: str, asked_before: datetime) -> list[OpenQuestion]:
        """Open questions asked before a time and never reminded, oldest first."""
        q = QUESTIONS.c
        query = (
            select(QUESTIONS)
            .where(
                q.community == community,
                q.answered_at.is_(None),
                q.reminded_at.is_(None),
                q.asked_at <= asked_before,
            )
            .order_by(q.asked_at)
            .limit(200)
        )
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return [
            OpenQuestion(
                id=r.id,
                platform=r.platform,
                space_id=ids.from_db(r.space_id),
                channel_id=ids.from_db(r.channel_id),
                message_id=ids.from_db(r.message_id),
                user_id=ids.from_db(r.user_id),
                asked_at=r.asked_at,
                excerpt=r.excerpt or "",
            )
            for r in rows
        ]

    async def mark_reminded(self, question_ids: Sequence[int], at: datetime) -> None:
        """Note that moderators were reminded of these questions."""
        if not question_ids:
            return
        stmt = update(QUESTIONS).where(QUESTIONS.c.id.in_(list(question_ids))).values(reminded_at=at)
        async with self._tx() as session:
            await session.execute(stmt)

    async def claim_run(
        self, community: str, kind: str, key: str, scheduled_for: datetime, *, status: str, at: datetime
    ) -> bool:
        """Record an occurrence's run before doing it; False if it was already recorded (never run twice)."""
        stmt = self._upsert(
            RUNS,
            {
                "community": community,
                "kind": kind,
                "key": key,
                "scheduled_for": scheduled_for,
                "status": status,
                "started_at": at,
            },
        ).on_conflict_do_nothing()
        async with self._tx() as session:
            return _rowcount(await session.execute(stmt)) == 1

    async def finish_run(
        self, community: str, kind: str, key: str, scheduled_for: datetime, *, status: str, detail: str
    ) -> None:
        """Update a claimed run's status (sent, failed...)."""
        r = RUNS.c
        stmt = (
            update(RUNS)
            .where(r.community == community, r.kind == kind, r.key == key, r.scheduled_for == scheduled_for)
            .values(status=status, detail=detail[:2000])
        )
        async with self._tx() as session:
            await session.execute(stmt)

    async def run_times(self, community: str, kind: str, key: str, since: datetime) -> set[datetime]:
        """Scheduled times of recorded runs at or after ``since``."""
        r = RUNS.c
        query = select(r.scheduled_for).where(
            r.community == community, r.kind == kind, r.key == key, r.scheduled_for >= since
        )
        async with self._tx() as session:
            return set((await session.execute(query)).scalars().all())

    async def stored_posts(self, community: str) -> list[StoredPost]:
        """Posts added at run time and states of calendar posts."""
        query = select(POSTS).where(POSTS.c.community == community).order_by(POSTS.c.post_id)
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return [StoredPost(r.post_id, r.source, r.status, r.spec, r.changed_by, r.updated_at) for r in rows]

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
        stmt = self._upsert(
            POSTS,
            {
                "community": community,
                "post_id": post_id,
                "source": source,
                "status": status,
                "spec": spec,
                "changed_by": by,
                "created_at": at,
                "updated_at": at,
            },
        )
        new = stmt.excluded
        upsert = stmt.on_conflict_do_update(
            index_elements=[POSTS.c.community, POSTS.c.post_id],
            set_={
                "source": new.source,
                "status": new.status,
                "spec": new.spec,
                "changed_by": new.changed_by,
                "updated_at": new.updated_at,
            },
        )
        async with self._tx() as session:
            await session.execute(upsert)

    async def purge_member_data(self, community: str, older_than: datetime) -> int:
        """Delete message records, questions, mood data, engagement and members older than a time."""
        targets: list[tuple[Table, Any]] = [
            (MESSAGES, MESSAGES.c.sent_at),
            (QUESTIONS, QUESTIONS.c.asked_at),
            (BUCKETS, BUCKETS.c.minute),
            (ALERTS, ALERTS.c.at),
            (ENGAGEMENT, ENGAGEMENT.c.last_active),
            (MEMBERS, MEMBERS.c.last_seen),
        ]
        removed = 0
        async with self._tx() as session:
            for target, when in targets:
                stmt = delete(target).where(and_(target.c.community == community, when < older_than))
                removed += _rowcount(await session.execute(stmt))
        return removed
