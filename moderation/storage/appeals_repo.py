"""Appeals: one per case, pending until a moderator upholds, reduces or lifts it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from moderation.beyond.appeal_types import AppealRecord, AppealStatus
from moderation.errors import Conflict, NotFound
from moderation.storage import ids
from moderation.storage.appeal_tables import AppealRow
from moderation.storage.base import StoreBase
from moderation.storage.tables import table

APPEALS = table(AppealRow)


def _record(row: Any) -> AppealRecord:
    return AppealRecord(
        community=row.community,
        case_number=row.case_number,
        review_number=row.review_number,
        platform=row.platform,
        user_id=ids.from_db(row.user_id),
        text=row.text,
        status=AppealStatus(row.status),
        created_at=row.created_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        outcome=row.outcome,
    )


class AppealsMixin(StoreBase):
    """``moderation.beyond.appeal_types.AppealStore`` on SQL."""

    async def create_appeal(self, appeal: AppealRecord) -> None:
        """Store a new appeal.

        Raises:
            Conflict: If the case was appealed before.
        """
        values = {
            "community": appeal.community,
            "case_number": appeal.case_number,
            "review_number": appeal.review_number,
            "platform": appeal.platform,
            "user_id": ids.to_db(appeal.user_id),
            "text": appeal.text,
            "status": appeal.status.value,
            "created_at": appeal.created_at,
        }
        stmt = self._upsert(APPEALS, values).on_conflict_do_nothing().returning(APPEALS.c.id)
        async with self._tx() as session:
            if (await session.execute(stmt)).first() is None:
                raise Conflict(f"case #{appeal.case_number} was appealed before")

    async def find_appeal(self, community: str, number: int) -> AppealRecord | None:
        """The appeal whose appealed case or review case is ``number``, if any."""
        query = (
            select(APPEALS)
            .where(APPEALS.c.community == community)
            .where(or_(APPEALS.c.review_number == number, APPEALS.c.case_number == number))
            .order_by(APPEALS.c.review_number == number)
        )
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return _record(rows[-1]) if rows else None

    async def resolve_appeal(
        self, community: str, case_number: int, *, status: AppealStatus, by: str, at: datetime, outcome: str
    ) -> AppealRecord:
        """Decide a pending appeal.

        Raises:
            NotFound: If there is no appeal on that case.
            Conflict: If it was decided already.
        """
        key = (APPEALS.c.community == community) & (APPEALS.c.case_number == case_number)
        stmt = (
            update(APPEALS)
            .where(key & (APPEALS.c.status == AppealStatus.PENDING.value))
            .values(status=status.value, resolved_by=by, resolved_at=at, outcome=outcome)
            .returning(*APPEALS.c)
        )
        async with self._tx() as session:
            row = (await session.execute(stmt)).first()
            if row is None:
                exists = (await session.execute(select(APPEALS.c.id).where(key))).first()
                raise Conflict("appeal already decided") if exists else NotFound("no such appeal")
        return _record(row)
