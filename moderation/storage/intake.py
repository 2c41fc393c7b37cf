"""A message's common path in two transactions: member and pauses read, decision and message written."""

from __future__ import annotations

from datetime import datetime

from moderation.domain import Decision, InboundMessage
from moderation.records import MemberRecord
from moderation.storage.decisions import DecisionsMixin
from moderation.storage.members import MembersMixin
from moderation.storage.upkeep import UpkeepMixin


class IntakeMixin(MembersMixin, DecisionsMixin, UpkeepMixin):
    """Batched reads and writes for ``ModerationService.handle_message`` (see ``moderation.intake_store``)."""

    async def member_and_pauses(
        self, community: str, platform: str, user_id: str, now: datetime
    ) -> tuple[MemberRecord | None, dict[str, datetime]]:
        """``get_member`` and ``active_pauses`` in one transaction."""
        async with self._tx() as session:
            member = await self._get_member_in(session, community, platform, user_id)
            return member, await self._active_pauses_in(session, community, now)

    async def save_decision_with_message(
        self,
        community: str,
        msg: InboundMessage,
        decision: Decision,
        *,
        at: datetime,
        lang: str | None,
        flagged: bool,
    ) -> int:
        """``save_decision`` then ``record_message`` in one transaction (both or neither); return the id.

        The decision is still committed before any of its actions run: the caller runs them afterwards.
        """
        async with self._tx() as session:
            decision_id = await self._save_decision_in(session, community, msg, decision, at=at)
            await self._record_message_in(session, community, msg, lang=lang, flagged=flagged)
            return decision_id
