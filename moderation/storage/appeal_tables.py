"""Tables of the beyond features: ``appeals`` (once per case) and ``verifications`` (newcomers held)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
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


class VerificationRow(SQLModel, table=True):
    """A newcomer held until they answer the verification question (one row per member and space)."""

    __tablename__ = "verifications"
    __table_args__ = (
        UniqueConstraint("community", "platform", "space_id", "user_id"),
        Index("ix_verifications_status_deadline", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str
    platform: str
    space_id: int = Field(sa_type=BigInteger)
    channel_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    user_name: str = Field(sa_type=CleanText)
    status: str
    attempts: int = 0
    joined_at: datetime = Field(sa_type=UtcDateTime)
    deadline: datetime = Field(sa_type=UtcDateTime)
