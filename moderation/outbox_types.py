"""Records and the store protocol of the action outbox (per-action state, unfinished decisions)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from moderation.domain import PlannedAction, RuleTrace


class ActionStatus(enum.StrEnum):
    """Where one planned action stands."""

    STARTED = "started"
    RETRY = "retry"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        """Whether the action is finished for good (never run again)."""
        return self in (ActionStatus.DONE, ActionStatus.FAILED, ActionStatus.UNKNOWN)


ESCALATE_SEQ = -1
"""The ``seq`` of a decision's escalation to the review queue (its actions count from 0)."""


@dataclass(frozen=True)
class ActionState:
    """The stored state of one action of a decision.

    Attributes:
        seq: Position in the decision's actions (:data:`ESCALATE_SEQ` for the escalation).
        kind: The action kind (or ``escalate``).
        status: Where it stands.
        attempts: Tries so far, over every run.
        error: The last failure, if any.
        result_message_id: The message the action posted, if any.
    """

    seq: int
    kind: str
    status: ActionStatus
    attempts: int = 0
    error: str | None = None
    result_message_id: str | None = None


@dataclass(frozen=True)
class UnfinishedDecision:
    """A stored decision whose actions are not all finished, with what is needed to run them again."""

    id: int
    community: str
    platform: str
    space_id: str
    channel_id: str
    message_id: str
    user_id: str
    outcome: str
    actions: tuple[PlannedAction, ...]
    held_actions: tuple[PlannedAction, ...]
    traces: tuple[RuleTrace, ...]
    created_at: datetime
    states: Mapping[int, ActionState] = field(default_factory=dict)
    user_name: str = ""
    text: str = ""


@runtime_checkable
class OutboxStore(Protocol):
    """What the outbox needs from the store beyond ``moderation.ports.Store``."""

    async def set_action_state(
        self,
        decision_id: int,
        state: ActionState,
        *,
        at: datetime,
    ) -> None:
        """Create or replace the state of one action of a decision."""
        ...

    async def has_decision(self, platform: str, space_id: str, message_id: str) -> bool:
        """Whether a decision about this message is stored already (a redelivered update)."""
        ...

    async def action_states(self, decision_id: int) -> dict[int, ActionState]:
        """States of a decision's actions by ``seq``."""
        ...

    async def unfinished_decisions(
        self, *, created_before: datetime | None = None, limit: int = 500
    ) -> list[UnfinishedDecision]:
        """Decisions not marked done (oldest first), with their action states, names and flagged text."""
        ...
