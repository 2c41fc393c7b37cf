"""Duplicates trigger: the same text from several members within a window (spam waves)."""

from __future__ import annotations

from moderation.config.schema import DuplicatesTrigger, format_duration
from moderation.rules.triggers.base import TriggerContext, TriggerResult


def check(cfg: DuplicatesTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire when ``members`` distinct members (this author included) posted the same skeleton."""
    text = ctx.skeleton
    if len(text) < cfg.min_length:
        return TriggerResult.miss(f"text shorter than min_length {cfg.min_length}")
    count = ctx.duplicates.members(ctx.msg.scope.community, text, ctx.now, cfg.within)
    span = format_duration(cfg.within)
    if count >= cfg.members:
        return TriggerResult.hit(f"same text from {count} members within {span} >= {cfg.members}")
    return TriggerResult.miss(f"same text from {count} members within {span} < {cfg.members}")
