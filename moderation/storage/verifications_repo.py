"""Verifications: newcomers held until they answer, one row per member and space."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update

from moderation.beyond.verification_types import PendingMember, VerificationStatus
from moderation.storage import ids
from moderation.storage.appeal_tables import VerificationRow
from moderation.storage.base import StoreBase
from moderation.storage.tables import table

VERIFICATIONS = table(VerificationRow)
V = VERIFICATIONS.c


def _record(row: Any) -> PendingMember:
    return PendingMember(
        community=row.community,
        platform=row.platform,
        space_id=ids.from_db(row.space_id),
        channel_id=ids.from_db(row.channel_id),
        user_id=ids.from_db(row.user_id),
        user_name=row.user_name,
        status=VerificationStatus(row.status),
        attempts=row.attempts,
        joined_at=row.joined_at,
        deadline=row.deadline,
    )


def _key(p: PendingMember) -> ColumnElement[bool]:
    return (
        (V.community == p.community)
        & (V.platform == p.platform)
        & (V.space_id == ids.to_db(p.space_id))
        & (V.user_id == ids.to_db(p.user_id))
    )


class VerificationsMixin(StoreBase):
    """``moderation.beyond.verification_types.VerificationStore`` on SQL."""

    async def hold_member(self, pending: PendingMember) -> None:
        """Start (or restart, on a rejoin) a member's verification."""
        values = {
            "community": pending.community,
            "platform": pending.platform,
            "space_id": ids.to_db(pending.space_id),
            "channel_id": ids.to_db(pending.channel_id),
            "user_id": ids.to_db(pending.user_id),
            "user_name": pending.user_name,
            "status": pending.status.value,
            "attempts": 0,
            "joined_at": pending.joined_at,
            "deadline": pending.deadline,
        }
        changed = {
            k: v for k, v in values.items() if k not in ("community", "platform", "space_id", "user_id")
        }
        stmt = self._upsert(VERIFICATIONS, values).on_conflict_do_update(
            index_elements=["community", "platform", "space_id", "user_id"], set_=changed
        )
        async with self._tx() as session:
            await session.execute(stmt)

    async def pending_verifications(self, platform: str, user_id: str) -> list[PendingMember]:
        """A member's pending verifications, in any community."""
        query = (
            select(VERIFICATIONS)
            .where(V.platform == platform, V.user_id == ids.to_db(user_id))
            .where(V.status == VerificationStatus.PENDING.value)
            .order_by(V.id)
        )
        async with self._tx() as session:
            return [_record(r) for r in (await session.execute(query)).all()]

    async def finish_verification(self, pending: PendingMember, status: VerificationStatus) -> bool:
        """Move a pending verification to ``status``; ``False`` if it was not pending any more."""
        stmt = (
            update(VERIFICATIONS)
            .where(_key(pending) & (V.status == VerificationStatus.PENDING.value))
            .values(status=status.value)
            .returning(V.id)
        )
        async with self._tx() as session:
            return (await session.execute(stmt)).first() is not None

    async def count_attempt(self, pending: PendingMember) -> int:
        """Count one wrong answer; return the attempts so far."""
        stmt = (
            update(VERIFICATIONS).where(_key(pending)).values(attempts=V.attempts + 1).returning(V.attempts)
        )
        async with self._tx() as session:
            row = (await session.execute(stmt)).first()
        return int(row[0]) if row is not None else 0

    async def verified_before(self, community: str, platform: str, user_id: str) -> bool:
        """Whether the member passed verification in this community before (in any of its spaces)."""
        query = select(V.id).where(
            V.community == community,
            V.platform == platform,
            V.user_id == ids.to_db(user_id),
            V.status == VerificationStatus.PASSED.value,
        )
        async with self._tx() as session:
            return (await session.execute(query.limit(1))).first() is not None

    async def overdue_verifications(self, now: datetime) -> list[PendingMember]:
        """Pending verifications past their deadline, oldest first."""
        query = (
            select(VERIFICATIONS)
            .where(V.status == VerificationStatus.PENDING.value, V.deadline <= now)
            .order_by(V.deadline)
        )
        async with self._tx() as session:
            return [_record(r) for r in (await session.execute(query)).all()]
