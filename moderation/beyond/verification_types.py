"""Verification records and the store methods verification needs (implemented by ``SqlStore``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class VerificationStatus(enum.StrEnum):
    """Where a newcomer's verification stands."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class PendingMember:
    """A newcomer held until they answer.

    Attributes:
        community: The community.
        platform: The member's platform.
        space_id: Guild or chat they joined.
        channel_id: Where they joined (for the greeting afterwards).
        user_id: The member.
        user_name: Their display name.
        status: Pending, passed or failed.
        attempts: Wrong answers so far.
        joined_at: When they joined.
        deadline: When an unanswered verification fails.
    """

    community: str
    platform: str
    space_id: str
    channel_id: str
    user_id: str
    user_name: str
    status: VerificationStatus
    attempts: int
    joined_at: datetime
    deadline: datetime


@runtime_checkable
class VerificationStore(Protocol):
    """Persistence of verifications (``SqlStore``)."""

    async def hold_member(self, pending: PendingMember) -> None:
        """Start (or restart, on a rejoin) a member's verification."""
        ...

    async def pending_verifications(self, platform: str, user_id: str) -> list[PendingMember]:
        """A member's pending verifications, in any community."""
        ...

    async def finish_verification(self, pending: PendingMember, status: VerificationStatus) -> bool:
        """Move a pending verification to ``status``; ``False`` if it was not pending any more."""
        ...

    async def count_attempt(self, pending: PendingMember) -> int:
        """Count one wrong answer; return the attempts so far."""
        ...

    async def verified_before(self, community: str, platform: str, user_id: str) -> bool:
        """Whether the member passed verification in this community before."""
        ...

    async def overdue_verifications(self, now: datetime) -> list[PendingMember]:
        """Pending verifications past their deadline."""
        ...
