"""Mentions trigger: more than ``max`` members mentioned in one message."""

from __future__ import annotations

import re

from moderation.config.schema import MentionsTrigger
from moderation.rules.triggers.base import TriggerContext, TriggerResult

_AT_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_][\w.]{0,63})")
_DISCORD_MENTION = re.compile(r"<@[!&]?(\d{1,25})>")
_TEXT_CAP = 20_000


def count_mentions(ctx: TriggerContext) -> int:
    """Distinct mentions: the platform's parsed ones plus ``@name`` and ``<@id>`` found in the text."""
    text = ctx.msg.text[:_TEXT_CAP]
    found = {m.lower() for m in ctx.msg.meta.mentions}
    found.update(m.lower() for m in _DISCORD_MENTION.findall(text))
    found.update("@" + m.lower().rstrip(".") for m in _AT_MENTION.findall(text))
    return len(found)


def check(cfg: MentionsTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire when the distinct mention count exceeds ``max``."""
    count = count_mentions(ctx)
    if count > cfg.max:
        return TriggerResult.hit(f"{count} mentions > max {cfg.max}")
    return TriggerResult.miss(f"{count} mentions <= max {cfg.max}")
