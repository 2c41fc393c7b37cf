"""Ban action: ban the member, optionally removing their recent messages."""

from __future__ import annotations

from moderation.config.schema import ActionsConfig
from moderation.domain import ActionKind, PlannedAction
from moderation.rules.actions.base import ActionContext


def plan(cfg: ActionsConfig, ctx: ActionContext) -> list[PlannedAction]:
    """Plan a ban when ``ban:`` is set."""
    if cfg.ban is None:
        return []
    return [
        PlannedAction(
            ActionKind.BAN,
            ctx.rule,
            delete_message_days=cfg.ban.delete_message_days,
            reason=ctx.platform_reason,
        )
    ]
