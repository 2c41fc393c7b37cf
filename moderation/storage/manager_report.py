"""The report's aggregates, computed by the database (indexes on community and time)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_

from moderation.manager.ports import MemberScore, QuestionTiming, ReportData
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.manager_tables import EngagementRow, MoodAlertRow, MoodBucketRow, QuestionRow
from moderation.storage.tables import CaseRow, DecisionRow, Member, Message, ReviewItem, table

MESSAGES = table(Message)
MEMBERS = table(Member)
DECISIONS = table(DecisionRow)
CASES = table(CaseRow)
REVIEWS = table(ReviewItem)
QUESTIONS = table(QuestionRow)
BUCKETS = table(MoodBucketRow)
ALERTS = table(MoodAlertRow)
ENGAGEMENT = table(EngagementRow)
ACTION_CASES = ("delete", "warn", "timeout", "kick", "ban")
"""Case types that count as actions taken."""


class ReportQueries(StoreBase):
    """``ManagerStore.report_data``."""

    def _day(self, column: Any) -> ColumnElement[Any]:
        """The UTC calendar day (``YYYY-MM-DD``) of a time column."""
        if self._dialect == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
        return func.substr(column, 1, 10)  # SQLite stores naive UTC text

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
        m = MESSAGES.c
        in_period = (m.community == community, m.sent_at >= since, m.sent_at < until)
        day = self._day(m.sent_at)
        volume = select(day, func.count()).where(*in_period).group_by(day).order_by(day)
        active = select(m.platform, m.user_id).where(*in_period).distinct()
        b = BUCKETS.c
        bucket_day = self._day(b.minute)
        mood = (
            select(bucket_day, func.sum(b.hits), func.sum(b.total))
            .where(b.community == community, b.minute >= since, b.minute < until)
            .group_by(bucket_day)
            .order_by(bucket_day)
        )
        joined = func.coalesce(MEMBERS.c.joined_at, MEMBERS.c.first_seen)
        previous = since - (until - since)
        prev_where = (MEMBERS.c.community == community, joined >= previous, joined < since)
        retained = select(func.count()).where(
            *prev_where, tuple_(MEMBERS.c.platform, MEMBERS.c.user_id).in_(active)
        )
        q = QUESTIONS.c
        questions = select(q.channel_id, q.asked_at, q.answered_at, q.auto).where(
            q.community == community, q.asked_at >= since, q.asked_at < until
        )
        d = DECISIONS.c
        flagged = select(d.rules).where(
            d.community == community,
            d.created_at >= since,
            d.created_at < until,
            d.outcome.in_(("act", "review")),
        )
        c = CASES.c
        actioned = (
            select(c.rule, func.count())
            .where(c.community == community, c.created_at >= since, c.created_at < until)
            .where(c.case_type.in_(ACTION_CASES))
            .group_by(c.rule)
        )
        r = REVIEWS.c
        reviews = (
            select(r.status, func.count())
            .where(r.community == community, r.created_at >= since, r.created_at < until)
            .group_by(r.status)
        )
        a = ALERTS.c
        alerts = select(func.count()).where(a.community == community, a.at >= since, a.at < until)
        async with self._tx() as session:
            days = [(str(k), int(n)) for k, n in (await session.execute(volume)).all()]
            n_active = (
                await session.execute(select(func.count()).select_from(active.subquery()))
            ).scalar_one()
            mood_days = [(str(k), int(h), int(t)) for k, h, t in (await session.execute(mood)).all()]
            joins = (
                await session.execute(
                    select(func.count()).where(
                        MEMBERS.c.community == community, joined >= since, joined < until
                    )
                )
            ).scalar_one()
            prev = (await session.execute(select(func.count()).where(*prev_where))).scalar_one()
            kept = (await session.execute(retained)).scalar_one()
            timings = [
                QuestionTiming(ids.from_db(ch), asked, answered, bool(auto))
                for ch, asked, answered, auto in (await session.execute(questions)).all()
            ]
            by_rule: Counter[str] = Counter()
            for (rules,) in (await session.execute(flagged)).all():
                by_rule.update(str(x) for x in rules or ())
            acted = {str(k): int(n) for k, n in (await session.execute(actioned)).all()}
            statuses = {str(k): int(n) for k, n in (await session.execute(reviews)).all()}
            n_alerts = (await session.execute(alerts)).scalar_one()
            top_members = await self._top(session, community, epoch_factor, top)
            newcomers = await self._newcomers(session, community, since, until, epoch_factor, top, newcomer)
        return ReportData(
            days=days,
            mood_days=mood_days,
            messages=sum(n for _, n in days),
            active_members=int(n_active),
            joins=int(joins),
            previous_joiners=int(prev),
            retained=int(kept),
            questions=timings,
            flagged_by_rule=dict(by_rule),
            actioned_by_rule=acted,
            reviews_by_status=statuses,
            alerts=int(n_alerts),
            top_members=top_members,
            newcomers=newcomers,
        )

    @staticmethod
    def _score_query() -> Any:
        e = ENGAGEMENT.c
        return select(
            e.platform,
            e.user_id,
            func.coalesce(MEMBERS.c.display_name, "").label("name"),
            e.messages,
            e.replies_received,
            e.answers_given,
            e.score,
        ).select_from(
            ENGAGEMENT.outerjoin(
                MEMBERS,
                (MEMBERS.c.community == e.community)
                & (MEMBERS.c.platform == e.platform)
                & (MEMBERS.c.user_id == e.user_id),
            )
        )

    @staticmethod
    def _scores(rows: Any, epoch_factor: float) -> list[MemberScore]:
        return [
            MemberScore(
                platform=row.platform,
                user_id=ids.from_db(row.user_id),
                name=row.name or ids.from_db(row.user_id),
                messages=int(row.messages),
                replies_received=int(row.replies_received),
                answers_given=int(row.answers_given),
                score=float(row.score) / epoch_factor,
            )
            for row in rows
        ]

    async def _top(self, session: Any, community: str, epoch_factor: float, top: int) -> list[MemberScore]:
        if top <= 0:
            return []
        e = ENGAGEMENT.c
        query = self._score_query().where(e.community == community).order_by(e.score.desc()).limit(top)
        return self._scores((await session.execute(query)).all(), epoch_factor)

    async def _newcomers(
        self,
        session: Any,
        community: str,
        since: datetime,
        until: datetime,
        epoch_factor: float,
        top: int,
        newcomer: int,
    ) -> list[MemberScore]:
        if top <= 0:
            return []
        e = ENGAGEMENT.c
        joined = func.coalesce(MEMBERS.c.joined_at, MEMBERS.c.first_seen)
        query = (
            self._score_query()
            .where(e.community == community, joined >= since, joined < until, e.messages >= newcomer)
            .order_by(e.score.desc())
            .limit(top)
        )
        return self._scores((await session.execute(query)).all(), epoch_factor)
