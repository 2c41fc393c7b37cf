"""Review items: pending until a moderator approves or rejects them, or they expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from moderation.domain import ReviewStatus
from moderation.errors import Conflict, NotFound
from moderation.records import ReviewRecord
from moderation.storage import codec, ids
from moderation.storage.base import StoreBase
from moderation.storage.tables import CaseRow, ReviewItem, table

REVIEWS = table(ReviewItem)
CASES = table(CaseRow)
_PENDING = ReviewStatus.PENDING.value


def review_record(row: Any) -> ReviewRecord:
    """Build a ``ReviewRecord`` from a ``review_items`` row."""
    return ReviewRecord(
        community=row.community,
        case_number=row.case_number,
        status=ReviewStatus(row.status),
        platform=row.platform,
        space_id=ids.from_db(row.space_id),
        channel_id=ids.from_db(row.channel_id),
        message_id=ids.from_db(row.message_id),
        user_id=ids.from_db(row.user_id),
        user_name=row.user_name,
        rule=row.rule,
        reason=row.reason,
        excerpt=row.excerpt,
        held_actions=codec.actions_from_json(row.held_actions),
        created_at=row.created_at,
        expires_at=row.expires_at,
        suggested_reply=row.suggested_reply,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        note=row.note,
    )


class ReviewsMixin(StoreBase):
    """``Store`` methods about the review queue."""

    async def create_review(self, review: ReviewRecord) -> None:
        """Store a review item for an existing case.

        Raises:
            NotFound: If the case does not exist.
            Conflict: If the case already has a review item.
        """
        key = (review.community, review.case_number)
        case_query = select(CASES.c.id).where(CASES.c.community == key[0], CASES.c.number == key[1])
        row = ReviewItem(
            community=review.community,
            case_number=review.case_number,
            status=ReviewStatus(review.status).value,
            platform=review.platform,
            space_id=ids.to_db(review.space_id),
            channel_id=ids.to_db(review.channel_id),
            message_id=ids.to_db(review.message_id),
            user_id=ids.to_db(review.user_id),
            user_name=review.user_name,
            rule=review.rule,
            reason=review.reason,
            excerpt=review.excerpt,
            held_actions=codec.actions_to_json(review.held_actions),
            suggested_reply=review.suggested_reply,
            created_at=review.created_at,
            expires_at=review.expires_at,
            resolved_by=review.resolved_by,
            resolved_at=review.resolved_at,
            note=review.note,
        )
        try:
            async with self._tx() as session:
                if (await session.execute(case_query)).first() is None:
                    raise NotFound(f"no case #{review.case_number} in {review.community}")
                session.add(row)
                await session.flush()
        except IntegrityError as exc:
            raise Conflict(f"case #{review.case_number} in {review.community} already has a review") from exc

    async def get_review(self, community: str, case_number: int) -> ReviewRecord | None:
        """Return a review item, or ``None``."""
        query = select(REVIEWS).where(REVIEWS.c.community == community, REVIEWS.c.case_number == case_number)
        async with self._tx() as session:
            row = (await session.execute(query)).first()
        return None if row is None else review_record(row)

    async def pending_reviews(self, community: str, *, limit: int = 20) -> list[ReviewRecord]:
        """Pending reviews, oldest first."""
        query = (
            select(REVIEWS)
            .where(REVIEWS.c.community == community, REVIEWS.c.status == _PENDING)
            .order_by(REVIEWS.c.created_at, REVIEWS.c.case_number)
            .limit(limit)
        )
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return [review_record(row) for row in rows]

    async def resolve_review(
        self,
        community: str,
        case_number: int,
        *,
        status: ReviewStatus,
        moderator: str,
        note: str | None,
        at: datetime,
    ) -> ReviewRecord:
        """Move a pending review to ``status`` (one conditional UPDATE, so two moderators cannot both win).

        Raises:
            ValueError: If ``status`` is ``pending``.
            NotFound: If there is no such review.
            Conflict: If the review is no longer pending.
        """
        if ReviewStatus(status) is ReviewStatus.PENDING:
            raise ValueError("a review can only be resolved to approved, rejected or expired")
        where = (REVIEWS.c.community == community, REVIEWS.c.case_number == case_number)
        stmt = (
            update(REVIEWS)
            .where(*where, REVIEWS.c.status == _PENDING)
            .values(status=ReviewStatus(status).value, resolved_by=moderator, resolved_at=at, note=note)
            .returning(*REVIEWS.c)
        )
        async with self._tx() as session:
            row = (await session.execute(stmt)).first()
            if row is None:
                current = (await session.execute(select(REVIEWS.c.status).where(*where))).scalar_one_or_none()
        if row is not None:
            return review_record(row)
        if current is None:
            raise NotFound(f"no review for case #{case_number} in {community}")
        raise Conflict(f"case #{case_number} was already {current}")

    async def expire_reviews(self, now: datetime) -> list[ReviewRecord]:
        """Mark every pending review past its expiry as expired (in any community); return them."""
        stmt = (
            update(REVIEWS)
            .where(REVIEWS.c.status == _PENDING, REVIEWS.c.expires_at <= now)
            .values(status=ReviewStatus.EXPIRED.value, resolved_at=now)
            .returning(*REVIEWS.c)
        )
        async with self._tx() as session:
            rows = (await session.execute(stmt)).all()
        records = [review_record(row) for row in rows]
        return sorted(records, key=lambda r: (r.community, r.expires_at, r.case_number))
