"""Strikes, rule pauses, ``/stats`` counts and text retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.domain import ReviewStatus
from moderation.records import Stats
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.tables import (
    CaseRow,
    DecisionRow,
    Member,
    Message,
    ReviewItem,
    RulePause,
    Strike,
    table,
)

STRIKES = table(Strike)
PAUSES = table(RulePause)
MESSAGES = table(Message)
MEMBERS = table(Member)
DECISIONS = table(DecisionRow)
CASES = table(CaseRow)
REVIEWS = table(ReviewItem)


class UpkeepMixin(StoreBase):
    """``Store`` methods for strikes, pauses, statistics and purging old text."""

    async def add_strike(
        self, community: str, platform: str, user_id: str, *, at: datetime, case_number: int | None
    ) -> None:
        """Record one strike (a warning) against a member."""
        row = {
            "community": community,
            "platform": platform,
            "user_id": ids.to_db(user_id),
            "at": at,
            "case_number": case_number,
        }
        async with self._tx() as session:
            await session.execute(STRIKES.insert().values(**row))

    async def count_strikes(self, community: str, platform: str, user_id: str, *, since: datetime) -> int:
        """Strikes at or after ``since`` (decay is the caller's window)."""
        query = select(func.count()).where(
            STRIKES.c.community == community,
            STRIKES.c.platform == platform,
            STRIKES.c.user_id == ids.to_db(user_id),
            STRIKES.c.at >= since,
        )
        async with self._tx() as session:
            return int((await session.execute(query)).scalar_one())

    async def set_pause(self, community: str, rule: str, until: datetime) -> None:
        """Pause a rule until a time (a past time lifts the pause)."""
        stmt = self._upsert(PAUSES, {"community": community, "rule": rule, "until": until})
        upsert = stmt.on_conflict_do_update(
            index_elements=[PAUSES.c.community, PAUSES.c.rule], set_={"until": stmt.excluded.until}
        )
        async with self._tx() as session:
            await session.execute(upsert)

    async def active_pauses(self, community: str, now: datetime) -> dict[str, datetime]:
        """Rules paused at ``now``, with their end times."""
        async with self._tx() as session:
            return await self._active_pauses_in(session, community, now)

    async def _active_pauses_in(
        self, session: AsyncSession, community: str, now: datetime
    ) -> dict[str, datetime]:
        """``active_pauses`` inside an open transaction."""
        query = select(PAUSES.c.rule, PAUSES.c.until).where(
            PAUSES.c.community == community, PAUSES.c.until > now
        )
        rows = (await session.execute(query)).all()
        return {row.rule: row.until for row in rows}

    async def stats(self, community: str, since: datetime) -> Stats:
        """Counts since a time for ``/stats``: messages, decisions, cases, reviews (by creation) and joins."""

        def grouped(target: Table, key: str, when: str) -> Any:
            column = target.c[key]
            return (
                select(column, func.count())
                .where(target.c.community == community, target.c[when] >= since)
                .group_by(column)
            )

        def counted(target: Table, when: str) -> Any:
            return select(func.count()).where(target.c.community == community, target.c[when] >= since)

        async with self._tx() as session:
            messages = (await session.execute(counted(MESSAGES, "sent_at"))).scalar_one()
            joins = (await session.execute(counted(MEMBERS, "joined_at"))).scalar_one()
            outcomes = (await session.execute(grouped(DECISIONS, "outcome", "created_at"))).all()
            types = (await session.execute(grouped(CASES, "case_type", "created_at"))).all()
            statuses = (await session.execute(grouped(REVIEWS, "status", "created_at"))).all()
        return Stats(
            messages=int(messages),
            decisions_by_outcome={str(k): int(n) for k, n in outcomes},
            cases_by_type={str(k): int(n) for k, n in types},
            reviews_by_status={str(k): int(n) for k, n in statuses},
            joins=int(joins),
        )

    async def purge_text(self, older_than: datetime) -> int:
        """Erase stored message text older than a time; return how many rows were cleared.

        Clears the text of flagged messages sent before ``older_than`` and the excerpts of review items
        created before it that are no longer pending (pending ones are still needed by moderators).
        """
        messages = (
            update(MESSAGES)
            .where(MESSAGES.c.text.is_not(None), MESSAGES.c.sent_at < older_than)
            .values(text=None)
        )
        excerpts = (
            update(REVIEWS)
            .where(
                REVIEWS.c.status != ReviewStatus.PENDING.value,
                REVIEWS.c.excerpt != "",
                REVIEWS.c.created_at < older_than,
            )
            .values(excerpt="")
        )
        async with self._tx() as session:
            cleared = cast(CursorResult[Any], await session.execute(messages)).rowcount
            cleared += cast(CursorResult[Any], await session.execute(excerpts)).rowcount
        return cleared
