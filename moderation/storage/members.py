"""Members and message metadata: upserts that keep names, last-seen times and message counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.domain import Actor, InboundMessage
from moderation.records import MemberRecord
from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.tables import Member, Message, table

MEMBERS = table(Member)
MESSAGES = table(Message)
_IDENTITY = [MEMBERS.c.community, MEMBERS.c.platform, MEMBERS.c.user_id]


def member_record(row: Any) -> MemberRecord:
    """Build a ``MemberRecord`` from a ``members`` row."""
    return MemberRecord(
        platform=row.platform,
        community=row.community,
        user_id=ids.from_db(row.user_id),
        display_name=row.display_name,
        joined_at=row.joined_at,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        message_count=row.message_count,
    )


class MembersMixin(StoreBase):
    """``Store`` methods about members and their messages."""

    def _member_upsert(
        self, community: str, actor: Actor, *, at: datetime, joined_at: datetime | None, messages: int
    ) -> Any:
        """An upsert of one member returning the row; ``messages`` is added to the member's count."""
        stmt = self._upsert(
            MEMBERS,
            {
                "community": community,
                "platform": actor.platform,
                "user_id": ids.to_db(actor.user_id),
                "display_name": actor.display_name,
                "joined_at": joined_at,
                "first_seen": at,
                "last_seen": at,
                "message_count": messages,
            },
        )
        new = stmt.excluded
        current = MEMBERS.c
        changes: dict[str, Any] = {
            "display_name": new.display_name,
            "last_seen": case((new.last_seen > current.last_seen, new.last_seen), else_=current.last_seen),
            "first_seen": case(
                (new.first_seen < current.first_seen, new.first_seen), else_=current.first_seen
            ),
            "message_count": current.message_count + messages,
        }
        if joined_at is not None:
            # An explicit join (touch_member) overrides; a message only fills in an unknown join time.
            changes["joined_at"] = (
                new.joined_at if messages == 0 else func.coalesce(current.joined_at, new.joined_at)
            )
        return stmt.on_conflict_do_update(index_elements=_IDENTITY, set_=changes).returning(*MEMBERS.c)

    async def touch_member(
        self, community: str, actor: Actor, *, at: datetime, joined_at: datetime | None = None
    ) -> MemberRecord:
        """Create or update a member (name, last seen, join time if given) and return it."""
        upsert = self._member_upsert(community, actor, at=at, joined_at=joined_at, messages=0)
        async with self._tx() as session:
            row = (await session.execute(upsert)).one()
        return member_record(row)

    async def get_member(self, community: str, platform: str, user_id: str) -> MemberRecord | None:
        """Return a member, or ``None`` if never seen."""
        async with self._tx() as session:
            return await self._get_member_in(session, community, platform, user_id)

    async def _get_member_in(
        self, session: AsyncSession, community: str, platform: str, user_id: str
    ) -> MemberRecord | None:
        """``get_member`` inside an open transaction."""
        query = select(MEMBERS).where(
            MEMBERS.c.community == community,
            MEMBERS.c.platform == platform,
            MEMBERS.c.user_id == ids.to_db(user_id),
        )
        row = (await session.execute(query)).one_or_none()
        return None if row is None else member_record(row)

    async def record_message(
        self, community: str, msg: InboundMessage, *, lang: str | None, flagged: bool
    ) -> MemberRecord:
        """Store message metadata (text only when ``flagged``), bump the member's count; return member."""
        async with self._tx() as session:
            return await self._record_message_in(session, community, msg, lang=lang, flagged=flagged)

    async def _record_message_in(
        self, session: AsyncSession, community: str, msg: InboundMessage, *, lang: str | None, flagged: bool
    ) -> MemberRecord:
        """``record_message`` inside an open transaction."""
        upsert = self._member_upsert(
            community, msg.author, at=msg.sent_at, joined_at=msg.author.joined_at, messages=1
        )
        row = {
            "community": community,
            "platform": msg.scope.platform,
            "space_id": ids.to_db(msg.scope.space_id),
            "channel_id": ids.to_db(msg.scope.channel_id),
            "message_id": ids.to_db(msg.message_id),
            "user_id": ids.to_db(msg.author.user_id),
            "sent_at": msg.sent_at,
            "lang": lang,
            "length": len(msg.text),
            "link_count": len(msg.meta.links),
            "flagged": flagged,
            "text": msg.text if flagged else None,
        }
        member = (await session.execute(upsert)).one()
        await session.execute(MESSAGES.insert().values(**row))
        return member_record(member)
