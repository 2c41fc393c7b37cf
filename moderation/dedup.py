"""Handle each message once even when several Steward processes receive it (claims in the database)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from moderation.domain import InboundMessage
from moderation.ports import Clock

log = logging.getLogger(__name__)

KEEP_CLAIMS = timedelta(days=2)
"""Duplicate deliveries arrive within minutes; older claims are purged."""
UNCLAIMED_PLATFORMS = frozenset({"sandbox"})
"""Platforms that always run in one process (the sandbox reuses message ids across restarts)."""


@runtime_checkable
class MessageClaims(Protocol):
    """A store that can claim messages (``moderation.storage.SqlStore``)."""

    async def claim_message(
        self, platform: str, space_id: str, message_id: str, version: str, *, at: datetime
    ) -> bool:
        """Claim a message; ``False`` when it was claimed before."""
        ...

    async def purge_claims(self, older_than: datetime) -> int:
        """Forget old claims; return how many."""
        ...


def message_version(msg: InboundMessage) -> str:
    """``""`` for a new message; for an edit, a digest of its text (each distinct edit is judged once)."""
    if not msg.meta.edited:
        return ""
    return hashlib.sha256(msg.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


async def claim_message(store: object, msg: InboundMessage, at: datetime) -> bool:
    """Whether this process should handle ``msg`` (always, for stores without claims)."""
    if not isinstance(store, MessageClaims) or msg.scope.platform in UNCLAIMED_PLATFORMS:
        return True
    ids = (msg.scope.space_id, msg.message_id)
    if not all(part.lstrip("-").isdigit() for part in ids):
        return True
    claimed = await store.claim_message(
        msg.scope.platform, msg.scope.space_id, msg.message_id, message_version(msg), at=at
    )
    if not claimed:
        log.info(
            "message %s in %s on %s was already handled (duplicate delivery); skipped",
            msg.message_id,
            msg.scope.space_id,
            msg.scope.platform,
        )
    return claimed


class _Service(Protocol):
    """The parts of ``ModerationService`` the purge job uses."""

    @property
    def store(self) -> object:
        """The store."""
        ...

    @property
    def clock(self) -> Clock:
        """The clock."""
        ...


async def purge_old_claims(service: _Service) -> int:
    """Scheduled job: forget claims older than :data:`KEEP_CLAIMS`; return how many."""
    if not isinstance(service.store, MessageClaims):
        return 0
    return await service.store.purge_claims(service.clock.now() - KEEP_CLAIMS)
