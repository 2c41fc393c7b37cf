"""Ending a timeout through whatever the platform's gateway offers."""

from __future__ import annotations

from datetime import datetime

from moderation.domain import MemberRef
from moderation.ports import ChatGateway, TimeoutLifter


async def end_timeout(gateway: ChatGateway, member: MemberRef, now: datetime, reason: str) -> None:
    """Lift a timeout: ``lift_timeout`` where the gateway has it, else a timeout ending now.

    Raises:
        ActionFailed: If the platform refuses.
    """
    if isinstance(gateway, TimeoutLifter):
        await gateway.lift_timeout(member, reason)
    else:
        await gateway.timeout_member(member, now, reason)
