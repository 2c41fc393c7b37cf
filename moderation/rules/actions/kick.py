"""Kick action: kick the member (they may come back)."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a kick when ``kick: true``."""
    if not cfg.kick:
        return []
    return [PlannedAction(ActionKind.KICK, ctx.rule, reason=ctx.platform_reason)]
