"""Fewer database round trips on a message's common path, for stores that batch them (``SqlStore``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from moderation.domain import Decision, InboundMessage
from moderation.ports import Store
from moderation.records import MemberRecord
from moderation.review.answers import FAQ_RULE


@runtime_checkable
class BatchedIntake(Protocol):
    """A store that reads and writes a message's rows in one transaction each."""

    async def member_and_pauses(
        self, community: str, platform: str, user_id: str, now: datetime
    ) -> tuple[MemberRecord | None, dict[str, datetime]]:
        """The author's member row and the community's active pauses, read together."""
        ...

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
        """Store the decision and the message row atomically; return the decision's id."""
        ...


async def read_member_and_pauses(
    store: Store, community: str, msg: InboundMessage, now: datetime
) -> tuple[MemberRecord | None, Mapping[str, datetime]]:
    """The author's member row and the rules paused at ``now`` (one transaction when the store can)."""
    platform, user_id = msg.scope.platform, msg.author.user_id
    if isinstance(store, BatchedIntake):
        return await store.member_and_pauses(community, platform, user_id, now)
    return await store.get_member(community, platform, user_id), await store.active_pauses(community, now)


async def save_decision_and_message(
    store: Store,
    community: str,
    msg: InboundMessage,
    decision: Decision,
    *,
    at: datetime,
    lang: str | None,
) -> int:
    """Store a decision, then the message's row; return the decision's id (one transaction when it can).

    The message's text is kept only when a moderation rule (not a FAQ answer) fired. Either way the
    decision is committed before the caller runs any of its actions.
    """
    flagged = any(rule != FAQ_RULE for rule in decision.fired_rules)
    if isinstance(store, BatchedIntake):
        return await store.save_decision_with_message(
            community, msg, decision, at=at, lang=lang, flagged=flagged
        )
    decision_id = await store.save_decision(community, msg, decision, at=at)
    await store.record_message(community, msg, lang=lang, flagged=flagged)
    return decision_id
