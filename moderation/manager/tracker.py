"""The per-message hook: questions and answers, mood buckets and surges, engagement, written in batches."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from moderation.config.schema import CommunityConfig, MoodConfig
from moderation.domain import Decision, InboundMessage, Outcome
from moderation.manager.members import engagement_factor
from moderation.manager.mood import WHOLE, MoodWatch, is_hit
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
    """Feeds every new message into the community manager's tables; never raises.

    The hook itself only builds a small record and queues it: the records are written in one
    transaction per batch (every :attr:`flush_after` seconds, or at once when :attr:`max_pending`
    are waiting), and the mood check runs after each write. So a message pays microseconds here,
    not a database commit; a crash loses at most the last batch of statistics. The manager's jobs
    and reports call :meth:`flush` first, so they always see every message handled so far.
    """

    flush_after = 0.5
    """Seconds a record may wait before its batch is written."""
    max_pending = 500
    """Records that trigger an immediate write."""

    def __init__(self, store: ManagerStore, service: GatewaySource, clock: Clock) -> None:
        self._store = store
        self._service = service
        self._clock = clock
        self.mood = MoodWatch()
        self._pending: list[tuple[TrackedMessage, MoodConfig, str]] = []
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

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
        """Queue one new message (edits are ignored); the batch is written soon after."""
        if msg.meta.edited:
            return
        try:
            event = self._event(community, cfg, msg, classification, decision)
        except Exception:  # the edge of the hook: statistics must never break moderation
            log.exception("community manager could not track message %s", msg.message_id)
            return
        if event.mood_hit:
            self.mood.remember(community, event.platform, event.channel_id, msg.text)
        self._pending.append((event, cfg.mood, community))
        if len(self._pending) >= self.max_pending:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_later(), name="manager-flush")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_after)
        self._timer = None
        await self.flush()

    async def flush(self) -> None:
        """Write the queued records in one transaction, then check the mood of channels with new hits."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await self._store.track_messages([event for event, _, _ in batch])
                await self._check_mood(batch)
            except Exception:  # the edge of one batch: statistics must never break moderation
                log.exception("community manager could not record %d message(s)", len(batch))

    async def _check_mood(self, batch: list[tuple[TrackedMessage, MoodConfig, str]]) -> None:
        latest: dict[tuple[str, str, str], tuple[TrackedMessage, MoodConfig]] = {}
        for event, cfg, community in batch:
            if event.mood_hit:
                latest[(community, event.platform, event.channel_id)] = (event, cfg)
        communities: dict[str, tuple[TrackedMessage, MoodConfig]] = {}
        for (community, platform, channel), (event, cfg) in latest.items():
            communities[community] = (event, cfg)
            alert = await self.mood.check(self._store, cfg, community, platform, channel, event.at)
            if alert is not None:
                log.warning("mood surge in %s channel %s", community, channel)
                await tell_moderators(self._service, community, alert)
        for community, (event, cfg) in communities.items():  # spread over channels, each under the bar
            alert = await self.mood.check(self._store, cfg, community, *WHOLE, event.at)
            if alert is not None:
                log.warning("mood surge across %s", community)
                await tell_moderators(self._service, community, alert)

    async def close(self) -> None:
        """Write what is queued and stop the timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self.flush()

    def _event(
        self,
        community: str,
        cfg: CommunityConfig,
        msg: InboundMessage,
        classification: Classification | None,
        decision: Decision,
    ) -> TrackedMessage:
        now = self._clock.now()
        question = cfg.responses.enabled and is_question(cfg, classification)
        return TrackedMessage(
            community=community,
            platform=msg.scope.platform,
            space_id=msg.scope.space_id,
            channel_id=msg.scope.channel_id,
            message_id=msg.message_id,
            user_id=msg.author.user_id,
            at=now,
            engagement_factor=engagement_factor(now, cfg.digest.half_life),
            question=question,
            excerpt=excerpt(msg.text, EXCERPT_CHARS) if question and cfg.responses.keep_excerpts else None,
            auto_answered=question and auto_answered(decision),
            reply_to=msg.meta.reply_to,
            reply_to_author=msg.meta.reply_to_author,
            staff=msg.author.level >= cfg.moderation.moderator_level,
            staff_window=cfg.responses.staff_window,
            mood=cfg.mood.enabled,
            mood_hit=cfg.mood.enabled and is_hit(cfg.mood, classification),
        )


def attach_tracker(service: TrackedService) -> MessageTracker | None:
    """A tracker for the service, or ``None`` when its store keeps no manager state (in-memory tests)."""
    store = service.store
    if not isinstance(store, ManagerStore):
        return None
    return MessageTracker(store, service, service.clock)
