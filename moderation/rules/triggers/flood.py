"""Flood trigger: a member sends ``messages`` messages within ``within``."""

from __future__ import annotations

from moderation.config.schema import FloodTrigger, format_duration
from moderation.rules.triggers.base import TriggerContext, TriggerResult


def member_key(ctx: TriggerContext) -> tuple[str, str, str]:
    """The flood window key of the message's author."""
    return (ctx.msg.scope.community, ctx.msg.author.platform, ctx.msg.author.user_id)


def check(cfg: FloodTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire when the author's messages in the window (this one included) reach ``messages``."""
    count = ctx.flood.count(member_key(ctx), ctx.now, cfg.within)
    span = format_duration(cfg.within)
    if count >= cfg.messages:
        return TriggerResult.hit(f"{count} messages within {span} >= {cfg.messages}")
    return TriggerResult.miss(f"{count} messages within {span} < {cfg.messages}")
