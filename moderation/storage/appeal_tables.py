"""The ``appeals`` table: a member's appeal against one case, once per case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from moderation.storage.types import CleanText, UtcDateTime


class AppealRow(SQLModel, table=True):
    """One appeal: pending, then upheld, reduced or lifted by a moderator."""

    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("community", "case_number"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    case_number: int
    review_number: int | None = None
    platform: str
    user_id: int = Field(sa_type=BigInteger)
    text: str = Field(sa_type=CleanText)
    status: str
    created_at: datetime = Field(sa_type=UtcDateTime)
    resolved_by: str | None = Field(default=None, sa_type=CleanText)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str | None = Field(default=None, sa_type=CleanText)
