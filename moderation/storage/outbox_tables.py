"""The action outbox's table: the state of every planned action of every decision, one row each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from moderation.storage.tables import DecisionRow, table
from moderation.storage.types import CleanText, UtcDateTime

_decisions = table(DecisionRow).c
DECISIONS_BY_MESSAGE = Index(
    "ix_decisions_message", _decisions.platform, _decisions.space_id, _decisions.message_id
)
"""Finds the decision about a message (a platform delivering an update twice is then noticed)."""


class ActionStateRow(SQLModel, table=True):
    """Where one planned action of a decision stands: started, done, failed or unknown.

    A decision's actions live in ``decisions.actions``; a row here appears when an action starts (for
    actions that cannot be repeated safely, such as sending a message) or ends. After a crash the outbox
    re-runs every action without a final row.
    """

    __tablename__ = "action_states"

    decision_id: int = Field(foreign_key="decisions.id", ondelete="CASCADE", primary_key=True)
    seq: int = Field(primary_key=True)
    kind: str
    status: str
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=CleanText)
    result_message_id: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=UtcDateTime)
