"""Notify action: tell the moderators with a template (no signature)."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a moderators' notification; a missing template falls back to the rule and reason."""
    if cfg.notify is None:
        return []
    text = ctx.text(cfg.notify, signed=False) or f"Rule {ctx.rule} fired: {ctx.reason}"
    return [PlannedAction(ActionKind.NOTIFY, ctx.rule, text=text, reason=ctx.platform_reason)]
