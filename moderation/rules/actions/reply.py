"""Reply action: answer in the channel with a brand-voice template."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a reply rendered from ``voice.replies[reply]`` (skipped if the template is missing)."""
    if cfg.reply is None:
        return []
    text = ctx.text(cfg.reply)
    if text is None:
        return []
    return [PlannedAction(ActionKind.REPLY, ctx.rule, text=text, reason=ctx.platform_reason)]
