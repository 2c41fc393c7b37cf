"""New-member trigger: joined less than ``joined_within`` ago, or among their first messages."""

from __future__ import annotations

from moderation.config.schema import NewMemberTrigger, format_duration
from moderation.rules.triggers.base import TriggerContext, TriggerResult


def check(cfg: NewMemberTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire when either configured condition holds.

    ``member.message_count`` counts the author's earlier messages (this one is recorded after the
    decision), so this message is number ``message_count + 1``; an unknown member has none.
    """
    misses: list[str] = []
    if cfg.joined_within is not None:
        joined = (ctx.member.joined_at if ctx.member else None) or ctx.msg.author.joined_at
        span = format_duration(cfg.joined_within)
        if joined is None:
            misses.append("join time unknown")
        elif ctx.now - joined < cfg.joined_within:
            age = format_duration(max(ctx.now - joined, ctx.now - ctx.now))
            return TriggerResult.hit(f"joined {age} ago < {span}")
        else:
            misses.append(f"joined more than {span} ago")
    if cfg.first_messages is not None:
        number = (ctx.member.message_count if ctx.member else 0) + 1
        if number <= cfg.first_messages:
            return TriggerResult.hit(f"message #{number} <= first_messages {cfg.first_messages}")
        misses.append(f"message #{number} > first_messages {cfg.first_messages}")
    return TriggerResult.miss("; ".join(misses))
