"""The review desk: escalate decisions to the shared queue, approve or reject them, refresh the cards."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from moderation.cases import audit, ladder_action, record_results
from moderation.config.schema import CommunityConfig
from moderation.domain import ActionKind, Actor, CommandReply, Decision, InboundMessage, PlannedAction
from moderation.errors import CommandError, Conflict, NotFound
from moderation.executor import Executor, Target
from moderation.ports import ChatGateway, Clock, Store
from moderation.records import ReviewRecord
from moderation.review.queue import ReviewQueue, review_card, review_member, review_scope
from moderation.review.registry import moderator_name

log = logging.getLogger(__name__)


class Gateways(Protocol):
    """Where the desk finds platform gateways (the service)."""

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway of one platform, if registered."""
        ...

    def gateways_for(self, community: str, also: str | None = None) -> list[ChatGateway]:
        """Registered gateways of a community's platforms (plus ``also``)."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """A community's base configuration."""
        ...


class ReviewDesk:
    """Review flows shared by messages, commands, buttons and jobs."""

    def __init__(self, store: Store, clock: Clock, executor: Executor, gateways: Gateways) -> None:
        self.store = store
        self.clock = clock
        self.executor = executor
        self.queue = ReviewQueue(store, clock)
        self._gateways = gateways

    async def escalate(
        self, community: str, cfg: CommunityConfig, msg: InboundMessage, decision: Decision, decision_id: int
    ) -> ReviewRecord:
        """Open a review case for a decision, store its held actions and post the card everywhere."""
        trace = next((t for t in decision.traces if t.fired and t.band == "review"), None)
        trace = trace or next((t for t in decision.traces if t.fired), None)
        suggested = next((a.text for a in decision.held_actions if a.rule == "faq"), None)
        review = await self.queue.escalate(
            community,
            msg,
            rule=trace.rule if trace else "review",
            reason=trace.reason if trace else "",
            held=[a for a in decision.held_actions if a.kind is not ActionKind.REVIEW],
            expiry=cfg.moderation.review_expiry,
            decision_id=decision_id,
            suggested_reply=suggested,
        )
        await self.broadcast_card(review)
        return review

    async def broadcast_card(self, review: ReviewRecord) -> None:
        """Post or refresh a review's card on every platform of its community."""
        card = review_card(review)
        for gateway in self._gateways.gateways_for(review.community, also=review.platform):
            try:
                await gateway.send_review_card(review.community, card)
            except Exception:  # one platform's outage must not hide the card elsewhere
                log.exception("could not post review card #%s on %s", review.case_number, gateway.platform)

    async def approve_case(
        self,
        community: str,
        number: int,
        caller: Actor,
        note: str | None,
        *,
        extra: Sequence[PlannedAction] = (),
    ) -> CommandReply:
        """Approve a pending review, run its held actions (plus ``extra``) and refresh its cards."""
        moderator = moderator_name(caller)
        review = await self._resolve(
            community, number, lambda: self.queue.approve(community, number, moderator, note)
        )
        actions = list(review.held_actions)
        actions += [a for a in extra if all(h.kind is not a.kind for h in actions)]
        strikes = self._gateways.community_config(community).strikes
        step = await ladder_action(
            self.store, strikes, community, review.platform, review.user_id, actions, self.clock.now()
        )
        actions += [step] if step is not None else []
        failures: list[str] = []
        gateway = self._gateways.gateway(review.platform)
        if actions and gateway is None:
            failures.append(f"no {review.platform} connection is running to carry out the actions")
        elif actions and gateway is not None:
            target = Target(community, review_scope(review), review_member(review), review.message_id)
            results = await self.executor.run(gateway, target, actions)
            failures = await record_results(
                self.store,
                community,
                Actor(review.platform, review.user_id, review.user_name),
                review_scope(review),
                review.message_id,
                results,
                moderator=moderator,
                at=self.clock.now(),
            )
        done = ", ".join(str(a.kind) for a in actions) or "nothing to run"
        detail = done + (f"; failed: {'; '.join(failures)}" if failures else "")
        await audit(self.store, community, number, moderator, "ran held actions", detail, self.clock.now())
        await self.broadcast_card(review)
        text = f"Approved case #{number}: {done}."
        if failures:
            text += " Some actions failed: " + "; ".join(failures)
        return CommandReply(text, card=review_card(review))

    async def reject_case(self, community: str, number: int, caller: Actor, note: str | None) -> CommandReply:
        """Reject a pending review as a false positive and refresh its cards."""
        moderator = moderator_name(caller)
        review = await self._resolve(
            community, number, lambda: self.queue.reject(community, number, moderator, note)
        )
        await self.broadcast_card(review)
        return CommandReply(
            f"Rejected case #{number}; recorded as a false positive.", card=review_card(review)
        )

    async def expire(self) -> list[ReviewRecord]:
        """Expire overdue reviews and refresh their cards."""
        expired = await self.queue.expire()
        for review in expired:
            await self.broadcast_card(review)
        return expired

    async def _resolve(
        self, community: str, number: int, change: Callable[[], Awaitable[ReviewRecord]]
    ) -> ReviewRecord:
        try:
            return await change()
        except NotFound:
            raise CommandError(f"There is no review for case #{number}.") from None
        except Conflict:
            current = await self.store.get_review(community, number)
            state = str(current.status) if current is not None else "resolved"
            by = f" by {current.resolved_by}" if current is not None and current.resolved_by else ""
            raise CommandError(f"Case #{number} was already {state}{by}; nothing was done.") from None
