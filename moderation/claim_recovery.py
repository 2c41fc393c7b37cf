"""A message claimed by a process that died before deciding it is taken over, not lost.

``moderation.dedup`` lets the first process that claims a message handle it. If that process is killed
between the claim and the stored decision, the platform delivers the message again after the restart
and the claim would make it be skipped for good. Here the redelivered message waits (polling) until
either a decision about it appears (another live process handled it: skip) or the claim is older than
:data:`CLAIM_LEASE` with still no decision (its claimer died: take it over and handle it).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Protocol, runtime_checkable

from moderation.dedup import message_version
from moderation.domain import InboundMessage
from moderation.ports import Clock

CLAIM_LEASE = timedelta(seconds=10)
"""A live process decides a claimed message well within this."""

POLL_SECONDS = 0.5


@runtime_checkable
class RecoverableClaims(Protocol):
    """Store methods used here (``moderation.storage.SqlStore``)."""

    async def has_decision(self, platform: str, space_id: str, message_id: str) -> bool:
        """Whether a decision about this message is stored."""
        ...

    async def take_over_claim(
        self,
        platform: str,
        space_id: str,
        message_id: str,
        version: str,
        *,
        at: object,
        claimed_before: object,
    ) -> bool:
        """Take over an expired claim of a message that has no decision."""
        ...


async def recover_claim(
    store: object, msg: InboundMessage, clock: Clock, lease: timedelta = CLAIM_LEASE
) -> bool:
    """After a failed claim: whether this process should handle ``msg`` after all (its claimer died)."""
    if not isinstance(store, RecoverableClaims):
        return False
    scope = msg.scope
    deadline = time.monotonic() + lease.total_seconds() + 2 * POLL_SECONDS
    while True:
        if await store.has_decision(scope.platform, scope.space_id, msg.message_id):
            return False
        now = clock.now()
        if await store.take_over_claim(
            scope.platform,
            scope.space_id,
            msg.message_id,
            message_version(msg),
            at=now,
            claimed_before=now - lease,
        ):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_SECONDS)
