"""Appeal records and the store methods appeals need (implemented by ``SqlStore``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class AppealStatus(enum.StrEnum):
    """Where an appeal stands."""

    PENDING = "pending"
    UPHELD = "upheld"
    REDUCED = "reduced"
    LIFTED = "lifted"


@dataclass(frozen=True)
class AppealRecord:
    """A member's appeal against one case.

    Attributes:
        community: The case's community.
        case_number: The appealed case.
        review_number: The appeal's own case, which carries the review item.
        platform: The member's platform.
        user_id: The member.
        text: What the member wrote.
        status: Pending, upheld, reduced or lifted.
        created_at: When it was filed.
        resolved_by: The moderator who decided.
        resolved_at: When.
        outcome: What was done (for the record).
    """

    community: str
    case_number: int
    review_number: int | None
    platform: str
    user_id: str
    text: str
    status: AppealStatus
    created_at: datetime
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None


@runtime_checkable
class AppealStore(Protocol):
    """Persistence of appeals (``SqlStore``)."""

    async def create_appeal(self, appeal: AppealRecord) -> None:
        """Store a new appeal; raise ``Conflict`` if the case was appealed before."""
        ...

    async def find_appeal(self, community: str, number: int) -> AppealRecord | None:
        """The appeal whose appealed case or review case is ``number``, if any."""
        ...

    async def resolve_appeal(
        self, community: str, case_number: int, *, status: AppealStatus, by: str, at: datetime, outcome: str
    ) -> AppealRecord:
        """Decide a pending appeal; raise ``NotFound`` or ``Conflict`` (already decided)."""
        ...
