"""Numbered cases (one atomic counter per community), case notes and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.errors import NotFound
from moderation.records import AuditEntry, CaseRecord, CaseType
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.tables import AuditRow, CaseCounter, CaseNote, CaseRow, table

CASES = table(CaseRow)
NOTES = table(CaseNote)
AUDIT = table(AuditRow)
COUNTERS = table(CaseCounter)


def case_record(row: Any, notes: Iterable[str] = ()) -> CaseRecord:
    """Build a ``CaseRecord`` from a ``cases`` row and its notes (``"author: text"``, oldest first)."""
    return CaseRecord(
        community=row.community,
        number=row.number,
        case_type=CaseType(row.case_type),
        platform=row.platform,
        user_id=ids.from_db(row.user_id),
        user_name=row.user_name,
        rule=row.rule,
        reason=row.reason,
        moderator=row.moderator,
        created_at=row.created_at,
        decision_id=row.decision_id,
        channel_id=ids.from_db_opt(row.channel_id),
        message_id=ids.from_db_opt(row.message_id),
        notes=tuple(notes),
    )


class CasesMixin(StoreBase):
    """``Store`` methods about cases, notes and audit entries."""

    async def _next_case_number(self, session: AsyncSession, community: str) -> int:
        """Bump the community's counter and return the new value.

        ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` is one atomic statement: on PostgreSQL the
        counter row stays locked until the transaction ends, so concurrent cases queue on it and a rolled
        back case gives its number back; on SQLite the whole transaction holds the write lock.
        """
        stmt = self._upsert(COUNTERS, {"community": community, "last_number": 1})
        stmt_done = stmt.on_conflict_do_update(
            index_elements=[COUNTERS.c.community], set_={"last_number": COUNTERS.c.last_number + 1}
        ).returning(COUNTERS.c.last_number)
        number: int = (await session.execute(stmt_done)).scalar_one()
        return number

    async def create_case(
        self,
        community: str,
        *,
        case_type: CaseType,
        platform: str,
        user_id: str,
        user_name: str,
        rule: str,
        reason: str,
        moderator: str,
        at: datetime,
        decision_id: int | None = None,
        channel_id: str | None = None,
        message_id: str | None = None,
    ) -> CaseRecord:
        """Open a case with the next number for the community (atomic) and audit it."""
        async with self._tx() as session:
            number = await self._next_case_number(session, community)
            row = CaseRow(
                community=community,
                number=number,
                case_type=CaseType(case_type).value,
                platform=platform,
                user_id=ids.to_db(user_id),
                user_name=user_name,
                rule=rule,
                reason=reason,
                moderator=moderator,
                created_at=at,
                decision_id=decision_id,
                channel_id=ids.to_db_opt(channel_id),
                message_id=ids.to_db_opt(message_id),
            )
            session.add(row)
            session.add(
                AuditRow(
                    community=community,
                    case_number=number,
                    at=at,
                    actor=moderator,
                    action=f"opened {CaseType(case_type).value}",
                    detail=reason,
                )
            )
            await session.flush()
        return case_record(row)

    async def _case_row(self, session: AsyncSession, community: str, number: int) -> Any:
        query = select(CASES).where(CASES.c.community == community, CASES.c.number == number)
        return (await session.execute(query)).first()

    async def _notes_by_case(self, session: AsyncSession, case_ids: list[int]) -> dict[int, list[str]]:
        notes: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
        if not case_ids:
            return notes
        query = (
            select(NOTES.c.case_id, NOTES.c.author, NOTES.c.text)
            .where(NOTES.c.case_id.in_(case_ids))
            .order_by(NOTES.c.created_at, NOTES.c.id)
        )
        for row in (await session.execute(query)).all():
            notes[row.case_id].append(f"{row.author}: {row.text}")
        return notes

    async def get_case(self, community: str, number: int) -> CaseRecord | None:
        """Return a case with its notes (each ``"author: text"``, oldest first), or ``None``."""
        async with self._tx() as session:
            row = await self._case_row(session, community, number)
            if row is None:
                return None
            notes = await self._notes_by_case(session, [row.id])
        return case_record(row, notes[row.id])

    async def add_note(self, community: str, number: int, *, author: str, text: str, at: datetime) -> None:
        """Attach a moderator note to a case (the caller audits it if it wants to).

        Raises:
            NotFound: If there is no such case.
        """
        async with self._tx() as session:
            row = await self._case_row(session, community, number)
            if row is None:
                raise NotFound(f"no case #{number} in {community}")
            session.add(CaseNote(case_id=row.id, author=author, text=text, created_at=at))

    async def member_cases(
        self, community: str, platform: str | None, user_id: str, *, limit: int = 20
    ) -> list[CaseRecord]:
        """Cases about a member, newest first (``platform=None``: any platform)."""
        query = select(CASES).where(CASES.c.community == community, CASES.c.user_id == ids.to_db(user_id))
        if platform is not None:
            query = query.where(CASES.c.platform == platform)
        query = query.order_by(CASES.c.number.desc()).limit(limit)
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
            notes = await self._notes_by_case(session, [row.id for row in rows])
        return [case_record(row, notes[row.id]) for row in rows]

    async def audit_trail(self, community: str, number: int) -> list[AuditEntry]:
        """Audit entries of a case, oldest first."""
        query = (
            select(AUDIT)
            .where(AUDIT.c.community == community, AUDIT.c.case_number == number)
            .order_by(AUDIT.c.at, AUDIT.c.id)
        )
        async with self._tx() as session:
            rows = (await session.execute(query)).all()
        return [
            AuditEntry(
                community=row.community,
                case_number=row.case_number,
                at=row.at,
                actor=row.actor,
                action=row.action,
                detail=row.detail,
            )
            for row in rows
        ]

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append an audit entry."""
        async with self._tx() as session:
            session.add(
                AuditRow(
                    community=entry.community,
                    case_number=entry.case_number,
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    detail=entry.detail,
                )
            )
