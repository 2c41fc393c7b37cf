"""The action outbox: actions run with retries, each outcome recorded, unfinished work resumed.

A stored decision's actions run one by one; each one's state is written as it goes, and whatever a
crash, a restart or a long platform outage left unfinished is resumed later.

Idempotent actions (delete, timeout, kick, ban: repeating them changes nothing on the platform) are run
again until they succeed. Actions that post something (reply, warn, notify) are marked ``started``
before they are sent; one found ``started`` after a crash may or may not have reached the platform, so
it is not repeated (at most once) but reported as ``unknown``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from moderation.cases import BOT_MODERATOR, record_results
from moderation.config.schema import CommunityConfig
from moderation.domain import (
    ActionKind,
    Actor,
    Decision,
    InboundMessage,
    MemberRef,
    Outcome,
    PlannedAction,
    Scope,
)
from moderation.executor import (
    ActionResult,
    Executor,
    Target,
    missing_permission_text,
    skipped_reply,
    still_there,
)
from moderation.outbox_types import ESCALATE_SEQ, ActionState, ActionStatus, OutboxStore, UnfinishedDecision
from moderation.ports import ChatGateway, Clock, Store

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({ActionKind.DELETE, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN})
"""Action kinds that may safely run again after a crash (the platform state ends up the same)."""

MAX_ATTEMPTS = 12
"""Tries per action over every run (each run tries a few times with backoff) before giving up."""

RESUME_GRACE = timedelta(seconds=10)
"""The periodic resume leaves decisions younger than this to the handler that is running them."""


class OutboxHost(Protocol):
    """What the outbox needs from the service: gateways, configuration and the review desk."""

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway of one platform, if registered."""
        ...

    def communities(self) -> list[str]:
        """Names of the configured communities."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """A community's base configuration."""
        ...

    @property
    def desk(self) -> Desk:
        """The review desk (escalations)."""
        ...


class Desk(Protocol):
    """The review desk's escalation (``moderation.review.desk.ReviewDesk``)."""

    async def escalate(
        self, community: str, cfg: CommunityConfig, msg: InboundMessage, decision: Decision, decision_id: int
    ) -> object:
        """Open a review case for a decision and post its card."""
        ...


class FullStore(Store, OutboxStore, Protocol):
    """A store with the outbox's methods."""


Escalate = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class _Work:
    decision_id: int
    community: str
    scope: Scope
    author: Actor
    message_id: str | None
    actions: tuple[PlannedAction, ...]
    states: Mapping[int, ActionState]
    escalate: Escalate | None


def supports_outbox(store: Store) -> bool:
    """Whether ``store`` keeps per-action states (the SQL store does; simple test stores may not)."""
    return isinstance(store, OutboxStore)


