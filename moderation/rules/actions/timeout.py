"""Timeout action: mute the member for a duration."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a timeout when ``timeout:`` is set (a zero duration plans nothing)."""
    if cfg.timeout is None or cfg.timeout.total_seconds() <= 0:
        return []
    return [PlannedAction(ActionKind.TIMEOUT, ctx.rule, duration=cfg.timeout, reason=ctx.platform_reason)]
