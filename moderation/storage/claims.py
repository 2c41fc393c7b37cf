"""Message claims: the first process to claim a (platform, chat, message, version) handles it; others skip.

Several Steward processes may receive the same update (a webhook retried onto another worker, two
pollers started by mistake, a Discord guild moved between shards). The claim is one ``INSERT ... ON
CONFLICT DO NOTHING`` on a primary key, atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, delete
from sqlmodel import Field, SQLModel

from moderation.storage import ids
from moderation.storage.base import StoreBase
from moderation.storage.types import UtcDateTime


class MessageClaimRow(SQLModel, table=True):
    """One handled message (``version`` is empty for a new message, a text digest for an edit)."""

    __tablename__ = "message_claims"

    platform: str = Field(primary_key=True)
    space_id: int = Field(sa_type=BigInteger, primary_key=True)
    message_id: int = Field(sa_type=BigInteger, primary_key=True)
    version: str = Field(primary_key=True)
    claimed_at: datetime = Field(sa_type=UtcDateTime, index=True)


CLAIMS = MessageClaimRow.__table__  # type: ignore[attr-defined]


class ClaimsMixin(StoreBase):
    """``claim_message`` and ``purge_claims`` (not part of the core ``Store`` protocol; optional)."""

    async def claim_message(
        self, platform: str, space_id: str, message_id: str, version: str, *, at: datetime
    ) -> bool:
        """Claim a message for this process; ``False`` when some process claimed it before."""
        values = {
            "platform": platform,
            "space_id": ids.to_db(space_id),
            "message_id": ids.to_db(message_id),
            "version": version,
            "claimed_at": at,
        }
        stmt = self._upsert(CLAIMS, values).on_conflict_do_nothing().returning(CLAIMS.c.message_id)
        async with self._tx() as session:
            return (await session.execute(stmt)).first() is not None

    async def purge_claims(self, older_than: datetime) -> int:
        """Forget claims older than a time (duplicates arrive within minutes); return how many."""
        stmt = delete(CLAIMS).where(CLAIMS.c.claimed_at < older_than)
        async with self._tx() as session:
            result = await session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