class Outbox:
    """Runs decisions' actions through the gateways, recording each action's outcome as it goes.

    Args:
        store: A store with the outbox methods.
        executor: Runs one action with a few quick retries.
        clock: Time source.
        host: The service (gateways, configuration).
        max_attempts: Tries per action over all runs before it is marked failed.
    """

    def __init__(
        self,
        store: FullStore,
        executor: Executor,
        clock: Clock,
        host: OutboxHost,
        *,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._store = store
        self._executor = executor
        self._clock = clock
        self._host = host
        self._max_attempts = max_attempts
        self._active: set[int] = set()
        self.resumed = 0
        """Decisions finished by :meth:`resume` since start (a counter for metrics and tests)."""

    @property
    def active(self) -> frozenset[int]:
        """Ids of the decisions being executed right now in this process."""
        return frozenset(self._active)

    async def execute(
        self, community: str, cfg: CommunityConfig, msg: InboundMessage, decision: Decision, decision_id: int
    ) -> list[str]:
        """Run a freshly stored decision's actions (and its escalation); return the failure lines.

        The decision is marked done unless an action still fails with a retryable error: then it stays
        pending and :meth:`resume` runs what is left later. Dry-run decisions are only marked done.
        """
        escalate: Escalate | None = None
        if not decision.dry_run and (decision.held_actions or decision.outcome is Outcome.REVIEW):

            async def escalate() -> object:
                return await self._host.desk.escalate(community, cfg, msg, decision, decision_id)

        actions = () if decision.dry_run else decision.actions
        if not decision.actions and escalate is None:
            return []  # stored as done already (``save_decision``): nothing to run, nothing to write
        work = _Work(decision_id, community, msg.scope, msg.author, msg.message_id, actions, {}, escalate)
        return (await self._run(work))[1]

    async def resume(self, *, created_before: datetime | None = None) -> int:
        """Run the unfinished actions of every stored decision not being executed now.

        Returns:
            How many decisions were finished.

        Args:
            created_before: Only decisions stored before this (the periodic job leaves fresh ones alone).
        """
        finished = 0
        configured = set(self._host.communities())
        for pending in await self._store.unfinished_decisions(created_before=created_before):
            if pending.id in self._active:
                continue
            if pending.community not in configured:
                await self._store.mark_decision_done(pending.id, ["community no longer configured"])
                continue
            if self._host.gateway(pending.platform) is None:
                continue  # that platform is not connected in this process; leave it for one that is
            try:
                done, _failures = await self._run(self._resumed_work(pending))
            except Exception:  # the edge of one decision: the others still get their turn
                log.exception("resuming decision %s failed; it stays pending", pending.id)
                continue
            if done:
                finished += 1
        self.resumed += finished
        if finished:
            log.info("outbox: finished %d interrupted decision(s)", finished)
        return finished

    def _resumed_work(self, pending: UnfinishedDecision) -> _Work:
        scope = Scope(pending.platform, pending.community, pending.space_id, pending.channel_id)
        author = Actor(pending.platform, pending.user_id, pending.user_name or pending.user_id)
        escalate: Escalate | None = None
        states = pending.states
        wants_review = pending.outcome == Outcome.REVIEW.value or bool(pending.held_actions)
        done = states.get(ESCALATE_SEQ)
        if wants_review and (done is None or not done.status.final):
            msg = InboundMessage(scope, author, pending.message_id, pending.text, pending.created_at)
            decision = Decision(
                Outcome(pending.outcome),
                actions=pending.actions,
                held_actions=pending.held_actions,
                traces=pending.traces,
            )
            escalate = self._escalation(pending.community, msg, decision, pending.id)
        return _Work(
            pending.id,
            pending.community,
            scope,
            author,
            pending.message_id or None,
            pending.actions,
            states,
            escalate,
        )

    def _escalation(
        self, community: str, msg: InboundMessage, decision: Decision, decision_id: int
    ) -> Escalate:
        async def escalate() -> object:
            cfg = self._host.community_config(community)
            return await self._host.desk.escalate(community, cfg, msg, decision, decision_id)

        return escalate

    async def _run(self, work: _Work) -> tuple[bool, list[str]]:
        self._active.add(work.decision_id)
        try:
            return await self._run_actions(work)
        finally:
            self._active.discard(work.decision_id)

    async def _run_actions(self, work: _Work) -> tuple[bool, list[str]]:
        failures: list[str] = []
        unfinished = False
        deleting = any(a.kind is ActionKind.DELETE for a in work.actions)
        gateway = self._host.gateway(work.scope.platform)
        member = MemberRef(work.scope.platform, work.scope.space_id, work.author.user_id)
        target = Target(work.community, work.scope, member, work.message_id)
        undeleted: set[str] = set()  # rules whose delete failed: their replies would be untrue
        deferred: set[str] = set()  # rules whose delete will be retried: their replies wait for it
        for seq, action in enumerate(work.actions):
            if action.kind is ActionKind.REVIEW:
                continue
            state = work.states.get(seq)
            if state is not None and state.status.final:
                if state.status is not ActionStatus.DONE:
                    failures.append(state.error or f"{action.kind}: {state.status}")
                    if action.kind is ActionKind.DELETE and "not_found" not in (state.error or ""):
                        undeleted.add(action.rule)
                continue
            if action.kind is ActionKind.REPLY and action.rule in deferred:
                unfinished = True
                continue
            if action.kind is ActionKind.REPLY and action.rule in undeleted and gateway is not None:
                outcome = await self._record(work, seq, gateway, target, skipped_reply(action), 0)
                failures.append(outcome or "reply: not sent, the rule's delete failed")
                continue
            if state is not None and state.status is ActionStatus.STARTED and action.kind not in IDEMPOTENT:
                error = f"{action.kind}: interrupted while sending; not repeated (it may have been sent)"
                await self._set(work, seq, action, ActionStatus.UNKNOWN, state.attempts, error)
                failures.append(error)
                continue
            if gateway is None:
                error = f"no gateway registered for {work.scope.platform}"
                await self._set(work, seq, action, ActionStatus.FAILED, 0, error)
                failures.append(error)
                continue
            before = state.attempts if state is not None else 0
            if action.kind not in IDEMPOTENT:
                await self._set(work, seq, action, ActionStatus.STARTED, before)
            result = await self._executor.run_one(gateway, target, action, reply_to_message=not deleting)
            outcome = await self._record(work, seq, gateway, target, result, before + result.attempts)
            if outcome is None:
                unfinished = True
            elif outcome:
                failures.append(outcome)
            if action.kind is ActionKind.DELETE and still_there(result):
                (deferred if outcome is None else undeleted).add(action.rule)
        if work.escalate is not None:
            await work.escalate()
            await self._store.set_action_state(
                work.decision_id,
                ActionState(ESCALATE_SEQ, "escalate", ActionStatus.DONE, 1),
                at=self._clock.now(),
            )
        if unfinished:
            return False, failures
        await self._store.mark_decision_done(work.decision_id, failures)
        return True, failures

    async def _record(
        self, work: _Work, seq: int, gateway: ChatGateway, target: Target, result: ActionResult, attempts: int
    ) -> str | None:
        """Store one action's outcome; return ``""`` (done), a failure line, or ``None`` (retry later)."""
        action = result.action
        if result.ok:
            await self._set(work, seq, action, ActionStatus.DONE, attempts, result_id=result.message_id)
            await record_results(
                self._store,
                work.community,
                work.author,
                work.scope,
                work.message_id,
                [result],
                moderator=BOT_MODERATOR,
                at=self._clock.now(),
                decision_id=work.decision_id,
            )
            return ""
        error = result.error
        if error is not None and error.retryable and attempts < self._max_attempts:
            await self._set(work, seq, action, ActionStatus.RETRY, attempts, result.describe())
            return None
        await self._set(work, seq, action, ActionStatus.FAILED, attempts, result.describe())
        if error is not None and error.reason == "missing_permissions":
            await self._report_missing(
                gateway, target, error.action, missing_permission_text(gateway.platform, error)
            )
        return result.describe()

    async def _set(
        self,
        work: _Work,
        seq: int,
        action: PlannedAction,
        status: ActionStatus,
        attempts: int,
        error: str | None = None,
        *,
        result_id: str | None = None,
    ) -> None:
        state = ActionState(seq, str(action.kind), status, attempts, error, result_id)
        await self._store.set_action_state(work.decision_id, state, at=self._clock.now())

    async def _report_missing(self, gateway: ChatGateway, target: Target, action: str, text: str) -> None:
        if not self._executor.notices.first_time(target.community, gateway.platform, action):
            return
        try:
            await gateway.notify_moderators(target.community, text)
        except Exception:  # best effort; the failure is already recorded
            log.exception("could not tell moderators about a missing permission")


def outbox_for(store: Store, executor: Executor, clock: Clock, host: OutboxHost) -> Outbox | None:
    """An outbox over ``store`` when it keeps action states, else ``None`` (actions run the old way)."""
    if not isinstance(store, OutboxStore):
        return None
    return Outbox(store, executor, clock, host)


__all__: Sequence[str] = ("IDEMPOTENT", "Outbox", "outbox_for", "supports_outbox")
