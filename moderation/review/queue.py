"""The review queue: escalate a message to moderators, approve, reject or expire it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from moderation.cases import BOT_MODERATOR, audit
from moderation.domain import Actor, InboundMessage, MemberRef, PlannedAction, ReviewCard, ReviewStatus, Scope
from moderation.ports import Clock, Store
from moderation.records import CaseType, ReviewRecord
from moderation.review.text import excerpt


def review_card(review: ReviewRecord) -> ReviewCard:
    """The card platforms render for a review item (any status)."""
    return ReviewCard(
        community=review.community,
        case_number=review.case_number,
        status=review.status,
        platform=review.platform,
        member=Actor(platform=review.platform, user_id=review.user_id, display_name=review.user_name),
        channel_id=review.channel_id,
        rule=review.rule,
        reason=review.reason,
        excerpt=excerpt(review.excerpt),
        held_actions=tuple(a.kind for a in review.held_actions),
        suggested_reply=review.suggested_reply,
    )


def review_scope(review: ReviewRecord) -> Scope:
    """The scope of the reviewed message (for running held actions)."""
    return Scope(
        platform=review.platform,
        community=review.community,
        space_id=review.space_id,
        channel_id=review.channel_id,
    )


def review_member(review: ReviewRecord) -> MemberRef:
    """The reviewed member as an action target."""
    return MemberRef(platform=review.platform, space_id=review.space_id, user_id=review.user_id)


class ReviewQueue:
    """Review items and their case and audit bookkeeping, on top of a ``Store``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def escalate(
        self,
        community: str,
        msg: InboundMessage,
        *,
        rule: str,
        reason: str,
        held: Sequence[PlannedAction],
        expiry: timedelta,
        decision_id: int | None = None,
        suggested_reply: str | None = None,
    ) -> ReviewRecord:
        """Open a review case and a pending review item holding ``held`` until a moderator decides."""
        now = self._clock.now()
        case = await self._store.create_case(
            community,
            case_type=CaseType.REVIEW,
            platform=msg.scope.platform,
            user_id=msg.author.user_id,
            user_name=msg.author.display_name,
            rule=rule,
            reason=reason,
            moderator=BOT_MODERATOR,
            at=now,
            decision_id=decision_id,
            channel_id=msg.scope.channel_id,
            message_id=msg.message_id,
        )
        review = ReviewRecord(
            community=community,
            case_number=case.number,
            status=ReviewStatus.PENDING,
            platform=msg.scope.platform,
            space_id=msg.scope.space_id,
            channel_id=msg.scope.channel_id,
            message_id=msg.message_id,
            user_id=msg.author.user_id,
            user_name=msg.author.display_name,
            rule=rule,
            reason=reason,
            excerpt=excerpt(msg.text, 500),
            held_actions=tuple(held),
            created_at=now,
            expires_at=now + expiry,
            suggested_reply=suggested_reply,
        )
        await self._store.create_review(review)
        return review

    async def approve(self, community: str, number: int, moderator: str, note: str | None) -> ReviewRecord:
        """Mark a pending review approved (or raise ``NotFound``/``Conflict``); the caller acts."""
        now = self._clock.now()
        review = await self._store.resolve_review(
            community, number, status=ReviewStatus.APPROVED, moderator=moderator, note=note, at=now
        )
        await audit(self._store, community, number, moderator, "approved", note or "", now)
        return review

    async def reject(self, community: str, number: int, moderator: str, note: str | None) -> ReviewRecord:
        """Reject a pending review: nothing runs and the flag is recorded as a false positive."""
        now = self._clock.now()
        review = await self._store.resolve_review(
            community, number, status=ReviewStatus.REJECTED, moderator=moderator, note=note, at=now
        )
        detail = f"false positive of rule {review.rule}" + (f": {note}" if note else "")
        await audit(self._store, community, number, moderator, "rejected", detail, now)
        return review

    async def expire(self, now: datetime | None = None) -> list[ReviewRecord]:
        """Expire every pending review past its deadline and audit each."""
        now = now or self._clock.now()
        expired = await self._store.expire_reviews(now)
        for review in expired:
            await audit(self._store, review.community, review.case_number, BOT_MODERATOR, "expired", "", now)
        return expired

    async def pending(self, community: str, limit: int = 20) -> list[ReviewRecord]:
        """Pending items, oldest first."""
        return await self._store.pending_reviews(community, limit=limit)
