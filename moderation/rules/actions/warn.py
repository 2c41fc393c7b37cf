"""Warn action: tell the member (by DM, falling back to the channel); each warning is a strike."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a warning rendered from ``voice.replies[warn.template]``.

    A missing template still plans the warning (it is a strike) with a plain fallback text.
    """
    if cfg.warn is None:
        return []
    text = ctx.text(cfg.warn.template) or f"Warning ({ctx.rule})."
    return [PlannedAction(ActionKind.WARN, ctx.rule, text=text, dm=cfg.warn.dm, reason=ctx.platform_reason)]
