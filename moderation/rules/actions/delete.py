"""Delete action: delete the message."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a delete when ``delete: true``."""
    if not cfg.delete:
        return []
    return [PlannedAction(ActionKind.DELETE, ctx.rule, reason=ctx.platform_reason)]
