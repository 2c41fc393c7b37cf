"""Review action: hold the rule's other actions until a moderator approves."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def needs_review(cfg: ActionsConfig, band: str | None) -> bool:
    """Whether a fired rule goes to review: ``review: true`` or the classifier's review band."""
    return cfg.review or band == "review"


def plan(ctx: ActionContext) -> PlannedAction:
    """The review request itself (the service opens a review item with the held actions)."""
    return PlannedAction(ActionKind.REVIEW, ctx.rule, reason=ctx.platform_reason)
