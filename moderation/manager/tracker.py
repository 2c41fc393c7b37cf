"""The per-message hook: questions and answers, mood buckets and surges, engagement, in one write."""

from __future__ import annotations

import logging
from typing import Protocol

from moderation.config.schema import CommunityConfig
from moderation.domain import Decision, InboundMessage, Outcome
from moderation.manager.members import engagement_factor
from moderation.manager.mood import MoodWatch, is_hit
from moderation.manager.notify import GatewaySource, tell_moderators
from moderation.manager.ports import ManagerStore, TrackedMessage
from moderation.ports import Classification, Clock, Store
from moderation.review.answers import FAQ_RULE
from moderation.review.text import excerpt

log = logging.getLogger(__name__)

EXCERPT_CHARS = 200
"""Characters of a question kept for the reminder (purged with the member data)."""


class TrackedService(GatewaySource, Protocol):
    """What the tracker needs from ``ModerationService``."""

    @property
    def store(self) -> Store:
        """The service's store."""
        ...

    @property
    def clock(self) -> Clock:
        """The service's clock."""
        ...


def is_question(cfg: CommunityConfig, classification: Classification | None) -> bool:
    """Whether a message counts as a question (``question`` score at or above ``faq.question_at``)."""
    if classification is None:
        return False
    return classification.labels.get("question", 0.0) >= cfg.faq.question_at


def auto_answered(decision: Decision) -> bool:
    """Whether Steward answered the message itself from the FAQ."""
    return not decision.dry_run and decision.outcome is Outcome.REPLY and FAQ_RULE in decision.fired_rules


class MessageTracker:
    """Feeds every new message into the community manager's tables; never raises."""

    def __init__(self, store: ManagerStore, service: GatewaySource, clock: Clock) -> None:
        self._store = store
        self._service = service
        self._clock = clock
        self.mood = MoodWatch()

    @staticmethod
    def wants_classifier(cfg: CommunityConfig) -> bool:
        """Whether the mood watch or question tracking needs messages classified."""
        return cfg.mood.enabled or cfg.responses.enabled

    async def observe(
        self,
        community: str,
        cfg: CommunityConfig,
        msg: InboundMessage,
        classification: Classification | None,
        decision: Decision,
    ) -> None:
        """Record one new message (edits are ignored); alert moderators on a mood surge."""
        if msg.meta.edited:
            return
        try:
            await self._observe(community, cfg, msg, classification, decision)
        except Exception:  # the edge of the hook: statistics must never break moderation
            log.exception("community manager could not track message %s", msg.message_id)

    async def _observe(
        self,
        community: str,
        cfg: CommunityConfig,
        msg: InboundMessage,
        classification: Classification | None,
        decision: Decision,
    ) -> None:
        now = self._clock.now()
        question = cfg.responses.enabled and is_question(cfg, classification)
        hit = cfg.mood.enabled and is_hit(cfg.mood, classification)
        event = TrackedMessage(
            community=community,
            platform=msg.scope.platform,
            space_id=msg.scope.space_id,
            channel_id=msg.scope.channel_id,
            message_id=msg.message_id,
            user_id=msg.author.user_id,
            at=now,
            engagement_factor=engagement_factor(now, cfg.digest.half_life),
            question=question,
            excerpt=excerpt(msg.text, EXCERPT_CHARS) if question else None,
            auto_answered=question and auto_answered(decision),
            reply_to=msg.meta.reply_to,
            reply_to_author=msg.meta.reply_to_author,
            staff=msg.author.level >= cfg.moderation.moderator_level,
            staff_window=cfg.responses.staff_window,
            mood=cfg.mood.enabled,
            mood_hit=hit,
        )
        await self._store.track_message(event)
        if not hit:
            return
        scope = msg.scope
        self.mood.remember(community, scope.platform, scope.channel_id, msg.text)
        alert = await self.mood.check(self._store, cfg.mood, community, scope.platform, scope.channel_id, now)
        if alert is not None:
            log.warning("mood surge in %s channel %s", community, scope.channel_id)
            await tell_moderators(self._service, community, alert)


def attach_tracker(service: TrackedService) -> MessageTracker | None:
    """A tracker for the service, or ``None`` when its store keeps no manager state (in-memory tests)."""
    store = service.store
    if not isinstance(store, ManagerStore):
        return None
    return MessageTracker(store, service, service.clock)
